"""The employer console (用人单位): role profiles within the tier's limits, ordering a
check, cases by state, the released employer view, the decision with its reason and the
adverse-action notice sent (PRODUCT.md §2, P2, P4). Nothing excluded or unverified ever
reaches these pages: they show only what ``read_report`` gives an employer."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response

from fairscreen.domain.errors import InvalidInput
from fairscreen.entrypoints.web.policy import Page, page_context
from fairscreen.entrypoints.web.render import WebRoute, redirect, render
from fairscreen.services import (
    case_queries,
    decision,
    investigation,
    portal_queries,
    review,
    scope,
)
from fairscreen.services.context import Actor
from fairscreen.services.evaluation import builtin_profiles

router = APIRouter(prefix="/employer", route_class=WebRoute, include_in_schema=False)
PageDep = Annotated[Page, Depends(page_context)]
CaseId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
Id = Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9_-]*$")]
TIERS = ("standard", "trust", "safety")
STATE_ORDER = (
    "ordered",
    "authorized",
    "scoped",
    "investigating",
    "candidate_review",
    "disputed",
    "released",
    "adverse_notice",
    "decided",
    "archived",
    "withdrawn",
    "expired",
    "destroyed",
)


def _actor(page: Page) -> Actor:
    assert page.principal is not None
    return page.principal.actor


@router.get("")
def cases(
    page: PageDep,
    state: Annotated[str | None, Query(max_length=32, pattern=r"^[a-z_]*$")] = None,
) -> Response:
    rows = case_queries.list_cases(page.services, _actor(page), state=state or None, limit=100)
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[row["state"]].append(row)
    sections = [(s, grouped[s]) for s in STATE_ORDER if grouped.get(s)]
    return render(
        page, "employer/cases.html", sections=sections, states=STATE_ORDER, state=state or ""
    )


def _profiles_page(page: Page, tier: str, *, error: Any = None, status: int = 200) -> Response:
    profiles = case_queries.list_profiles(page.services, _actor(page), limit=100)
    return render(
        page,
        "employer/profiles.html",
        status=status,
        profiles=profiles,
        tier=tier,
        tiers=TIERS,
        allowed=portal_queries.tier_categories(page.services, tier),
        builtins=sorted(builtin_profiles()),
        error=error,
        form=page.form,
    )


@router.get("/profiles")
def profiles(
    page: PageDep,
    tier: Annotated[str, Query(pattern=r"^(standard|trust|safety)$")] = "standard",
) -> Response:
    return _profiles_page(page, tier)


@router.post("/profiles")
def create_profile(page: PageDep) -> Response:
    """A role profile: each category with its necessity text (and lookback, and for
    criminal record / health certificate the legal basis); the tier bounds the choice."""
    tier = page.field("tier", "standard")
    categories: dict[str, dict[str, Any]] = {}
    for name in page.fields("category"):
        requirement: dict[str, Any] = {"justification": page.field(f"justification_{name}")}
        lookback = page.field(f"lookback_{name}").strip()
        if lookback:
            if not lookback.isdigit():
                raise InvalidInput("whole years", field=f"role.categories.{name}.lookback_years")
            requirement["lookback_years"] = int(lookback)
        basis = page.field(f"legal_basis_{name}").strip()
        if basis:
            requirement["legal_basis"] = basis
        categories[name] = requirement
    role = {
        "id": page.field("role_id").strip(),
        "title": page.field("title").strip() or None,
        "tier": tier,
        "categories": categories,
    }
    try:
        scope.define_role_profile(
            page.services, _actor(page), {k: v for k, v in role.items() if v is not None}
        )
    except InvalidInput as error:
        return _profiles_page(page, tier if tier in TIERS else "standard", error=error, status=422)
    return redirect(page, "/employer/profiles?done=profile")


@router.post("/profiles/builtin")
def builtin(page: PageDep) -> Response:
    scope.use_builtin_profile(page.services, _actor(page), page.field("profile"))
    return redirect(page, "/employer/profiles?done=profile")


@router.get("/cases/new")
def order_form(page: PageDep, profile: Id = None) -> Response:
    profiles = case_queries.list_profiles(page.services, _actor(page), limit=100)
    chosen = next((p for p in profiles if p["profile_id"] == profile), None)
    if chosen is None and profiles:
        chosen = profiles[0]
    return render(
        page,
        "employer/order.html",
        profiles=profiles,
        chosen=chosen,
        agencies=portal_queries.list_agencies(page.services, _actor(page)),
        default_purpose=scope.DEFAULT_PURPOSE_TEXT,  # as the notice will state it
    )


@router.post("/cases")
def order(page: PageDep) -> Response:
    """Register the candidate (their identity is stored encrypted) and order the check, in
    one step: a refused order stores nothing. The case waits for the candidate's signature."""
    _, case_id = scope.order_for_candidate(
        page.services,
        _actor(page),
        {
            "name": page.field("name").strip(),
            "national_id": page.field("national_id").strip(),
            "birth_date": page.field("birth_date").strip(),
        },
        profile_id=page.field("profile_id"),
        requested=page.fields("requested"),
        purpose=page.field("purpose").strip() or scope.DEFAULT_PURPOSE,
        agency_id=page.field("agency_id") or None,
    )
    return redirect(page, f"/employer/cases/{case_id}?done=ordered")


