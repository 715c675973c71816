"""The agency desk (背调机构): the investigation queue, running the sources (and seeing
which categories came back incomplete), answering disputes within their deadline
(PRODUCT.md §2, P3, P4)."""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Response

from fairscreen.domain.errors import InvalidInput
from fairscreen.entrypoints.web import dispute_desk
from fairscreen.entrypoints.web.policy import Page, page_context
from fairscreen.entrypoints.web.render import WebRoute, redirect, render
from fairscreen.services import (
    agency_desk,
    case_queries,
    investigation,
    portal_queries,
    references,
)
from fairscreen.services.context import Actor

router = APIRouter(prefix="/agency", route_class=WebRoute, include_in_schema=False)
PageDep = Annotated[Page, Depends(page_context)]
CaseId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
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
    # 补充材料 waiting for an answer, whatever the state (in review or the pre-adverse wait)
    supplied = portal_queries.supplements_to_answer(page.services, _actor(page))
    queues.insert(2, ("supplements", [r for r in rows if r["case_id"] in supplied]))
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
    ran: investigation.InvestigationResult | None = None,
    refused: dict[str, Any] | None = None,
) -> Response:
    """The case page: the disputes and supplements to answer (``dispute_desk``), what an
    investigation just ran (``ran``), or an answer just refused, on its form, with what
    was typed (``refused``, status 422)."""
    brief = None
    if summary["state"] in BRIEFED:
        brief = agency_desk.case_brief(page.services, _actor(page), summary["case_id"])
    disputes = dispute_desk.open_items(page, summary["case_id"], summary["state"], refused)
    return render(
        page,
        "agency/case.html",
        status=422 if refused else 200,
        case=summary,
        brief=brief,
        ran=ran,
        referees=_referees(page, summary),
        now=page.services.now(),
        **disputes,
    )


def _referees(page: Page, summary: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The case's referees' invitations, where the case still takes answers."""
    if summary["state"] not in {s.value for s in references.OPEN_STATES}:
        return None
    return references.list_invitations(page.services, _actor(page), summary["case_id"])


def _refused(page: Page, case_id: str, refused: dict[str, Any]) -> Response:
    summary = case_queries.case_summary(page.services, _actor(page), case_id)
    return _case_page(page, summary, refused=refused)


@router.get("/cases/{case_id}")
def case_page(page: PageDep, case_id: CaseId) -> Response:
    return _case_page(page, case_queries.case_summary(page.services, _actor(page), case_id))


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


# answering disputes and supplementary documents: the routes the employer console has too
dispute_desk.add_verifier_routes(router, _refused)
