"""Accounts and sign-in for the HTTP API: one function per use case (issue 5 item 1).

- **API tokens** for employer, agency, regulator and operator accounts: 256 random bits,
  shown once when issued, stored as their SHA-256 (a hash of a high-entropy secret needs
  no salt or slow KDF: OWASP ASVS v4 §2.9 / §3.5), revocable, and scoped: an employer's or
  agency's token acts for its tenant only. The operator lists an account's tokens
  (never the secrets) and revokes any, and disables an account, which ends every token
  and session of it at once.
- **Portal sessions** (issue 12 item 12): signing in to a staff portal with an API token
  starts a session with a credential of its own (the same kind of secret, ``kind``
  ``portal``), which the browser's cookie carries instead of the API token. It lives 8
  hours and signing out revokes it; the API token it was started with stays with its
  owner, never in a browser cookie. A staff member sees their account's tokens and
  sessions on the portal and can end any of them.
- **Candidates** sign in with a one-time code sent through the notifier port (the
  notification carries the code, addressed by pseudonym: never a name or number),
  exchanged for a short-lived candidate token. A code lives 10 minutes, allows 5 tries
  and is used once; its keyed hash (HMAC with the pseudonym key) is stored, since a short
  code hashed without a key could be brute-forced from a stolen table.

  Anyone who knows a candidate id can ask for a code, so asking must not let a stranger
  lock the candidate out (issue 12 item 4):

  1. each request opens a **code session**: a random handle given to the asker only,
     without which its code cannot be exchanged (a code is bound to the request that
     asked for it: the candidate's code is useless in a stranger's session and the other
     way round);
  2. wrong tries count against that session alone, so a stranger's wrong guesses never
     spend the tries of the code the candidate holds;
  3. the hourly allowance of codes is per candidate *and asking address* (kept as a
     keyed hash, never the address), so strangers elsewhere cannot use up the
     candidate's; the per-address sign-in rate limit (entrypoints/api/ratelimit.py)
     bounds how many codes any one address can have sent.

Every failure to authenticate is the same :class:`Unauthenticated`, whatever the cause
(unknown, revoked, expired, wrong code), so a caller learns nothing about which.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import RowMapping

from fairscreen.adapters.db import account_tables as a
from fairscreen.adapters.db.engine import first_mapping, one_statement
from fairscreen.adapters.db.unit_of_work import SqlUnitOfWork
from fairscreen.adapters.notify import Notification
from fairscreen.domain.errors import FairscreenError, InvalidInput, NotFound, PermissionDenied
from fairscreen.ledger.entries import ActorRole
from fairscreen.services.case_events import new_id
from fairscreen.services.context import Actor, Services, require_role

TOKEN_PREFIX = "fs_"  # noqa: S105 - a prefix that marks tokens, not a secret
CODE_SESSION_PREFIX = "scs_"
CANDIDATE_TOKEN_LIFETIME = timedelta(minutes=30)
CODE_LIFETIME = timedelta(minutes=10)
CODE_TRIES = 5
CODES_PER_HOUR = 5
CODE_DIGITS = 8
PORTAL_SESSION_LIFETIME = timedelta(hours=8)

#: Which accounts exist, and whether each acts for a tenant of which kind.
ACCOUNT_ROLES: dict[ActorRole, str | None] = {
    ActorRole.EMPLOYER: "employer",
    ActorRole.AGENCY: "agency",
    ActorRole.REGULATOR: None,
    ActorRole.OPERATOR: None,
}


class Unauthenticated(FairscreenError):
    """No valid credentials: a missing, unknown, revoked or expired token, or a wrong,
    used or expired sign-in code (one error for all, so none can be told apart)."""

    code = "UNAUTHENTICATED"


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A token as issued: ``token`` is shown this once and never stored."""

    id: str
    token: str = ""
    expires_at: datetime | None = None

    def __repr__(self) -> str:
        return f"IssuedToken({self.id})"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a token belongs to: the actor the use cases see, the token's own id, and its
    kind (``api``, ``portal`` or ``candidate``)."""

    actor: Actor
    token_id: str
    account_id: str | None
    kind: str = "api"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# --- tenants (operator) -----------------------------------------------------------------------


def register_tenant(svc: Services, actor: Actor, *, kind: str, name: str) -> str:
    """An employer or agency organisation (operator only; an employer also signs itself
    up: services/staff_accounts.py)."""
    require_role(actor, ActorRole.OPERATOR, ActorRole.SYSTEM)
    if kind not in ("employer", "agency"):
        raise InvalidInput("must be employer or agency", field="kind")
    if not name.strip() or len(name) > 200:
        raise InvalidInput("1 to 200 characters", field="name", key="input.1_200_characters")
    with svc.uow() as uow:
        tenant_id = add_tenant(svc, uow, kind=kind, name=name)
        uow.commit()
    return tenant_id


def add_tenant(svc: Services, uow: SqlUnitOfWork, *, kind: str, name: str) -> str:
    """Write a (checked) organisation in ``uow``: sign-up makes the employer and its
    administrator in one transaction, so a refused account leaves no organisation."""
    tenant_id = new_id(kind[:3])
    uow.repo.add_tenant(
        id=tenant_id,
        kind=kind,
        name=name.strip(),
        pseudonym=svc.pseudonym("emp", tenant_id),
        created_at=svc.now(),
    )
    return tenant_id


# --- accounts and their tokens (operator) ------------------------------------------------------


def create_account(
    svc: Services, actor: Actor, *, role: str, label: str, tenant_id: str | None = None
) -> tuple[str, IssuedToken]:
    """An account for an employer or agency tenant, or a regulator or operator; returns
    its id and its first token (shown once)."""
    require_role(actor, ActorRole.OPERATOR)
    try:
        account_role = ActorRole(role)
    except ValueError as exc:
        raise InvalidInput("must be employer, agency, regulator or operator", field="role") from exc
    if account_role not in ACCOUNT_ROLES:
        raise InvalidInput("must be employer, agency, regulator or operator", field="role")
    return _create_account(svc, account_role, label, tenant_id)


def create_operator_on_console(svc: Services, *, label: str) -> tuple[str, IssuedToken]:
    """An operator account made by whoever holds the service's settings and database on
    the machine (``fairscreen admin create-operator``): the way to the first operator,
    since over the API only an operator creates accounts. Returns its id and its token
    (shown once)."""
    return _create_account(svc, ActorRole.OPERATOR, label, None)


def _create_account(
    svc: Services, account_role: ActorRole, label: str, tenant_id: str | None
) -> tuple[str, IssuedToken]:
    if not label.strip() or len(label) > 100:
        raise InvalidInput("1 to 100 characters", field="label", key="input.1_100_characters")
    kind = ACCOUNT_ROLES[account_role]
    with svc.uow() as uow:
        if kind is not None:
            tenant = uow.repo.tenant(tenant_id) if tenant_id else None
            if tenant is None or tenant["kind"] != kind:
                raise NotFound(
                    "no such {role}", field="tenant_id", key="not_found.tenant", role=kind
                )
        elif tenant_id is not None:
            raise InvalidInput(f"a {account_role.value} account has no tenant", field="tenant_id")
        account_id = new_id("acc")
        uow.connection.execute(
            sa.insert(a.accounts).values(
                id=account_id,
                role=account_role.value,
                tenant_id=tenant_id,
                label=label.strip(),
                created_at=svc.now(),
            )
        )
        issued = _issue(uow.connection, svc, role=account_role, account_id=account_id)
        uow.commit()
    return account_id, issued


def list_accounts(
    svc: Services, actor: Actor, *, limit: int, after: str | None
) -> list[dict[str, Any]]:
    require_role(actor, ActorRole.OPERATOR)
    query = sa.select(a.accounts).order_by(a.accounts.c.id).limit(limit)
    if after:
        query = query.where(a.accounts.c.id > after)
    with svc.engine.connect() as connection:
        return [dict(row) for row in connection.execute(query).mappings()]


def issue_token(svc: Services, actor: Actor, account_id: str) -> IssuedToken:
    """A further token for an account (e.g. before rotating the old one out)."""
    require_role(actor, ActorRole.OPERATOR)
    with svc.uow() as uow:
        account = _account(uow.connection, account_id)
        if account is None or account["disabled_at"] is not None:
            raise NotFound("no such account", field="account_id", key="not_found.no_such_account")
        issued = _issue(uow.connection, svc, role=ActorRole(account["role"]), account_id=account_id)
        uow.commit()
    return issued


def revoke_token(svc: Services, actor: Actor, token_id: str) -> None:
    """Revoke a token at once (operator: any token)."""
    require_role(actor, ActorRole.OPERATOR)
    _revoke(svc, token_id)


def sign_out(svc: Services, principal: Principal) -> None:
    """Revoke the caller's own token (or portal session)."""
    _revoke(svc, principal.token_id)


