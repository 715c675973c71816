"""An adverse decision in PRODUCT.md P4's two steps, through the live service on SQLite and
PostgreSQL (issue 13 item 6): the pre-adverse notice with the report as released and a
waiting period of 5 working days, the candidate's answer, then the final decision and the
adverse-action notice; the candidate sees every decision and its reason; the regulator's
checklist finds it clean from the decision's payload, and the public log names no light,
rule or reason, nor has an entry only an adverse decision makes (PRODUCT.md §6)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from service_fixtures import (
    REGULATOR,
    World,
    iter_all_tables,
    make_world,
    order_and_sign,
    payload_of,
    public_audit,
    settle,
)
from service_fixtures import checklist_violations as audit

from fairscreen.adapters.db.ledger_store import reading
from fairscreen.domain.errors import InvalidInput, InvalidTransition, NotFound, PermissionDenied
from fairscreen.ledger.audit import AuditRule
from fairscreen.ledger.entries import EventType
from fairscreen.services import case_queries, compliance_checklist, portal_queries, transparency
from fairscreen.services.case_events import log_event
from fairscreen.services.decision import (
    decision_for_candidate,
    plan_decision,
    record_decision,
    respond_to_notice,
    send_pre_adverse_notice,
)
from fairscreen.services.investigation import run_investigation
from fairscreen.services.review import accept_report, read_report


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> World:
    return make_world(database_url, tmp_path)


def released(world: World) -> str:
    """A case released to the employer; the world's records give it a yellow light
    (a relevant judgment, LIT_RELEVANT_JUDGMENT)."""
    case_id = order_and_sign(world)
    run_investigation(world.svc, world.agency, case_id)
    accept_report(world.svc, world.candidate, case_id)
    return case_id


def public_log(world: World) -> list[dict[str, object]]:
    settle(world)
    with reading(world.svc.engine) as log:
        return [json.loads(log.entry(i)) for i in range(log.size())]


def snapshot(world: World) -> list[tuple[str, list[object]]]:
    return list(iter_all_tables(world))


def test_an_adverse_decision_is_refused_without_a_pre_adverse_notice(world: World) -> None:
    case_id = released(world)
    assert case_queries.case_summary(world.svc, world.employer, case_id)["light"] == "yellow"
    before = snapshot(world)
    with pytest.raises(InvalidTransition, match="pre-adverse notice first"):
        record_decision(
            world.svc, world.employer, case_id, outcome="not_hired", reason="x", cites_report=True
        )
    with pytest.raises(InvalidInput) as refused:  # not hiring on yellow: the question is asked
        send_pre_adverse_notice(world.svc, world.employer, case_id, reason="x", cites_report=None)
    assert refused.value.field == "cites_report"
    assert snapshot(world) == before


def test_the_two_steps_with_the_candidates_answer(world: World) -> None:
    case_id = released(world)
    plan = plan_decision(
        world.svc, world.employer, case_id, outcome="not_hired", reason="诚信", cites_report=True
    )
    assert plan["step"] == "pre_adverse" and plan["adverse"] is True
    sent_at = world.svc.now()
    ends = send_pre_adverse_notice(
        world.svc, world.employer, case_id, reason="生效判决与岗位诚信要求相关", cites_report=True
    )
    assert plan["wait_ends"] == ends
    # 2026 clock: the fixture starts on a weekday; 5 working days are 7 calendar days
    # when a weekend lies between, never fewer than 5
    assert 5 <= (ends - sent_at).days <= 7 and ends.time() == sent_at.time()
    summary = case_queries.case_summary(world.svc, world.candidate, case_id)
    assert summary["state"] == "adverse_notice"
    # the employer still reads the released view during the wait
    assert read_report(world.svc, world.employer, case_id)["employer_view"]["light"] == "yellow"

    [notice] = portal_queries.case_notices(world.svc, world.candidate, case_id)
    body = notice["body"]
    assert notice["kind"] == "pre_adverse" and body["intended_outcome"] == "not_hired"
    assert [r["rule"] for r in body["reasons"]] == ["LIT_RELEVANT_JUDGMENT"]
    assert body["report_as_released"]["light"] == "yellow"
    # P4: a copy of the report as released, the employer's own view whole (its light,
    # reasons, checks, the candidate's statement and what was not checked)
    employer_read = read_report(world.svc, world.employer, case_id)["employer_view"]
    assert body["report_as_released"] == employer_read
    assert {"statement", "not_checked"} <= set(body["report_as_released"])
    assert body["employer_reason"] == "生效判决与岗位诚信要求相关"
    assert datetime.fromisoformat(body["wait_ends"]) == ends
    assert set(body["rights"]) == {"zh-Hans", "en", "zh-Hant"}
    assert [n.kind for n in world.notifier.sent if n.kind == "pre_adverse"] == ["pre_adverse"]

    # before the wait ends the final adverse decision is refused, nothing changes
    before = snapshot(world)
    with pytest.raises(InvalidTransition, match="waiting period"):
        record_decision(
            world.svc, world.employer, case_id, outcome="not_hired", reason="x", cites_report=True
        )
    with pytest.raises(InvalidTransition):  # one notice per case
        send_pre_adverse_notice(world.svc, world.employer, case_id, reason="x", cites_report=True)
    assert snapshot(world) == before

    # the candidate answers; only the candidate may
    answer = "该判决已撤销，附撤销裁定书编号"
    respond_to_notice(world.svc, world.candidate, case_id, statement=answer)
    with pytest.raises(PermissionDenied):
        respond_to_notice(world.svc, world.employer, case_id, statement="x")
    with pytest.raises(InvalidInput):
        respond_to_notice(world.svc, world.candidate, case_id, statement="  ")
    seen = portal_queries.case_notices(world.svc, world.employer, case_id)
    assert [n["kind"] for n in seen] == ["pre_adverse", "adverse_response"]
    assert seen[1]["body"]["text"] == answer

    world.clock.advance(days=7)
    record_decision(
        world.svc,
        world.employer,
        case_id,
        outcome="not_hired",
        reason="核实后仍不符合岗位诚信要求",
        cites_report=True,
    )
    kinds = [n["kind"] for n in portal_queries.case_notices(world.svc, world.candidate, case_id)]
    assert kinds == ["pre_adverse", "adverse_response", "adverse_action"]
    final = portal_queries.case_notices(world.svc, world.candidate, case_id)[-1]["body"]
    assert final["outcome"] == "not_hired" and final["report_part"] is True
    assert [r["rule"] for r in final["reasons"]] == ["LIT_RELEVANT_JUDGMENT"]
    assert final["rights"]["en"].startswith("You have the right to ask the employer to explain")
    seen_by_candidate = decision_for_candidate(world.svc, world.candidate, case_id)
    assert seen_by_candidate is not None
    assert seen_by_candidate["outcome"] == "not_hired"
    assert seen_by_candidate["reason"] == "核实后仍不符合岗位诚信要求"
    decided = portal_queries.decision_of(world.svc, world.employer, case_id)
    assert decided is not None and decided["report_part"] is True and decided["adverse"] is True
    with pytest.raises(InvalidTransition):  # the case is decided: no more answers
        respond_to_notice(world.svc, world.candidate, case_id, statement="再补充")

    entries = public_log(world)
    assert not [e for e in entries if str(e["type"]).startswith("notice.")]
    [decided_at] = [i for i, e in enumerate(entries) if e["type"] == "decision.recorded"]
    details = transparency.entry_details(world.svc, REGULATOR, decided_at)
    assert details["commitment_opens"] is True
    facts = details["payload"]["pre_adverse"]
    assert details["payload"]["adverse"] is True
    assert datetime.fromisoformat(facts["wait_ends"]) == ends and facts["responses"] == 1
    assert datetime.fromisoformat(facts["sent_at"]).replace(tzinfo=None) == sent_at.replace(
        tzinfo=None
    )
    assert audit(world) == []


def test_the_notice_steps_leave_no_public_entry(world: World) -> None:
    """Only an adverse decision sends a pre-adverse notice and gets answers to it, so
    neither step is a public entry (its type alone would tell the outcome): the log grows
    only by the reads of the notices."""
    case_id = released(world)
    before = len(public_log(world))
    send_pre_adverse_notice(world.svc, world.employer, case_id, reason="诚信", cites_report=False)
    respond_to_notice(world.svc, world.candidate, case_id, statement="我有话要说")
    assert len(public_log(world)) == before


def test_the_employer_may_hire_after_the_candidates_answer(world: World) -> None:
    """A pre-adverse notice is an intention: the candidate's answer may change it, and a
    favourable decision needs no wait and sends no adverse-action notice."""
    case_id = released(world)
    send_pre_adverse_notice(world.svc, world.employer, case_id, reason="待核实", cites_report=True)
    respond_to_notice(world.svc, world.candidate, case_id, statement="已提供撤销裁定")
    record_decision(world.svc, world.employer, case_id, outcome="hired", reason="核实后录用")
    kinds = [n["kind"] for n in portal_queries.case_notices(world.svc, world.candidate, case_id)]
    assert kinds == ["pre_adverse", "adverse_response"]
    seen = decision_for_candidate(world.svc, world.candidate, case_id)
    assert seen is not None and (seen["outcome"], seen["adverse"]) == ("hired", False)
    assert audit(world) == []


def test_a_hire_is_one_step_and_the_candidate_sees_it(world: World) -> None:
    case_id = released(world)
    assert decision_for_candidate(world.svc, world.candidate, case_id) is None
    plan = plan_decision(world.svc, world.employer, case_id, outcome="hired", reason="面试优秀")
    assert (plan["step"], plan["adverse"], plan["wait_ends"]) == ("final", False, None)
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    sa.event.listen(world.svc.engine, "before_cursor_execute", record)
    try:
        record_decision(world.svc, world.employer, case_id, outcome="hired", reason="面试优秀")
    finally:
        sa.event.remove(world.svc.engine, "before_cursor_execute", record)
    # no pre-adverse notice: nothing for the candidate's supplements to hold up
    assert [s for s in statements if "FROM notices" in s]
    assert not [s for s in statements if "FROM supplements" in s]
    [decided] = payload_of(world, "decision.recorded")
    assert decided["pre_adverse"] is None
    seen = decision_for_candidate(world.svc, world.candidate, case_id)
    assert seen is not None and (seen["outcome"], seen["reason"]) == ("hired", "面试优秀")
    assert portal_queries.case_notices(world.svc, world.candidate, case_id) == []
    with pytest.raises(PermissionDenied):
        decision_for_candidate(world.svc, world.employer, case_id)
    with pytest.raises(InvalidTransition):  # there is nothing to answer
        respond_to_notice(world.svc, world.candidate, case_id, statement="x")


def test_plan_checks_like_the_recording_and_changes_nothing(world: World) -> None:
    case_id = released(world)
    before = snapshot(world)
    with pytest.raises(InvalidInput) as refused:
        plan_decision(world.svc, world.employer, case_id, outcome="maybe", reason="x")
    assert refused.value.field == "outcome"
    with pytest.raises(InvalidInput) as refused:
        plan_decision(world.svc, world.employer, case_id, outcome="not_hired", reason="x")
    assert refused.value.field == "cites_report"
    with pytest.raises(InvalidInput) as refused:
        plan_decision(world.svc, world.employer, case_id, outcome="hired", reason="")
    assert refused.value.field == "reason"
    with pytest.raises(NotFound):
        plan_decision(world.svc, world.employer, "case_nobody", outcome="hired", reason="x")
    assert snapshot(world) == before


def test_the_checklist_flags_an_adverse_decision_logged_without_its_notice(
    world: World,
) -> None:
    """What the regulator's checklist sees when the service's refusal is bypassed: an
    adverse decision whose payload names no pre-adverse notice. The public audit cannot
    see it (the entry does not say the decision was adverse); the checklist reads the
    payload, and that read is itself logged."""
    case_id = released(world)
    with world.svc.uow() as uow:
        case = uow.repo.case(case_id)
        assert case is not None
        log_event(
            world.svc,
            uow,
            EventType.DECISION_RECORDED,
            case,
            world.employer,
            payload={"outcome": "not_hired", "adverse": True, "pre_adverse": None},
        )
        uow.commit()
        pseudonym = str(case["pseudonym"])
    assert public_audit(world) == []
    size = len(public_log(world))
    assert audit(world) == [(AuditRule.ADVERSE_WITHOUT_NOTICE.value, pseudonym)]
    reads = public_log(world)[size:]
    assert [(e["type"], e["reason"], e["case"]) for e in reads] == [
        ("report.read", "audit", pseudonym)
    ]


def test_the_checklist_is_the_regulators(world: World) -> None:
    with pytest.raises(PermissionDenied):
        compliance_checklist.compliance_checklist(world.svc, world.employer)
