"""Staff accounts with an e-mail and a password (issue 13 items 3 and 13): sign-up of an
employer, sign-in with an optional second factor, and the integrators' API tokens of an
account. Invitations of colleagues are :mod:`fairscreen.services.colleagues`; API tokens
and portal sessions themselves stay in :mod:`fairscreen.services.accounts`.

Rules and their sources:

- **Passwords** are kept only as argon2id hashes (RFC 9106; ``argon2-cffi``'s defaults,
  its "low memory" profile: t=3, m=64 MiB, p=4), never in any other form. A password is
  10 to 128 characters, any script (NIST SP 800-63B §5.1.1.2: length, not composition
  rules; no truncation). A hash made with weaker parameters is re-made at the next
  sign-in.
- **E-mail addresses are personal data** (PIPL art. 4): each is encrypted under a key of
  its own account (envelope label ``staff.<account id>``; an invitation's under
  ``staffinv.<id>``) and found through a keyed blind index, the HMAC-SHA-256 of the
  normalised address under a key derived from the pseudonym key, so a stolen table
  neither shows an address nor lets one be confirmed without the key. Removing a
  colleague shreds their key and empties the index.
- **Sign-in** answers one :class:`~fairscreen.services.accounts.Unauthenticated` for an
  unknown address, a wrong password and a locked account alike, so it never says which
  of the two was wrong; an unknown address still costs one argon2 verification, so the
  timing does not tell either. Five wrong passwords or codes in a row refuse the account
  for 15 minutes (OWASP ASVS v4 §2.2.1), on top of the per-address limit of the sign-in
  routes (``entrypoints/api/ratelimit.py``).
- **TOTP** (RFC 6238, SHA-1, 6 digits, 30 s; what authenticator apps read): optional;
  enrolment stores the secret encrypted and turns it on only once a code from it is
  shown. A code is accepted in the step before, at, or after the server's, and each time
  step once (a code seen by someone over the shoulder cannot be replayed). Between the
  password and the code the browser holds a *challenge*: the account id and an expiry,
  HMAC-signed, valid 5 minutes; it is no session and opens nothing else.
"""

from __future__ import annotations

import hmac
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pyotp
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import RowMapping

from fairscreen.adapters.db import account_tables as a
from fairscreen.adapters.db.engine import first_mapping
from fairscreen.adapters.db.unit_of_work import SqlUnitOfWork
from fairscreen.domain.bilingual import LANGUAGES
from fairscreen.domain.errors import InvalidInput, NotFound, PermissionDenied
from fairscreen.ledger.entries import ActorRole
from fairscreen.services.accounts import (
    ACCOUNT_ROLES,
    PORTAL_SESSION_LIFETIME,
    IssuedToken,
    Principal,
    Unauthenticated,
    _account,
    _issue,
    add_tenant,
    register_tenant,
)
from fairscreen.services.case_events import new_id
from fairscreen.services.context import Actor, Services

PASSWORD_MIN, PASSWORD_MAX = 10, 128
EMAIL_MAX = 254  # RFC 5321 §4.5.3.1.3, a path's limit
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
CHALLENGE_LIFETIME = timedelta(minutes=5)
TOTP_ISSUER = "fairscreen"

_hasher = PasswordHasher()  # argon2id, RFC 9106 low-memory parameters
#: verified against for an unknown address, so the answer takes as long as for a known one
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
_SYSTEM = Actor(ActorRole.SYSTEM, "sign-up")


def account_label(account_id: str) -> str:
    """The envelope label an account's e-mail and TOTP secret are sealed under."""
    return f"staff.{account_id}"


# --- passwords and addresses ----------------------------------------------------------------


def hash_password(password: str) -> str:
    """The argon2id hash (PHC string) of a password that meets the length rule."""
    check_password_rule(password)
    return _hasher.hash(password)


def check_password_rule(password: str) -> None:
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise InvalidInput(
            "a password of {low} to {high} characters",
            field="password",
            key="input.password_low_high_characters",
            low=PASSWORD_MIN,
            high=PASSWORD_MAX,
        )


