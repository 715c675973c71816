"""Inviting the candidate (issue 13 item 2): the employer enters the candidate's name as
they know it and their mobile number or e-mail address when ordering; the candidate gets
a link that opens their case, and the sign-in codes go to that same number or address.

- The name and the contact are sealed under the case key (``cases.candidate_name_ct``,
  ``cases.contact_ct``): destroying the case destroys them.
- The link's token is 256 random bits; only its keyed hash is stored. It lives
  ``INVITATION_DAYS`` days and is **single use**: the sign-in it completes marks it used.
  Opening it changes nothing (a mail client's link preview must not spend it); asking
  for a code is a form the candidate submits.
- The messages carry what the candidate needs to act and nothing more: the employer's
  name and the link (no candidate name, no role, no report content); a code message
  carries the code and how long it lives.
- Pages show where a code went only masked: "尾号 1234 的手机", ``a***@example.com``.
- A message that does not go out (the SMS gateway refuses it, the SMTP server is down)
  leaves the committed order as it is: the link's row records the failure as a key
  (``invitation.failed.*``), never the number, address or text, and the employer's case
  page says so and offers to send again.
- **Resending** (:func:`resend_invitation`), while the case waits for the signature:
  a new link, optionally to a corrected number or address (the order's rules, sealed
  with the case as at the order); once its message went out, every older link of the
  case stops working (``InvitationInvalid("replaced")``). At most
  ``INVITATIONS_PER_DAY`` links per case in any 24 hours, the order's included. Like
  the order's link, a resend is recorded as the link's row only: no ledger entry (an
  entry per message would publish how often a pseudonymous candidate was chased).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar

from sqlalchemy.engine import RowMapping

from fairscreen.adapters.db import case_tables as t
from fairscreen.adapters.db.unit_of_work import SqlUnitOfWork
from fairscreen.domain.bilingual import LANGUAGES
from fairscreen.domain.contact import MOBILE, Contact, mask, parse_contact
from fairscreen.domain.errors import (
    InvalidInput,
    InvalidTransition,
    InvitationInvalid,
    MessageNotSent,
)
from fairscreen.domain.lifecycle import CaseState
from fairscreen.ledger.entries import ActorRole
from fairscreen.services import accounts
from fairscreen.services.accounts import IssuedToken
from fairscreen.services.case_events import case_role, new_id, reload_case, visible_case
from fairscreen.services.context import Actor, Services, require_role

log = logging.getLogger("fairscreen.invitations")

INVITATION_DAYS = 14
#: a link's token is stored as its keyed hash (``Services.keyed_hash``): a database copy
#: cannot forge a link
TOKEN_PURPOSE = b"fairscreen|candidate|invitation"
#: links a case may get in any 24 hours, the order's included (a resend beyond is refused)
INVITATIONS_PER_DAY = 5
#: why a message did not go out: keys of the portals' catalogue and of the API's answer
FAILED_SMS = "invitation.failed.sms"
FAILED_MAIL = "invitation.failed.mail"
NAME_MAX = 100

#: The messages, per language. ``{employer}`` is the ordering organisation's name.
_TEXTS: dict[str, dict[str, str]] = {
    "zh-Hans": {
        "invitation.subject": "{employer} 请您确认背景核查授权",
        "invitation.body": (
            "{employer} 通过 fairscreen 邀请您查看并决定是否授权一项入职背景核查。"
            "打开链接查看（{days} 天内有效，仅可登录一次）：\n{link}\n"
            "如非本人，请忽略本消息。"
        ),
        "code.subject": "fairscreen 登录验证码",
        "code.body": "您的 fairscreen 登录验证码：{code}，{minutes} 分钟内有效。请勿告诉他人。",
        "review.subject": "{employer} 的背景核查报告已可查看",
        "review.body": (
            "您有一份来自 {employer} 的背景核查报告，请在 {until} 前登录查看；"
            "如有异议可在页面提出：\n{link}"
        ),
        "review_reopened.subject": "您对 {employer} 背景核查报告的异议已答复",
        "review_reopened.body": (
            "您对 {employer} 背景核查报告提出的异议已有答复，报告已更新。"
            "请在 {until} 前登录查看；如仍有异议可再次提出：\n{link}"
        ),
        "pre_adverse.subject": "{employer} 向您发送了结果预告知",
        "pre_adverse.body": (
            "您有一份来自 {employer} 的结果预告知，请在 {until} 前登录查看并回复：\n{link}"
        ),
        "decision.subject": "{employer} 已作出最终决定",
        "decision.body": "{employer} 已就您的背景核查作出最终决定，请登录查看：\n{link}",
    },
    "en": {
        "invitation.subject": "{employer} asks you about a background check",
        "invitation.body": (
            "{employer} invites you, through fairscreen, to read and decide whether to "
            "authorize a pre-employment background check. Open the link (valid {days} "
            "days, for one sign-in):\n{link}\nIf this is not for you, ignore this message."
        ),
        "code.subject": "Your fairscreen sign-in code",
        "code.body": (
            "Your fairscreen sign-in code: {code}. It is valid for {minutes} minutes. "
            "Do not share it."
        ),
        "review.subject": "Your background check report from {employer} is ready",
        "review.body": (
            "Your background check report from {employer} is ready. Sign in to read it "
            "before {until}; you may dispute it on the page:\n{link}"
        ),
        "review_reopened.subject": "Your dispute of the report from {employer} was answered",
        "review_reopened.body": (
            "Your dispute of the background check report from {employer} was answered and "
            "the report updated. Sign in to read it before {until}; you may dispute it "
            "again on the page:\n{link}"
        ),
        "pre_adverse.subject": "{employer} sent you a pre-adverse notice",
        "pre_adverse.body": (
            "You have a pre-adverse notice from {employer}. Sign in to read it and answer "
            "before {until}:\n{link}"
        ),
        "decision.subject": "{employer} made its final decision",
        "decision.body": (
            "{employer} made its final decision on your background check. Sign in to read "
            "it:\n{link}"
        ),
    },
    "zh-Hant": {
        "invitation.subject": "{employer} 請您確認背景查核授權",
        "invitation.body": (
            "{employer} 透過 fairscreen 邀請您檢視並決定是否授權一項到職背景查核。"
            "開啟連結檢視（{days} 天內有效，僅可登入一次）：\n{link}\n"
            "如非本人，請忽略此訊息。"
        ),
        "code.subject": "fairscreen 登入驗證碼",
        "code.body": "您的 fairscreen 登入驗證碼：{code}，{minutes} 分鐘內有效。請勿告訴他人。",
        "review.subject": "{employer} 的背景查核報告已可檢視",
        "review.body": (
            "您有一份來自 {employer} 的背景查核報告，請在 {until} 前登入檢視；"
            "如有異議可在頁面提出：\n{link}"
        ),
        "review_reopened.subject": "您對 {employer} 背景查核報告的異議已答覆",
        "review_reopened.body": (
            "您對 {employer} 背景查核報告提出的異議已有答覆，報告已更新。"
            "請在 {until} 前登入檢視；如仍有異議可再次提出：\n{link}"
        ),
        "pre_adverse.subject": "{employer} 向您發送了結果預告知",
        "pre_adverse.body": (
            "您有一份來自 {employer} 的結果預告知，請在 {until} 前登入檢視並回覆：\n{link}"
        ),
        "decision.subject": "{employer} 已作出最終決定",
        "decision.body": "{employer} 已就您的背景查核作出最終決定，請登入檢視：\n{link}",
    },
}


@dataclass(frozen=True, slots=True)
class Invitee:
    """Whom an order invites: the name as the employer knows the candidate, their
    contact, and the language of the messages."""

    name: str
    contact: Contact
    lang: str

    def __repr__(self) -> str:
        return f"Invitee({self.contact.kind}, {self.lang})"


def checked_invitee(name: str, contact: str, lang: str = "zh-Hans") -> Invitee:
    """The invitee, validated without reading or writing anything: a name of 1 to 100
    characters, a contact by ``domain.contact``'s rules."""
    name = " ".join(name.split())
    if not name or len(name) > NAME_MAX:
        raise InvalidInput(
            "1 to 100 characters", field="candidate_name", key="input.1_100_characters"
        )
    return Invitee(name, parse_contact(contact), lang if lang in LANGUAGES else "zh-Hans")


