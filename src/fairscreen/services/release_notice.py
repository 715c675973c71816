"""HR hears when a report is released (issue 13 item 11): an e-mail through the same
mailer as the candidate's invitation (``adapters/messages.py``), to the HR staff
account's e-mail, else the employer's notification address (:func:`release_recipient`).

What it says: that the report of a case for a role was released and where to read it
and decide. No name, no light, no finding: the report is read in the portal, where every
read is logged (P5). A mail that cannot be sent does not undo the release; it is logged
with the case id only.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass

from sqlalchemy.engine import RowMapping

from fairscreen.adapters.db.unit_of_work import SqlUnitOfWork
from fairscreen.domain.contact import EMAIL, parse_contact
from fairscreen.domain.errors import InvalidInput
from fairscreen.ledger.entries import ActorRole
from fairscreen.services.case_events import case_role
from fairscreen.services.context import Actor, Services, require_role
from fairscreen.services.staff_accounts import hr_email

log = logging.getLogger("fairscreen.release_notice")

SUBJECT = "fairscreen：背景核查报告已发布 / Background check report released"
BODY = (
    "岗位「{role}」的背景核查报告已发布，请登录查看并作出决定：\n{link}\n\n"
    'The background check report for the role "{role}" was released. '
    "Sign in to read it and decide:\n{link}\n\n"
    "案件 / Case: {case_id}\n"
)


def set_notification_email(svc: Services, actor: Actor, email: str | None) -> None:
    """The employer's address for "report released" e-mails (empty removes it)."""
    require_role(actor, ActorRole.EMPLOYER)
    address = None
    if email is not None and email.strip():
        contact = parse_contact(email, field="notify_email")
        if contact.kind != EMAIL:
            raise InvalidInput(
                "not an e-mail address (name@example.com)",
                field="notify_email",
                key="input.not_e_mail_address_name",
            )
        address = contact.value
    with svc.uow() as uow:
        tenant = uow.repo.tenant(actor.id)
        assert tenant is not None  # an employer's session names its own tenant
        uow.repo.set_tenant_notify_email(tenant, address)
        uow.commit()


def notification_email(svc: Services, actor: Actor) -> str | None:
    require_role(actor, ActorRole.EMPLOYER)
    with svc.reader() as uow:
        tenant = uow.repo.tenant(actor.id)
        return None if tenant is None else uow.repo.tenant_notify_email(tenant)


def release_recipient(uow: SqlUnitOfWork, employer_id: str) -> str | None:
    """Whom to tell that a report was released: the HR staff account's e-mail
    (``staff_accounts.hr_email``: the administrator's, else the oldest account's), then
    the employer's configured notification address (an employer still on API tokens has
    no account with an address); None when neither exists."""
    tenant = uow.repo.tenant(employer_id)
    if tenant is None:
        return None
    return hr_email(uow, str(tenant["id"])) or uow.repo.tenant_notify_email(tenant)


@dataclass(frozen=True, slots=True)
class ReleaseMail:
    to: str
    case_id: str
    body: str

    def __repr__(self) -> str:
        return f"ReleaseMail({self.case_id})"


def release_mail(svc: Services, uow: SqlUnitOfWork, case: RowMapping) -> ReleaseMail | None:
    """The e-mail to send once the release is committed, or None without a recipient."""
    to = release_recipient(uow, str(case["employer_id"]))
    if to is None:
        return None
    role = case_role(uow, case)
    link = f"{svc.config.public_url.rstrip('/')}/employer/cases/{case['id']}"
    body = BODY.format(role=role.get("title") or role["id"], link=link, case_id=case["id"])
    return ReleaseMail(to, str(case["id"]), body)


def send_release_mails(svc: Services, mails: list[ReleaseMail]) -> None:
    """Send after the release is committed; a failure is logged and the next goes on."""
    for mail in mails:
        try:
            svc.messenger.send(
                "email", mail.to, kind="report_released", subject=SUBJECT, body=mail.body
            )
        except (OSError, smtplib.SMTPException) as error:
            log.warning(
                "report_released e-mail not sent for %s: %s", mail.case_id, type(error).__name__
            )
