"""The compliance audit on hand-made logs: a clean lifecycle, then each rule broken once."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import pytest
from ledger_factories import T0, at, encoded, entry, pseudonym

from fairscreen.ledger.audit import (
    PAYLOAD_RULES,
    AuditRule,
    audit_entries,
    check_decision_payload,
)
from fairscreen.ledger.entries import LedgerEntry, decode_entry

RULEBOOK = hashlib.sha256(b"rulebook v1").hexdigest()
OTHER_RULEBOOK = hashlib.sha256(b"someone's own rules").hexdigest()
EMPLOYER = pseudonym("emp", "acme")

Mapping = dict[str, Any]


def clean_log() -> list[Mapping]:
    """One case through every procedure, by the rules, plus a case held past its due."""
    return [
        entry(
            "authorization.signed",
            role="candidate",
            actor="subj_luo",
            when=at(0),
            categories=["education", "identity"],
            expires_at=at(30),
            employer=EMPLOYER,
        ),
        entry(
            "scope.set",
            role="employer",
            actor="usr_hr",
            when=at(0, 1),
            categories=["education", "identity"],
        ),
        entry("source.queried", when=at(1), category="education"),
        entry("source.queried", when=at(1, 2), category="identity", employer=EMPLOYER),
        entry(
            "report.rated", role="system", actor="sys_rater", when=at(2), rulebook_sha256=RULEBOOK
        ),
        entry("review.opened", role="system", actor="sys_flow", when=at(2, 1), window_ends=at(7)),
        entry(
            "report.read", role="candidate", actor="subj_luo", when=at(3), reason="candidate_review"
        ),
        entry("dispute.opened", role="candidate", actor="subj_luo", when=at(4)),
        entry("dispute.resolved", when=at(6), outcome="corrected"),
        entry(
            "report.rated",
            role="system",
            actor="sys_rater",
            when=at(6, 1),
            rulebook_sha256=RULEBOOK,
        ),
        entry("review.opened", role="system", actor="sys_flow", when=at(6, 2), window_ends=at(11)),
        entry("report.released", role="system", actor="sys_flow", when=at(11, 1)),
        entry("report.read", role="employer", actor="usr_hr", when=at(12), reason="employer_view"),
        entry(
            "decision.recorded",
            role="employer",
            actor="usr_hr",
            when=at(13),
            outcome="not_hired",
            due=at(193),
        ),
        entry("data.destroyed", role="system", actor="sys_purge", when=at(193)),
        # Case b: due on day 50, a legal hold placed on day 40 until day 80, destroyed day 79.
        entry("deletion.requested", "b", role="candidate", actor="subj_b", when=at(35), due=at(50)),
        entry(
            "retention.hold",
            "b",
            role="operator",
            actor="usr_ops",
            when=at(40),
            expires_at=at(80),
            reason="legal_hold",
        ),
        entry("data.destroyed", "b", role="system", actor="sys_purge", when=at(79)),
    ]


def old_adverse_log(final_on: float = 28) -> list[Mapping]:
    """Case p decided against in an old log, whose P4 steps were entries of their own
    (``notice.*``, retired: they told a result): still read, never a violation."""
    hr: dict[str, Any] = {"role": "employer", "actor": "usr_hr"}
    return [
        entry("notice.pre_adverse", "p", when=at(20), window_ends=at(27), **hr),
        entry("notice.responded", "p", role="candidate", actor="subj_p", when=at(22)),
        entry("decision.recorded", "p", when=at(final_on), due=at(final_on + 180), **hr),
        entry("notice.adverse_action", "p", when=at(final_on), **hr),
    ]


def run(log: list[Mapping], **options: Any) -> list[tuple[int, AuditRule]]:
    violations = audit_entries(((i, encoded(m)) for i, m in enumerate(log)), {RULEBOOK}, **options)
    return [(v.index, v.rule) for v in violations]


def test_the_clean_log_has_no_violation() -> None:
    assert run(clean_log()) == []
    assert run([*clean_log(), *old_adverse_log()]) == []
    assert run([*clean_log(), *old_adverse_log(final_on=1)]) == []  # not checked publicly
    assert run(clean_log(), as_of=T0 + timedelta(days=400)) == []


def _insert(position: int, mapping: Mapping) -> list[Mapping]:
    log = clean_log()
    log.insert(position, mapping)
    return log


def _replace(position: int, **changes: Any) -> list[Mapping]:
    log = clean_log()
    when = changes.pop("when", None)
    log[position] = {**log[position], **changes}
    if when is not None:
        log[position]["at"] = when
    return log


BROKEN: dict[AuditRule, tuple[list[Mapping], int]] = {
    AuditRule.QUERY_WITHOUT_AUTHORIZATION: (
        _insert(3, entry("source.queried", "c", when=at(1), category="education")),
        3,
    ),
    AuditRule.QUERY_OUTSIDE_AUTHORIZATION: (
        _insert(4, entry("source.queried", when=at(1, 3), category="credit")),
        4,
    ),
    AuditRule.QUERY_PROHIBITED_CATEGORY: (
        _insert(4, entry("source.queried", when=at(1, 3), category="religion")),
        4,
    ),
    AuditRule.QUERY_AFTER_EXPIRY: (_replace(3, when=at(31)), 3),
    AuditRule.QUERY_AFTER_REVOCATION: (
        _insert(
            3,
            entry(
                "authorization.revoked",
                role="candidate",
                actor="subj_luo",
                when=at(1, 1),
                categories=["identity"],
            ),
        ),
        4,
    ),
    AuditRule.RELEASE_BEFORE_REVIEW_WINDOW: (_replace(11, when=at(10)), 11),
    AuditRule.RELEASE_DURING_DISPUTE: (
        _insert(11, entry("dispute.opened", role="candidate", actor="subj_luo", when=at(11))),
        12,
    ),
    AuditRule.RATING_UNPUBLISHED_RULEBOOK: (_replace(9, rulebook_sha256=OTHER_RULEBOOK), 9),
    AuditRule.READ_AFTER_DESTRUCTION: (
        [
            *clean_log(),
            entry("report.read", role="employer", actor="usr_hr", when=at(200), reason="audit"),
        ],
        18,
    ),
    AuditRule.DESTRUCTION_LATE: (_replace(14, when=at(195)), 14),
}


@pytest.mark.parametrize("rule", list(BROKEN), ids=str)
def test_each_rule_broken_once_is_reported_once(rule: AuditRule) -> None:
    log, index = BROKEN[rule]
    assert run(log) == [(index, rule)]


def test_all_rules_in_scope_are_exercised() -> None:
    replayed = set(BROKEN) | {
        AuditRule.DESTRUCTION_OVERDUE,
        AuditRule.ENTRY_MALFORMED,
    }
    assert replayed | set(PAYLOAD_CASES) == set(AuditRule)
    assert set(PAYLOAD_CASES) == PAYLOAD_RULES


def _decision(final_on: float) -> LedgerEntry:
    return decode_entry(
        encoded(entry("decision.recorded", "p", role="employer", actor="usr_hr", when=at(final_on)))
    )


def _notice(wait_ends: str | None = "2026-03-28T09:00:00+00:00") -> dict[str, Any]:
    return {"sent_at": "2026-03-21T09:00:00+00:00", "wait_ends": wait_ends, "responses": 1}


def _after_rerating(
    named: str | None,
    rerated: str,
    *,
    adverse: bool = False,
    outcome: str = "not_hired",
    digest: str | None = RULEBOOK,
) -> dict[str, Any]:
    """A decision's payload after a re-rating held for it in the wait, to ``rerated``
    under rulebook ``digest``; the decision names light ``named``."""
    rating: dict[str, Any] = {
        "type": "report.rated",
        "at": "2026-03-24T09:00:00Z",
        "actor": {"role": "agency", "pseudonym": "usr_" + "a" * 32},
        "payload": {"light": rerated, "reasons": []},
    }
    if digest is not None:
        rating["rulebook_sha256"] = digest
    query = {"type": "source.queried", "category": "education", "reason": "dispute"}
    return {
        "outcome": outcome,
        "adverse": adverse,
        "light": named,
        "pre_adverse": {**_notice(), "held": [query, rating]},
    }


#: P4's two steps on a decision's payload (PRODUCT.md §6: the public entries cannot say
#: that a decision was adverse, so these rules read the payload): rule, day decided,
#: payload, violated?
PAYLOAD_CASES: dict[AuditRule, list[tuple[float, dict[str, Any], bool]]] = {
    AuditRule.ADVERSE_WITHOUT_NOTICE: [
        (28, {"outcome": "not_hired", "adverse": True, "pre_adverse": None}, True),
        (28, {"outcome": "hired", "adverse": False, "pre_adverse": None}, False),
        # not hired on a green light is not adverse: no notice is due
        (28, {"outcome": "not_hired", "adverse": False, "pre_adverse": None}, False),
        # a payload written before these facts were kept is not checked
        (28, {"outcome": "not_hired"}, False),
    ],
    AuditRule.ADVERSE_BEFORE_WAITING_PERIOD: [
        (26.9, {"outcome": "not_hired", "adverse": True, "pre_adverse": _notice()}, True),
        (27, {"outcome": "not_hired", "adverse": True, "pre_adverse": _notice()}, False),
        (30, {"outcome": "not_hired", "adverse": True, "pre_adverse": _notice(None)}, True),
        (30, {"outcome": "not_hired", "adverse": True, "pre_adverse": _notice("soon")}, True),
        (26, {"outcome": "hired", "adverse": False, "pre_adverse": _notice()}, False),
    ],
    # a supplement re-verified in the wait: its re-rating is held for the decision
    AuditRule.RERATING_UNPUBLISHED_RULEBOOK: [
        (28, _after_rerating("yellow", "yellow", adverse=True), False),
        (28, _after_rerating("yellow", "yellow", adverse=True, digest=OTHER_RULEBOOK), True),
        (28, _after_rerating("yellow", "yellow", adverse=True, digest=None), True),
        (28, _after_rerating("green", "green", outcome="hired", digest=OTHER_RULEBOOK), True),
    ],
    AuditRule.DECISION_NOT_ON_RERATED_LIGHT: [
        (28, _after_rerating("blue", "blue", adverse=True), False),
        (28, _after_rerating("green", "green", outcome="hired"), False),
        # the re-rating made it green, yet the decision is recorded as adverse
        (28, _after_rerating("green", "green", adverse=True), True),
        # the decision names the light of the notice, not the re-rated one
        (28, _after_rerating("yellow", "green", outcome="hired"), True),
        (28, _after_rerating(None, "blue", adverse=True), True),
    ],
}


@pytest.mark.parametrize("rule", list(PAYLOAD_CASES), ids=str)
def test_payload_rules(rule: AuditRule) -> None:
    for day, payload, violated in PAYLOAD_CASES[rule]:
        found = [
            v.rule
            for v in check_decision_payload(
                7, _decision(day), payload, published_rulebooks={RULEBOOK}
            )
        ]
        assert found == ([rule] if violated else []), (day, payload)


def test_payload_rules_examine_decisions_only() -> None:
    other = decode_entry(encoded(entry("report.read", "p", when=at(1), reason="audit")))
    assert check_decision_payload(1, other, {"adverse": True}, published_rulebooks=()) == []


def test_a_hold_placed_after_the_due_does_not_excuse_lateness() -> None:
    log = clean_log()
    log[16]["at"] = at(55)  # the hold on case b now comes after its due (day 50)
    assert run(log) == [(17, AuditRule.DESTRUCTION_LATE)]


def test_overdue_destruction_is_reported_with_as_of() -> None:
    log = clean_log()[:14]  # case a decided, due day 193, never destroyed
    assert run(log) == []
    assert run(log, as_of=T0 + timedelta(days=195)) == [(13, AuditRule.DESTRUCTION_OVERDUE)]
    assert run(log, as_of=T0 + timedelta(days=192)) == []
    assert run(log, as_of=T0 + timedelta(days=193, hours=23)) == []  # within the day's grace


def test_a_purge_some_minutes_after_the_due_is_on_time() -> None:
    """Periods are in days and the purge runs on a schedule: DESTRUCTION_GRACE."""
    assert run(_replace(14, when=at(193, hours=0.5))) == []
    assert run(_replace(14, when=at(194, hours=0.02))) == [(14, AuditRule.DESTRUCTION_LATE)]


def test_a_lifted_legal_hold_stops_covering() -> None:
    """An indefinite hold lifted by a retention.hold of the same reason whose expires_at is
    its own time: the case is due again from the lift."""
    log = clean_log()
    log[16] = {k: v for k, v in log[16].items() if k != "expires_at"}  # held indefinitely
    lift = entry(
        "retention.hold",
        "b",
        role="operator",
        actor="usr_ops",
        when=at(90),
        expires_at=at(90),
        reason="legal_hold",
    )
    held = [*log[:17], lift]
    assert run(held, as_of=T0 + timedelta(days=90, hours=12)) == []
    assert run(held, as_of=T0 + timedelta(days=95)) == [(15, AuditRule.DESTRUCTION_OVERDUE)]
    late = [*held, entry("data.destroyed", "b", role="system", actor="sys_purge", when=at(95))]
    assert run(late) == [(18, AuditRule.DESTRUCTION_LATE)]
    on_time = [*held, entry("data.destroyed", "b", role="system", actor="sys_purge", when=at(90))]
    assert run(on_time) == []


def test_a_dispute_open_at_the_due_defers_destruction_until_it_is_resolved() -> None:
    """P6: a pending dispute defers destruction (the purge logs its hold only when it
    runs, after the due): the open dispute itself covers the delay."""
    log = clean_log()[:16]  # case b: deletion requested day 35, due day 50
    disputed = [
        *log,
        entry("dispute.opened", "b", role="candidate", actor="subj_b", when=at(45)),
    ]
    assert run(disputed, as_of=T0 + timedelta(days=70)) == []
    resolved = [
        *disputed,
        entry(
            "dispute.resolved", "b", role="agency", actor="usr_ag", when=at(58), outcome="upheld"
        ),
    ]
    assert run(resolved, as_of=T0 + timedelta(days=58, hours=20)) == []
    assert run(resolved, as_of=T0 + timedelta(days=60)) == [(15, AuditRule.DESTRUCTION_OVERDUE)]


def test_release_without_any_review_window() -> None:
    log = [m for i, m in enumerate(clean_log()) if i not in (5, 10)]
    assert run(log) == [(9, AuditRule.RELEASE_BEFORE_REVIEW_WINDOW)]


def test_a_new_authorization_after_revocation_covers_later_queries() -> None:
    log = clean_log()[:2]
    log.append(entry("authorization.revoked", role="candidate", actor="subj_luo", when=at(0, 2)))
    log.append(
        entry(
            "authorization.signed",
            role="candidate",
            actor="subj_luo",
            when=at(0, 3),
            categories=["education"],
            expires_at=at(30),
        )
    )
    log.append(entry("source.queried", when=at(1), category="education"))
    log.append(entry("source.queried", when=at(1), category="identity"))
    assert run(log) == [(5, AuditRule.QUERY_AFTER_REVOCATION)]


def test_malformed_entries_and_an_empty_rulebook_set_fail_closed() -> None:
    entries = [(0, b"not json"), (1, encoded(clean_log()[4]))]
    violations = audit_entries(entries, set())
    assert [(v.index, v.rule) for v in violations] == [
        (0, AuditRule.ENTRY_MALFORMED),
        (1, AuditRule.RATING_UNPUBLISHED_RULEBOOK),
    ]
    assert pseudonym("case", "a") in str(violations[1])


def test_an_early_release_the_candidate_accepted_is_allowed() -> None:
    log = _replace(11, when=at(10), reason="candidate_accepted")
    assert run(log) == []
    disputed = _insert(11, entry("dispute.opened", role="candidate", actor="subj_luo", when=at(9)))
    disputed[12] = {**disputed[12], "at": at(10), "reason": "candidate_accepted"}
    assert run(disputed) == [(12, AuditRule.RELEASE_DURING_DISPUTE)]
