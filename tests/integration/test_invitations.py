"""Inviting the candidate (issue 13 items 1-2) on both databases: the employer orders
with the candidate's name and mobile or e-mail; the invitation carries the employer's
name and a single-use, expiring link and nothing else; codes go to the same number or
address; the name and contact are sealed under the case key and gone with the case; an
e-mail really travels over SMTP to a server the test starts."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from service_fixtures import REQUESTED, World, make_world

from fairscreen.adapters.db import case_tables as t
from fairscreen.adapters.messages import Messenger, SmtpMailer, SmtpSettings, development_messenger
from fairscreen.domain.errors import InvalidInput, InvitationInvalid
from fairscreen.ledger.entries import ActorRole
from fairscreen.services import invitations
from fairscreen.services.accounts import Unauthenticated, authenticate
from fairscreen.services.authorization import revoke_authorization
from fairscreen.services.case_queries import list_cases
from fairscreen.services.context import Actor
from fairscreen.services.demo import sign_as_shown
from fairscreen.services.scope import order_for_candidate

PERSON = {"name": "测试乙", "national_id": "99999919920202002X", "birth_date": "1992-02-02"}
KNOWN_AS = "测试乙（应聘质量专员）"
MOBILE = "138 0013 8000"


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> World:
    return make_world(database_url, tmp_path)


def _order(world: World, contact: str = MOBILE, **changes: Any) -> tuple[str, str]:
    arguments: dict[str, Any] = {
        "profile_id": world.profile_id,
        "requested": REQUESTED,
        "agency_id": world.agency.id,
        "invitee": invitations.checked_invitee(KNOWN_AS, contact),
    }
    return order_for_candidate(world.svc, world.employer, PERSON, **(arguments | changes))


def _token(body: str) -> str:
    found = re.search(r"/candidate/invitation/([A-Za-z0-9_-]{20,})", body)
    assert found is not None, "no invitation link in the message"
    return found.group(1)


def _outbox(world: World) -> Any:
    outbox = world.svc.messenger.outbox
    assert outbox is not None
    return outbox


def test_an_invitation_by_mobile_signs_the_candidate_in_once(world: World) -> None:
    subject_id, case_id = _order(world)
    [message] = _outbox(world).messages
    assert (message.channel, message.to, message.kind) == ("sms", "+8613800138000", "invitation")
    # what the candidate needs and nothing more: the employer and the link
    assert "某食品公司" in message.body
    assert message.body.count("http://127.0.0.1:8000/candidate/invitation/") == 1
    for personal in (PERSON["name"], PERSON["national_id"], PERSON["birth_date"], "质量专员"):
        assert personal not in message.body
    token = _token(message.body)

    view = invitations.open_invitation(world.svc, token)
    assert (view.case_id, view.employer, view.role_title) == (case_id, "某食品公司", "质量专员")
    assert (view.channel, view.destination) == ("mobile", "8000")
    assert len(_outbox(world).messages) == 1  # opening the link sends nothing

    session = invitations.request_code(world.svc, token, requester="192.0.2.1", lang="zh-Hans")
    code_message = _outbox(world).messages[-1]
    assert (code_message.channel, code_message.to, code_message.kind) == (
        "sms",
        "+8613800138000",
        "code",
    )
    code = re.search(r"\d{8}", code_message.body)
    assert code is not None
    assert world.notifier.sent == []  # the code went to the phone, not the notifier

    with pytest.raises(Unauthenticated):  # a wrong code leaves the link usable
        invitations.sign_in(world.svc, token, session, f"{(int(code[0]) + 1) % 10**8:08d}")
    issued, opened = invitations.sign_in(world.svc, token, session, code[0])
    assert opened == case_id
    assert authenticate(world.svc, issued.token).actor == Actor(ActorRole.CANDIDATE, subject_id)

    with pytest.raises(InvitationInvalid) as used:
        invitations.open_invitation(world.svc, token)
    assert used.value.reason == "used"
    with pytest.raises(InvitationInvalid):
        invitations.request_code(world.svc, token, requester="192.0.2.1", lang="en")


def test_the_link_expires(world: World) -> None:
    _order(world, contact="someone@example.test")
    [message] = _outbox(world).messages
    assert (message.channel, message.to) == ("email", "someone@example.test")
    token = _token(message.body)
    assert invitations.open_invitation(world.svc, token).destination == "s***@example.test"
    world.clock.advance(days=invitations.INVITATION_DAYS, seconds=1)
    with pytest.raises(InvitationInvalid) as expired:
        invitations.open_invitation(world.svc, token)
    assert expired.value.reason == "expired"
    with pytest.raises(InvitationInvalid) as unknown:
        invitations.open_invitation(world.svc, token[:-2] + "xx")
    assert unknown.value.reason == "unknown"


@pytest.mark.parametrize(
    ("contact", "rule"),
    [
        ("", "required"),
        ("1380013800", "mobile"),  # ten digits
        ("12800138000", "mobile"),  # 12x is no mobile range
        ("+852 1234 5678", "mobile"),  # Hong Kong mobiles start 4-9
        ("+886 812 345 678", "mobile"),  # Taiwan mobiles start 09
        ("someone@localhost", "e-mail"),
        ("some one@example.test", "e-mail"),
    ],
)
def test_a_bad_contact_is_refused_naming_the_field_and_nothing_is_stored(
    world: World, contact: str, rule: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        invitations.checked_invitee(KNOWN_AS, contact)
    assert refused.value.field == "contact" and rule in refused.value.message
    assert contact.strip() == "" or contact not in str(refused.value)
    with pytest.raises(InvalidInput) as no_name:
        invitations.checked_invitee("  ", MOBILE)
    assert no_name.value.field == "candidate_name"


@pytest.mark.parametrize(
    ("typed", "stored", "shown"),
    [
        ("+86 139-0013-9000", "+8613900139000", "9000"),
        ("+852 9123 4567", "+85291234567", "4567"),
        ("+886 912 345 678", "+886912345678", "5678"),
        ("0912-345-679", "+886912345679", "5679"),
    ],
)
def test_mainland_hong_kong_and_taiwan_numbers(typed: str, stored: str, shown: str) -> None:
    contact = invitations.checked_invitee(KNOWN_AS, typed).contact
    assert (contact.kind, contact.value, contact.masked) == ("mobile", stored, shown)
    assert stored not in repr(contact)


def test_name_and_contact_are_sealed_and_destroyed_with_the_case(world: World) -> None:
    subject_id, case_id = _order(world)
    token = _token(_outbox(world).messages[0].body)
    with world.svc.engine.connect() as connection:
        row = connection.execute(sa.select(t.cases).where(t.cases.c.id == case_id)).one()
    for sealed in (row.candidate_name_ct, row.contact_ct):
        assert sealed is not None
        assert "测试乙".encode() not in bytes(sealed) and b"13800138000" not in bytes(sealed)
    with world.svc.reader() as uow:
        case = uow.repo.case(case_id)
        assert case is not None
        assert uow.repo.case_candidate_name(case) == KNOWN_AS

    candidate = Actor(ActorRole.CANDIDATE, subject_id)
    sign_as_shown(world.svc, candidate, case_id)
    revoke_authorization(world.svc, candidate, case_id)  # before release: destroyed
    with world.svc.engine.connect() as connection:
        row = connection.execute(sa.select(t.cases).where(t.cases.c.id == case_id)).one()
        links = connection.execute(sa.select(t.candidate_invitations)).all()
    assert (row.state, row.candidate_name_ct, row.contact_ct, links) == (
        "destroyed",
        None,
        None,
        [],
    )
    with pytest.raises(InvitationInvalid) as gone:
        invitations.open_invitation(world.svc, token)
    assert gone.value.reason == "unknown"
    assert [c["case_id"] for c in list_cases(world.svc, world.employer)].count(case_id) == 1


# --- e-mail over SMTP, to a server this test starts ------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, list[Any]]]:
    from aiosmtpd.controller import Controller

    received: list[Any] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            received.append(envelope)
            return "250 OK"

    port = _free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, received
    finally:
        controller.stop()


def test_an_e_mail_invitation_arrives_over_smtp(
    world: World, smtp_server: tuple[int, list[Any]]
) -> None:
    import email
    from email import policy

    port, received = smtp_server
    outbox = development_messenger()
    world.svc.messenger = Messenger(
        sms=outbox.sms,
        mail=SmtpMailer(
            SmtpSettings(host="127.0.0.1", port=port, security="none", sender="hr@example.test")
        ),
    )
    _order(world, contact="candidate@example.test")
    [envelope] = received
    assert envelope.rcpt_tos == ["candidate@example.test"]
    message = email.message_from_bytes(envelope.content, policy=policy.default)
    assert message["To"] == "candidate@example.test"
    assert message["X-Fairscreen-Kind"] == "invitation"
    body = message.get_body().get_content()
    assert "某食品公司" in str(message["Subject"]) and "某食品公司" in body
    token = _token(body)
    for personal in (PERSON["name"], PERSON["national_id"], PERSON["birth_date"], "质量专员"):
        assert personal not in body and personal not in str(message["Subject"])
    # and the sign-in code follows the same way
    invitations.request_code(world.svc, token, requester="192.0.2.9", lang="en")
    assert len(received) == 2
    code_mail = email.message_from_bytes(received[1].content, policy=policy.default)
    assert re.search(r"code: \d{8}\.", code_mail.get_body().get_content())


# --- HR hears when a report is released (issue 13 item 11) ---------------------------------


def test_hr_is_e_mailed_when_a_report_is_released(
    world: World, smtp_server: tuple[int, list[Any]]
) -> None:
    import email
    from email import policy

    from service_fixtures import order_and_sign

    from factories import SUBJECT
    from fairscreen.services import release_notice
    from fairscreen.services.investigation import run_investigation
    from fairscreen.services.review import accept_report, release_due

    port, received = smtp_server
    world.svc.messenger = Messenger(
        sms=development_messenger().sms,
        mail=SmtpMailer(SmtpSettings(host="127.0.0.1", port=port, security="none")),
    )
    # without an address nothing is sent, and the release is not held up
    quiet = order_and_sign(world)
    run_investigation(world.svc, world.agency, quiet)
    accept_report(world.svc, world.candidate, quiet)
    assert received == []

    with pytest.raises(InvalidInput) as refused:
        release_notice.set_notification_email(world.svc, world.employer, "13800138000")
    assert refused.value.field == "notify_email"
    release_notice.set_notification_email(world.svc, world.employer, "HR@Example.TEST")
    assert release_notice.notification_email(world.svc, world.employer) == "HR@example.test"
    with world.svc.engine.connect() as connection:
        sealed = (
            connection.execute(sa.select(t.employer_settings.c.notify_email_ct)).scalars().all()
        )
    assert not any(b"example.test" in bytes(s) for s in sealed if s is not None)

    accepted = order_and_sign(world)
    run_investigation(world.svc, world.agency, accepted)
    accept_report(world.svc, world.candidate, accepted)
    waited = order_and_sign(world)
    run_investigation(world.svc, world.agency, waited)
    world.clock.advance(days=11)
    assert release_due(world.svc) == [waited]
    assert [e.rcpt_tos for e in received] == [["HR@example.test"], ["HR@example.test"]]
    for envelope, case_id in zip(received, (accepted, waited), strict=True):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        assert message["X-Fairscreen-Kind"] == "report_released"
        body = message.get_body().get_content()
        assert f"http://127.0.0.1:8000/employer/cases/{case_id}" in body and "质量专员" in body
        for personal in (SUBJECT["name"], SUBJECT["national_id"], "green", "yellow", "绿灯"):
            assert personal not in body


def test_the_release_mail_goes_to_the_hr_account_first(world: World) -> None:
    """``release_recipient``: the HR staff account's e-mail (the administrator's, else the
    oldest account's; never a disabled one), then the configured notification address."""
    from fairscreen.ledger.entries import ActorRole
    from fairscreen.services import release_notice, staff_accounts

    def recipient() -> str | None:
        with world.svc.reader() as uow:
            found = release_notice.release_recipient(uow, world.employer.id)
            return None if found is None else found[0]

    assert recipient() is None
    release_notice.set_notification_email(world.svc, world.employer, "team@example.test")
    assert recipient() == "team@example.test"

    def account(email: str, *, admin: bool) -> str:
        world.clock.advance(minutes=1)
        return staff_accounts.create_staff_account(
            world.svc,
            role=ActorRole.EMPLOYER,
            tenant_id=world.employer.id,
            email=email,
            password="correct horse battery staple 13",
            admin=admin,
            label="staff",
        )

    account("Colleague@Example.TEST", admin=False)
    assert recipient() == "colleague@example.test"  # an account's address beats the setting
    hr = account("hr@example.test", admin=True)
    assert recipient() == "hr@example.test"  # the administrator first
    with world.svc.uow() as uow:
        uow.connection.execute(
            sa.update(staff_accounts.a.accounts)
            .where(staff_accounts.a.accounts.c.id == hr)
            .values(disabled_at=world.svc.now())
        )
        uow.commit()
    assert recipient() == "colleague@example.test"
    with world.svc.reader() as uow:
        assert release_notice.release_recipient(uow, "emp_nobody") is None