def check_reachable(svc: Services, contact: Contact) -> None:
    """Refuse a mobile number where this service sends no text messages."""
    if contact.kind == MOBILE and not svc.config.sms_sign_in:
        raise InvalidInput(
            "this service sends no text messages: give the candidate's e-mail address",
            field="contact",
            key="input.no_text_messages",
        )


def invitation_path(token: str) -> str:
    return f"/candidate/invitation/{token}"


@dataclass(frozen=True, slots=True)
class NewLink:
    """A link just made: its row's id and its token (the only time it exists in the
    clear)."""

    id: str
    token: str

    def __repr__(self) -> str:
        return f"NewLink({self.id})"


def add_invitation(svc: Services, uow: SqlUnitOfWork, case_id: str) -> NewLink:
    """A new link for the case, in the caller's transaction, not yet sent. Its
    ``created_at`` is later than every older link's, even within one clock tick: which
    link is the latest decides which ones a resend ends (``_replaced``)."""
    link = NewLink(f"cinv_{secrets.token_hex(16)}", secrets.token_urlsafe(32))
    now = svc.now()
    older = uow.repo.candidate_invitations(case_id)
    created = max(now, older[-1]["created_at"] + timedelta(microseconds=1)) if older else now
    uow.repo.add_candidate_invitation(
        id=link.id,
        case_id=case_id,
        token_hash=svc.keyed_hash(TOKEN_PURPOSE, link.token),
        created_at=created,
        expires_at=now + timedelta(days=INVITATION_DAYS),
    )
    return link


