"""The candidate is told on their own phone or mailbox, in the invitation's language,
when their report is ready for review, when a pre-adverse notice is sent and when the
final decision is recorded (usability walk: a candidate told nothing could miss the
waiting period): a link to the case and the date the window ends, never the reasons or
findings; a message that does not go out undoes nothing and is kept with the case as a
key. Also over real SMTP to a server the test starts."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from service_fixtures import World, make_world
from test_invitations import PERSON, _order, smtp_server  # noqa: F401 - the fixture

from fairscreen.adapters.messages import Messenger, SmtpMailer, SmtpSettings, development_messenger
from fairscreen.domain.errors import MessageNotSent
from fairscreen.ledger.entries import ActorRole
from fairscreen.services import invitations
from fairscreen.services.context import Actor
from fairscreen.services.decision import record_decision, send_pre_adverse_notice
from fairscreen.services.demo import sign_as_shown
from fairscreen.services.investigation import run_investigation
from fairscreen.services.review import accept_report

REASON = "与岗位诚信要求相关的判决"


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> World:
    return make_world(database_url, tmp_path)


def _released(world: World, contact: str, lang: str) -> tuple[Actor, str]:
    invitee = invitations.checked_invitee("测试丁", contact, lang)
    subject_id, case_id = _order(world, invitee=invitee)
    candidate = Actor(ActorRole.CANDIDATE, subject_id)
    sign_as_shown(world.svc, candidate, case_id, lang="en")  # signed in another language
    run_investigation(world.svc, world.agency, case_id)
    accept_report(world.svc, candidate, case_id)
    return candidate, case_id


def _told(world: World) -> list[Any]:
    outbox = world.svc.messenger.outbox
    assert outbox is not None
    return [m for m in outbox.messages if m.kind in invitations.CANDIDATE_MESSAGES]


def _no_findings(body: str) -> None:
    for secret in (REASON, PERSON["name"], PERSON["national_id"], "yellow", "黄灯", "LIT_"):
        assert secret not in body


def test_review_notice_and_decision_reach_the_candidates_phone_in_their_language(
    world: World,
) -> None:
    _, case_id = _released(world, "139 0013 9002", "zh-Hant")
    link = f"http://127.0.0.1:8000/candidate/cases/{case_id}"
    [review] = _told(world)
    assert (review.channel, review.to, review.kind) == ("sms", "+8613900139002", "review")
    assert "某食品公司" in review.body and link in review.body
    assert re.search(r"請在 \d{4}-\d{2}-\d{2} \d{2}:\d{2} 前登入檢視", review.body)

    ends = send_pre_adverse_notice(
        world.svc, world.employer, case_id, reason=REASON, cites_report=True
    )
    notice = _told(world)[-1]
    assert (notice.channel, notice.kind) == ("sms", "pre_adverse")
    until = ends.astimezone(world.svc.config.zone).strftime("%Y-%m-%d %H:%M")
    assert f"您有一份來自 某食品公司 的結果預告知，請在 {until} 前登入檢視並回覆" in notice.body
    assert link in notice.body
    _no_findings(notice.body)

    world.clock.advance(days=8)
    record_decision(
        world.svc, world.employer, case_id, outcome="not_hired", reason=REASON, cites_report=True
    )
    decided = _told(world)[-1]
    assert decided.kind == "decision" and link in decided.body and "最終決定" in decided.body
    _no_findings(decided.body)
    assert len(_told(world)) == 3


def test_a_favourable_decision_is_told_too_and_a_failed_send_undoes_nothing(
    world: World,
) -> None:
    _, case_id = _released(world, "139 0013 9003", "en")
    assert [m.kind for m in _told(world)] == ["review"]

    class Refusing:
        def send_sms(self, to: str, body: str, *, kind: str) -> None:
            raise MessageNotSent("gateway down")

    working = world.svc.messenger
    world.svc.messenger = Messenger(sms=Refusing(), mail=working.mail, outbox=working.outbox)
    record_decision(world.svc, world.employer, case_id, outcome="hired", reason="入职")
    with world.svc.reader() as uow:
        case = uow.repo.case(case_id)
        assert case is not None and case["state"] == "decided"
        failed = [n["body"] for n in uow.repo.notices(case) if n["kind"] == "message_failed"]
    assert failed == [{"message": "decision", "failure": invitations.FAILED_SMS}]
    assert [m.kind for m in _told(world)] == ["review"]


def test_the_pre_adverse_notice_arrives_by_e_mail_over_smtp(
    world: World,
    smtp_server: tuple[int, list[Any]],  # noqa: F811
) -> None:
    import email
    from email import policy

    port, received = smtp_server
    _, case_id = _released(world, "candidate4@example.test", "en")
    world.svc.messenger = Messenger(
        sms=development_messenger().sms,
        mail=SmtpMailer(SmtpSettings(host="127.0.0.1", port=port, security="none")),
    )
    send_pre_adverse_notice(world.svc, world.employer, case_id, reason=REASON, cites_report=True)
    [envelope] = received
    assert envelope.rcpt_tos == ["candidate4@example.test"]
    message = email.message_from_bytes(envelope.content, policy=policy.default)
    assert message["X-Fairscreen-Kind"] == "pre_adverse"
    part = message.get_body()
    assert part is not None
    body = part.get_content()
    assert "pre-adverse notice from 某食品公司" in body and "answer before 20" in body
    assert f"/candidate/cases/{case_id}" in body
    _no_findings(body)
