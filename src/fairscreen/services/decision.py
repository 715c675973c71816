"""P4 结果反馈, the employer's decision (PRODUCT.md §3 P4): a person at the employer records
the decision and its reason (the light is advice).

An adverse decision — not hiring when the light is not green — takes two steps:

1. :func:`send_pre_adverse_notice`: the candidate is told the intended decision, the
   reasons and rule IDs, and gets a copy of the report as released; a waiting period (5
   working days by default) runs, in which the candidate may answer
   (:func:`respond_to_notice`) or supply what was missing;
2. :func:`record_decision` after the waiting period, and once the verifier has answered
   every document the candidate supplied in it (:func:`supplement_with_verifier`,
   services/supplements.py): the final decision and the adverse-action notice (the
   decision, the reasons, the rule IDs, and the right to an explanation and to complain).
   Its ledger payload commits to the wait's facts (:func:`_notice_facts`), including the
   entries held for it (``case_events.record_event``), and to the light decided on.

Whenever the decision is not to hire and the light is not green, the employer says
whether the report played a part; the answer is kept with the decision. Every decision
reaches the candidate's case page with its reason (:func:`decision_for_candidate`), not
only an adverse one. :func:`plan_decision` checks a decision without recording it, for
the confirmation page the portals show before either step.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.engine import RowMapping

from fairscreen.adapters.db.unit_of_work import SqlUnitOfWork
from fairscreen.adapters.notify import Notification
from fairscreen.domain.categories import Tier
from fairscreen.domain.errors import InvalidInput, InvalidTransition
from fairscreen.domain.lifecycle import (
    DEFAULT_ADVERSE_WAIT_DAYS,
    CaseState,
    Outcome,
    adverse_wait_ends,
    check_decision,
    check_pre_adverse,
    destruction_due,
    is_adverse,
)
from fairscreen.ledger.entries import EventType, ReasonCode
from fairscreen.services.case_events import (
    CANDIDATE,
    EMPLOYER,
    HELD_FOR_DECISION,
    S,
    log_event,
    log_read,
    move_case,
    new_id,
    visible_case,
)
from fairscreen.services.context import Actor, Services, require_role
from fairscreen.services.invitations import candidate_message, send_candidate_message
from fairscreen.services.review import employer_view

#: The rights left after the decision (the review window, where findings are disputed, is
#: over): stated in the notice the candidate is sent and shown on the portals as stored.
ADVERSE_ACTION_RIGHTS = {
    "zh-Hans": "您有权要求用人单位说明作出这一决定的理由（《个人信息保护法》第24条）；"
    "有权查阅、复制、更正和删除您的个人信息（第44—47条）；"
    "也可以向劳动保障监察机构或个人信息保护主管部门投诉。",
    "en": "You have the right to ask the employer to explain this decision (PIPL art. 24); "
    "to access, copy, correct and delete your personal information (PIPL art. 44–47); and "
    "to complain to the labour inspectorate or the personal-information protection authority.",
    "zh-Hant": "您有權要求用人單位說明作出此項決定的理由（《個人信息保護法》第24條）；"
    "有權查閱、複製、更正及刪除您的個人資料（第44—47條）；"
    "也可以向勞動監察機關或個人資料保護主管機關申訴。",
}
#: What the candidate may do during the waiting period, stated in the pre-adverse notice.
PRE_ADVERSE_RIGHTS = {
    "zh-Hans": "在等待期结束前，您可以在案件页面回复用人单位：说明情况，或补充未能核实的材料。"
    "用人单位须在等待期结束、且核查方答复您补充的材料后，才能作出最终决定，并会看到您的回复。",
    "en": "Until the waiting period ends you may answer the employer on your case page: "
    "explain, or supply what could not be verified. The employer may decide only after "
    "the waiting period, and after the verifier has answered any document you supplied; it "
    "will see your answer.",
    "zh-Hant": "在等待期結束前，您可以在案件頁面回覆用人單位：說明情況，或補充未能核實的材料。"
    "用人單位須在等待期結束、且核查方答覆您補充的材料後，才能作出最終決定，並會看到您的回覆。",
}
MAX_TEXT = 2000
#: A candidate answers a pre-adverse notice at most this many times (each is kept).
MAX_RESPONSES = 5


def _outcome(outcome: str) -> Outcome:
    try:
        return Outcome(outcome)
    except ValueError as exc:
        raise InvalidInput(
            "must be hired or not_hired", field="outcome", key="input.must_hired_not_hired"
        ) from exc


def _text(value: str, field: str) -> str:
    if not value.strip() or len(value) > MAX_TEXT:
        raise InvalidInput("1 to 2000 characters", field=field, key="input.1_2000_characters")
    return value.strip()


def _report_part(decided: Outcome, light: str | None, cites_report: bool | None) -> bool | None:
    """The answer to "did the report play a part?": required when not hiring on a light
    that is not green (PRODUCT.md P4), not asked otherwise."""
    if not is_adverse(decided, light):
        return None
    if cites_report is None:
        raise InvalidInput(
            "say whether the report played a part in not hiring",
            field="cites_report",
            key="input.say_report_part",
        )
    return cites_report


def plan_decision(
    svc: Services,
    actor: Actor,
    case_id: str,
    *,
    outcome: str,
    reason: str,
    cites_report: bool | None = None,
) -> dict[str, Any]:
    """What recording this decision would do, checked as the recording checks it but
    changing nothing: ``step`` is ``pre_adverse`` (a notice, then the waiting period
    until ``wait_ends``) or ``final`` (``adverse``: an adverse-action notice is sent);
    ``light`` is the case's, for the page that warns against not hiring on a light that
    does not support it."""
    require_role(actor, EMPLOYER)
    decided = _outcome(outcome)
    _text(reason, "reason")
    now = svc.now()
    with svc.reader() as uow:
        case = visible_case(uow, actor, case_id)
        awaiting = _awaiting_verifier(uow, case)
    state, light = CaseState(case["state"]), case["light"]
    report_part = _report_part(decided, light, cites_report)
    if is_adverse(decided, light) and state is S.RELEASED:
        check_pre_adverse(state, decided, light)
        return {
            "step": "pre_adverse",
            "outcome": decided.value,
            "adverse": True,
            "report_part": report_part,
            "wait_ends": adverse_wait_ends(now, DEFAULT_ADVERSE_WAIT_DAYS),
            "light": light,
        }
    check_decision(state, decided, light, now=now, wait_ends=case["adverse_wait_ends"])
    _check_not_awaiting_verifier(awaiting, is_adverse(decided, light))
    return {
        "step": "final",
        "outcome": decided.value,
        "adverse": is_adverse(decided, light),
        "report_part": report_part,
        "wait_ends": None,
        "light": light,
    }


def _employer_reasons(uow: SqlUnitOfWork, case: RowMapping) -> list[dict[str, Any]]:
    """The reasons and rule IDs of the employer view as released (verified, in scope)."""
    report = uow.repo.report(case) or {}
    view = report.get("employer_view", {})
    return [
        {"rule": r["rule"], "light": r["light"], "summary": r["summary"]}
        for r in view.get("reasons", [])
    ]


def _send_notice(
    svc: Services,
    uow: SqlUnitOfWork,
    case: RowMapping,
    notice: dict[str, Any],
) -> None:
    """Keep a notice (encrypted with the case) and tell the candidate (the rule ids, never
    the reason's words). No ledger entry of its own: only an adverse decision sends one,
    so its type alone would tell the public log a result (PRODUCT.md §6); its facts go
    into the payload of the ``decision.recorded`` that ends the case
    (:func:`_notice_facts`)."""
    uow.repo.add_notice(
        case, id=new_id("ntc"), kind=notice["kind"], body=notice, created_at=svc.now()
    )
    svc.notifier.send(
        Notification(
            svc.pseudonym("subj", case["subject_id"]),
            notice["kind"],
            {"case": case["pseudonym"], "rules": [r["rule"] for r in notice["reasons"]]},
        )
    )


def _notice_facts(
    notices: list[dict[str, Any]], supplements: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """What the regulator's audit checks of P4's first step, kept in the committed payload
    of ``decision.recorded`` (:func:`fairscreen.ledger.audit.check_decision_payload`):
    when the latest pre-adverse notice was sent, when its waiting period ended, how many
    answers the candidate gave and how many documents they supplied meanwhile, and the
    entries held for the decision in the wait (``held``: a supplement's source query,
    re-rating and the verifier's reads, each with the public fields it would have carried
    and its payload: ``case_events.record_event``). None of these has a public entry of
    its own (services/supplements.py); None when no notice was sent."""
    sent = [n for n in notices if n["kind"] == "pre_adverse"]
    if not sent:
        return None
    latest = sent[-1]
    since = [n for n in notices if n["created_at"] >= latest["created_at"]]
    return {
        "sent_at": latest["created_at"].isoformat(),
        "wait_ends": latest["body"]["wait_ends"],
        "responses": sum(1 for n in since if n["kind"] == "adverse_response"),
        "supplements": sum(1 for s in supplements if s["supplied_at"] >= latest["created_at"]),
        "held": [n["body"] for n in since if n["kind"] == HELD_FOR_DECISION],
    }


def _supplied_to_verifier(notices: list[dict[str, Any]], supplements: list[dict[str, Any]]) -> bool:
    """Whether a document the candidate supplied after the latest pre-adverse notice is
    still with the verifier (PRODUCT.md P4: the candidate may "respond or supply what was
    missing. Only then the final decision")."""
    sent = [n["created_at"] for n in notices if n["kind"] == "pre_adverse"]
    return bool(sent) and any(
        s["outcome"] is None and s["supplied_at"] >= sent[-1] for s in supplements
    )


def _supplements_since_notice(
    uow: SqlUnitOfWork, case: RowMapping, notices: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The case's supplements (their state, no text: :func:`_notice_facts` and
    :func:`_supplied_to_verifier` count them and read their state), read only when a
    pre-adverse notice was sent: without one neither looks at them, and most decisions
    follow no notice."""
    if not any(n["kind"] == "pre_adverse" for n in notices):
        return []
    return uow.repo.supplements(case, with_texts=False)


def _awaiting_verifier(uow: SqlUnitOfWork, case: RowMapping) -> bool:
    """:func:`_supplied_to_verifier`, in the pre-adverse wait (read only then)."""
    if CaseState(case["state"]) is not S.ADVERSE_NOTICE:
        return False
    notices = uow.repo.notices(case)
    return _supplied_to_verifier(notices, _supplements_since_notice(uow, case, notices))


def _check_not_awaiting_verifier(awaiting: bool, adverse: bool) -> None:
    """Refuse a final adverse decision while :func:`_awaiting_verifier`; a favourable one
    (the candidate's answer changed the employer's mind) needs no verifier's answer."""
    if adverse and awaiting:
        raise InvalidTransition(
            "the candidate supplied a document in the waiting period: the final decision "
            "waits for the verifier's answer",
            field="case_id",
            key="transition.decision_awaits_supplement",
        )


def supplement_with_verifier(svc: Services, actor: Actor, case_id: str) -> bool:
    """For the case's employer and candidate: whether a document the candidate supplied in
    the pre-adverse wait is still with the verifier, so the final adverse decision waits
    (:func:`_awaiting_verifier`). No content, no file, no finding: the employer learns only
    that the candidate responded, as it reads their written answers."""
    require_role(actor, EMPLOYER, CANDIDATE)
    with svc.reader() as uow:
        return _awaiting_verifier(uow, visible_case(uow, actor, case_id))


def send_pre_adverse_notice(
    svc: Services,
    actor: Actor,
    case_id: str,
    *,
    reason: str,
    cites_report: bool | None,
    wait_days: int = DEFAULT_ADVERSE_WAIT_DAYS,
) -> datetime:
    """The first step of an adverse decision (PRODUCT.md P4): the candidate is sent the
    intended decision (not hired), the employer's reason, the reasons and rule IDs of the
    employer view and a copy of that view as released, and the waiting period's end,
    which is returned. Refused unless the case is released and the light is not green.
    The candidate's phone or mailbox is told of it and of the window's end, without the
    reasons (``invitations.send_candidate_message``, after the commit)."""
    require_role(actor, EMPLOYER)
    text = _text(reason, "reason")
    now = svc.now()
    with svc.uow() as uow:
        case = visible_case(uow, actor, case_id)
        light = case["light"]
        report_part = _report_part(Outcome.NOT_HIRED, light, cites_report)
        check_pre_adverse(CaseState(case["state"]), Outcome.NOT_HIRED, light)
        ends = adverse_wait_ends(now, wait_days)
        # the copy of the report as released: what the employer reads (review.read_report)
        report = uow.repo.report(case)
        assert report is not None  # check_pre_adverse: released, so rated
        view = employer_view(uow, case, report)
        case = move_case(uow, svc, case, S.ADVERSE_NOTICE, adverse_wait_ends=ends)
        notice: dict[str, Any] = {
            "kind": "pre_adverse",
            "intended_outcome": Outcome.NOT_HIRED.value,
            "employer_reason": text,
            "report_part": report_part,
            "light": light,
            "reasons": _employer_reasons(uow, case),
            "report_as_released": view,
            "wait_ends": ends.isoformat(),
            "rights": PRE_ADVERSE_RIGHTS,
        }
        _send_notice(svc, uow, case, notice)
        told = candidate_message(svc, uow, case, "pre_adverse", ends)
        uow.commit()
    send_candidate_message(svc, told)
    return ends


def respond_to_notice(svc: Services, actor: Actor, case_id: str, *, statement: str) -> None:
    """The candidate answers the pre-adverse notice (explains, or says what was missing
    and where it can be verified) while the case waits for the final decision; the
    employer sees each answer before deciding."""
    require_role(actor, CANDIDATE)
    text = _text(statement, "statement")
    with svc.uow() as uow:
        case = visible_case(uow, actor, case_id)
        if CaseState(case["state"]) is not S.ADVERSE_NOTICE:
            raise InvalidTransition(
                "there is no pre-adverse notice to answer",
                field="case_id",
                key="transition.no_pre_adverse_notice",
            )
        answers = [n for n in uow.repo.notices(case) if n["kind"] == "adverse_response"]
        if len(answers) >= MAX_RESPONSES:
            raise InvalidInput(
                "at most 5 answers to one notice", field="statement", key="input.at_most_5_answers"
            )
        uow.repo.add_notice(
            case,
            id=new_id("ntc"),
            kind="adverse_response",
            body={"text": text},
            created_at=svc.now(),
        )
        # no ledger entry: only a case with a pre-adverse notice has answers to it
        # (PRODUCT.md §6); their number goes into the decision's payload
        uow.commit()


def record_decision(
    svc: Services,
    actor: Actor,
    case_id: str,
    *,
    outcome: str,
    reason: str,
    cites_report: bool | None = None,
) -> None:
    """A person at the employer records the final decision and its reason (the light is
    advice, PIPL art. 24). An adverse one needs its pre-adverse notice's waiting period
    to have ended, and sends the adverse-action notice: the decision, the reasons, the
    rule IDs, the right to an explanation and to complain (FCRA §615 does likewise).
    Whatever the outcome, the candidate's phone or mailbox is told to read it
    (``invitations.send_candidate_message``, after the commit)."""
    require_role(actor, EMPLOYER)
    decided = _outcome(outcome)
    text = _text(reason, "reason")
    now = svc.now()
    with svc.uow() as uow:
        case = visible_case(uow, actor, case_id)
        light = case["light"]
        report_part = _report_part(decided, light, cites_report)
        check_decision(
            CaseState(case["state"]), decided, light, now=now, wait_ends=case["adverse_wait_ends"]
        )
        adverse = is_adverse(decided, light)
        notices = uow.repo.notices(case)
        supplements = _supplements_since_notice(uow, case, notices)
        # check_decision let an adverse decision through only in the pre-adverse wait
        _check_not_awaiting_verifier(_supplied_to_verifier(notices, supplements), adverse)
        due = destruction_due(
            svc.config.retention,
            tier=Tier(case["tier"]),
            outcome=decided,
            decided_at=now,
            deletion_requested_at=case["deletion_requested_at"]
            if case["deletion_requested_at"]
            else None,
        )
        case = move_case(
            uow,
            svc,
            case,
            S.DECIDED,
            outcome=decided.value,
            adverse=adverse,
            decided_at=now,
            destruction_due=due,
        )
        uow.repo.put_decision(
            case,
            reason=text,
            outcome=decided.value,
            adverse=adverse,
            report_part=report_part,
            decided_at=now,
        )
        log_event(
            svc,
            uow,
            EventType.DECISION_RECORDED,
            case,
            actor,
            payload={
                "outcome": decided.value,
                "adverse": adverse,
                # the light decided on: after a re-rating held in the wait, the re-rated one
                "light": light,
                "pre_adverse": _notice_facts(notices, supplements),
            },
            due=due,
        )
        if adverse:
            notice: dict[str, Any] = {
                "kind": "adverse_action",
                "outcome": decided.value,
                "reasons": _employer_reasons(uow, case),
                "employer_reason": text,
                "report_part": report_part,
                "rights": ADVERSE_ACTION_RIGHTS,
            }
            _send_notice(svc, uow, case, notice)
        told = candidate_message(svc, uow, case, "decision")
        uow.commit()
    send_candidate_message(svc, told)


def decision_for_candidate(svc: Services, actor: Actor, case_id: str) -> dict[str, Any] | None:
    """The decision on the candidate's own case with the employer's reason, whatever the
    outcome (issue 13 item 6: the candidate always sees it); None before one is made.
    Reading it is logged as a read of the report is (P5)."""
    require_role(actor, CANDIDATE)
    with svc.uow() as uow:
        case = visible_case(uow, actor, case_id)
        decided = uow.repo.decision(case)
        if decided is None:
            return None
        log_read(svc, uow, case, actor, why="decision", reason=ReasonCode.DECISION)
        uow.commit()
    return {k: decided[k] for k in ("outcome", "reason", "decided_at", "adverse")}
