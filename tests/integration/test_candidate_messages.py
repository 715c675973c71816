"""The candidate is told on their own phone or mailbox, in the invitation's language,
when their report is ready for review, when their dispute is answered and the review
opens again, when a pre-adverse notice is sent and when the final decision is recorded
(usability walk: a candidate told nothing could miss the waiting period): a link to the
case and the date the window ends, never the reasons or findings; a message that does not
go out undoes nothing and is kept with the case as a key. Also over real SMTP to a server
the test starts."""

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
from fairscreen.services.review import accept_report, open_dispute, read_report, resolve_dispute

REASON = "与岗位诚信要求相关的判决"
#: the agency's answer to a dispute: never in a message (an SMS is not private)
ANSWER = "经向法院再次核实，判决当事人确为本人"


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> World:
    return make_world(database_url, tmp_path)


def _in_review(world: World, contact: str, lang: str) -> tuple[Actor, str]:
    invitee = invitations.checked_invitee("测试丁", contact, lang)
    subject_id, case_id = _order(world, invitee=invitee)
    candidate = Actor(ActorRole.CANDIDATE, subject_id)
    sign_as_shown(world.svc, candidate, case_id, lang="en")  # signed in another language
    run_investigation(world.svc, world.agency, case_id)
    return candidate, case_id


def _released(world: World, contact: str, lang: str) -> tuple[Actor, str]:
    candidate, case_id = _in_review(world, contact, lang)
    accept_report(world.svc, candidate, case_id)
    return candidate, case_id


def _dispute_answered(world: World, candidate: Actor, case_id: str) -> None:
    """The candidate disputes the report's first finding; the agency upholds it, the last
    open dispute of the round, so the case is rated again and the review opens again."""
    finding = read_report(world.svc, candidate, case_id)["report"]["findings"][0]["id"]
    [dispute] = open_dispute(
        world.svc, candidate, case_id, finding_ids=[finding], statement="这不是我。"
    )
    world.clock.advance(days=3)
    resolve_dispute(world.svc, world.agency, case_id, dispute, outcome="upheld", answer=ANSWER)


def _told(world: World) -> list[Any]:
    outbox = world.svc.messenger.outbox
    assert outbox is not None
    return [m for m in outbox.messages if m.kind in invitations.CANDIDATE_MESSAGES]


def _no_findings(body: str) -> None:
    personal = (PERSON["name"], PERSON["national_id"])
    for secret in (REASON, ANSWER, *personal, "yellow", "黄灯", "LIT_"):
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


@pytest.mark.parametrize(
    ("lang", "told"),
    [
        (
            "zh-Hans",
            "您对 某食品公司 背景核查报告提出的异议已有答复，报告已更新。请在 {until} 前登录查看",
        ),
        ("en", "was answered and the report updated. Sign in to read it before {until}"),
        (
            "zh-Hant",
            "您對 某食品公司 背景查核報告提出的異議已有答覆，報告已更新。請在 {until} 前登入檢視",
        ),
    ],
)
def test_an_answered_dispute_tells_the_candidate_the_review_is_open_again(
    world: World, lang: str, told: str
) -> None:
    """When the last open dispute is answered the review opens again with a new window:
    the candidate hears of it in the invitation's language, with the new window's end and
    the link, never the answer, which way it went, or the findings."""
    candidate, case_id = _in_review(world, "139 0013 9004", lang)
    _dispute_answered(world, candidate, case_id)
    with world.svc.reader() as uow:
        case = uow.repo.case(case_id)
        assert case is not None and case["state"] == "candidate_review"
        window_ends = case["window_ends"]
    reopened = _told(world)[-1]
    assert [m.kind for m in _told(world)] == ["review", "review_reopened"]
    assert (reopened.channel, reopened.to) == ("sms", "+8613900139004")
    until = window_ends.astimezone(world.svc.config.zone).strftime("%Y-%m-%d %H:%M")
    assert told.format(until=until) in reopened.body
    assert f"/candidate/cases/{case_id}" in reopened.body
    _no_findings(reopened.body)
    for outcome in ("upheld", "维持", "維持"):
        assert outcome not in reopened.body


def test_a_failed_reopened_review_message_undoes_nothing(world: World) -> None:
    candidate, case_id = _in_review(world, "139 0013 9005", "zh-Hans")

    class Refusing:
        def send_sms(self, to: str, body: str, *, kind: str) -> None:
            raise MessageNotSent("gateway down")

    working = world.svc.messenger
    world.svc.messenger = Messenger(sms=Refusing(), mail=working.mail, outbox=working.outbox)
    _dispute_answered(world, candidate, case_id)
    with world.svc.reader() as uow:
        case = uow.repo.case(case_id)
        assert case is not None and case["state"] == "candidate_review"  # answered, reopened
        failed = [n["body"] for n in uow.repo.notices(case) if n["kind"] == "message_failed"]
        [answered] = uow.repo.disputes(case)
    assert answered["outcome"] == "upheld"
    assert failed == [{"message": "review_reopened", "failure": invitations.FAILED_SMS}]
    assert [m.kind for m in _told(world)] == ["review"]
