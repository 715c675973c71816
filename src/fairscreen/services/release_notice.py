"""HR hears when a report is released (issue 13 item 11): an e-mail through the same
mailer as the candidate's invitation (``adapters/messages.py``), to the HR staff
account's e-mail, else the employer's notification address (:func:`release_recipient`),
in that recipient's language: the one the account last chose on the portal, or the one
of the page the notification address was saved on; zh-Hans when neither is known.

What it says: that the report of a case for a role was released and where to read it
and decide. No name, no light, no finding: the report is read in the portal, where every
read is logged (P5). A mail that cannot be sent does not undo the release; it is logged
with the case id only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.engine import RowMapping

from fairscreen.adapters.db.unit_of_work import SqlUnitOfWork
from fairscreen.domain.bilingual import in_language
from fairscreen.domain.contact import EMAIL, parse_contact
from fairscreen.domain.errors import InvalidInput, MessageNotSent
from fairscreen.ledger.entries import ActorRole
from fairscreen.services.case_events import case_role
from fairscreen.services.context import Actor, Services, require_role
from fairscreen.services.staff_accounts import hr_contact

log = logging.getLogger("fairscreen.release_notice")

#: the mail's language when the recipient's is not known
DEFAULT_LANG = "zh-Hans"
SUBJECTS = {
    "zh-Hans": "fairscreen：背景核查报告已发布",
    "zh-Hant": "fairscreen：背景核查報告已發佈",
    "en": "fairscreen: background check report released",
}
BODIES = {
    "zh-Hans": (
        "岗位“{role}”的背景核查报告已发布，请登录查看并作出决定：\n{link}\n\n案件：{case_id}\n"
    ),
    "zh-Hant": (
        "職位「{role}」的背景核查報告已發佈，請登入查看並作出決定：\n{link}\n\n案件：{case_id}\n"
    ),
    "en": (
        'The background check report for the role "{role}" was released. '
        "Sign in to read it and decide:\n{link}\n\nCase: {case_id}\n"
    ),
}


def set_notification_email(
    svc: Services, actor: Actor, email: str | None, lang: str = DEFAULT_LANG
) -> None:
    """The employer's address for "report released" e-mails (empty removes it), written
    in ``lang`` (the language of the page it was saved on)."""
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
        uow.repo.set_tenant_notify_email(tenant, address, lang if lang in SUBJECTS else None)
        uow.commit()


def notification_email(svc: Services, actor: Actor) -> str | None:
    require_role(actor, ActorRole.EMPLOYER)
    with svc.reader() as uow:
        tenant = uow.repo.tenant(actor.id)
        found = None if tenant is None else uow.repo.tenant_notification(tenant)
        return None if found is None else found[0]


def release_recipient(uow: SqlUnitOfWork, employer_id: str) -> tuple[str, str] | None:
    """Whom to tell that a report was released, and in which language: the HR staff
    account's e-mail (``staff_accounts.hr_contact``: the administrator's, else the oldest
    account's) in the account's language, then the employer's configured notification
    address (an employer still on API tokens has no account with an address) in its
    language; None when neither exists."""
    tenant = uow.repo.tenant(employer_id)
    if tenant is None:
        return None
    found = hr_contact(uow, str(tenant["id"])) or uow.repo.tenant_notification(tenant)
    if found is None:
        return None
    address, lang = found
    return address, lang if lang in SUBJECTS else DEFAULT_LANG


@dataclass(frozen=True, slots=True)
class ReleaseMail:
    to: str
    case_id: str
    subject: str
    body: str

    def __repr__(self) -> str:
        return f"ReleaseMail({self.case_id})"


def release_mail(svc: Services, uow: SqlUnitOfWork, case: RowMapping) -> ReleaseMail | None:
    """The e-mail to send once the release is committed, or None without a recipient."""
    recipient = release_recipient(uow, str(case["employer_id"]))
    if recipient is None:
        return None
    to, lang = recipient
    role = case_role(uow, case)
    link = f"{svc.config.public_url.rstrip('/')}/employer/cases/{case['id']}"
    title = in_language(role.get("title") or role["id"], lang)
    body = BODIES[lang].format(role=title, link=link, case_id=case["id"])
    return ReleaseMail(to, str(case["id"]), SUBJECTS[lang], body)


def send_release_mails(svc: Services, mails: list[ReleaseMail]) -> None:
    """Send after the release is committed; a failure is logged and the next goes on."""
    for mail in mails:
        try:
            svc.messenger.send(
                "email", mail.to, kind="report_released", subject=mail.subject, body=mail.body
            )
        except MessageNotSent as error:
            # the error names the cause's type only, never the address
            log.warning("report_released e-mail not sent for %s: %s", mail.case_id, error)
