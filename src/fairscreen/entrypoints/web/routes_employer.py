"""The employer console (用人单位): role profiles within the tier's limits, ordering a
check, cases by state, the released employer view, the decision with its reason and the
adverse-action notice sent (PRODUCT.md §2, P2, P4). Nothing excluded or unverified ever
reaches these pages: they show only what ``read_report`` gives an employer."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response

from fairscreen.domain.errors import DuplicateOrder, FairscreenError, InvalidInput
from fairscreen.domain.identity import embedded_birth_date
from fairscreen.entrypoints.web import dispute_desk
from fairscreen.entrypoints.web.i18n import NOTICE_LANGUAGE
from fairscreen.entrypoints.web.policy import Page, page_context
from fairscreen.entrypoints.web.render import WebRoute, redirect, refusal, render
from fairscreen.services import (
    case_queries,
    decision,
    investigation,
    invitations,
    portal_queries,
    release_notice,
    review,
    scope,
)
from fairscreen.services.case_cards import case_cards
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
        page,
        "employer/cases.html",
        sections=sections,
        states=STATE_ORDER,
        state=state or "",
        cards=case_cards(page.services, _actor(page), [row["case_id"] for row in rows]),
        notify_email=release_notice.notification_email(page.services, _actor(page)),
    )


@router.post("/notification-email")
def notification_email(page: PageDep) -> Response:
    """Where "a report was released" e-mails go (issue 13 item 11); empty stops them."""
    release_notice.set_notification_email(
        page.services, _actor(page), page.field("notify_email"), page.lang
    )
    return redirect(page, "/employer?done=notify_email")


def _templates(page: Page) -> list[dict[str, Any]]:
    """The built-in role templates with what each checks, why, and on which legal basis:
    shown before anything is chosen (issue 13 item 13). Titles come from the catalogue,
    the reasons from the rulebook's ``profiles.toml``."""
    shown = []
    for template_id, profile in sorted(builtin_profiles().items()):
        title = _template_title(page, template_id, profile.title or "")
        shown.append(
            {
                "id": template_id,
                "title": title,
                "tier": profile.tier.value,
                "checks": [
                    {
                        "category": category.value,
                        "why": page.t.shown(requirement.justification),
                        "legal_basis": requirement.legal_basis,
                    }
                    for category, requirement in profile.categories.items()
                ],
            }
        )
    return shown


def _template_title(page: Page, template_id: str, title: str) -> str:
    """A built-in template's title: the catalogue's, in the reader's language (zh-Hant
    too), else the template's own ``中文 / English`` text."""
    key = f"template.{template_id}"
    shown = page.t(key)
    return shown if shown != key else page.t.shown(title)


def _shown_in_language(page: Page, profile: dict[str, Any]) -> dict[str, Any]:
    """A profile copied from a built-in template shows its title and reasons in the
    reader's language (the template's texts are ``中文 / English``); an employer's own
    texts are shown as written."""
    role = profile["role"]
    if role.get("id") not in builtin_profiles():
        return profile
    categories = {
        name: {**requirement, "justification": page.t.shown(requirement["justification"])}
        for name, requirement in role["categories"].items()
    }
    title = _template_title(page, role["id"], role.get("title") or "")
    return {
        **profile,
        "from_template": True,
        "role": {**role, "title": title, "categories": categories},
    }


#: where a refusal's field is shown: the form control it concerns
_ERROR_TARGETS = (
    ("role.id", "role_id"),
    ("role.title", "title"),
    ("role.tier", "tier"),
)


def _error_target(field: str | None) -> str:
    """The id of the form control a refused field belongs to (``role.categories.credit.
    justification`` → ``justification_credit``), or ``categories`` for the group."""
    if not field:
        return ""
    for prefix, target in _ERROR_TARGETS:
        if field == prefix:
            return target
    parts = field.split(".")
    if len(parts) >= 3 and parts[:2] == ["role", "categories"]:
        name = parts[2]
        what = parts[3] if len(parts) > 3 else ""
        names = {"lookback_years": "lookback", "legal_basis": "legal_basis"}
        return f"{names.get(what, 'justification')}_{name}"
    return "categories"


def _profiles_page(
    page: Page, tier: str, *, error: FairscreenError | None = None, status: int = 200
) -> Response:
    profiles = [
        _shown_in_language(page, profile)
        for profile in case_queries.list_profiles(page.services, _actor(page), limit=100)
    ]
    refused = None if error is None else refusal(page, error, target=_error_target(error.field))
    return render(
        page,
        "employer/profiles.html",
        status=status,
        profiles=profiles,
        tier=tier,
        tiers=TIERS,
        allowed=portal_queries.tier_categories(page.services, tier),
        templates=_templates(page),
        error=refused,
        typed=_typed(page),
    )


def _typed(page: Page) -> dict[str, Any]:
    """What the refused form held, to show it again (nothing is lost on a refusal)."""
    return {**page.typed(), "ticked": set(page.fields("category"))}


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
    try:
        scope.define_role_profile(page.services, _actor(page), _role_of_form(page, tier))
    except InvalidInput as error:  # a ScopeViolation too: the form is shown again
        return _profiles_page(page, tier if tier in TIERS else "standard", error=error, status=422)
    return redirect(page, "/employer/profiles?done=profile")


