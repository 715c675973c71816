"""Staff accounts with a password (issue 13 item 3), on SQLite and PostgreSQL: argon2id
hashes, encrypted e-mails found by their blind index, sign-in that never says which of
the two was wrong and locks after five wrong tries, TOTP with replay refused,
invitations (single use, expiry, revocation), removing a colleague, sign-out."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
import sqlalchemy as sa
from service_fixtures import World, make_world

from fairscreen.adapters.db import account_tables as a
from fairscreen.adapters.messages import Messenger, SmtpMailer, SmtpSettings, development_messenger
from fairscreen.domain.errors import InvalidInput, MessageNotSent, NotFound, PermissionDenied
from fairscreen.services import accounts, colleagues, staff_accounts
from fairscreen.services.accounts import Principal, Unauthenticated

EMAIL = "hr.lead@example.test"
PASSWORD = "correct horse 保安"
COLLEAGUE = "Colleague.One@Example.test"


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> Iterator[World]:
    built = make_world(database_url, tmp_path)
    try:
        yield built
    finally:
        built.svc.engine.dispose()


def _admin(world: World) -> Principal:
    principal, _ = staff_accounts.sign_up_employer(
        world.svc, email=EMAIL, password=PASSWORD, organisation="示例保安服务有限公司"
    )
    return principal


def _row(world: World, account_id: str) -> sa.RowMapping:
    with world.svc.engine.connect() as connection:
        return (
            connection.execute(sa.select(a.accounts).where(a.accounts.c.id == account_id))
            .mappings()
            .one()
        )


def _tenants(world: World) -> int:
    from fairscreen.adapters.db.case_tables import tenants

    with world.svc.engine.connect() as connection:
        return int(connection.execute(sa.select(sa.func.count()).select_from(tenants)).scalar_one())


def _all_bytes(world: World) -> bytes:
    """Every value of the account tables, as bytes, to search for a plaintext."""
    out = []
    with world.svc.engine.connect() as connection:
        for table in (a.accounts, a.staff_invitations, a.api_tokens):
            for row in connection.execute(sa.select(table)):
                out.extend(str(v).encode() if not isinstance(v, bytes) else v for v in row)
    return b"\n".join(out)


def test_password_is_kept_as_an_argon2id_hash_only(world: World) -> None:
    admin = _admin(world)
    row = _row(world, str(admin.account_id))
    assert row["password_hash"].startswith("$argon2id$v=19$")
    assert staff_accounts.verify_password(row["password_hash"], PASSWORD)
    assert not staff_accounts.verify_password(row["password_hash"], PASSWORD + "x")
    assert PASSWORD.encode() not in _all_bytes(world)


def test_email_is_encrypted_and_found_by_its_keyed_index(world: World) -> None:
    admin = _admin(world)
    row = _row(world, str(admin.account_id))
    assert b"example.test" not in _all_bytes(world)
    assert row["email_index"] == staff_accounts.email_index(world.svc, " HR.Lead@Example.TEST ")
    assert staff_accounts.own_account(world.svc, admin)["email"] == EMAIL
    # the index is keyed: a plain hash of the address is not it
    import hashlib

    assert row["email_index"] != hashlib.sha256(EMAIL.encode()).hexdigest()


def test_sign_up_refuses_a_taken_address_and_bad_fields(world: World) -> None:
    _admin(world)
    tenants_before = _tenants(world)
    with pytest.raises(InvalidInput) as taken:
        staff_accounts.sign_up_employer(
            world.svc, email=EMAIL.upper(), password=PASSWORD, organisation="另一家"
        )
    assert taken.value.field == "email"
    assert _tenants(world) == tenants_before  # a refused sign-up leaves no organisation
    for email, password, organisation, field in (
        ("not-an-address", PASSWORD, "X", "email"),
        ("a@b.test", "short", "X", "password"),
        ("a@b.test", PASSWORD, "  ", "organisation"),
    ):
        with pytest.raises(InvalidInput) as refused:
            staff_accounts.sign_up_employer(
                world.svc, email=email, password=password, organisation=organisation
            )
        assert refused.value.field == field


def test_sign_in_says_the_same_for_a_wrong_address_and_a_wrong_password(world: World) -> None:
    _admin(world)
    errors = []
    for email, password in ((EMAIL, "wrong password!"), ("nobody@example.test", PASSWORD)):
        with pytest.raises(Unauthenticated) as refused:
            staff_accounts.sign_in(world.svc, email, password)
        errors.append((refused.value.code, refused.value.message, refused.value.field))
    assert errors[0] == errors[1]
    step = staff_accounts.sign_in(world.svc, EMAIL, PASSWORD)
    assert step.session is not None and step.challenge is None
    principal, session = step.session
    assert accounts.authenticate(world.svc, session.token).kind == "portal"
    assert principal.actor.role.value == "employer"


def test_five_wrong_passwords_lock_the_account_for_15_minutes(world: World) -> None:
    _admin(world)
    for _ in range(staff_accounts.MAX_FAILURES):
        with pytest.raises(Unauthenticated):
            staff_accounts.sign_in(world.svc, EMAIL, "wrong password!")
    with pytest.raises(Unauthenticated):  # the right password, but locked
        staff_accounts.sign_in(world.svc, EMAIL, PASSWORD)
    world.clock.advance(minutes=16)
    assert staff_accounts.sign_in(world.svc, EMAIL, PASSWORD).session is not None


def test_sign_out_ends_the_session_on_the_server(world: World) -> None:
    _admin(world)
    step = staff_accounts.sign_in(world.svc, EMAIL, PASSWORD)
    assert step.session is not None
    principal, session = step.session
    accounts.sign_out(world.svc, principal)
    with pytest.raises(Unauthenticated):
        accounts.authenticate(world.svc, session.token)


def _enrol(world: World, principal: Principal) -> pyotp.TOTP:
    secret, uri = staff_accounts.begin_totp(world.svc, principal)
    assert uri.startswith("otpauth://totp/") and "example.test" not in uri
    totp = pyotp.TOTP(secret)
    with pytest.raises(InvalidInput):
        staff_accounts.confirm_totp(
            world.svc, principal, "000000" if totp.at(world.clock.now) != "000000" else "111111"
        )
    staff_accounts.confirm_totp(world.svc, principal, totp.at(world.clock.now))
    return totp


def test_totp_is_asked_after_the_password_and_a_code_works_once(world: World) -> None:
    admin = _admin(world)
    totp = _enrol(world, admin)
    assert secret_not_stored_plain(world, totp.secret)
    world.clock.advance(seconds=60)
    step = staff_accounts.sign_in(world.svc, EMAIL, PASSWORD)
    assert step.session is None and step.challenge
    with pytest.raises(Unauthenticated):
        staff_accounts.complete_sign_in(world.svc, step.challenge, "12345")
    code = totp.at(world.clock.now)
    principal, _session = staff_accounts.complete_sign_in(world.svc, step.challenge, code)
    assert principal.account_id == admin.account_id
    with pytest.raises(Unauthenticated):  # the same code again: replay
        staff_accounts.complete_sign_in(world.svc, step.challenge, code)
    with pytest.raises(Unauthenticated):  # a forged challenge
        staff_accounts.complete_sign_in(world.svc, step.challenge[:-1] + "0", code)
    world.clock.advance(minutes=6)
    with pytest.raises(Unauthenticated):  # an expired challenge
        staff_accounts.complete_sign_in(world.svc, step.challenge, totp.at(world.clock.now))


def secret_not_stored_plain(world: World, secret: str) -> bool:
    return secret.encode() not in _all_bytes(world)


def test_an_invitation_works_once_and_makes_a_colleague(world: World) -> None:
    admin = _admin(world)
    invitation_id, path = colleagues.invite_colleague(world.svc, admin, COLLEAGUE)
    token = path.rsplit("/", 1)[1]
    # the link goes to the invited address (the development outbox stands in for SMTP)
    outbox = world.svc.messenger.outbox
    assert outbox is not None
    (mail,) = [m for m in outbox.messages if m.kind == "staff_invitation"]
    assert mail.channel == "email" and mail.to == COLLEAGUE.lower() and path in mail.body
    assert mail.subject == "fairscreen：同事邀请您加入" and "Open the link" not in mail.body
    assert b"example.test" not in _all_bytes(world).lower()
    shown = colleagues.invitation(world.svc, token)
    assert shown["email"] == COLLEAGUE.lower() and shown["organisation"] == "示例保安服务有限公司"
    listed = colleagues.colleagues(world.svc, admin)
    assert [i["id"] for i in listed["invitations"]] == [invitation_id]
    principal, session = colleagues.accept_invitation(world.svc, token, "another long pass")
    assert principal.actor == admin.actor  # the same organisation, the same role
    assert accounts.authenticate(world.svc, session.token).account_id == principal.account_id
    with pytest.raises(NotFound) as used:
        colleagues.accept_invitation(world.svc, token, "another long pass")
    assert used.value.field == "token"
    listed = colleagues.colleagues(world.svc, admin)
    assert listed["invitations"] == []
    assert {p["email"] for p in listed["accounts"]} == {EMAIL, COLLEAGUE.lower()}
    # only the administrator invites
    with pytest.raises(PermissionDenied):
        colleagues.invite_colleague(world.svc, principal, "third@example.test")


def test_a_mail_server_that_is_down_is_a_clear_refusal_naming_no_address(world: World) -> None:
    """SMTP's own errors stay in the adapter: the service meets MessageNotSent (a keyed
    503 on the portals), whose text names the cause's type, never the address."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = int(probe.getsockname()[1])
    outbox = development_messenger()
    down = SmtpMailer(SmtpSettings(host="127.0.0.1", port=closed, security="none", timeout=2))
    world.svc.messenger = Messenger(sms=outbox.sms, mail=down, outbox=outbox.outbox)
    with pytest.raises(MessageNotSent, match="ConnectionRefusedError") as refused:
        colleagues.invite_colleague(world.svc, _admin(world), COLLEAGUE)
    assert COLLEAGUE.lower() not in str(refused.value).lower()


