"""The entry guard: closed vocabulary, shapes, canonical JSON (RFC 8785)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from ledger_factories import at, entry, pseudonym

from fairscreen.domain.errors import LedgerEntryRefused
from fairscreen.ledger.entries import (
    RETIRED_EVENT_TYPES,
    ActorRole,
    EventType,
    LedgerEntry,
    Outcome,
    check_entry,
    decode_entry,
    derive_pseudonym,
    encode_entry,
)

VOCABULARY = {
    "authorization.signed",
    "authorization.revoked",
    "scope.set",
    "source.queried",
    "report.rated",
    "review.opened",
    "dispute.opened",
    "dispute.resolved",
    "document.supplied",
    "document.answered",
    "report.released",
    "report.read",
    "decision.recorded",
    "deletion.requested",
    "data.destroyed",
    "retention.hold",
}
#: Read in old logs, never written: each was made only by an adverse decision (issue 13
#: item 6 added them; PRODUCT.md §6 forbids a type that tells a decision's outcome).
RETIRED = {"notice.pre_adverse", "notice.responded", "notice.adverse_action"}


def test_event_vocabulary_is_exactly_the_issue_list() -> None:
    assert {str(t) for t in EventType} - RETIRED == VOCABULARY
    assert {str(t) for t in RETIRED_EVENT_TYPES} == RETIRED


@pytest.mark.parametrize("retired", sorted(RETIRED))
def test_a_retired_type_is_read_but_never_written(retired: str) -> None:
    old = encode_entry(entry(retired, role="employer", actor="usr_hr", when=at(2)))
    assert decode_entry(old).type == retired
    with pytest.raises(LedgerEntryRefused) as refused:
        LedgerEntry(
            type=EventType(retired),
            case=pseudonym("case", "a"),
            actor_role=ActorRole.EMPLOYER,
            actor=pseudonym("usr", "hr"),
            at=datetime(2026, 3, 1, tzinfo=UTC),
            commitment="0" * 64,
        )
    assert refused.value.field == "type"


def test_outcome_vocabulary_is_the_disputes_and_the_decisions() -> None:
    """PRODUCT.md P4: a disputed finding ends upheld, corrected or removed; P6: the
    decision is hired or not hired."""
    assert {str(o) for o in Outcome} == {"upheld", "corrected", "removed", "hired", "not_hired"}


def test_actor_roles_are_the_products_actors_and_the_system() -> None:
    """PRODUCT.md §2's five actors, and the system for scheduled work (the purge job)."""
    assert {str(r) for r in ActorRole} == {
        "candidate",
        "employer",
        "agency",
        "regulator",
        "operator",
        "system",
    }


def test_a_full_entry_is_canonical_json_and_round_trips() -> None:
    mapping = entry(
        "authorization.signed",
        role="candidate",
        actor="subj_luo",
        categories=["education", "identity"],
        expires_at=at(30),
        employer=pseudonym("emp", "acme"),
    )
    data = encode_entry(mapping)
    assert data == json.dumps(mapping, sort_keys=True, separators=(",", ":")).encode()
    decoded = decode_entry(data)
    assert decoded.type is EventType.AUTHORIZATION_SIGNED
    assert decoded.actor_role is ActorRole.CANDIDATE
    assert decoded.categories == ("education", "identity")
    assert decoded.to_bytes() == data


def test_the_dataclass_and_the_mapping_give_the_same_bytes() -> None:
    built = LedgerEntry(
        type=EventType.SOURCE_QUERIED,
        case=pseudonym("case", "a"),
        actor_role=ActorRole.AGENCY,
        actor=pseudonym("usr", "agent"),
        at=datetime(2026, 3, 1, 9, 0, 0, 250_000, tzinfo=UTC),
        commitment="0" * 64,
        category="education",
    )
    # version 2: whole seconds (floored), the keyed commitment under its own name
    assert b'"at":"2026-03-01T09:00:00Z"' in built.to_bytes()
    assert b'"commitment":"' in built.to_bytes() and b'"digest"' not in built.to_bytes()
    assert b'"v":2' in built.to_bytes()
    assert decode_entry(built.to_bytes()) == built


def version_2(**fields: Any) -> dict[str, Any]:
    mapping = entry("report.rated", role="agency", actor="usr_agent", **fields)
    mapping["v"] = 2
    mapping["commitment"] = mapping.pop("digest")
    return mapping


