"""The screening report (``report.schema.json``, fairscreen/report/v1) as values.

The candidate's full report holds every finding, its records, verification, the rule or
exclusion behind it; the employer view holds only the light, the reasons that rest on
verified, in-scope findings, and the checks performed — nothing excluded, nothing
unverified, not even a count of such items (PRODUCT.md P4).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fairscreen.domain.categories import (
    Category,
    Disposition,
    Exclusion,
    Light,
    RefusalCode,
    RuleId,
    Verification,
)
from fairscreen.domain.scope import Scope

REPORT_SCHEMA = "fairscreen/report/v1"
Texts = Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Finding:
    id: str
    category: Category
    records: tuple[str, ...]
    verification: Verification
    disposition: Disposition
    summary: Texts
    rule: RuleId | None = None
    light: Light | None = None
    exclusion: Exclusion | None = None
    claim: int | None = None
    #: the sources its records came from (PRODUCT.md P4: "every finding, its sources")
    sources: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Discarded:
    record: str
    reason: Exclusion


@dataclass(frozen=True, slots=True)
class DroppedStatement:
    """A statement or field dropped for a prohibited topic: its content is not kept."""

    record: str
    topic: str
    index: int | None = None
    field: str | None = None


@dataclass(frozen=True, slots=True)
class Reason:
    rule: RuleId
    light: Light
    finding: str
    text: Texts
    summary: Texts


@dataclass(frozen=True, slots=True)
class RulebookRef:
    version: str
    sha256: str


@dataclass(frozen=True, slots=True)
class Report:
    case_id: str
    as_of: str
    rulebook: RulebookRef
    role_id: str
    tier: str
    scope: Scope
    findings: tuple[Finding, ...]
    discarded: tuple[Discarded, ...]
    dropped_statements: tuple[DroppedStatement, ...]
    light: Light
    reasons: tuple[Reason, ...]

    def employer_view(self) -> dict[str, Any]:
        return {
            "light": self.light.value,
            "reasons": [
                {"rule": r.rule.value, "light": r.light.value, "summary": dict(r.summary)}
                for r in self.reasons
            ],
            "checks": [category.value for category in self.scope.effective],
        }

    def to_document(self) -> dict[str, Any]:
        """The report as a JSON-ready document, keys in a fixed order."""
        return {
            "schema": REPORT_SCHEMA,
            "status": "completed",
            "case_id": self.case_id,
            "as_of": self.as_of,
            "rulebook": {"version": self.rulebook.version, "sha256": self.rulebook.sha256},
            "role": {"id": self.role_id, "tier": self.tier},
            "scope": {
                "effective": [category.value for category in self.scope.effective],
                "excluded": [
                    {"category": e.category.value, "reason": e.reason.value}
                    for e in self.scope.excluded
                ],
            },
            "findings": [_finding_document(f) for f in self.findings],
            "discarded": [{"record": d.record, "reason": d.reason.value} for d in self.discarded],
            "dropped_statements": [_dropped_document(d) for d in self.dropped_statements],
            "rating": {
                "light": self.light.value,
                "reasons": [
                    {
                        "rule": r.rule.value,
                        "light": r.light.value,
                        "finding": r.finding,
                        "text": dict(r.text),
                    }
                    for r in self.reasons
                ],
            },
            "employer_view": self.employer_view(),
        }


def _finding_document(finding: Finding) -> dict[str, Any]:
    document: dict[str, Any] = {
        "id": finding.id,
        "category": finding.category.value,
        "records": list(finding.records),
        "sources": list(finding.sources),
    }
    if finding.claim is not None:
        document["claim"] = finding.claim
    document.update(
        {
            "verification": finding.verification.value,
            "disposition": finding.disposition.value,
            "rule": finding.rule.value if finding.rule else None,
            "light": finding.light.value if finding.light else None,
            "exclusion": finding.exclusion.value if finding.exclusion else None,
            "summary": dict(finding.summary),
        }
    )
    return document


def _dropped_document(dropped: DroppedStatement) -> dict[str, Any]:
    document: dict[str, Any] = {"record": dropped.record}
    if dropped.index is not None:
        document["index"] = dropped.index
    if dropped.field is not None:
        document["field"] = dropped.field
    document["topic"] = dropped.topic
    return document


def refused_document(
    *, case_id: str, as_of: str, rulebook: RulebookRef, code: RefusalCode, message: str
) -> dict[str, Any]:
    """The report of a check that may not run (no valid authorization)."""
    return {
        "schema": REPORT_SCHEMA,
        "status": "refused",
        "case_id": case_id,
        "as_of": as_of,
        "rulebook": {"version": rulebook.version, "sha256": rulebook.sha256},
        "refusal": {"code": code.value, "message": message},
    }