def _send(svc: Services, contact: Contact, kind: str, lang: str, **values: object) -> None:
    texts = _TEXTS[lang]
    svc.messenger.send(
        "sms" if contact.kind == MOBILE else "email",
        contact.value,
        kind=kind,
        subject=texts[f"{kind}.subject"].format(**values),
        body=texts[f"{kind}.body"].format(**values),
    )


def _deliver(
    svc: Services, case_id: str, contact: Contact, kind: str, lang: str, **values: object
) -> str | None:
    """Send one message; None when it went out, else the failure's key (never raised).
    A failure is logged with the case id, the channel and the messenger's error, which
    names neither the address nor the text (the cause's type only)."""
    try:
        _send(svc, contact, kind, lang, **values)
    except MessageNotSent as error:
        sms = contact.kind == MOBILE
        log.warning("%s %s for %s not sent: %s", kind, "SMS" if sms else "e-mail", case_id, error)
        return FAILED_SMS if sms else FAILED_MAIL
    return None


@dataclass(frozen=True, slots=True)
class PendingInvitation:
    """A link made in a transaction, to send once it is committed: the case, the link,
    where and in which language, and the employer's name the message carries."""

    case_id: str
    link: NewLink
    contact: Contact
    lang: str
    employer: str

    def __repr__(self) -> str:
        return f"PendingInvitation({self.case_id}, {self.contact.kind}, {self.lang})"


def prepare_invitation(
    svc: Services, uow: SqlUnitOfWork, case: RowMapping, lang: str
) -> PendingInvitation:
    """A new link for ``case`` (its contact as this unit of work holds it), in the
    caller's transaction; send it with :func:`send_invitation` after the commit."""
    employer = uow.repo.tenant(str(case["employer_id"]))
    assert employer is not None
    return PendingInvitation(
        case_id=str(case["id"]),
        link=add_invitation(svc, uow, str(case["id"])),
        contact=_contact(uow, reload_case(uow, case)),
        lang=lang if lang in LANGUAGES else "zh-Hans",
        employer=str(employer["name"]),
    )


#: what the candidate is told of, besides the invitation and the codes
CANDIDATE_MESSAGES = ("review", "review_reopened", "pre_adverse", "decision")
#: the notice kept with the case when such a message did not go out (its kind and the
#: failure's key only: no number, address or text)
MESSAGE_FAILED = "message_failed"


@dataclass(frozen=True, slots=True)
class CandidateMessage:
    """A message to the candidate's own phone or mailbox about their case, made in the
    transaction that changes the case and sent once it is committed
    (:func:`send_candidate_message`): ``kind`` is one of :data:`CANDIDATE_MESSAGES`,
    ``until`` the end of the window the candidate may act in (None for a decision)."""

    case_id: str
    kind: str
    contact: Contact
    lang: str
    employer: str
    until: datetime | None

    def __repr__(self) -> str:
        return f"CandidateMessage({self.case_id}, {self.kind}, {self.contact.kind})"


