"""The per-record path of the evaluation reads no member off an Enum class.

On CPython 3.11 ``RecordStatus.NOT_FOUND`` goes through ``EnumType.__getattr__``'s lookup
hook, about ten times the cost of a global name, and triage runs for every record of a
case; so the members it compares with are bound once as module names
(docs/evaluation.md, "2026-12-05: members read off their Enum classes"). These tests
count the reads that would still reach the classes.
"""

from __future__ import annotations

from enum import EnumType
from typing import Any

import pytest

from factories import (
    ALL_PERMITTED,
    UNMATCHED,
    WEAK,
    case,
    dumps,
    identity_ok,
    litigation,
    record,
    statement,
    witness,
)
from fairscreen.domain import evaluation, identity, rulebook
from fairscreen.domain.categories import (
    Category,
    CauseGroup,
    Exclusion,
    Light,
    MatchStrength,
    RecordStatus,
    RuleId,
    SourceKind,
    Tier,
)
from fairscreen.services.evaluation import evaluate_case


class _CountingReads:
    """Stands in for an Enum class and counts the members read off it."""

    def __init__(self, enum: EnumType) -> None:
        self._enum = enum
        self.reads = 0

    def __getattr__(self, name: str) -> Any:
        self.reads += 1
        return getattr(self._enum, name)


def test_triage_reads_no_status_or_match_strength_off_its_enum_class(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    statuses, strengths = _CountingReads(RecordStatus), _CountingReads(MatchStrength)
    monkeypatch.setattr(evaluation, "RecordStatus", statuses)
    monkeypatch.setattr(evaluation, "MatchStrength", strengths)
    monkeypatch.setattr(identity, "MatchStrength", strengths)
    records = [
        identity_ok(),
        litigation("lit-1"),
        litigation("lit-2", party_role="plaintiff"),
        record("lit-3", "litigation", litigation()["data"], identity=UNMATCHED),
        record("lit-4", "litigation", identity=WEAK, status="not_found"),
        witness("ref-1", "p-1", {"text": "按时交付项目。", "assertion": "on_time"}),
    ]
    report = evaluate_case(dumps(case(records))).document
    assert report["status"] == "completed"
    assert len(report["findings"]) >= 4
    assert (statuses.reads, strengths.reads) == (0, 0)


def _member_reads(monkeypatch: pytest.MonkeyPatch, records: list[dict[str, Any]]) -> int:
    """Members read off ``Category``, ``RuleId``, ``SourceKind`` and ``Tier`` while one
    case is evaluated."""
    counters = [_CountingReads(enum) for enum in (Category, RuleId, SourceKind, Tier)]
    for counter in counters:
        monkeypatch.setattr(evaluation, counter._enum.__name__, counter)
    report = evaluate_case(dumps(case(records))).document
    monkeypatch.undo()
    assert report["status"] == "completed"
    return sum(counter.reads for counter in counters)


def test_litigation_and_reference_evaluators_read_their_members_once_per_case(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def records(count: int) -> list[dict[str, Any]]:
        return [identity_ok()] + [
            item
            for n in range(count)
            for item in (
                litigation(f"lit-{n}"),
                witness(f"ref-{n}", f"p-{n}", {"text": "按时交付项目。", "assertion": f"a{n}"}),
            )
        ]

    one, four = (_member_reads(monkeypatch, records(count)) for count in (1, 4))
    assert one == four


def _every_kind_of_record(count: int, sensitive: str) -> dict[str, Any]:
    """``count`` records of every category a role of ``sensitive``'s tier may check (each
    category's evaluator, and triage's discards), with a claim for each claimed record."""
    records = []
    claims: dict[str, list[dict[str, Any]]] = {"education": [], "employment": [], "licenses": []}
    for n in range(count):
        claims["education"].append(
            {"institution": f"示例大学{n}", "degree": "bachelor", "graduation_year": 2010}
        )
        claims["employment"].append({"employer": f"示例公司{n}", "start": "2012-01"})
        claims["licenses"].append({"number": f"LIC-{n}"})
        records += [
            identity_ok(f"id-{n}"),
            record(
                f"edu-{n}",
                "education",
                {"institution": f"示例大学{n}", "degree": "bachelor", "graduation_year": 2014},
            ),
            record(
                f"emp-{n}",
                "employment_history",
                {"employer": f"示例公司{n}", "start": "2013-06"},
                kind="issuer",
            ),
            record(f"lic-{n}", "professional_license", {"number": f"LIC-{n}", "status": "expired"}),
            litigation(f"lit-{n}", cause=f"未列明的案由{n}"),  # an unlisted cause: group OTHER
            litigation(f"lit-rights-{n}", party_role="plaintiff"),
            litigation(f"lit-old-{n}", decided_on="2001-06-01"),
            litigation(f"lit-settled-{n}", outcome="settled"),
            record(f"lit-other-{n}", "litigation", litigation()["data"], identity=UNMATCHED),
            record(f"enf-{n}", "enforcement", {"listing": "dishonest_debtor", "active": True}),
            record(f"enf-off-{n}", "enforcement", {"listing": "dishonest_debtor", "active": False}),
            record(f"rel-{n}", "religion", {"note": "never read"}),
            witness(f"ref-{n}", f"p-{n}", statement("她最近在备孕。")),  # every statement dropped
            witness(f"ref-ok-{n}", f"q-{n}", statement("多次未按期交付项目。", "late")),
        ]
        if sensitive == "health_certificate":
            records.append(record(f"hc-{n}", "health_certificate", {"valid_until": "2020-01-01"}))
        else:
            records += [
                record(f"cred-{n}", "credit", {"serious_delinquency": True}),
                record(f"crim-{n}", "criminal_record", {"offence": "盗窃罪", "convicted": True}),
            ]
    tier = "standard" if sensitive == "health_certificate" else "trust"
    extra = [sensitive] if tier == "standard" else ["credit", "criminal_record"]
    return case(records, tier=tier, categories=[*ALL_PERMITTED, *extra], claims=claims)


@pytest.mark.parametrize("sensitive", ["health_certificate", "credit_and_criminal_record"])
def test_no_evaluator_reads_a_member_per_record_or_claim(
    monkeypatch: pytest.MonkeyPatch, sensitive: str
) -> None:
    def reads(count: int) -> int:
        enums = (Category, RuleId, SourceKind, Tier, Exclusion, Light)
        counters = [_CountingReads(enum) for enum in enums]
        for counter in counters:
            monkeypatch.setattr(evaluation, counter._enum.__name__, counter)
        groups = _CountingReads(CauseGroup)
        monkeypatch.setattr(rulebook, "CauseGroup", groups)
        report = evaluate_case(dumps(_every_kind_of_record(count, sensitive))).document
        monkeypatch.undo()
        assert report["status"] == "completed"
        assert {e["reason"] for e in report["discarded"]} == {
            "NOT_IN_SCOPE",
            "IDENTITY_UNMATCHED",
            "PROHIBITED_TOPIC",
        }
        return sum(counter.reads for counter in counters) + groups.reads

    assert reads(1) == reads(4)


def test_a_finding_names_each_member_by_its_plain_string() -> None:
    # Members of two enums spelt alike share one entry of NAME; each must still give
    # exactly the plain string str(member) gives, and no StrEnum member may reach the
    # document (orjson and the golden reports read plain strings).
    for enum in (Category, RuleId, Light, Exclusion):
        for member in enum:
            name = evaluation.NAME[member]
            assert type(name) is str
            assert name == str(member)