@router.get("/cases/{case_id}")
def case_page(page: PageDep, case_id: CaseId) -> Response:
    actor = _actor(page)
    summary = case_queries.case_summary(page.services, actor, case_id)
    view = None
    decided = None
    notices: list[dict[str, Any]] = []
    if summary["state"] in case_queries.RELEASED:
        view = review.read_report(page.services, actor, case_id)["employer_view"]
    if summary["state"] in ("adverse_notice", "decided", "archived"):
        notices = portal_queries.case_notices(page.services, actor, case_id)
    if summary["state"] in ("decided", "archived"):
        decided = portal_queries.decision_of(page.services, actor, case_id)
    pre_adverse = next((n for n in notices if n["kind"] == "pre_adverse"), None)
    return render(
        page,
        "employer/case.html",
        case=summary,
        view=view,
        decision=decided,
        notices=notices,
        pre_adverse=pre_adverse,
        wait_over=pre_adverse is not None
        and page.services.now() >= datetime.fromisoformat(pre_adverse["body"]["wait_ends"]),
        # from the case, never from the address: a crafted link must not put another id
        # on the page for the employer to hand out
        candidate_id=portal_queries.candidate_to_invite(page.services, actor, case_id),
        own_checks=summary["state"] == "scoped"
        and portal_queries.runs_own_checks(page.services, actor, case_id),
    )


@router.post("/cases/{case_id}/investigation")
def run_checks(page: PageDep, case_id: CaseId) -> Response:
    """An employer that ordered without an agency runs the checks itself: the same
    investigation, sources and ledger entries as the agency desk's (the service refuses
    it on a case that names an agency)."""
    investigation.run_investigation(page.services, _actor(page), case_id)
    return redirect(page, f"/employer/cases/{case_id}?done=investigated")


def _cites_report(page: Page) -> bool | None:
    """The answer to "did the report play a part?" (radio yes/no; absent: not answered)."""
    value = page.field("cites_report")
    if value not in ("", "yes", "no"):
        raise InvalidInput("yes or no", field="cites_report")
    return None if not value else value == "yes"


@router.post("/cases/{case_id}/decision")
def decide(page: PageDep, case_id: CaseId) -> Response:
    """A person decides and says why; the light is advice (PIPL art. 24). Nothing is
    recorded before the confirmation page (issue 13 item 6: no one-click irreversible
    step): the first post shows what will happen, checked as the recording checks it;
    the second, with ``confirmed=yes``, does it. Not hiring on a light that is not green
    is first a pre-adverse notice (PRODUCT.md P4), the final decision after its wait."""
    actor = _actor(page)
    outcome, reason, cites = page.field("outcome"), page.field("reason"), _cites_report(page)
    plan = decision.plan_decision(
        page.services, actor, case_id, outcome=outcome, reason=reason, cites_report=cites
    )
    if page.field("confirmed") != "yes":
        summary = case_queries.case_summary(page.services, actor, case_id)
        return render(
            page,
            "employer/confirm.html",
            case=summary,
            plan=plan,
            outcome=outcome,
            reason=reason.strip(),
            cites_report=page.field("cites_report"),
        )
    if plan["step"] == "pre_adverse":
        decision.send_pre_adverse_notice(
            page.services, actor, case_id, reason=reason, cites_report=cites
        )
        return redirect(page, f"/employer/cases/{case_id}?done=pre_adverse")
    decision.record_decision(
        page.services, actor, case_id, outcome=outcome, reason=reason, cites_report=cites
    )
    return redirect(page, f"/employer/cases/{case_id}?done=decided")