def candidate_language(uow: SqlUnitOfWork, case: RowMapping) -> str:
    """The candidate's language: the invitation's (kept with the contact since the order
    or the latest resend to a corrected contact), else the one they signed the
    authorization in, else zh-Hans."""
    stored = uow.repo.case_contact(case) or {}
    lang = stored.get("lang")
    if lang not in LANGUAGES:
        signed = uow.repo.authorization(str(case["id"]))
        lang = signed["lang"] if signed else None
    return str(lang) if lang in LANGUAGES else "zh-Hans"


def candidate_message(
    svc: Services, uow: SqlUnitOfWork, case: RowMapping, kind: str, until: datetime | None = None
) -> CandidateMessage | None:
    """The message telling the candidate of ``kind`` on ``case`` (as this unit of work
    holds it), in their language (:func:`candidate_language`); None for a case ordered
    without a contact (over the API: the notifier tells the candidate)."""
    assert kind in CANDIDATE_MESSAGES
    case = reload_case(uow, case)
    if case["contact_ct"] is None:
        return None
    employer = uow.repo.tenant(str(case["employer_id"]))
    assert employer is not None
    return CandidateMessage(
        case_id=str(case["id"]),
        kind=kind,
        contact=_contact(uow, case),
        lang=candidate_language(uow, case),
        employer=str(employer["name"]),
        until=until,
    )


def candidate_case_path(case_id: str) -> str:
    return f"/candidate/cases/{case_id}"


def send_candidate_message(svc: Services, message: CandidateMessage | None) -> str | None:
    """Send ``message`` after the transaction that made it is committed: what happened
    and the date the window ends, with a link to the case, never the reasons or findings
    (a text message is not private). Returns None when it went out, else the failure's
    key, also kept with the case (:data:`MESSAGE_FAILED`); never raised, so a failure
    does not undo what the message tells of."""
    if message is None:
        return None
    until = (
        ""
        if message.until is None
        else message.until.astimezone(svc.config.zone).strftime("%Y-%m-%d %H:%M")
    )
    link = svc.config.public_url.rstrip("/") + candidate_case_path(message.case_id)
    failure = _deliver(
        svc,
        message.case_id,
        message.contact,
        message.kind,
        message.lang,
        employer=message.employer,
        link=link,
        until=until,
    )
    if failure is not None:
        with svc.uow() as uow:
            case = uow.repo.case(message.case_id)
            if case is not None:
                uow.repo.add_notice(
                    case,
                    id=new_id("ntc"),
                    kind=MESSAGE_FAILED,
                    body={"message": message.kind, "failure": failure},
                    created_at=svc.now(),
                )
                uow.commit()
    return failure


def send_invitation(svc: Services, pending: PendingInvitation) -> str | None:
    """Send the link's message, after the transaction that made it is committed, and
    record whether it went out; returns None when it did, else the failure's key (never
    raised: the order or resend stands, and the employer may send again). A failure is
    logged with the case id and the error's type only (an SMTP refusal can quote the
    address)."""
    url = svc.config.public_url.rstrip("/") + invitation_path(pending.link.token)
    failure = _deliver(
        svc,
        pending.case_id,
        pending.contact,
        "invitation",
        pending.lang,
        employer=pending.employer,
        link=url,
        days=INVITATION_DAYS,
    )
    with svc.uow() as uow:
        uow.repo.candidate_invitation_sent(
            pending.link.id, sent_at=None if failure else svc.now(), failure=failure
        )
        uow.commit()
    return failure


@dataclass(frozen=True, slots=True)
class InvitationView:
    """What the link's page shows before anything is sent: whose invitation, for which
    role, and where the code will go (masked)."""

    case_id: str
    state: str
    employer: str
    role_title: str
    channel: str  # mobile or email
    destination: str  # masked
    #: the invitation's language (:func:`candidate_language`): the page opens in it
    #: unless the reader chose another
    lang: str = "zh-Hans"


def _usable(svc: Services, uow: SqlUnitOfWork, token: str) -> tuple[RowMapping, RowMapping]:
    if not token or len(token) > 100:
        raise InvitationInvalid("unknown")
    invitation = uow.repo.candidate_invitation(svc.keyed_hash(TOKEN_PURPOSE, token))
    if invitation is None:
        raise InvitationInvalid("unknown")
    case = uow.repo.case(invitation["case_id"])
    if case is None or case["state"] == CaseState.DESTROYED.value:
        raise InvitationInvalid("unknown")
    if invitation["used_at"] is not None:
        raise InvitationInvalid("used")
    if _replaced(uow, invitation):
        raise InvitationInvalid("replaced")
    if invitation["expires_at"] <= svc.now():
        raise InvitationInvalid("expired")
    if case["contact_ct"] is None:  # pragma: no cover - a link is made only with a contact
        raise InvitationInvalid("unknown")
    return invitation, case