def test_the_invitation_mail_is_in_the_administrators_language(world: World) -> None:
    """One language a mail (issue 13 item 10): the administrator's choice on the portal,
    zh-Hant in Traditional script, en in English."""
    from web.hant import simplified_in

    admin = _admin(world)
    outbox = world.svc.messenger.outbox
    assert outbox is not None
    staff_accounts.set_account_language(world.svc, admin, "zh-Hant")
    colleagues.invite_colleague(world.svc, admin, "hant@example.test")
    staff_accounts.set_account_language(world.svc, admin, "en")
    colleagues.invite_colleague(world.svc, admin, "en@example.test")
    hant, en = [m for m in outbox.messages if m.kind == "staff_invitation"]
    assert hant.subject == "fairscreen：同事邀請您加入" and "請開啟連結設定密碼" in hant.body
    assert simplified_in(hant.subject + hant.body) == []
    assert en.subject == "fairscreen: a colleague invites you"
    assert en.body.startswith("Open the link to choose your password (valid once, until ")


def test_an_invitation_expires_after_7_days(world: World) -> None:
    admin = _admin(world)
    _, path = colleagues.invite_colleague(world.svc, admin, COLLEAGUE)
    token = path.rsplit("/", 1)[1]
    world.clock.advance(days=7, seconds=1)
    with pytest.raises(NotFound):
        colleagues.invitation(world.svc, token)
    with pytest.raises(NotFound):
        colleagues.accept_invitation(world.svc, token, "another long pass")
    assert colleagues.colleagues(world.svc, admin)["invitations"][0]["expired"]