def test_version_2_tells_no_result_and_no_fine_time() -> None:
    """PRODUCT.md §6, issue 12 item 1: no outcome in clear, times no finer than the audit
    needs (an employer matched microseconds to find its own case's pseudonym)."""
    assert decode_entry(encode_entry(version_2())).v == 2
    cases = [
        (version_2(outcome="hired"), "outcome"),
        (version_2(at="2026-03-01T09:00:00.250000Z"), "at"),
        (version_2(window_ends="2026-03-06T09:00:00.5Z"), "window_ends"),
        ({**version_2(), "digest": "0" * 64}, "digest"),
    ]
    for mapping, field in cases:
        with pytest.raises(LedgerEntryRefused) as caught:
            encode_entry(mapping)
        assert caught.value.field == field
    without = version_2()
    del without["commitment"]
    with pytest.raises(LedgerEntryRefused, match="commitment: is required"):
        encode_entry(without)


def test_version_1_entries_stay_readable() -> None:
    """Existing logs keep their entries: a version-1 entry, with its plain digest, its
    outcome and its microseconds, decodes and re-encodes to the same bytes."""
    old = entry("decision.recorded", role="employer", actor="usr_hr", outcome="not_hired")
    old["at"] = "2026-03-01T09:00:00.123456Z"
    data = encode_entry(old)
    decoded = decode_entry(data)
    assert decoded.v == 1 and decoded.outcome is Outcome.NOT_HIRED
    assert decoded.commitment == old["digest"]
    assert decoded.to_bytes() == data


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": "Zhang Wei"}, "name"),
        ({"id_number": "110101199003074578"}, "id_number"),
        ({"note": "free text"}, "note"),
        ({"case": "Zhang Wei"}, "case"),
        ({"case": "110101199003074578"}, "case"),
        ({"case": "case_110101199003074578"}, "case"),
        ({"case": "usr_" + "a" * 32}, "case"),
        ({"case": "case_" + "A" * 32}, "case"),
        ({"actor": {"role": "agency", "pseudonym": "Li Na"}}, "actor.pseudonym"),
        ({"actor": {"role": "agency", "pseudonym": "usr_" + "a" * 32, "name": "Li"}}, "actor.name"),
        ({"actor": {"role": "boss", "pseudonym": "usr_" + "a" * 32}}, "actor.role"),
        ({"actor": "usr_" + "a" * 32}, "actor"),
        ({"type": "report.leaked"}, "type"),
        ({"at": "2026-03-01 09:00"}, "at"),
        ({"at": "2026-03-01T09:00:00+08:00"}, "at"),
        ({"at": "2026-02-30T09:00:00Z"}, "at"),
        ({"digest": "abc"}, "digest"),
        ({"v": 3}, "v"),
        ({"v": True}, "v"),
        ({"categories": ["education", "hobbies"]}, "categories[1]"),
        ({"categories": ["identity", "education"]}, "categories"),
        ({"categories": []}, "categories"),
        ({"category": "Zhang"}, "category"),
        ({"employer": "ACME Ltd"}, "employer"),
        ({"rulebook_sha256": "v1"}, "rulebook_sha256"),
        ({"reason": "because I wanted to"}, "reason"),
        ({"outcome": "fired"}, "outcome"),
        ({"window_ends": 5}, "window_ends"),
    ],
)
def test_the_guard_refuses_personal_data_and_wrong_shapes(
    change: dict[str, Any], field: str
) -> None:
    mapping = {**entry("source.queried", category="education"), **change}
    with pytest.raises(LedgerEntryRefused) as caught:
        encode_entry(mapping)
    assert caught.value.field == field
    assert "Zhang" not in str(caught.value) and "110101" not in str(caught.value)


def test_missing_required_fields_are_named() -> None:
    mapping = entry("report.read")
    del mapping["digest"]
    with pytest.raises(LedgerEntryRefused, match="digest: is required"):
        check_entry(mapping)


def test_decode_refuses_non_canonical_or_foreign_bytes() -> None:
    data = encode_entry(entry("report.read"))
    with pytest.raises(LedgerEntryRefused, match="canonical"):
        decode_entry(json.dumps(json.loads(data), indent=1).encode())
    with pytest.raises(LedgerEntryRefused, match="not JSON"):
        decode_entry(b"\xff")
    with pytest.raises(LedgerEntryRefused, match="object"):
        decode_entry(b"[1]")


def test_derived_pseudonyms_pass_the_guard() -> None:
    case = derive_pseudonym("case", b"secret", "the case id")
    assert case.startswith("case_") and len(case) == 37
    check_entry({**entry("report.read"), "case": case})
    with pytest.raises(LedgerEntryRefused, match="prefix"):
        derive_pseudonym("name", b"secret", "x")