def _replaced(uow: SqlUnitOfWork, invitation: RowMapping) -> bool:
    """Whether a newer link of the same case went out (a resend): the older stops."""
    return any(
        other["sent_at"] is not None and other["created_at"] > invitation["created_at"]
        for other in uow.repo.candidate_invitations(str(invitation["case_id"]))
    )


def _contact(uow: SqlUnitOfWork, case: RowMapping) -> Contact:
    stored = uow.repo.case_contact(case)
    assert stored is not None
    return Contact(stored["kind"], stored["value"])


def open_invitation(svc: Services, token: str) -> InvitationView:
    """The page behind a link; ``InvitationInvalid`` says why it cannot be used.
    Changes nothing."""
    with svc.reader() as uow:
        _, case = _usable(svc, uow, token)
        employer = uow.repo.tenant(case["employer_id"])
        assert employer is not None
        contact = _contact(uow, case)
        return InvitationView(
            case_id=str(case["id"]),
            state=str(case["state"]),
            employer=str(employer["name"]),
            role_title=str(case_role(uow, case).get("title") or ""),
            channel=contact.kind,
            destination=mask(contact),
            lang=candidate_language(uow, case),
        )


def request_code(svc: Services, token: str, *, requester: str, lang: str) -> str:
    """Send a one-time code to the invitation's number or address; returns the code
    session's handle (``accounts.request_sign_in_code``: bound to this request, 10
    minutes, 5 tries, an hourly allowance per asker)."""
    with svc.reader() as uow:
        _, case = _usable(svc, uow, token)
        contact = _contact(uow, case)
        subject_id = str(case["subject_id"])
    return _request_to(svc, contact, subject_id, requester=requester, lang=lang)