def verify_password(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def normalise_email(email: str) -> str:
    """An address as compared: NFKC, trimmed, lower-cased (the local part too: no mail
    service of note tells ``Li.Wei`` from ``li.wei``); refused unless it looks like one
    address (one ``@``, a dot in the domain, no spaces, at most 254 characters)."""
    value = unicodedata.normalize("NFKC", email).strip().lower()
    local, at, domain = value.partition("@")
    if (
        not at
        or not local
        or "@" in domain
        or "." not in domain.strip(".")
        or any(c.isspace() for c in value)
        or len(value) > EMAIL_MAX
    ):
        raise InvalidInput(
            "an e-mail address such as name@example.com",
            field="email",
            key="input.e_mail_address_such_name",
        )
    return value


def email_index(svc: Services, email: str) -> str:
    """The keyed blind index of a (normalised) address."""
    return svc.keyed_hash(b"fairscreen|staff-email-index", normalise_email(email))


def seal_for(uow: SqlUnitOfWork, label: str, field: str, text: str) -> bytes:
    uow.cipher.open_case(label, label)
    return uow.cipher.encrypt_text(label, field, text)


# --- sign-up: an employer and its first administrator ----------------------------------------


def sign_up_employer(
    svc: Services, *, email: str, password: str, organisation: str
) -> tuple[Principal, IssuedToken]:
    """An HR person signs their organisation up: a new employer, its first account (the
    administrator) with this e-mail and password, and a portal session for it. An address
    that already has an account is refused (``field: email``): sign in instead."""
    address = normalise_email(email)
    check_password_rule(password)
    if not organisation.strip() or len(organisation.strip()) > 200:
        raise InvalidInput(
            "1 to 200 characters", field="organisation", key="input.1_200_characters"
        )
    with svc.uow() as uow:  # the organisation and its administrator, or neither
        tenant_id = add_tenant(svc, uow, kind="employer", name=organisation)
        account_id = create_staff_account(
            svc,
            role=ActorRole.EMPLOYER,
            tenant_id=tenant_id,
            email=address,
            password=password,
            admin=True,
            label="administrator",
            uow=uow,
        )
        uow.commit()
    return start_session(svc, account_id)


def create_admin_on_console(
    svc: Services,
    *,
    role: str,
    email: str,
    password: str,
    organisation: str | None = None,
    tenant_id: str | None = None,
) -> tuple[str, str | None]:
    """The first administrator of an agency or of the regulator (or of an employer not
    signing itself up), made by whoever holds the service's settings and database on the
    machine (``fairscreen admin create-staff``), as ``create-operator`` makes the first
    operator. An employer or agency is the one named by ``tenant_id``, or a new one called
    ``organisation``. Returns the account id and the organisation's id."""
    try:
        account_role = ActorRole(role)
    except ValueError as exc:
        raise InvalidInput(
            "must be employer, agency or regulator",
            field="role",
            key="input.must_employer_agency_regulator",
        ) from exc
    kind = ACCOUNT_ROLES.get(account_role, "none")
    if account_role is ActorRole.OPERATOR or kind == "none":
        raise InvalidInput(
            "must be employer, agency or regulator",
            field="role",
            key="input.must_employer_agency_regulator",
        )
    normalise_email(email)
    check_password_rule(password)
    if kind is not None and tenant_id is None:
        if organisation is None or not organisation.strip():
            raise InvalidInput(
                "name the organisation, or give its tenant id",
                field="organisation",
                key="input.name_organisation_give_tenant_id",
            )
        tenant_id = register_tenant(svc, _SYSTEM, kind=kind, name=organisation)
    elif kind is None:
        tenant_id = None
    account_id = create_staff_account(
        svc,
        role=account_role,
        tenant_id=tenant_id,
        email=email,
        password=password,
        admin=True,
        label="administrator",
    )
    return account_id, tenant_id


def create_staff_account(
    svc: Services,
    *,
    role: ActorRole,
    tenant_id: str | None,
    email: str,
    password: str,
    admin: bool,
    label: str,
    uow: SqlUnitOfWork | None = None,
) -> str:
    """An account that signs in with an e-mail and a password (sign-up, an accepted
    invitation, ``fairscreen admin create-staff``)."""
    address = normalise_email(email)
    digest = hash_password(password)
    kind = ACCOUNT_ROLES.get(role, "none")
    if role is ActorRole.OPERATOR or kind == "none":
        raise InvalidInput(
            "must be employer, agency or regulator",
            field="role",
            key="input.must_employer_agency_regulator",
        )
    account_id = new_id("acc")

    def insert(unit: SqlUnitOfWork) -> None:
        if kind is not None:
            tenant = unit.repo.tenant(tenant_id) if tenant_id else None
            if tenant is None or tenant["kind"] != kind:
                raise NotFound(
                    "no such {role}", field="tenant_id", key="not_found.tenant", role=kind
                )
        index = email_index(svc, address)
        if account_by_email_index(unit.connection, index) is not None:
            raise InvalidInput(
                "this e-mail address already has an account",
                field="email",
                key="input.e_mail_address_already_account",
            )
        unit.connection.execute(
            sa.insert(a.accounts).values(
                id=account_id,
                role=role.value,
                tenant_id=tenant_id if kind is not None else None,
                label=label,
                created_at=svc.now(),
                email_ct=seal_for(unit, account_label(account_id), "email", address),
                email_index=index,
                password_hash=digest,
                is_admin=admin,
            )
        )

    if uow is not None:
        insert(uow)
        return account_id
    with svc.uow() as unit:
        insert(unit)
        unit.commit()
    return account_id


def start_session(svc: Services, account_id: str) -> tuple[Principal, IssuedToken]:
    """A portal session (8 hours) for an account that has just proved who it is."""
    with svc.uow() as uow:
        account = _account(uow.connection, account_id)
        if account is None or account["disabled_at"] is not None:
            raise Unauthenticated("invalid or expired credentials")
        role = ActorRole(account["role"])
        issued = _issue(
            uow.connection,
            svc,
            role=role,
            account_id=account_id,
            lifetime=PORTAL_SESSION_LIFETIME,
            kind="portal",
        )
        uow.commit()
    actor_id = account["tenant_id"] if ACCOUNT_ROLES[role] is not None else account_id
    return Principal(Actor(role, str(actor_id)), issued.id, account_id, "portal"), issued


# --- sign-in ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SignInStep:
    """The answer to a right e-mail and password: a session, or (with TOTP on) the
    challenge the code must be sent with."""

    session: tuple[Principal, IssuedToken] | None = None
    challenge: str | None = None

    def __repr__(self) -> str:
        return "SignInStep(session)" if self.session else "SignInStep(challenge)"


def sign_in(svc: Services, email: str, password: str) -> SignInStep:
    """Step 1 of a staff sign-in (see the module docstring for the rules)."""
    try:
        index = email_index(svc, email)
    except InvalidInput:
        index = None
    with svc.engine.connect() as connection:
        account = account_by_email_index(connection, index) if index else None
    if account is None or account["password_hash"] is None:
        verify_password(_DUMMY_HASH, password)  # the same work as for a known address
        raise Unauthenticated("invalid or expired credentials")
    now = svc.now()
    locked = account["locked_until"] is not None and account["locked_until"] > now
    if locked or account["disabled_at"] is not None:
        verify_password(_DUMMY_HASH, password)
        raise Unauthenticated("invalid or expired credentials")
    if not verify_password(account["password_hash"], password):
        _count_failure(svc, account["id"])
        raise Unauthenticated("invalid or expired credentials")
    if _hasher.check_needs_rehash(account["password_hash"]):
        _set(svc, account["id"], password_hash=_hasher.hash(password))
    if account["totp_enabled_at"] is not None:
        return SignInStep(challenge=_challenge(svc, account["id"], now))
    _set(svc, account["id"], failed_sign_ins=0, locked_until=None)
    return SignInStep(session=start_session(svc, account["id"]))


def complete_sign_in(svc: Services, challenge: str, code: str) -> tuple[Principal, IssuedToken]:
    """Step 2 with TOTP on: the challenge of step 1 and a current code."""
    account_id = _challenged_account(svc, challenge)
    now = svc.now()
    with svc.uow() as uow:
        account = _account(uow.connection, account_id)
        if (
            account is None
            or account["disabled_at"] is not None
            or account["totp_enabled_at"] is None
            or (account["locked_until"] is not None and account["locked_until"] > now)
        ):
            raise Unauthenticated("invalid or expired credentials")
        secret = uow.cipher.decrypt_text(
            account_label(account_id), "totp", bytes(account["totp_ct"])
        )
        step = _matching_step(secret, code, now, after=account["totp_last_step"])
        # The step is claimed by a conditional update: no ledger-wide lock serialises
        # sign-ins any more (issue 16), so two requests with one code must not both pass.
        if step is not None:
            last = a.accounts.c.totp_last_step
            claimed = uow.connection.execute(
                sa.update(a.accounts)
                .where(a.accounts.c.id == account_id, sa.or_(last.is_(None), last < step))
                .values(totp_last_step=step, failed_sign_ins=0, locked_until=None)
            ).rowcount
            if claimed != 1:
                step = None
        uow.commit()
    if step is None:
        _count_failure(svc, account_id)
        raise Unauthenticated("invalid or expired credentials")
    return start_session(svc, account_id)


def _matching_step(secret: str, code: str, now: datetime, *, after: int | None) -> int | None:
    """The time step (RFC 6238 §4) whose code ``code`` is, within one step of ``now`` and
    later than ``after`` (a step is used once); None otherwise."""
    code = code.strip().replace(" ", "")
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if (after is None or step > after) and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _challenge_mac(svc: Services, body: str) -> str:
    return svc.keyed_hash(b"fairscreen|staff-totp-challenge", body)


def _challenge(svc: Services, account_id: str, now: datetime) -> str:
    expires = int((now + CHALLENGE_LIFETIME).timestamp())
    body = f"{account_id}.{expires}"
    mac = _challenge_mac(svc, body)
    return f"{body}.{mac}"


def _challenged_account(svc: Services, challenge: str) -> str:
    account_id, _, rest = challenge.partition(".")
    expires, _, mac = rest.partition(".")
    expected = _challenge_mac(svc, f"{account_id}.{expires}")
    if (
        not hmac.compare_digest(mac, expected)
        or not expires.isdigit()
        or int(expires) <= svc.now().timestamp()
    ):
        raise Unauthenticated("invalid or expired credentials")
    return account_id


def _count_failure(svc: Services, account_id: str) -> None:
    """One more wrong password or code; the fifth in a row locks the account for 15
    minutes (and starts the count again)."""
    accounts = a.accounts
    with svc.uow() as uow:
        failures = uow.connection.execute(
            sa.update(accounts)
            .where(accounts.c.id == account_id)
            .values(failed_sign_ins=accounts.c.failed_sign_ins + 1)
            .returning(accounts.c.failed_sign_ins)
        ).scalar_one()
        if failures >= MAX_FAILURES:
            uow.connection.execute(
                sa.update(accounts)
                .where(accounts.c.id == account_id)
                .values(failed_sign_ins=0, locked_until=svc.now() + LOCKOUT)
            )
        uow.commit()


def _set(svc: Services, account_id: str, **values: Any) -> None:
    with svc.uow() as uow:
        uow.connection.execute(
            sa.update(a.accounts).where(a.accounts.c.id == account_id).values(**values)
        )
        uow.commit()


# --- the signed-in account: profile, TOTP, API tokens -------------------------------------------


def own_account_id(principal: Principal) -> str:
    if principal.account_id is None:
        raise PermissionDenied(
            "only an account has settings", field="actor", key="denied.only_account_settings"
        )
    return principal.account_id


def own_account(svc: Services, principal: Principal) -> dict[str, Any]:
    """The caller's own account: e-mail (decrypted for its holder), organisation, whether
    it is the administrator, whether TOTP is on."""
    account_id = own_account_id(principal)
    with svc.reader() as uow:
        account = _account(uow.connection, account_id)
        if account is None:
            raise NotFound("no such account", field="account_id", key="not_found.no_such_account")
        tenant = uow.repo.tenant(account["tenant_id"]) if account["tenant_id"] else None
        email = (
            uow.cipher.decrypt_text(account_label(account_id), "email", bytes(account["email_ct"]))
            if account["email_ct"] is not None
            else None
        )
    return {
        "id": account_id,
        "role": account["role"],
        "email": email,
        "organisation": tenant["name"] if tenant else None,
        "is_admin": bool(account["is_admin"]),
        "totp_enabled": account["totp_enabled_at"] is not None,
        "has_password": account["password_hash"] is not None,
    }


def begin_totp(svc: Services, principal: Principal) -> tuple[str, str]:
    """A new TOTP secret for the caller (stored encrypted, not yet on): the secret in
    base32, to type, and its ``otpauth://`` URI, for a QR code."""
    account_id = own_account_id(principal)
    secret = pyotp.random_base32()
    with svc.uow() as uow:
        account = _account(uow.connection, account_id)
        if account is None or account["password_hash"] is None:
            raise PermissionDenied(
                "only an account with a password has a second step",
                field="actor",
                key="denied.only_account_password_second_step",
            )
        if account["totp_enabled_at"] is not None:
            raise InvalidInput(
                "two-step sign-in is already on", field="totp", key="input.two_step_sign_already"
            )
        uow.connection.execute(
            sa.update(a.accounts)
            .where(a.accounts.c.id == account_id)
            .values(totp_ct=seal_for(uow, account_label(account_id), "totp", secret))
        )
        uow.commit()
    name = f"{principal.actor.role.value}-{account_id[-6:]}"  # no address in the QR code
    return secret, pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name=TOTP_ISSUER)


