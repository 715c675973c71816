"""P4 结果反馈, the employer's decision (PRODUCT.md §3 P4): a person at the employer records
the decision and its reason (the light is advice), and an adverse decision that cites the
report sends the candidate an adverse-action notice.
"""

from __future__ import annotations

from typing import Any

from fairscreen.adapters.notify import Notification
from fairscreen.domain.categories import Tier
from fairscreen.domain.errors import InvalidInput
from fairscreen.domain.lifecycle import Outcome, destruction_due
from fairscreen.ledger.entries import EventType
from fairscreen.services.case_events import EMPLOYER, S, log_event, move_case, new_id, visible_case
from fairscreen.services.context import Actor, Services, require_role

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


def record_decision(
    svc: Services,
    actor: Actor,
    case_id: str,
    *,
    outcome: str,
    reason: str,
    cites_report: bool = False,
) -> None:
    """A person at the employer records the decision and its reason (the light is advice,
    PIPL art. 24). An adverse decision that cites the report sends the candidate an
    adverse-action notice: the reasons, the rule IDs, the right to an explanation and to
    contest (FCRA §615 does likewise)."""
    require_role(actor, EMPLOYER)
    try:
        decided = Outcome(outcome)
    except ValueError as exc:
        raise InvalidInput(
            "must be hired or not_hired", field="outcome", key="input.must_hired_not_hired"
        ) from exc
    if not reason.strip() or len(reason) > 2000:
        raise InvalidInput("1 to 2000 characters", field="reason", key="input.1_2000_characters")
    now = svc.now()
    with svc.uow() as uow:
        case = visible_case(uow, actor, case_id)
        adverse = decided is Outcome.NOT_HIRED and cites_report
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
            case, reason=reason.strip(), outcome=decided.value, adverse=adverse, decided_at=now
        )
        log_event(
            svc,
            uow,
            EventType.DECISION_RECORDED,
            case,
            actor,
            payload={"outcome": decided.value},
            due=due,
        )
        if adverse:
            report = uow.repo.report(case) or {}
            view = report.get("employer_view", {})
            notice: dict[str, Any] = {
                "kind": "adverse_action",
                "reasons": [
                    {"rule": r["rule"], "light": r["light"], "summary": r["summary"]}
                    for r in view.get("reasons", [])
                ],
                "employer_reason": reason.strip(),
                "rights": ADVERSE_ACTION_RIGHTS,
            }
            uow.repo.add_notice(
                case, id=new_id("ntc"), kind="adverse_action", body=notice, created_at=now
            )
            svc.notifier.send(
                Notification(
                    svc.pseudonym("subj", case["subject_id"]),
                    "adverse_action",
                    {"case": case["pseudonym"], "rules": [r["rule"] for r in notice["reasons"]]},
                )
            )
        uow.commit()
