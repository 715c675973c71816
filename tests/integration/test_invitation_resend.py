"""When the candidate's invitation does not arrive (issue 13 item 2), on both databases:
a message the SMS gateway or the SMTP server refuses after the order is committed leaves
one case with a link that can be sent again (never a duplicate order, never the number
or address in the log); the employer resends while the case waits for the signature --
a new single-use link that ends the older ones, optionally to a corrected contact sealed
with the case -- at most ``INVITATIONS_PER_DAY`` times in 24 hours."""

from __future__ import annotations

import logging
import re
import socket
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from service_fixtures import World, make_world, order_invited, refusing_sms_gateway

from fairscreen.adapters.db import case_tables as t
from fairscreen.adapters.messages import Messenger, SmtpMailer, SmtpSettings, development_messenger
from fairscreen.domain.errors import InvalidInput, InvalidTransition, InvitationInvalid, NotFound
from fairscreen.ledger.entries import ActorRole
from fairscreen.services import invitations
from fairscreen.services.case_queries import list_cases
from fairscreen.services.context import Actor
from fairscreen.services.demo import sign_as_shown

PERSON = {"name": "测试戊", "national_id": "99999919950505005X", "birth_date": "1995-05-05"}
MOBILE, NUMBER = "138 0013 8005", "13800138005"


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> World:
    return make_world(database_url, tmp_path)


def _order(world: World, contact: str = MOBILE) -> str:
    return order_invited(world, PERSON, contact)[1]


def _messages(world: World) -> list[Any]:
    outbox = world.svc.messenger.outbox
    assert outbox is not None
    return [m for m in outbox.messages if m.kind == "invitation"]


def _token(message: Any) -> str:
    found = re.search(r"/candidate/invitation/([A-Za-z0-9_-]{20,})", message.body)
    assert found is not None, "no invitation link in the message"
    return found.group(1)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _links(world: World, case_id: str) -> list[Any]:
    with world.svc.engine.connect() as connection:
        table = t.candidate_invitations
        return list(connection.execute(sa.select(table).where(table.c.case_id == case_id)))