def pending_totp(svc: Services, principal: Principal) -> tuple[str, str] | None:
    """The secret being enrolled (not yet confirmed) and its URI, or None."""
    account_id = own_account_id(principal)
    with svc.reader() as uow:
        account = _account(uow.connection, account_id)
        if account is None or account["totp_ct"] is None or account["totp_enabled_at"]:
            return None
        secret = uow.cipher.decrypt_text(
            account_label(account_id), "totp", bytes(account["totp_ct"])
        )
    name = f"{principal.actor.role.value}-{account_id[-6:]}"
    return secret, pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name=TOTP_ISSUER)


def confirm_totp(svc: Services, principal: Principal, code: str) -> None:
    """Turn TOTP on once a code from the new secret is shown (so a mistyped secret
    cannot lock its holder out)."""
    account_id = own_account_id(principal)
    now = svc.now()
    with svc.uow() as uow:
        account = _account(uow.connection, account_id)
        if account is None or account["totp_ct"] is None or account["totp_enabled_at"]:
            raise InvalidInput(
                "start setting up two-step sign-in first",
                field="totp",
                key="input.start_setting_up_two_step",
            )
        secret = uow.cipher.decrypt_text(
            account_label(account_id), "totp", bytes(account["totp_ct"])
        )
        step = _matching_step(secret, code, now, after=None)
        if step is None:
            raise InvalidInput(
                "the code does not match: check the phone's time and try again",
                field="code",
                key="input.code_does_not_match_check",
            )
        uow.connection.execute(
            sa.update(a.accounts)
            .where(a.accounts.c.id == account_id)
            .values(totp_enabled_at=now, totp_last_step=step)
        )
        uow.commit()