def test_the_release_mail_is_written_in_the_recipients_language(
    world: World, smtp_server: tuple[int, list[Any]]
) -> None:
    """Issue 13 item 11: "report released" goes out in the recipient's language, one
    language a mail: the notification address's (the page it was saved on), then the HR
    account's own choice, over real SMTP; an unknown language is refused and changes
    nothing."""
    import email
    from email import policy

    from service_fixtures import order_and_sign

    from fairscreen.services import release_notice, staff_accounts
    from fairscreen.services.investigation import run_investigation
    from fairscreen.services.review import accept_report
    from web.hant import simplified_in

    port, received = smtp_server
    world.svc.messenger = Messenger(
        sms=development_messenger().sms,
        mail=SmtpMailer(SmtpSettings(host="127.0.0.1", port=port, security="none")),
    )

    def released() -> tuple[str, str, str]:
        case_id = order_and_sign(world)
        run_investigation(world.svc, world.agency, case_id)
        accept_report(world.svc, world.candidate, case_id)
        message = email.message_from_bytes(received[-1].content, policy=policy.default)
        return received[-1].rcpt_tos[0], str(message["Subject"]), message.get_body().get_content()

    release_notice.set_notification_email(world.svc, world.employer, "hr@example.test", "zh-Hant")
    to, subject, body = released()
    assert to == "hr@example.test" and subject == "fairscreen：背景核查報告已發佈"
    assert "請登入查看" in body and "Sign in" not in body
    assert simplified_in(body.replace("质量专员", "")) == []  # the role as the employer typed it

    hr = staff_accounts.create_staff_account(
        world.svc,
        role=ActorRole.EMPLOYER,
        tenant_id=world.employer.id,
        email="admin@example.test",
        password="correct horse battery staple 13",
        admin=True,
        label="administrator",
    )
    principal, _ = staff_accounts.start_session(world.svc, hr)
    to, subject, body = released()  # an account that never chose: zh-Hans
    assert to == "admin@example.test" and subject == "fairscreen：背景核查报告已发布"
    assert "请登录查看" in body and "Sign in" not in body

    with pytest.raises(InvalidInput) as refused:
        staff_accounts.set_account_language(world.svc, principal, "fr")
    assert refused.value.key == "input.one_zh_hans_zh_hant"
    staff_accounts.set_account_language(world.svc, principal, "en")
    to, subject, body = released()
    assert subject == "fairscreen: background check report released"
    assert body.startswith('The background check report for the role "质量专员" was released.')
    assert not re.search(r"[\u4e00-\u9fff]", body.replace("质量专员", ""))
