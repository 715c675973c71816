"""The agency desk (背调机构): the investigation queue, running the sources (and seeing
which categories came back incomplete), answering disputes within their deadline
(PRODUCT.md §2, P3, P4)."""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Response
from fastapi.responses import StreamingResponse

from fairscreen.domain.errors import InvalidInput, NotFound
from fairscreen.entrypoints.web import record_form
from fairscreen.entrypoints.web.policy import Page, page_context
from fairscreen.entrypoints.web.render import WebRoute, attachment, finish, redirect, render
from fairscreen.services import (
    agency_desk,
    case_queries,
    evidence_files,
    investigation,
    portal_queries,
    references,
    review,
)
from fairscreen.services.context import Actor

router = APIRouter(prefix="/agency", route_class=WebRoute, include_in_schema=False)
PageDep = Annotated[Page, Depends(page_context)]
CaseId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
DisputeId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
#: The states in which the case page shows the investigator's brief (before and while
#: querying, and while the candidate reviews or disputes).
BRIEFED = frozenset(
    {"ordered", "authorized", "scoped", "investigating", "candidate_review", "disputed"}
)
QUEUES = (
    ("to_run", ("scoped", "investigating")),
    ("disputed", ("disputed",)),
    ("in_review", ("candidate_review",)),
    ("waiting", ("ordered", "authorized")),
    ("done", ("released", "decided", "archived", "withdrawn", "expired", "destroyed")),
)


def _actor(page: Page) -> Actor:
    assert page.principal is not None
    return page.principal.actor


@router.get("")
def queue(page: PageDep) -> Response:
    rows = case_queries.list_cases(page.services, _actor(page), limit=100)
    by_state: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_state[row["state"]].append(row)
    queues = [(name, [r for s in states for r in by_state.get(s, [])]) for name, states in QUEUES]
    return render(
        page,
        "agency/queue.html",
        queues=queues,
        deadlines=portal_queries.dispute_deadlines(page.services, _actor(page)),
        desk=agency_desk.desk_queue(page.services, _actor(page)),
        now=page.services.now(),
    )


def _case_page(
    page: Page,
    summary: dict[str, Any],
    *,
    result: dict[str, Any] | None = None,
    files: dict[str, portal_queries.DisputeFile] | None = None,
    ran: investigation.InvestigationResult | None = None,
) -> Response:
    """The case page: the disputes to answer (``result`` and ``files``, when disputed)
    or what an investigation just ran (``ran``)."""
    brief = None
    if summary["state"] in BRIEFED:
        brief = agency_desk.case_brief(page.services, _actor(page), summary["case_id"])
    return render(
        page,
        "agency/case.html",
        case=summary,
        brief=brief,
        result=result,
        files=files or {},
        findings={f["id"]: f for f in (result or {}).get("report", {}).get("findings", [])},
        ran=ran,
        referees=_referees(page, summary),
        now=page.services.now(),
        data_fields=record_form.data_fields,
        sources={
            d: record_form.record_sources(
                f.records, record_form.configured_source(page.services.sources)
            )
            for d, f in (files or {}).items()
        },
    )


def _referees(page: Page, summary: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The case's referees' invitations, where the case still takes answers."""
    if summary["state"] not in {s.value for s in references.OPEN_STATES}:
        return None
    return references.list_invitations(page.services, _actor(page), summary["case_id"])


@router.get("/cases/{case_id}")
def case_page(page: PageDep, case_id: CaseId) -> Response:
    actor = _actor(page)
    summary = case_queries.case_summary(page.services, actor, case_id)
    if summary["state"] != "disputed":
        return _case_page(page, summary)
    return _case_page(
        page,
        summary,
        result=review.read_report(page.services, actor, case_id),
        files=portal_queries.dispute_files(page.services, actor, case_id),
    )


@router.post("/cases/{case_id}/investigation")
def run(page: PageDep, case_id: CaseId) -> Response:
    """Query a source for each category in scope; show what came back incomplete."""
    actor = _actor(page)
    ran = investigation.run_investigation(page.services, actor, case_id)
    return _case_page(page, case_queries.case_summary(page.services, actor, case_id), ran=ran)


@router.post("/cases/{case_id}/referees")
def invite_referee(page: PageDep, case_id: CaseId) -> Response:
    """Send a referee the questionnaire's single-use link (through the notifier)."""
    days = page.field("days", str(references.DEFAULT_DAYS))
    if not days.isdigit():
        raise InvalidInput("a whole number of days", field="days", key="input.whole_number_days")
    references.invite_referee(
        page.services,
        _actor(page),
        case_id,
        name=page.field("name"),
        contact=page.field("contact"),
        lang=page.field("lang", "zh-Hans"),
        days=int(days),
    )
    return redirect(page, f"/agency/cases/{case_id}?done=invited")


@router.post("/cases/{case_id}/disputes/{dispute_id}/resolution")
def resolve(page: PageDep, case_id: CaseId, dispute_id: DisputeId) -> Response:
    """Answer a dispute; a correction comes as the structured form of the records held
    (record_form.py), turned into records here and validated by the service."""
    outcome = page.field("outcome")
    corrected: list[dict[str, Any]] = []
    if outcome == "corrected":
        files = portal_queries.dispute_files(page.services, _actor(page), case_id)
        held = files[dispute_id].records if dispute_id in files else []
        sources = record_form.record_sources(
            held, record_form.configured_source(page.services.sources)
        )
        corrected = record_form.corrected_records(page.field, held, sources)
    review.resolve_dispute(
        page.services,
        _actor(page),
        case_id,
        dispute_id,
        outcome=outcome,
        answer=page.field("answer"),
        corrected_records=corrected,
    )
    return redirect(page, f"/agency/cases/{case_id}?done=answered")


@router.get("/cases/{case_id}/disputes/{dispute_id}/evidence")
def evidence(page: PageDep, case_id: CaseId, dispute_id: DisputeId) -> Response:
    """The candidate's evidence file, as an attachment (never rendered inline)."""
    files = portal_queries.dispute_files(page.services, _actor(page), case_id)
    found = files.get(dispute_id)
    if found is None or found.evidence is None or not found.evidence.get("data"):
        raise NotFound("no such evidence", key="not_found.evidence")
    media = found.evidence["content_type"]
    suffix = evidence_files.EVIDENCE_TYPES.get(media, ".bin")
    return attachment(page, found.evidence["data"], filename=f"evidence{suffix}", media_type=media)


FileId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


@router.get("/cases/{case_id}/disputes/{dispute_id}/files/{file_id}")
def evidence_file(
    page: PageDep, case_id: CaseId, dispute_id: DisputeId, file_id: FileId
) -> Response:
    """An evidence file of up to 10 MB, as an attachment (never rendered inline), sent
    chunk by chunk as it was stored: held in memory once, never joined into a copy."""
    found, chunks = portal_queries.evidence_file(
        page.services, _actor(page), case_id, dispute_id, file_id
    )
    media = found["content_type"]
    suffix = evidence_files.FILE_TYPES.get(media, ".bin")
    response = StreamingResponse(iter(chunks), media_type=media)
    response.headers["Content-Length"] = str(found["size"])
    response.headers["Content-Disposition"] = f'attachment; filename="evidence{suffix}"'
    return finish(page, response)