def test_a_revoked_invitation_no_longer_works(world: World) -> None:
    admin = _admin(world)
    invitation_id, path = colleagues.invite_colleague(world.svc, admin, COLLEAGUE)
    colleagues.revoke_invitation(world.svc, admin, invitation_id)
    with pytest.raises(NotFound):
        colleagues.accept_invitation(world.svc, path.rsplit("/", 1)[1], "another long pass")
    with pytest.raises(NotFound):  # twice
        colleagues.revoke_invitation(world.svc, admin, invitation_id)
    # another organisation's administrator cannot touch it
    other, _ = staff_accounts.sign_up_employer(
        world.svc, email="other@example.test", password=PASSWORD, organisation="别家"
    )
    second, _ = colleagues.invite_colleague(world.svc, admin, "second@example.test")
    with pytest.raises(NotFound):
        colleagues.revoke_invitation(world.svc, other, second)


def test_removing_a_colleague_ends_their_sessions_and_shreds_the_address(world: World) -> None:
    admin = _admin(world)
    _, path = colleagues.invite_colleague(world.svc, admin, COLLEAGUE)
    colleague, session = colleagues.accept_invitation(
        world.svc, path.rsplit("/", 1)[1], "another long pass"
    )
    assert colleague.account_id is not None
    with pytest.raises(InvalidInput):
        colleagues.remove_colleague(world.svc, admin, str(admin.account_id))
    colleagues.remove_colleague(world.svc, admin, colleague.account_id)
    with pytest.raises(Unauthenticated):
        accounts.authenticate(world.svc, session.token)
    with pytest.raises(Unauthenticated):
        staff_accounts.sign_in(world.svc, COLLEAGUE, "another long pass")
    assert _row(world, colleague.account_id)["email_index"] is None
    # the address may be invited again
    colleagues.invite_colleague(world.svc, admin, COLLEAGUE)