def test_a_refused_sms_leaves_one_case_and_an_invitation_to_send_again(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    outbox = development_messenger()
    world.svc.messenger = Messenger(
        sms=refusing_sms_gateway(), mail=outbox.mail, outbox=outbox.outbox
    )
    before = len(list_cases(world.svc, world.employer))
    with caplog.at_level(logging.DEBUG):
        case_id = _order(world)  # no exception: the order is committed and valid
    assert len(list_cases(world.svc, world.employer)) == before + 1
    status = invitations.invitation_status(world.svc, world.employer, case_id)
    assert status is not None
    assert (status.sent, status.failure, status.channel, status.destination) == (
        False,
        invitations.FAILED_SMS,
        "mobile",
        "8005",
    )
    assert status.resendable and status.left_today == invitations.INVITATIONS_PER_DAY - 1
    assert case_id in caplog.text  # the log says which case, never whom
    for personal in (NUMBER, PERSON["name"], PERSON["national_id"], "/candidate/invitation/"):
        assert personal not in caplog.text

    # the gateway is back: the employer sends again and the candidate gets a working link
    world.svc.messenger = outbox
    again = invitations.resend_invitation(world.svc, world.employer, case_id)
    assert (again.sent, again.failure) == (True, None)
    [message] = _messages(world)
    assert message.to == "+86" + NUMBER
    assert invitations.open_invitation(world.svc, _token(message)).case_id == case_id
    assert len(list_cases(world.svc, world.employer)) == before + 1


def test_a_mail_server_that_is_down_is_recorded_and_the_address_is_not_logged(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    outbox = development_messenger()
    down = SmtpMailer(SmtpSettings(host="127.0.0.1", port=_closed_port(), security="none"))
    world.svc.messenger = Messenger(sms=outbox.sms, mail=down, outbox=outbox.outbox)
    with caplog.at_level(logging.DEBUG):
        case_id = _order(world, "candidate5@example.test")
    status = invitations.invitation_status(world.svc, world.employer, case_id)
    assert status is not None and (status.sent, status.failure) == (
        False,
        invitations.FAILED_MAIL,
    )
    assert status.destination == "c***@example.test"
    assert "candidate5" not in caplog.text and "ConnectionRefusedError" in caplog.text
    [link] = _links(world, case_id)
    assert (link.sent_at, link.failure) == (None, invitations.FAILED_MAIL)


def test_a_resend_ends_the_older_link(world: World) -> None:
    case_id = _order(world)
    first = _token(_messages(world)[0])
    sent = invitations.invitation_status(world.svc, world.employer, case_id)
    assert sent is not None and sent.sent and sent.at == world.clock()
    world.clock.advance(hours=1)
    status = invitations.resend_invitation(world.svc, world.employer, case_id, lang="en")
    assert status.sent and status.at == world.clock()
    second_message = _messages(world)[-1]
    assert "invites you" in second_message.body  # in the language asked for
    second = _token(second_message)
    assert second != first
    with pytest.raises(InvitationInvalid) as replaced:
        invitations.open_invitation(world.svc, first)
    assert replaced.value.reason == "replaced"
    with pytest.raises(InvitationInvalid):
        invitations.request_code(world.svc, first, requester="192.0.2.1", lang="zh-Hans")
    assert invitations.open_invitation(world.svc, second).case_id == case_id

    # a resend whose message fails ends nothing: the link that did arrive still works
    outbox = world.svc.messenger
    world.svc.messenger = Messenger(
        sms=refusing_sms_gateway(), mail=outbox.mail, outbox=outbox.outbox
    )
    failed = invitations.resend_invitation(world.svc, world.employer, case_id)
    assert (failed.sent, failed.failure) == (False, invitations.FAILED_SMS)
    assert invitations.open_invitation(world.svc, second).case_id == case_id
    assert len(_links(world, case_id)) == 3


def test_a_corrected_contact_is_checked_sealed_and_used(world: World) -> None:
    case_id = _order(world)
    links = len(_links(world, case_id))
    with pytest.raises(InvalidInput) as refused:
        invitations.resend_invitation(world.svc, world.employer, case_id, contact="1380013800")
    assert refused.value.field == "contact" and "1380013800" not in str(refused.value)
    assert len(_links(world, case_id)) == links  # a refusal changes nothing

    status = invitations.resend_invitation(
        world.svc, world.employer, case_id, contact="  corrected@example.test "
    )
    assert (status.channel, status.destination) == ("email", "c***@example.test")
    message = _messages(world)[-1]
    assert (message.channel, message.to) == ("email", "corrected@example.test")
    with world.svc.engine.connect() as connection:
        row = connection.execute(sa.select(t.cases).where(t.cases.c.id == case_id)).one()
    assert b"corrected@example.test" not in bytes(row.contact_ct)
    assert b"corrected" not in bytes(row.contact_ct)
    with world.svc.reader() as uow:
        case = uow.repo.case(case_id)
        assert case is not None
        assert uow.repo.case_contact(case) == {
            "kind": "email",
            "value": "corrected@example.test",
            "lang": "zh-Hans",  # the language of the resend's messages
        }
    # the sign-in code goes to the corrected address too
    invitations.request_code(world.svc, _token(message), requester="192.0.2.1", lang="en")
    assert world.svc.messenger.outbox is not None
    assert world.svc.messenger.outbox.messages[-1].to == "corrected@example.test"


def test_at_most_five_invitations_a_day(world: World) -> None:
    case_id = _order(world)
    for left in range(invitations.INVITATIONS_PER_DAY - 2, -1, -1):
        world.clock.advance(minutes=10)
        status = invitations.resend_invitation(world.svc, world.employer, case_id)
        assert status.left_today == left
    with pytest.raises(InvalidTransition) as limited:
        invitations.resend_invitation(world.svc, world.employer, case_id)
    assert limited.value.key == "transition.invitation_limit_reached"
    assert limited.value.params == {"count": invitations.INVITATIONS_PER_DAY}
    assert len(_links(world, case_id)) == invitations.INVITATIONS_PER_DAY
    world.clock.advance(days=1)  # 24 hours after the order, one is allowed again
    assert invitations.resend_invitation(world.svc, world.employer, case_id).sent


def test_no_resend_after_signing_nor_by_another_employer(world: World) -> None:
    case_id = _order(world)
    stranger = Actor(ActorRole.EMPLOYER, world.agency.id)
    with pytest.raises(NotFound):
        invitations.resend_invitation(world.svc, stranger, case_id)
    with world.svc.reader() as uow:
        case = uow.repo.case(case_id)
        assert case is not None
        subject_id = str(case["subject_id"])
    sign_as_shown(world.svc, Actor(ActorRole.CANDIDATE, subject_id), case_id)
    links = len(_links(world, case_id))
    with pytest.raises(InvalidTransition) as signed:
        invitations.resend_invitation(world.svc, world.employer, case_id)
    assert signed.value.key == "transition.invitation_only_before_signing"
    assert len(_links(world, case_id)) == links
    status = invitations.invitation_status(world.svc, world.employer, case_id)
    assert status is not None and not status.resendable