def _role_of_form(page: Page, tier: str) -> dict[str, Any]:
    categories: dict[str, dict[str, Any]] = {}
    for name in page.fields("category"):
        requirement: dict[str, Any] = {"justification": page.field(f"justification_{name}")}
        lookback = page.field(f"lookback_{name}").strip()
        if lookback:
            if not lookback.isdigit():
                raise InvalidInput(
                    "whole years",
                    field=f"role.categories.{name}.lookback_years",
                    key="input.whole_years",
                )
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
    return {k: v for k, v in role.items() if v is not None}


@router.post("/profiles/builtin")
def builtin(page: PageDep) -> Response:
    scope.use_builtin_profile(page.services, _actor(page), page.field("profile"))
    return redirect(page, "/employer/profiles?done=profile")


def _order_page(
    page: Page,
    profile: str | None,
    *,
    birth_date_warning: Any = None,
    duplicate: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    """The order form; on a question (a birth date other than the ID number's, or
    ``duplicate``: the summary of the candidate's open case with this employer) it is
    shown again with what was typed and the box that confirms."""
    profiles = [
        _shown_in_language(page, p)
        for p in case_queries.list_profiles(page.services, _actor(page), limit=100)
    ]
    chosen = next((p for p in profiles if p["profile_id"] == profile), None)
    if chosen is None and profiles:
        chosen = profiles[0]
    return render(
        page,
        "employer/order.html",
        status=status,
        profiles=profiles,
        chosen=chosen,
        agencies=portal_queries.list_agencies(page.services, _actor(page)),
        default_purpose=scope.DEFAULT_PURPOSE_TEXT,  # as the notice will state it
        form=page.form,
        birth_date_warning=birth_date_warning,
        duplicate=duplicate,
    )


@router.get("/cases/new")
def order_form(page: PageDep, profile: Id = None) -> Response:
    return _order_page(page, profile)


@router.post("/cases")
def order(page: PageDep) -> Response:
    """Register the candidate (their identity is stored encrypted) and order the check, in
    one step: a refused order stores nothing. The case waits for the candidate's signature;
    the invitation goes to the mobile number or e-mail address entered (issue 13 item 2),
    in the language of the page, under the name as entered."""
    embedded = embedded_birth_date(page.field("national_id"))
    typed = page.field("birth_date").strip()
    if (
        embedded is not None
        and typed
        and embedded.isoformat() != typed
        and not page.ticked("birth_date_confirmed")
    ):
        # a typo in either is likelier than a card that is wrong: ask before ordering
        # (issue 13 item 14), keeping what was typed
        return _order_page(page, page.field("profile_id"), birth_date_warning=embedded, status=422)
    invitee = invitations.checked_invitee(
        page.field("name"), page.field("contact"), NOTICE_LANGUAGE[page.lang]
    )
    try:
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
            invitee=invitee,
            confirm_duplicate=page.ticked("duplicate_confirmed"),
        )
    except DuplicateOrder as refused:
        # the candidate has an open case here already: say which, and ask (nothing stored)
        existing = case_queries.case_summary(
            page.services, _actor(page), str(refused.params["case_id"])
        )
        return _order_page(page, page.field("profile_id"), duplicate=existing, status=409)
    return redirect(page, f"/employer/cases/{case_id}?done=ordered")


@router.get("/cases/{case_id}")
def case_page(page: PageDep, case_id: CaseId) -> Response:
    return _case_page(page, case_id)


def _case_page(page: Page, case_id: str, refused: dict[str, Any] | None = None) -> Response:
    """The case page; ``refused``: an answer to a dispute or supplement just refused,
    shown on its form with what was typed (status 422)."""
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
    own = portal_queries.runs_own_checks(page.services, actor, case_id)
    # the employer checking its own case answers the candidate's disputes and
    # supplementary documents as the agency desk would, with its forms
    disputes = dispute_desk.open_items(page, case_id, summary["state"], refused, verifier=own)
    return render(
        page,
        "employer/case.html",
        status=422 if refused else 200,
        case=summary,
        card=case_cards(page.services, actor, [case_id]).get(case_id),
        invitation=invitations.invitation_status(page.services, actor, case_id),
        view=view,
        decision=decided,
        notices=notices,
        pre_adverse=pre_adverse,
        wait_over=pre_adverse is not None
        and page.services.now() >= datetime.fromisoformat(pre_adverse["body"]["wait_ends"]),
        # that the candidate's document is with the verifier, never what it is (P4)
        with_verifier=summary["state"] == "adverse_notice"
        and decision.supplement_with_verifier(page.services, actor, case_id),
        # from the case, never from the address: a crafted link must not put another id
        # on the page for the employer to hand out
        candidate_id=portal_queries.candidate_to_invite(page.services, actor, case_id),
        own_checks=summary["state"] == "scoped" and own,
        **disputes,
    )


@router.post("/cases/{case_id}/invitation")
def resend_invitation(page: PageDep, case_id: CaseId) -> Response:
    """A new invitation link while the candidate has not signed, to the contact on file
    or to a corrected one, in the page's language; the older links stop working once it
    went out. Whether it did, the case page says (``invitation_status``)."""
    status = invitations.resend_invitation(
        page.services,
        _actor(page),
        case_id,
        contact=page.field("contact"),
        lang=NOTICE_LANGUAGE[page.lang],
    )
    done = "?done=reinvited" if status.sent else ""  # else the page says why it did not
    return redirect(page, f"/employer/cases/{case_id}{done}")


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
        raise InvalidInput("yes or no", field="cites_report", key="input.yes_or_no")
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


# On a case it checks itself the employer answers disputes and supplementary documents
# with the agency desk's routes, forms and services; the services refuse it on an
# agency's case.
dispute_desk.add_verifier_routes(router, _case_page)