def create_own_api_token(svc: Services, principal: Principal, label: str) -> IssuedToken:
    """An API token of the caller's own account, for an integration (shown once)."""
    account_id = own_account_id(principal)
    if not label.strip() or len(label.strip()) > 100:
        raise InvalidInput("1 to 100 characters", field="label", key="input.1_100_characters")
    with svc.uow() as uow:
        issued = _issue(uow.connection, svc, role=principal.actor.role, account_id=account_id)
        uow.connection.execute(
            sa.update(a.api_tokens)
            .where(a.api_tokens.c.id == issued.id)
            .values(label=label.strip())
        )
        uow.commit()
    return issued


def shred_label(uow: SqlUnitOfWork, label: str) -> None:
    """Destroy the keys an address was sealed under: it can never be read again."""
    uow.cipher.shred_case(label)
    uow.cipher.shred_subject(label)


# --- rows -------------------------------------------------------------------------------------


def set_account_language(svc: Services, principal: Principal, lang: str) -> None:
    """The language the holder of an account chose on the portal (zh-Hans, zh-Hant, en):
    e-mail to them (``release_notice``) is written in it. An unknown code is refused."""
    account_id = own_account_id(principal)
    if lang not in LANGUAGES:
        raise InvalidInput(
            "one of zh-Hans, zh-Hant, en", field="lang", key="input.one_zh_hans_zh_hant"
        )
    _set(svc, account_id, lang=lang)