def list_tokens(svc: Services, actor: Actor, account_id: str) -> list[dict[str, Any]]:
    """An account's tokens and portal sessions, newest first (operator): ids, kinds and
    times, never a secret."""
    require_role(actor, ActorRole.OPERATOR)
    with svc.engine.connect() as connection:
        if _account(connection, account_id) is None:
            raise NotFound("no such account", field="account_id", key="not_found.no_such_account")
        return _tokens_of(connection, account_id)


def list_own_tokens(svc: Services, principal: Principal) -> list[dict[str, Any]]:
    """The caller's account's tokens and portal sessions (a staff member's own)."""
    if principal.account_id is None:
        raise PermissionDenied(
            "only an account has tokens to list",
            key="denied.only_account_lists_tokens",
            field="actor",
        )
    with svc.engine.connect() as connection:
        return _tokens_of(connection, principal.account_id)


def revoke_own_token(svc: Services, principal: Principal, token_id: str) -> None:
    """End one token or portal session of the caller's own account; another account's
    token does not exist for the caller."""
    if principal.account_id is None:
        raise PermissionDenied(
            "only an account has tokens to revoke",
            key="denied.only_account_revokes_tokens",
            field="actor",
        )
    _revoke(svc, token_id, account_id=principal.account_id)


def disable_account(svc: Services, actor: Actor, account_id: str) -> None:
    """Disable an account (operator): every token and portal session of it stops working
    at once (``authenticate`` refuses a disabled account's tokens), and no new token is
    issued to it. The account stays on record."""
    require_role(actor, ActorRole.OPERATOR)
    now = svc.now()
    with svc.uow() as uow:
        done = uow.connection.execute(
            sa.update(a.accounts)
            .where(a.accounts.c.id == account_id, a.accounts.c.disabled_at.is_(None))
            .values(disabled_at=now)
        )
        if done.rowcount != 1:
            raise NotFound("no such account", field="account_id", key="not_found.no_such_account")
        end_every_token(uow.connection, account_id, now)
        uow.commit()


