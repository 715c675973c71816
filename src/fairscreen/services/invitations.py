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
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import RowMapping

from fairscreen.adapters.db import case_tables as t
from fairscreen.adapters.db.unit_of_work import SqlUnitOfWork
from fairscreen.domain.contact import MOBILE, Contact, mask, parse_contact
from fairscreen.domain.errors import InvalidInput, InvitationInvalid
from fairscreen.domain.lifecycle import CaseState
from fairscreen.ledger.entries import ActorRole
from fairscreen.services import accounts
from fairscreen.services.accounts import IssuedToken
from fairscreen.services.case_events import case_role, visible_case
from fairscreen.services.context import Actor, Services, require_role

INVITATION_DAYS = 14
NAME_MAX = 100
LANGS = ("zh-Hans", "en", "zh-Hant")

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
    return Invitee(name, parse_contact(contact), lang if lang in LANGS else "zh-Hans")


def _token_hash(svc: Services, token: str) -> str:
    """The keyed hash a link's token is stored as: a database copy cannot forge a link."""
    key = hmac.new(svc.pseudonym_key, b"fairscreen|candidate|invitation", hashlib.sha256).digest()
    return hmac.new(key, token.encode("utf-8"), hashlib.sha256).hexdigest()


def invitation_path(token: str) -> str:
    return f"/candidate/invitation/{token}"


def add_invitation(svc: Services, uow: SqlUnitOfWork, case_id: str) -> str:
    """A new link for the case, in the caller's transaction; returns its token (the
    only time it exists in the clear)."""
    token = secrets.token_urlsafe(32)
    now = svc.now()
    uow.repo.add_candidate_invitation(
        id=f"cinv_{secrets.token_hex(16)}",
        case_id=case_id,
        token_hash=_token_hash(svc, token),
        created_at=now,
        expires_at=now + timedelta(days=INVITATION_DAYS),
    )
    return token


def _send(svc: Services, contact: Contact, kind: str, lang: str, **values: object) -> None:
    texts = _TEXTS[lang]
    svc.messenger.send(
        "sms" if contact.kind == MOBILE else "email",
        contact.value,
        kind=kind,
        subject=texts[f"{kind}.subject"].format(**values),
        body=texts[f"{kind}.body"].format(**values),
    )


def send_invitation(svc: Services, invitee: Invitee, employer: str, token: str) -> None:
    """The invitation message, after the order is committed."""
    link = svc.config.public_url.rstrip("/") + invitation_path(token)
    _send(
        svc,
        invitee.contact,
        "invitation",
        invitee.lang,
        employer=employer,
        link=link,
        days=INVITATION_DAYS,
    )


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


def _usable(svc: Services, uow: SqlUnitOfWork, token: str) -> tuple[RowMapping, RowMapping]:
    if not token or len(token) > 100:
        raise InvitationInvalid("unknown")
    invitation = uow.repo.candidate_invitation(_token_hash(svc, token))
    if invitation is None:
        raise InvitationInvalid("unknown")
    case = uow.repo.case(invitation["case_id"])
    if case is None or case["state"] == CaseState.DESTROYED.value:
        raise InvitationInvalid("unknown")
    if invitation["used_at"] is not None:
        raise InvitationInvalid("used")
    if invitation["expires_at"] <= svc.now():
        raise InvitationInvalid("expired")
    if case["contact_ct"] is None:  # pragma: no cover - a link is made only with a contact
        raise InvitationInvalid("unknown")
    return invitation, case


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
    language = lang if lang in LANGS else "zh-Hans"
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


def invited_at(svc: Services, actor: Actor, case_id: str) -> tuple[str, str] | None:
    """For the employer's case page: where the invitation went, masked (channel and
    destination), or None for a case ordered without one or destroyed."""
    require_role(actor, ActorRole.EMPLOYER)
    with svc.reader() as uow:
        case = visible_case(uow, actor, case_id, allow_destroyed=True)
        if case["contact_ct"] is None:
            return None
        contact = _contact(uow, case)
        return contact.kind, mask(contact)