def _request_to(
    svc: Services, contact: Contact, subject_id: str, *, requester: str, lang: str
) -> str:
    """A code for the subject, sent to ``contact`` in ``lang``; the code session's handle."""
    language = lang if lang in LANGUAGES else "zh-Hans"
    minutes = int(accounts.CODE_LIFETIME.total_seconds() // 60)

    def deliver(code: str, _expires: datetime) -> None:
        _send(svc, contact, "code", language, code=code, minutes=minutes)

    return accounts.request_sign_in_code(svc, subject_id, requester=requester, deliver=deliver)


@dataclass(frozen=True, slots=True)
class CodeSent:
    """A code session's handle, and where its code went (masked) when it went to the
    candidate's own phone or mailbox; None when it went through the notifier."""

    code_session: str
    channel: str | None = None
    destination: str | None = None


def request_code_by_candidate_id(
    svc: Services, candidate_id: str, *, requester: str, lang: str
) -> CodeSent:
    """The ordinary sign-in (candidate id): the code goes to the contact of the
    candidate's latest case that has one, and the page says where, masked; a candidate
    without one (ordered over the API) gets it through the notifier as before. An
    unknown id gets a handle like any other and nothing is sent."""
    with svc.reader() as uow:
        cases = uow.repo.cases_where(
            t.cases.c.subject_id == candidate_id, t.cases.c.contact_ct.is_not(None)
        )
        contact = _contact(uow, cases[-1]) if cases else None
    if contact is None:
        return CodeSent(accounts.request_sign_in_code(svc, candidate_id, requester=requester))
    handle = _request_to(svc, contact, candidate_id, requester=requester, lang=lang)
    return CodeSent(handle, contact.kind, mask(contact))


def sign_in(svc: Services, token: str, code_session: str, code: str) -> tuple[IssuedToken, str]:
    """Exchange the code for a candidate session and spend the link; returns the token
    and the case the link opens. A wrong code leaves the link usable (the code session's
    tries are what is counted)."""
    with svc.reader() as uow:
        invitation, case = _usable(svc, uow, token)
    issued = accounts.exchange_sign_in_code(svc, str(case["subject_id"]), code_session, code)
    with svc.uow() as uow:
        if not uow.repo.use_candidate_invitation(str(invitation["id"]), svc.now()):
            spent = True
        else:
            spent = False
            uow.commit()
    if spent:  # another tab spent it first: the session just issued must not outlive that
        accounts.sign_out(svc, accounts.authenticate(svc, issued.token))
        raise InvitationInvalid("used")
    return issued, str(case["id"])


@dataclass(frozen=True, slots=True)
class InvitationStatus:
    """For the employer: the case's latest link -- where it went (masked), when it was
    made, whether its message went out and if not why (a key) -- and how many more
    links the case may get today; ``resendable`` while the case waits for the signature."""

    channel: str
    destination: str
    at: datetime | None
    sent: bool
    failure: str | None
    resendable: bool
    left_today: int
    #: how long a link lives and how many a case may get a day (for the page's text)
    DAYS: ClassVar[int] = INVITATION_DAYS
    PER_DAY: ClassVar[int] = INVITATIONS_PER_DAY


def _status(svc: Services, uow: SqlUnitOfWork, case: RowMapping) -> InvitationStatus:
    contact = _contact(uow, case)
    links = uow.repo.candidate_invitations(str(case["id"]))
    latest = links[-1] if links else None
    since = svc.now() - timedelta(days=1)
    left = max(0, INVITATIONS_PER_DAY - sum(1 for r in links if r["created_at"] > since))
    return InvitationStatus(
        channel=contact.kind,
        destination=mask(contact),
        at=None if latest is None else latest["sent_at"] or latest["created_at"],
        sent=latest is not None and latest["sent_at"] is not None,
        failure=None if latest is None else latest["failure"],
        resendable=case["state"] == CaseState.ORDERED.value,
        left_today=left,
    )


def invitation_status(svc: Services, actor: Actor, case_id: str) -> InvitationStatus | None:
    """For the employer's case page and the API: the case's invitation, or None for a
    case ordered without a contact or destroyed."""
    require_role(actor, ActorRole.EMPLOYER)
    with svc.reader() as uow:
        case = visible_case(uow, actor, case_id, allow_destroyed=True)
        if case["contact_ct"] is None:
            return None
        return _status(svc, uow, case)


def resend_invitation(
    svc: Services, actor: Actor, case_id: str, *, contact: str = "", lang: str = "zh-Hans"
) -> InvitationStatus:
    """A new link for a case still waiting for the candidate's signature, sent to the
    case's contact or to ``contact`` (a correction, checked by the order's rules and
    sealed with the case). Numbered steps:

    1. check the input, then, under the case's row lock, the state (``ordered``) and the
       allowance (``INVITATIONS_PER_DAY``); a refusal changes nothing;
    2. store the corrected contact and the new link, and commit;
    3. send; once it went out the older links stop working (``_replaced``). A failure
       is recorded on the link (``InvitationStatus.failure``), never raised: the
       employer may correct the contact and try again.
    """
    require_role(actor, ActorRole.EMPLOYER)
    corrected = parse_contact(contact) if contact.strip() else None
    if corrected is not None:
        check_reachable(svc, corrected)
    with svc.uow() as uow:
        visible_case(uow, actor, case_id)
        [case] = uow.repo.cases_where(t.cases.c.id == case_id, lock=True)
        if case["state"] != CaseState.ORDERED.value:
            raise InvalidTransition(
                "an invitation can be sent again only before the candidate signs",
                field="case_id",
                key="transition.invitation_only_before_signing",
            )
        if corrected is None and case["contact_ct"] is None:
            raise InvalidInput(
                "a mobile number or an e-mail address is required",
                field="contact",
                key="input.mobile_number_e_mail_address",
            )
        if case["contact_ct"] is not None and _status(svc, uow, case).left_today == 0:
            raise InvalidTransition(
                "at most {count} invitations a day per case: try again tomorrow",
                field="case_id",
                key="transition.invitation_limit_reached",
                count=INVITATIONS_PER_DAY,
            )
        if corrected is not None:
            uow.repo.set_case_contact(
                case, {"kind": corrected.kind, "value": corrected.value, "lang": lang}
            )
            uow.repo.update_case(case_id, updated_at=svc.now())
        pending = prepare_invitation(svc, uow, case, lang)
        uow.commit()
    send_invitation(svc, pending)
    with svc.reader() as uow:
        return _status(svc, uow, reload_case(uow, case))