def end_every_token(connection: sa.Connection, account_id: str, now: datetime) -> None:
    """Revoke every live API token and portal session of an account (it is disabled or
    removed: nothing of it may keep working)."""
    connection.execute(
        sa.update(a.api_tokens)
        .where(a.api_tokens.c.account_id == account_id, a.api_tokens.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def start_portal_session(svc: Services, api_token: str) -> tuple[Principal, IssuedToken]:
    """A staff portal session for the holder of an account's API token: a credential of
    its own, for 8 hours (the browser keeps it, not the API token)."""
    principal = authenticate(svc, api_token)
    if principal.kind != "api" or principal.account_id is None:
        raise Unauthenticated("invalid or expired credentials")
    with svc.uow() as uow:
        issued = _issue(
            uow.connection,
            svc,
            role=principal.actor.role,
            account_id=principal.account_id,
            lifetime=PORTAL_SESSION_LIFETIME,
            kind="portal",
        )
        uow.commit()
    return principal, issued


def _tokens_of(connection: sa.Connection, account_id: str) -> list[dict[str, Any]]:
    tokens = a.api_tokens
    rows = connection.execute(
        sa.select(
            tokens.c.id,
            tokens.c.kind,
            tokens.c.created_at,
            tokens.c.expires_at,
            tokens.c.revoked_at,
            tokens.c.label,
        )
        .where(tokens.c.account_id == account_id)
        .order_by(tokens.c.created_at.desc(), tokens.c.id)
    ).mappings()
    return [dict(row) for row in rows]


def _revoke(svc: Services, token_id: str, *, account_id: str | None = None) -> None:
    conditions = [a.api_tokens.c.id == token_id, a.api_tokens.c.revoked_at.is_(None)]
    if account_id is not None:
        conditions.append(a.api_tokens.c.account_id == account_id)
    with svc.uow() as uow:
        done = uow.connection.execute(
            sa.update(a.api_tokens).where(*conditions).values(revoked_at=svc.now())
        )
        if done.rowcount != 1:
            raise NotFound("no such token", key="not_found.token", field="token_id")
        uow.commit()


def _account(connection: sa.Connection, account_id: str) -> RowMapping | None:
    return (
        connection.execute(sa.select(a.accounts).where(a.accounts.c.id == account_id))
        .mappings()
        .first()
    )


def _issue(
    connection: sa.Connection,
    svc: Services,
    *,
    role: ActorRole,
    account_id: str | None = None,
    subject_id: str | None = None,
    lifetime: timedelta | None = None,
    kind: str = "api",
) -> IssuedToken:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token_id = new_id("tok")
    now = svc.now()
    expires = now + lifetime if lifetime is not None else None
    connection.execute(
        sa.insert(a.api_tokens).values(
            id=token_id,
            token_hash=token_hash(token),
            role=role.value,
            account_id=account_id,
            subject_id=subject_id,
            created_at=now,
            expires_at=expires,
            kind=kind,
        )
    )
    return IssuedToken(token_id, token, expires)


# --- authentication --------------------------------------------------------------------------


_TOKEN_QUERY = (
    sa.select(
        a.api_tokens.c.id,
        a.api_tokens.c.role,
        a.api_tokens.c.subject_id,
        a.api_tokens.c.account_id,
        a.api_tokens.c.expires_at,
        a.api_tokens.c.revoked_at,
        a.api_tokens.c.kind,
        a.accounts.c.tenant_id,
        a.accounts.c.disabled_at,
    )
    .select_from(a.api_tokens.outerjoin(a.accounts, a.accounts.c.id == a.api_tokens.c.account_id))
    .where(a.api_tokens.c.token_hash == sa.bindparam("digest"))
)


#: :data:`_TOKEN_QUERY` as PostgreSQL's SQL, for a read awaited on the event loop
#: (``adapters/db/loop_reads.py``): parameter ``%(digest)s``.
TOKEN_SQL_POSTGRESQL = str(_TOKEN_QUERY.compile(dialect=postgresql.dialect()))  # type: ignore[no-untyped-call]

#: Reads one row of SQL with parameters on the event loop (``LoopReader.one``).
LoopRead = Callable[[str, Mapping[str, Any]], Awaitable[Mapping[str, Any] | None]]


def authenticate(svc: Services, token: str) -> Principal:
    """The principal behind a bearer token, or :class:`Unauthenticated`."""
    digest = token_digest(token)
    with one_statement(svc.engine) as connection:
        row = first_mapping(connection.execute(_TOKEN_QUERY, {"digest": digest}))
    return principal_of(svc, row)


async def authenticate_on_loop(svc: Services, token: str, read: LoopRead) -> Principal:
    """:func:`authenticate` with the token's row read by ``read`` on the event loop
    (PostgreSQL); the same checks on it."""
    row = await read(TOKEN_SQL_POSTGRESQL, {"digest": token_digest(token)})
    return principal_of(svc, row)


def token_digest(token: str) -> str:
    """What a bearer token is looked up by; :class:`Unauthenticated` for one that cannot
    be a token."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        raise Unauthenticated("invalid or expired credentials")
    return token_hash(token)


def principal_of(svc: Services, row: Mapping[Any, Any] | None) -> Principal:
    """The principal of a token's row (:data:`_TOKEN_QUERY`), or :class:`Unauthenticated`
    when there is none, or it or its account is revoked, disabled or expired."""
    if row is None or row["revoked_at"] is not None or row["disabled_at"] is not None:
        raise Unauthenticated("invalid or expired credentials")
    expires = row["expires_at"]
    if expires is not None and expires <= svc.now():
        raise Unauthenticated("invalid or expired credentials")
    role = ActorRole(row["role"])
    if role is ActorRole.CANDIDATE:
        actor_id = row["subject_id"]
    elif role in (ActorRole.EMPLOYER, ActorRole.AGENCY):
        actor_id = row["tenant_id"]
    else:
        actor_id = row["account_id"]
    if not actor_id:
        raise Unauthenticated("invalid or expired credentials")
    return Principal(Actor(role, str(actor_id)), str(row["id"]), row["account_id"], row["kind"])


# --- candidates: one-time codes -----------------------------------------------------------------


def _code_hash(svc: Services, code_id: str, code: str) -> str:
    return hmac.new(
        svc.pseudonym_key, f"sign-in|{code_id}|{code}".encode(), hashlib.sha256
    ).hexdigest()


def _requester_key(svc: Services, requester: str) -> str:
    """Who asked, as a keyed hash: an address is personal data and is never stored."""
    return hmac.new(
        svc.pseudonym_key, f"sign-in-requester|{requester}".encode(), hashlib.sha256
    ).hexdigest()


#: Sends a code (and the time it expires) to the candidate's own phone or mailbox.
CodeDelivery = Callable[[str, datetime], None]


def request_sign_in_code(
    svc: Services, candidate_id: str, *, requester: str, deliver: CodeDelivery | None = None
) -> str:
    """Send a one-time code to the candidate through the notifier, bound to a new code
    session; returns the session's handle, for the asker alone. Says nothing about
    whether the candidate exists: an unknown id, or an asker past its hourly allowance,
    gets a handle like any other and nothing is sent. ``requester`` is the asking
    client's address. ``deliver`` sends the
    code to the candidate's own phone or mailbox (``invitations``) instead of the notifier."""
    handle = CODE_SESSION_PREFIX + secrets.token_urlsafe(24)
    now = svc.now()
    asker = _requester_key(svc, requester)
    with svc.uow() as uow:
        subject = uow.repo.subject(candidate_id)
        if subject is None:  # a candidate who asked for deletion still signs in (P6 certificate)
            return handle
        recent = uow.connection.execute(
            sa.select(sa.func.count())
            .select_from(a.sign_in_codes)
            .where(
                a.sign_in_codes.c.subject_id == candidate_id,
                a.sign_in_codes.c.requester == asker,
                a.sign_in_codes.c.created_at > now - timedelta(hours=1),
            )
        ).scalar_one()
        if recent >= CODES_PER_HOUR:
            return handle
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        code_id = new_id("sic")
        expires = now + CODE_LIFETIME
        uow.connection.execute(
            sa.insert(a.sign_in_codes).values(
                id=code_id,
                subject_id=candidate_id,
                code_hash=_code_hash(svc, code_id, code),
                created_at=now,
                expires_at=expires,
                attempts=0,
                session_hash=token_hash(handle),
                requester=asker,
            )
        )
        uow.commit()
    if deliver is not None:  # to the number or address the invitation went to
        deliver(code, expires)
        return handle
    svc.notifier.send(
        Notification(
            subject["pseudonym"],
            "sign_in",
            {"code": code, "expires_at": expires.isoformat()},
        )
    )
    return handle


def exchange_sign_in_code(
    svc: Services, candidate_id: str, code_session: str, code: str
) -> IssuedToken:
    """A short-lived candidate token for the valid, unused, unexpired code of this code
    session. Every try counts against the session's code (and no other); a wrong code
    never says why."""
    if not code_session.startswith(CODE_SESSION_PREFIX) or len(code_session) > 100:
        raise Unauthenticated("invalid or expired credentials")
    now = svc.now()
    codes = a.sign_in_codes
    live = (
        codes.c.session_hash == token_hash(code_session),
        codes.c.subject_id == candidate_id,
        codes.c.used_at.is_(None),
        codes.c.expires_at > now,
        codes.c.attempts < CODE_TRIES,
    )
    with svc.uow() as uow:
        row = uow.connection.execute(sa.select(codes).where(*live)).mappings().first()
        # The try is counted first, and only while tries remain: two tries at once
        # cannot both pass the limit.
        counted = row is not None and (
            uow.connection.execute(
                sa.update(codes)
                .where(codes.c.id == row["id"], *live)
                .values(attempts=codes.c.attempts + 1)
            ).rowcount
            == 1
        )
        if (
            row is None
            or not counted
            or not hmac.compare_digest(_code_hash(svc, row["id"], code), row["code_hash"])
        ):
            uow.commit()  # the failed try counts
            raise Unauthenticated("invalid or expired credentials")
        uow.connection.execute(sa.update(codes).where(codes.c.id == row["id"]).values(used_at=now))
        issued = _issue(
            uow.connection,
            svc,
            role=ActorRole.CANDIDATE,
            subject_id=candidate_id,
            lifetime=CANDIDATE_TOKEN_LIFETIME,
            kind="candidate",
        )
        uow.commit()
    return issued