def test_another_organisations_administrator_can_neither_see_nor_remove_a_colleague(
    world: World,
) -> None:
    """Colleagues are managed within the administrator's own organisation and role: for
    another employer's administrator, or an agency's, this colleague does not exist (the
    same refusal as an unknown id), and the refusal changes nothing."""
    admin = _admin(world)
    _, path = colleagues.invite_colleague(world.svc, admin, COLLEAGUE)
    colleague, session = colleagues.accept_invitation(
        world.svc, path.rsplit("/", 1)[1], "another long pass"
    )
    assert colleague.account_id is not None
    other_employer, _ = staff_accounts.sign_up_employer(
        world.svc, email="other@example.test", password=PASSWORD, organisation="别家"
    )
    agency_id, _ = staff_accounts.create_admin_on_console(
        world.svc,
        role="agency",
        email="agency.admin@example.test",
        password=PASSWORD,
        organisation="示例核查机构",
    )
    signed_in = staff_accounts.sign_in(world.svc, "agency.admin@example.test", PASSWORD).session
    assert signed_in is not None
    agency_admin = signed_in[0]
    assert agency_admin.account_id == agency_id
    before = _row(world, colleague.account_id)
    for stranger in (other_employer, agency_admin):
        listed = colleagues.colleagues(world.svc, stranger)["accounts"]
        assert colleague.account_id not in {p["id"] for p in listed}
        assert COLLEAGUE.lower() not in {p["email"].lower() for p in listed}
        for target in (colleague.account_id, str(admin.account_id)):
            with pytest.raises(NotFound) as refused:
                colleagues.remove_colleague(world.svc, stranger, target)
            assert refused.value.key == "not_found.no_such_account"
            assert COLLEAGUE.lower() not in str(refused.value).lower()
    assert _row(world, colleague.account_id) == before
    assert _row(world, colleague.account_id)["disabled_at"] is None
    assert accounts.authenticate(world.svc, session.token).account_id == colleague.account_id
    assert staff_accounts.sign_in(world.svc, COLLEAGUE, "another long pass").session
    # a colleague who is not the administrator cannot remove anyone either
    with pytest.raises(PermissionDenied):
        colleagues.remove_colleague(world.svc, colleague, str(admin.account_id))
    assert colleague.account_id in {
        p["id"] for p in colleagues.colleagues(world.svc, admin)["accounts"]
    }


def test_api_tokens_of_the_settings_page_carry_a_label_and_work_on_the_api(world: World) -> None:
    admin = _admin(world)
    issued = staff_accounts.create_own_api_token(world.svc, admin, "ATS 同步")
    assert accounts.authenticate(world.svc, issued.token).kind == "api"
    listed = {t["id"]: t for t in accounts.list_own_tokens(world.svc, admin)}
    assert listed[issued.id]["label"] == "ATS 同步"
    accounts.revoke_own_token(world.svc, admin, issued.id)
    with pytest.raises(Unauthenticated):
        accounts.authenticate(world.svc, issued.token)
    with pytest.raises(InvalidInput):
        staff_accounts.create_own_api_token(world.svc, admin, " ")


def test_a_weak_hash_is_remade_at_sign_in(world: World) -> None:
    from argon2 import PasswordHasher

    admin = _admin(world)
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    with world.svc.engine.begin() as connection:
        connection.execute(
            sa.update(a.accounts)
            .where(a.accounts.c.id == admin.account_id)
            .values(password_hash=weak)
        )
    assert staff_accounts.sign_in(world.svc, EMAIL, PASSWORD).session is not None
    assert _row(world, str(admin.account_id))["password_hash"] != weak
