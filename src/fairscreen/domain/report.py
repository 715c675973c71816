"""The screening report (``report.schema.json``, fairscreen/report/v1), as its document.

The candidate's full report holds every finding, its records, verification, the rule or
exclusion behind it; the employer view holds only the light, the reasons that rest on
verified, in-scope findings, and the checks performed — nothing excluded, nothing
unverified, not even a count of such items (PRODUCT.md P4).

The evaluation writes the report as the JSON-ready document it is, part by part, with the
builders below (each fixes its keys' order): a value object per finding, turned into a
dictionary afterwards, cost about a quarter of the evaluation (bench/evaluate.py). Enum
values enter as ``str(member)``: a StrEnum member's value as a plain string, at a quarter
of the cost of ``.value`` (a Python-level property).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fairscreen.domain.categories import Light, RefusalCode
from fairscreen.domain.scope import Scope
from fairscreen.domain.topic_names import ModelRef

REPORT_SCHEMA = "fairscreen/report/v1"
Texts = Mapping[str, str]
#: One part of the document (a finding, a reason, ...): strings, numbers, lists, dicts.
Document = dict[str, Any]


@dataclass(frozen=True, slots=True)
class RulebookRef:
    version: str
    sha256: str


def finding_document(
    *,
    id: str,
    category: str,
    records: list[str],
    sources: list[str],
    claim: int | None,
    verification: str,
    disposition: str,
    rule: str | None,
    light: str | None,
    exclusion: str | None,
    summary: dict[str, str],
    disagreement: Document | None = None,
) -> Document:
    """One finding; ``claim`` (the index of the claim it answers) only where there is one,
    and ``disagreement`` (the ids of the adverse records that decided it and of the verified
    records that say otherwise, PRODUCT.md P3) only where its sources disagree."""
    if claim is None and disagreement is None:
        return {
            "id": id,
            "category": category,
            "records": records,
            "sources": sources,
            "verification": verification,
            "disposition": disposition,
            "rule": rule,
            "light": light,
            "exclusion": exclusion,
            "summary": summary,
        }
    document: Document = {
        "id": id,
        "category": category,
        "records": records,
        "sources": sources,
    }
    if claim is not None:
        document["claim"] = claim
    document.update(
        verification=verification,
        disposition=disposition,
        rule=rule,
        light=light,
        exclusion=exclusion,
    )
    if disagreement is not None:
        document["disagreement"] = disagreement
    document["summary"] = summary
    return document


def dropped_document(
    record: str, topic: str, *, index: int | None = None, field: str | None = None
) -> Document:
    """A statement (by ``index``) or a field (by name) dropped for a prohibited topic, or a
    whole record: its content is not kept, only that it existed and its topic."""
    document: Document = {"record": record}
    if index is not None:
        document["index"] = index
    if field is not None:
        document["field"] = field
    document["topic"] = topic
    return document


def _heading(
    status: str,
    *,
    case_id: str,
    as_of: str,
    rulebook: RulebookRef,
    topic_model: ModelRef | None,
) -> Document:
    """The keys every report starts with, completed or refused. ``topic_model`` names the
    prohibited-topic model and lexicon next to the rulebook (report.schema.json allows
    extra properties; the rulebook object's own keys stay as the schema names them)."""
    document: Document = {
        "schema": REPORT_SCHEMA,
        "status": status,
        "case_id": case_id,
        "as_of": as_of,
        "rulebook": {"version": rulebook.version, "sha256": rulebook.sha256},
    }
    if topic_model is not None:
        document["topic_model"] = {
            "version": topic_model.version,
            "sha256": topic_model.sha256,
            "lexicon_sha256": topic_model.lexicon_sha256,
        }
    return document


def report_document(
    *,
    case_id: str,
    as_of: str,
    rulebook: RulebookRef,
    role_id: str,
    tier: str,
    scope: Scope,
    findings: list[Document],
    discarded: list[Document],
    dropped_statements: list[Document],
    light: Light,
    reasons: Sequence[tuple[Document, Document]],
    topic_model: ModelRef | None = None,
) -> Document:
    """The completed report, keys in a fixed order. Each reason comes as its rating entry
    and its employer-view entry (rule, light and the finding's summary)."""
    document = _heading(
        "completed", case_id=case_id, as_of=as_of, rulebook=rulebook, topic_model=topic_model
    )
    document.update(
        role={"id": role_id, "tier": tier},
        scope={
            "effective": [str(category) for category in scope.effective],
            "excluded": [
                {"category": str(e.category), "reason": str(e.reason)} for e in scope.excluded
            ],
        },
        findings=findings,
        discarded=discarded,
        dropped_statements=dropped_statements,
        rating={"light": str(light), "reasons": [rating for rating, _ in reasons]},
        employer_view={
            "light": str(light),
            "reasons": [employer for _, employer in reasons],
            "checks": [str(category) for category in scope.effective],
        },
    )
    return document


def refused_document(
    *,
    case_id: str,
    as_of: str,
    rulebook: RulebookRef,
    code: RefusalCode,
    message: str,
    topic_model: ModelRef | None = None,
) -> Document:
    """The report of a check that may not run (no valid authorization)."""
    document = _heading(
        "refused", case_id=case_id, as_of=as_of, rulebook=rulebook, topic_model=topic_model
    )
    document["refusal"] = {"code": code.value, "message": message}
    return document