#: :func:`hr_contact`'s query, built once: every release asks it (built per call, it paid
#: its construction and its cache key each time).
_HR_CONTACT = (
    sa.select(a.accounts.c.id, a.accounts.c.email_ct, a.accounts.c.lang)
    .where(
        a.accounts.c.tenant_id == sa.bindparam("tenant_id"),
        a.accounts.c.role == ActorRole.EMPLOYER.value,
        a.accounts.c.disabled_at.is_(None),
        a.accounts.c.email_ct.is_not(None),
    )
    .order_by(a.accounts.c.is_admin.desc(), a.accounts.c.created_at, a.accounts.c.id)
    .limit(1)
)


def hr_contact(uow: SqlUnitOfWork, tenant_id: str) -> tuple[str, str | None] | None:
    """The e-mail of the employer's HR person and the language they chose: its
    administrator's (the account that signed the organisation up, or the oldest
    administrator), else its oldest account with an address; disabled accounts (shredded)
    and token-only integrations never. None when the employer has no such account."""
    row = first_mapping(uow.connection.execute(_HR_CONTACT, {"tenant_id": tenant_id}))
    if row is None:
        return None
    email = uow.cipher.decrypt_text(account_label(row["id"]), "email", bytes(row["email_ct"]))
    return email, row["lang"]


def account_by_email_index(connection: sa.Connection, index: str) -> RowMapping | None:
    return (
        connection.execute(sa.select(a.accounts).where(a.accounts.c.email_index == index))
        .mappings()
        .first()
    )
