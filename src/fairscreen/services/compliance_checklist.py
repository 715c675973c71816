"""The compliance audit as a labour inspector asks it: "did employer X screen its
candidates lawfully last quarter?" (issue 14 item 2; PRODUCT.md §6).

One pass over the ledger (the entries alone, as ``ledger audit`` reads them):

1. each entry's index, event type, case pseudonym and time, and each case's employer
   pseudonym (from the ``employer`` its authorization or queries name);
2. the compliance audit of the whole log (a rule may need a case's earlier entries, so
   the replay is never cut by the filter);
3. the filter: entries whose case belongs to the employer asked for and whose time falls
   in the period asked for (``2024``, ``2024-Q1``, ``2024-03``);
4. the rules that need a decision's outcome (``PAYLOAD_RULES``: P4's pre-adverse notice,
   its wait and what was held for the decision in it), which the public log must not
   show (PRODUCT.md §6): the payload of each
   ``decision.recorded`` of the filtered set is read through the regulator's console
   (:func:`fairscreen.services.transparency.open_payload`: the commitment is opened, and
   each read is itself logged) and checked; a destroyed case's payload is gone and is
   counted as not readable, one whose commitment does not open is not trusted;
5. per rule of the audit: the entries of the filtered set that the rule examines (its
   event types), and the violations among them.

Nothing returned is personal: entries carry pseudonyms and codes only.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from fairscreen.adapters.db.ledger_store import reading
from fairscreen.domain.errors import InvalidInput
from fairscreen.ledger.audit import (
    PAYLOAD_RULES,
    AuditRule,
    Violation,
    audit_entries,
    check_decision_payload,
)
from fairscreen.ledger.entries import ActorRole, EventType, decode_entry
from fairscreen.services.context import Actor, Services, require_role
from fairscreen.services.transparency import open_payload

_EMPLOYER = re.compile(r"^emp_[0-9a-f]{32}$")
_PERIOD = re.compile(r"^(\d{4})(?:-(?:Q([1-4])|(0[1-9]|1[0-2])))?$")
_CHUNK = 4096

#: The events each rule examines (what "entries checked" counts for it).
EXAMINES: dict[AuditRule, frozenset[str]] = {
    AuditRule.QUERY_WITHOUT_AUTHORIZATION: frozenset({EventType.SOURCE_QUERIED.value}),
    AuditRule.QUERY_OUTSIDE_AUTHORIZATION: frozenset({EventType.SOURCE_QUERIED.value}),
    AuditRule.QUERY_PROHIBITED_CATEGORY: frozenset({EventType.SOURCE_QUERIED.value}),
    AuditRule.QUERY_AFTER_EXPIRY: frozenset({EventType.SOURCE_QUERIED.value}),
    AuditRule.QUERY_AFTER_REVOCATION: frozenset({EventType.SOURCE_QUERIED.value}),
    AuditRule.RELEASE_BEFORE_REVIEW_WINDOW: frozenset({EventType.REPORT_RELEASED.value}),
    AuditRule.RELEASE_DURING_DISPUTE: frozenset({EventType.REPORT_RELEASED.value}),
    AuditRule.ADVERSE_WITHOUT_NOTICE: frozenset({EventType.DECISION_RECORDED.value}),
    AuditRule.ADVERSE_BEFORE_WAITING_PERIOD: frozenset({EventType.DECISION_RECORDED.value}),
    AuditRule.RERATING_UNPUBLISHED_RULEBOOK: frozenset({EventType.DECISION_RECORDED.value}),
    AuditRule.DECISION_NOT_ON_RERATED_LIGHT: frozenset({EventType.DECISION_RECORDED.value}),
    AuditRule.RATING_UNPUBLISHED_RULEBOOK: frozenset({EventType.REPORT_RATED.value}),
    AuditRule.READ_AFTER_DESTRUCTION: frozenset({EventType.REPORT_READ.value}),
    AuditRule.DESTRUCTION_LATE: frozenset({EventType.DATA_DESTROYED.value}),
    AuditRule.DESTRUCTION_OVERDUE: frozenset(
        {EventType.DECISION_RECORDED.value, EventType.DELETION_REQUESTED.value}
    ),
    AuditRule.ENTRY_MALFORMED: frozenset(),  # every entry
}


@dataclass(frozen=True, slots=True)
class Period:
    """A year, a quarter or a month, as ``2024``, ``2024-Q1`` or ``2024-03``."""

    text: str
    start: date
    end: date  # exclusive

    @classmethod
    def parse(cls, text: str) -> Period:
        found = _PERIOD.match(text.strip())
        if found is None:
            raise InvalidInput(
                "a year (2024), a quarter (2024-Q1) or a month (2024-03)",
                field="period",
                key="input.audit_period",
            )
        year = int(found.group(1))
        if found.group(2):
            first = 3 * (int(found.group(2)) - 1) + 1
            start, months = date(year, first, 1), 3
        elif found.group(3):
            start, months = date(year, int(found.group(3)), 1), 1
        else:
            start, months = date(year, 1, 1), 12
        month = start.month - 1 + months
        end = date(start.year + month // 12, month % 12 + 1, 1)
        return cls(text.strip(), start, end)

    def holds(self, moment: datetime) -> bool:
        return self.start <= moment.astimezone(UTC).date() < self.end


@dataclass(frozen=True, slots=True)
class _Seen:
    type: str
    case: str | None
    at: datetime | None


@dataclass
class RuleCheck:
    rule: AuditRule
    #: checked on decisions' payloads read through the console, not the entries alone
    reads_payloads: bool = False
    checked: int = 0
    violations: list[Violation] = field(default_factory=list)


def _parse_time(text: Any) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _payload_violations(
    svc: Services, actor: Actor, decisions: list[tuple[int, bytes]]
) -> tuple[list[Violation], int, int]:
    """The payload rules on these ``decision.recorded`` entries; with the number of
    payloads read and of those that could not be (destroyed, or not opening)."""
    violations: list[Violation] = []
    read = unreadable = 0
    with svc.uow() as uow:
        for index, data in decisions:
            entry = decode_entry(data)
            opened = open_payload(svc, uow, actor, index, entry)
            if opened is None or not opened.commitment_opens:
                unreadable += 1
                continue
            read += 1
            violations.extend(
                check_decision_payload(
                    index, entry, opened.payload, published_rulebooks=svc.published_rulebooks
                )
            )
        uow.commit()
    return violations, read, unreadable


def compliance_checklist(
    svc: Services, actor: Actor, *, employer: str | None = None, period: str | None = None
) -> dict[str, Any]:
    """The audit per rule for one employer pseudonym and period (each optional), for a
    regulator or an operator (the payload rules read decisions' payloads)."""
    require_role(actor, ActorRole.REGULATOR, ActorRole.OPERATOR)
    if employer and not _EMPLOYER.match(employer):
        raise InvalidInput(
            "an employer pseudonym: emp_ and 32 hex digits",
            field="employer",
            key="input.employer_pseudonym",
        )
    window = Period.parse(period) if period else None
    seen: dict[int, _Seen] = {}
    employers: dict[str, str] = {}
    raw: list[tuple[int, bytes]] = []
    with reading(svc.engine) as log:
        size = log.size()
        for start in range(0, size, _CHUNK):
            rows = log.store.read_entries(start, min(start + _CHUNK, size))
            raw.extend(rows)
            for index, data in rows:
                try:
                    mapping = json.loads(data)
                except ValueError:
                    seen[index] = _Seen("", None, None)
                    continue
                if not isinstance(mapping, dict):
                    seen[index] = _Seen("", None, None)
                    continue
                case = mapping.get("case") if isinstance(mapping.get("case"), str) else None
                seen[index] = _Seen(
                    str(mapping.get("type", "")), case, _parse_time(mapping.get("at"))
                )
                named = mapping.get("employer")
                if case and isinstance(named, str):
                    employers.setdefault(case, named)
    violations = audit_entries(raw, svc.published_rulebooks, as_of=svc.now())

    def wanted(index: int, case: str | None = None) -> bool:
        entry = seen.get(index)
        which = case or (entry.case if entry else None)
        if employer and (which is None or employers.get(which) != employer):
            return False
        if window is None:
            return True
        return entry is not None and entry.at is not None and window.holds(entry.at)

    checks = {rule: RuleCheck(rule, rule in PAYLOAD_RULES) for rule in AuditRule}
    kept = [i for i in seen if wanted(i)]
    decided = EventType.DECISION_RECORDED.value
    payload_violations, payloads_read, unreadable = _payload_violations(
        svc, actor, [(i, data) for i, data in raw if seen[i].type == decided and wanted(i)]
    )
    violations.extend(payload_violations)
    types = Counter(seen[i].type for i in kept)
    for rule, examined in EXAMINES.items():
        checks[rule].checked = len(kept) if not examined else sum(types[t] for t in examined)
    for violation in violations:
        if wanted(violation.index, violation.case):
            checks[violation.rule].violations.append(violation)
    return {
        "size": size,
        "employer": employer,
        "period": window.text if window else None,
        "entries": len(kept),
        "employers": sorted(set(employers.values())),
        "rules": list(checks.values()),
        "violations": sum(len(c.violations) for c in checks.values()),
        "payloads_read": payloads_read,
        "payloads_unreadable": unreadable,
    }
