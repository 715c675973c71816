"""Structured reference checks (PRODUCT.md P3; issue 15 item 4): the case's agency (or
the employer running its own check) invites referees to the questionnaire and follows
their invitations. The referee answers on the web page behind the link
(``/referee/{token}``), which has no API: the link is theirs alone, and is never returned
here (the notifier carries it)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from fairscreen.entrypoints.api.deps import ActorDep, ServicesDep
from fairscreen.entrypoints.api.routing import OneTripRoute
from fairscreen.entrypoints.api.schemas import InvitationOut, RefereeIn, RefereeInvitedOut
from fairscreen.services import references

router = APIRouter(prefix="/v1/cases", tags=["references"], route_class=OneTripRoute)
CaseId = Annotated[str, Path(max_length=64)]


@router.post("/{case_id}/referees", status_code=status.HTTP_201_CREATED)
def invite_referee(
    svc: ServicesDep, actor: ActorDep, case_id: CaseId, body: RefereeIn
) -> RefereeInvitedOut:
    """Send a referee a single-use link to the questionnaire, within the authorization
    (``reference`` consented and in the effective scope) and before the report is rated.
    The link lasts ``days`` (7 by default), never beyond the authorization."""
    sent = references.invite_referee(
        svc,
        actor,
        case_id,
        name=body.name,
        contact=body.contact,
        lang=body.lang,
        days=body.days,
    )
    return RefereeInvitedOut(id=sent.id, expires_at=sent.expires_at)


@router.get("/{case_id}/referees")
def list_referees(svc: ServicesDep, actor: ActorDep, case_id: CaseId) -> list[InvitationOut]:
    """The case's invitations: the referee as entered, and whether they answered."""
    return [InvitationOut(**row) for row in references.list_invitations(svc, actor, case_id)]
