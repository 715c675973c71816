"""Colleagues and their invitations (issue 13 item 3): the organisation's administrator
invites a colleague by e-mail, sees and withdraws pending invitations, and removes
colleagues; the invitee sets their password on the link.

- The link carries 256 random bits (stored as SHA-256), works once and for 7 days;
  accepting makes the account and uses the link up in one transaction, so two tries at
  once cannot both succeed.
- The invited address is encrypted under a key of the invitation's own (envelope label
  ``staffinv.<id>``), shredded once the invitation is accepted or withdrawn; a removed
  colleague's key is shredded and their blind index emptied.
- Only the administrator (the account made at sign-up or by ``fairscreen admin
  create-staff``) manages colleagues, within their own organisation and role; another
  organisation's invitation or account does not exist for them.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import RowMapping

from fairscreen.adapters.db import account_tables as a
from fairscreen.domain.errors import InvalidInput, NotFound, PermissionDenied
from fairscreen.ledger.entries import ActorRole
from fairscreen.services.accounts import (
    IssuedToken,
    Principal,
    _account,
    end_every_token,
    token_hash,
)
from fairscreen.services.case_events import new_id
from fairscreen.services.context import Services
from fairscreen.services.staff_accounts import (
    account_by_email_index,
    account_label,
    check_password_rule,
    create_staff_account,
    email_index,
    normalise_email,
    own_account_id,
    seal_for,
    shred_label,
    start_session,
)

INVITATION_LIFETIME = timedelta(days=7)
INVITATION_PREFIX = "fsi_"
#: the invitation e-mail, in the inviting administrator's language (``accounts.lang``:
#: the colleague's own is not known yet; zh-Hans when the administrator never chose)
INVITATION_MAIL = {
    "zh-Hans": (
        "fairscreen：同事邀请您加入",
        "请打开链接设置密码（{expires} 前有效，仅可使用一次）：{link}\n",
    ),
    "zh-Hant": (
        "fairscreen：同事邀請您加入",
        "請開啟連結設定密碼（{expires} 前有效，僅可使用一次）：{link}\n",
    ),
    "en": (
        "fairscreen: a colleague invites you",
        "Open the link to choose your password (valid once, until {expires}): {link}\n",
    ),
}


def _invitation_label(invitation_id: str) -> str:
    return f"staffinv.{invitation_id}"


def _admin(svc: Services, principal: Principal) -> RowMapping:
    account_id = own_account_id(principal)
    with svc.engine.connect() as connection:
        account = _account(connection, account_id)
    if account is None or not account["is_admin"]:
        raise PermissionDenied(
            "only the organisation's administrator manages colleagues",
            field="actor",
            key="denied.only_organisation_administrator_manages_colleagues",
        )
    return account


def invite_colleague(svc: Services, principal: Principal, email: str) -> tuple[str, str]:
    """Invite a colleague into the administrator's organisation, with the same role;
    returns the invitation id and its link path (``/invitations/<token>``). The link goes
    to the invited address by e-mail (``svc.messenger``: SMTP, or the development outbox,
    as the candidate's invitation does) and works once, for 7 days."""
    admin = _admin(svc, principal)
    address = normalise_email(email)
    index = email_index(svc, address)
    token = INVITATION_PREFIX + secrets.token_urlsafe(32)
    invitation_id = new_id("inv")
    now = svc.now()
    with svc.uow() as uow:
        if account_by_email_index(uow.connection, index) is not None:
            raise InvalidInput(
                "this e-mail address already has an account",
                field="email",
                key="input.e_mail_address_already_account",
            )
        uow.connection.execute(
            sa.insert(a.staff_invitations).values(
                id=invitation_id,
                tenant_id=admin["tenant_id"],
                role=admin["role"],
                invited_by=admin["id"],
                email_ct=seal_for(uow, _invitation_label(invitation_id), "email", address),
                email_index=index,
                token_hash=token_hash(token),
                created_at=now,
                expires_at=now + INVITATION_LIFETIME,
            )
        )
        uow.commit()
    path = f"/invitations/{token}"
    link = svc.config.public_url.rstrip("/") + path
    expires = (now + INVITATION_LIFETIME).date().isoformat()
    subject, body = INVITATION_MAIL.get(admin["lang"] or "", INVITATION_MAIL["zh-Hans"])
    svc.messenger.send(
        "email",
        address,
        kind="staff_invitation",
        subject=subject,
        body=body.format(expires=expires, link=link),
    )
    return invitation_id, path


def colleagues(svc: Services, principal: Principal) -> dict[str, list[dict[str, Any]]]:
    """The organisation's accounts and its invitations (administrator only), e-mails
    decrypted for the administrator."""
    admin = _admin(svc, principal)
    accounts, invitations = a.accounts, a.staff_invitations
    same_org = (
        accounts.c.tenant_id == admin["tenant_id"]
        if admin["tenant_id"] is not None
        else sa.and_(accounts.c.tenant_id.is_(None), accounts.c.role == admin["role"])
    )
    with svc.reader() as uow:
        people = []
        for row in uow.connection.execute(
            sa.select(accounts)
            .where(same_org, accounts.c.disabled_at.is_(None))  # a removed one is shredded
            .order_by(accounts.c.created_at)
        ).mappings():
            if row["email_ct"] is None:
                continue  # an integration's token-only account: no person
            people.append(
                {
                    "id": row["id"],
                    "email": uow.cipher.decrypt_text(
                        account_label(row["id"]), "email", bytes(row["email_ct"])
                    ),
                    "is_admin": bool(row["is_admin"]),
                    "totp": row["totp_enabled_at"] is not None,
                    "created_at": row["created_at"],
                    "self": row["id"] == admin["id"],
                }
            )
        pending = []
        for row in uow.connection.execute(
            sa.select(invitations)
            .where(
                invitations.c.invited_by.in_(sa.select(accounts.c.id).where(same_org)),
                invitations.c.accepted_at.is_(None),
                invitations.c.revoked_at.is_(None),
            )
            .order_by(invitations.c.created_at.desc())
        ).mappings():
            pending.append(
                {
                    "id": row["id"],
                    "email": uow.cipher.decrypt_text(
                        _invitation_label(row["id"]), "email", bytes(row["email_ct"])
                    ),
                    "created_at": row["created_at"],
                    "expires_at": row["expires_at"],
                    "expired": row["expires_at"] <= svc.now(),
                }
            )
    return {"accounts": people, "invitations": pending}


def revoke_invitation(svc: Services, principal: Principal, invitation_id: str) -> None:
    """Void a pending invitation of the administrator's organisation; its address's key
    is shredded."""
    admin = _admin(svc, principal)
    invitations = a.staff_invitations
    with svc.uow() as uow:
        done = uow.connection.execute(
            sa.update(invitations)
            .where(
                invitations.c.id == invitation_id,
                _same_tenant(invitations.c.tenant_id, admin["tenant_id"]),
                invitations.c.role == admin["role"],
                invitations.c.accepted_at.is_(None),
                invitations.c.revoked_at.is_(None),
            )
            .values(revoked_at=svc.now())
        )
        if done.rowcount != 1:
            raise NotFound(
                "no such invitation", field="invitation_id", key="not_found.no_such_invitation"
            )
        shred_label(uow, _invitation_label(invitation_id))
        uow.commit()


def remove_colleague(svc: Services, principal: Principal, account_id: str) -> None:
    """Remove a colleague of the administrator's organisation (never oneself): the
    account is disabled, every token and session of it ends at once, and its e-mail's
    key is shredded and its blind index emptied (the address may be invited again)."""
    admin = _admin(svc, principal)
    if account_id == admin["id"]:
        raise InvalidInput(
            "you cannot remove your own account",
            field="account_id",
            key="input.you_cannot_remove_your_own",
        )
    accounts = a.accounts
    now = svc.now()
    with svc.uow() as uow:
        done = uow.connection.execute(
            sa.update(accounts)
            .where(
                accounts.c.id == account_id,
                _same_tenant(accounts.c.tenant_id, admin["tenant_id"]),
                accounts.c.role == admin["role"],
                accounts.c.disabled_at.is_(None),
            )
            .values(disabled_at=now, email_index=None)
        )
        if done.rowcount != 1:
            raise NotFound("no such account", field="account_id", key="not_found.no_such_account")
        end_every_token(uow.connection, account_id, now)
        shred_label(uow, account_label(account_id))
        uow.commit()


def _same_tenant(column: sa.ColumnElement[Any], tenant_id: str | None) -> sa.ColumnElement[bool]:
    return column.is_(None) if tenant_id is None else column == tenant_id


def invitation(svc: Services, token: str) -> dict[str, Any]:
    """What the invitee's page shows: the organisation, the role and the address the
    account will have. An unknown, used, revoked or expired link is one refusal."""
    with svc.reader() as uow:
        row = _live_invitation(uow.connection, svc, token)
        tenant = uow.repo.tenant(row["tenant_id"]) if row["tenant_id"] else None
        email = uow.cipher.decrypt_text(
            _invitation_label(row["id"]), "email", bytes(row["email_ct"])
        )
    return {
        "organisation": tenant["name"] if tenant else None,
        "role": row["role"],
        "email": email,
        "expires_at": row["expires_at"],
    }


def accept_invitation(svc: Services, token: str, password: str) -> tuple[Principal, IssuedToken]:
    """The invitee sets their password: the account is made, the link is used up (a
    second use, even at the same moment, is refused), and a session starts."""
    check_password_rule(password)
    invitations = a.staff_invitations
    with svc.uow() as uow:
        row = _live_invitation(uow.connection, svc, token)
        email = uow.cipher.decrypt_text(
            _invitation_label(row["id"]), "email", bytes(row["email_ct"])
        )
        account_id = create_staff_account(
            svc,
            role=ActorRole(row["role"]),
            tenant_id=row["tenant_id"],
            email=email,
            password=password,
            admin=False,
            label="colleague",
            uow=uow,
        )
        used = uow.connection.execute(
            sa.update(invitations)
            .where(invitations.c.id == row["id"], invitations.c.accepted_at.is_(None))
            .values(accepted_at=svc.now(), account_id=account_id)
        )
        if used.rowcount != 1:
            raise NotFound(
                "this invitation link is not valid: it was used, withdrawn or has expired",
                field="token",
                key="not_found.invitation_link_not_valid_used",
            )
        shred_label(uow, _invitation_label(row["id"]))
        uow.commit()
    return start_session(svc, account_id)


def _live_invitation(connection: sa.Connection, svc: Services, token: str) -> RowMapping:
    invitations = a.staff_invitations
    if not token.startswith(INVITATION_PREFIX) or len(token) > 100:
        raise NotFound(
            "this invitation link is not valid: it was used, withdrawn or has expired",
            field="token",
            key="not_found.invitation_link_not_valid_used",
        )
    row = (
        connection.execute(
            sa.select(invitations).where(invitations.c.token_hash == token_hash(token))
        )
        .mappings()
        .first()
    )
    if (
        row is None
        or row["accepted_at"] is not None
        or row["revoked_at"] is not None
        or row["expires_at"] <= svc.now()
    ):
        raise NotFound(
            "this invitation link is not valid: it was used, withdrawn or has expired",
            field="token",
            key="not_found.invitation_link_not_valid_used",
        )
    return row
