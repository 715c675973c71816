"""The six procedures through the live service, on real SQLite and PostgreSQL (issue 4):
every transition, every refusal, and a clean compliance audit of the ledger after."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from service_fixtures import (
    CLAIMS,
    OPERATOR,
    REQUESTED,
    ROLE,
    World,
    make_world,
    not_hire,
    order,
    order_and_sign,
    settle,
    sign,
)

from factories import SUBJECT, litigation
from fairscreen.adapters.db.ledger_store import reading
from fairscreen.adapters.db.repository import ServiceRepository
from fairscreen.domain.categories import CATEGORY_LABELS, Category
from fairscreen.domain.errors import (
    AuthorizationRefused,
    CaseDestroyed,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
)
from fairscreen.ledger.audit import audit_entries
from fairscreen.ledger.entries import ActorRole, LedgerEntry, decode_entry
from fairscreen.services import case_queries
from fairscreen.services.accounts import register_tenant
from fairscreen.services.authorization import (
    authorization_notice,
    consent_receipt,
    revoke_authorization,
    sign_authorization,
)
from fairscreen.services.context import Actor
from fairscreen.services.decision import record_decision
from fairscreen.services.evaluation import evaluate_case
from fairscreen.services.investigation import case_file, run_investigation
from fairscreen.services.retention import (
    destruction_certificate,
    export_subject_data,
    purge,
    request_deletion,
    set_legal_hold,
)
from fairscreen.services.review import (
    _release,
    accept_report,
    open_dispute,
    read_report,
    release_due,
    resolve_dispute,
)
from fairscreen.services.scope import (
    define_role_profile,
    order_check,
    order_for_candidate,
    register_candidate,
)


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> World:
    return make_world(database_url, tmp_path)


def ledger_entries(world: World) -> list[LedgerEntry]:
    settle(world)
    with reading(world.svc.engine) as log:
        return [decode_entry(log.entry(i)) for i in range(log.size())]


def ledger_types(world: World) -> list[str]:
    return [entry.type.value for entry in ledger_entries(world)]


def audit(world: World) -> list[Any]:
    settle(world)
    with reading(world.svc.engine) as log:
        entries = [log.entry(i) for i in range(log.size())]
    return list(
        audit_entries(enumerate(entries), world.svc.published_rulebooks, as_of=world.clock.now)
    )


def test_the_whole_journey(world: World) -> None:
    svc, clock = world.svc, world.clock
    case_id = order_and_sign(world)
    result = run_investigation(svc, world.agency, case_id)
    assert result.light == "yellow"  # lit-3: a relevant fraud judgment against the candidate
    assert "marital_status" not in result.queried

    # P4: the candidate sees everything first; the employer sees nothing yet.
    report = read_report(svc, world.candidate, case_id)["report"]
    assert {f["exclusion"] for f in report["findings"]} >= {
        "NOT_JOB_RELATED",
        "LITIGATION_RIGHTS",
        "UNVERIFIED",
    }
    assert report["dropped_statements"] == [
        {"record": "ref-1", "index": 0, "topic": "private_life"}
    ]
    with pytest.raises(InvalidTransition):
        read_report(svc, world.employer, case_id)
    assert release_due(svc) == []  # the review window is still open

    # The candidate disputes the fraud finding; the agency cannot re-verify it: removed.
    finding = next(f["id"] for f in report["findings"] if f["rule"] == "LIT_RELEVANT_JUDGMENT")
    [dispute] = open_dispute(
        svc,
        world.candidate,
        case_id,
        finding_ids=[finding],
        statement="这不是我的案件。",
        evidence="判决书当事人身份证号不符",
    )
    clock.advance(days=10)
    assert release_due(svc) == []  # never released during a dispute
    resolve_dispute(
        svc, world.agency, case_id, dispute, outcome="removed", answer="无法再次核实，已删除。"
    )
    after = read_report(svc, world.candidate, case_id)["report"]
    assert after["rating"]["light"] == "green"

    # The window passes without a new dispute: released by the scheduler.
    clock.advance(days=5)
    assert release_due(svc) == [case_id]
    view = read_report(svc, world.employer, case_id)["employer_view"]
    assert view["light"] == "green" and view["reasons"] == []
    text = json.dumps(view, ensure_ascii=False)
    for secret in ("物业", "生活作风", "合同诈骗", SUBJECT["name"], SUBJECT["national_id"]):
        assert secret not in text

    record_decision(svc, world.employer, case_id, outcome="hired", reason="面试表现良好")
    assert ledger_types(world)[:2] == ["authorization.signed", "scope.set"]
    assert audit(world) == []


def test_the_service_report_equals_the_offline_evaluation(world: World) -> None:
    case_id = order_and_sign(world)
    run_investigation(world.svc, world.agency, case_id)
    with world.svc.uow() as uow:
        document = case_file(world.svc, uow, uow.repo.case(case_id))  # type: ignore[arg-type]
    offline = evaluate_case(json.dumps(document, ensure_ascii=False)).document
    served = read_report(world.svc, world.candidate, case_id)["report"]
    assert served == offline


def test_accepting_releases_at_once_and_the_audit_accepts_it(world: World) -> None:
    case_id = order_and_sign(world)
    run_investigation(world.svc, world.agency, case_id)
    accept_report(world.svc, world.candidate, case_id, statement="我对报告无异议。")
    view = read_report(world.svc, world.employer, case_id)["employer_view"]
    assert view["statement"] == "我对报告无异议。"
    assert audit(world) == []


def test_signing_writes_the_case_once_and_reads_no_authorization_back(world: World) -> None:
    """Signing moves the case through ``authorized`` to ``scoped`` with one write of its
    row (the claims in it), and sets the scope from the authorization its insert
    returned (``test_repository_reads``: it equals a fresh read). Signing again is
    refused before anything is written."""
    case_id = order(world)
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2].lstrip().upper())

    sa.event.listen(world.svc.engine, "before_cursor_execute", record)
    try:
        sign(world, case_id)
    finally:
        sa.event.remove(world.svc.engine, "before_cursor_execute", record)
    assert len([s for s in statements if s.startswith("UPDATE CASES")]) == 1
    assert not [s for s in statements if s.startswith("SELECT") and "FROM AUTHORIZATIONS" in s]
    with world.svc.uow() as uow:
        case = uow.repo.case(case_id)
        assert case is not None and case["state"] == "scoped"
        assert uow.repo.claims(case) == CLAIMS
        stored = uow.repo.authorization(case_id)
        assert stored is not None and stored["purpose"] == uow.repo.case_purpose(case)
    assert ledger_types(world)[:2] == ["authorization.signed", "scope.set"]
    before = snapshot(world)
    with pytest.raises(InvalidTransition):
        sign(world, case_id)
    assert snapshot(world) == before
    assert audit(world) == []


def test_accepting_writes_the_case_once(world: World) -> None:
    """The acceptance and the release are one write of the case's row, not two."""
    case_id = order_and_sign(world)
    run_investigation(world.svc, world.agency, case_id)
    writes: list[str] = []

    def record(*args: Any) -> None:
        if args[2].lstrip().upper().startswith("UPDATE CASES"):
            writes.append(args[2])

    sa.event.listen(world.svc.engine, "before_cursor_execute", record)
    try:
        accept_report(world.svc, world.candidate, case_id)
    finally:
        sa.event.remove(world.svc.engine, "before_cursor_execute", record)
    assert len(writes) == 1
    with world.svc.uow() as uow:
        case = uow.repo.case(case_id)
        assert case is not None
        assert case["state"] == "released" and case["accepted"]
    assert ledger_types(world)[-1] == "report.released"
    assert audit(world) == []


def test_an_adverse_decision_sends_a_notice(world: World) -> None:
    case_id = order_and_sign(world)
    run_investigation(world.svc, world.agency, case_id)
    accept_report(world.svc, world.candidate, case_id)
    not_hire(world, case_id, reason="生效判决与岗位诚信要求相关", cites_report=True)
    sent = [n for n in world.notifier.sent if n.kind == "adverse_action"]
    assert len(sent) == 1 and sent[0].fields["rules"] == ["LIT_RELEVANT_JUDGMENT"]
    exported = export_subject_data(world.svc, world.candidate)
    [notice] = [n for n in exported["cases"][0]["notices"] if n["kind"] == "adverse_action"]
    rights = notice["body"]["rights"]
    assert rights["en"].startswith("You have the right")
    assert set(rights) == {"zh-Hans", "en", "zh-Hant"}
    # decided: no dispute is possible any more, so the notice must not offer one
    assert "contest" not in rights["en"] and "异议" not in rights["zh-Hans"]
    assert "異議" not in rights["zh-Hant"] and "个" not in rights["zh-Hant"]


# --- refusals: each with its own error, nothing changed ----------------------------------------


def snapshot(world: World) -> list[tuple[str, list[Any]]]:
    from service_fixtures import iter_all_tables

    return list(iter_all_tables(world))


def test_querying_after_revocation_is_refused(world: World) -> None:
    case_id = order_and_sign(world)
    revoke_authorization(world.svc, world.candidate, case_id)
    before = snapshot(world)
    with pytest.raises(CaseDestroyed):
        run_investigation(world.svc, world.agency, case_id)
    assert snapshot(world) == before
    assert "data.destroyed" in ledger_types(world)
    assert audit(world) == []


def test_an_expired_authorization_stops_the_investigation(world: World) -> None:
    case_id = order_and_sign(world)
    world.clock.advance(days=31)
    before = snapshot(world)
    with pytest.raises(AuthorizationRefused):
        run_investigation(world.svc, world.agency, case_id)
    assert snapshot(world) == before


def test_releasing_before_the_window_and_during_a_dispute_is_refused(world: World) -> None:
    case_id = order_and_sign(world)
    run_investigation(world.svc, world.agency, case_id)
    with world.svc.uow() as uow:
        case = uow.repo.case(case_id)
        assert case is not None
        with pytest.raises(InvalidTransition, match="window"):
            _release(world.svc, uow, case, world.agency)
    report = read_report(world.svc, world.candidate, case_id)["report"]
    open_dispute(
        world.svc,
        world.candidate,
        case_id,
        finding_ids=[report["findings"][0]["id"]],
        statement="有误",
    )
    world.clock.advance(days=20)
    with world.svc.uow() as uow:
        case = uow.repo.case(case_id)
        assert case is not None
        with pytest.raises(InvalidTransition, match="dispute"):
            _release(world.svc, uow, case, world.agency)
    with pytest.raises(InvalidTransition):
        accept_report(world.svc, world.candidate, case_id)
    assert audit(world) == []


def test_reading_after_destruction_is_refused(world: World) -> None:
    case_id = order_and_sign(world)
    run_investigation(world.svc, world.agency, case_id)
    accept_report(world.svc, world.candidate, case_id)
    not_hire(world, case_id)
    world.clock.advance(days=180)  # exactly when due: the scheduler's purge runs on time
    result = purge(world.svc)
    assert result.destroyed == (case_id,)
    for actor in (world.candidate, world.employer, world.agency):
        with pytest.raises(CaseDestroyed):
            read_report(world.svc, actor, case_id)
    settle(world)
    certificate = destruction_certificate(world.svc, world.candidate, case_id)
    assert certificate["receipt"].startswith("c2sp.org/tlog-proof@v1")
    assert audit(world) == []


def test_an_order_or_a_signature_of_no_category_is_refused_and_changes_nothing(
    world: World,
) -> None:
    """A check of nothing would end green with every category "not consented"."""
    before = snapshot(world)
    with pytest.raises(InvalidInput) as refused:
        order(world, requested=[])
    assert refused.value.field == "requested"
    assert snapshot(world) == before
    case_id = order(world)
    ordered = snapshot(world)
    with pytest.raises(InvalidInput) as refused:
        sign(world, case_id, categories=[])
    assert refused.value.field == "categories"
    assert snapshot(world) == ordered


def test_the_portals_order_of_a_new_candidate_stores_nothing_when_refused(world: World) -> None:
    """Registering and ordering in one step: an employer who forgets to tick a category (or
    names a profile that is not theirs) leaves no orphaned identity behind."""
    newcomer = {"name": "测试戊", "national_id": "999999199505050055", "birth_date": "1995-05-05"}
    before = snapshot(world)
    with pytest.raises(InvalidInput) as refused:
        order_for_candidate(
            world.svc, world.employer, newcomer, profile_id=world.profile_id, requested=[]
        )
    assert refused.value.field == "requested"
    with pytest.raises(NotFound):
        order_for_candidate(
            world.svc, world.employer, newcomer, profile_id="prof_nothing", requested=REQUESTED
        )
    assert snapshot(world) == before
    subject_id, case_id = order_for_candidate(
        world.svc,
        world.employer,
        newcomer,
        profile_id=world.profile_id,
        requested=REQUESTED,
        agency_id=world.agency.id,
    )
    assert register_candidate(world.svc, world.employer, newcomer) == subject_id
    assert case_queries.case_summary(world.svc, world.employer, case_id)["state"] == "ordered"


def test_an_order_the_profile_cannot_serve_is_refused(world: World) -> None:
    """Only prohibited or out-of-profile categories: the notice would ask for nothing."""
    before = snapshot(world)
    with pytest.raises(InvalidInput) as refused:
        order(world, requested=["marital_status", "credit"])
    assert refused.value.field == "requested"
    assert snapshot(world) == before


def test_an_empty_profile_and_a_consent_outside_the_signature_are_refused(world: World) -> None:
    before = snapshot(world)
    with pytest.raises(InvalidInput) as refused:
        define_role_profile(world.svc, world.employer, {**ROLE, "id": "empty", "categories": {}})
    assert refused.value.field == "role.categories"
    assert snapshot(world) == before
    case_id = order(world)
    ordered = snapshot(world)
    with pytest.raises(InvalidInput) as refused:
        sign(world, case_id, categories=["identity"], sensitive_consented=["credit"])
    assert refused.value.field == "sensitive_categories_consented[0]"
    assert snapshot(world) == ordered


def test_a_signature_covering_only_a_sensitive_category_without_its_consent_is_refused(
    world: World,
) -> None:
    role = {
        **ROLE,
        "id": "teller",
        "tier": "trust",
        "categories": {"credit": {"justification": "岗位经手客户资金，需核实严重失信记录"}},
    }
    profile_id = define_role_profile(world.svc, world.employer, role)
    case_id = order(world, profile_id=profile_id, requested=["credit"])
    before = snapshot(world)
    with pytest.raises(InvalidInput) as refused:
        sign(world, case_id, categories=["credit"])
    assert refused.value.field == "categories"
    assert snapshot(world) == before
    sign(world, case_id, categories=["credit"], sensitive_consented=["credit"])


def test_a_candidate_born_in_the_future_is_refused_and_nothing_is_written(world: World) -> None:
    before = snapshot(world)
    tomorrow = (world.clock() + timedelta(days=1)).date().isoformat()
    with pytest.raises(InvalidInput) as refused:
        register_candidate(
            world.svc,
            world.employer,
            {"name": "测试丁", "national_id": "999999209901010011", "birth_date": tomorrow},
        )
    assert refused.value.field == "subject.birth_date"
    for wrong in ("abc", "张三", "someone@example.com", "1" * 33):
        with pytest.raises(InvalidInput) as refused:
            register_candidate(
                world.svc,
                world.employer,
                {"name": "测试丁", "national_id": wrong, "birth_date": "1990-01-01"},
            )
        assert refused.value.field == "subject.national_id"
    assert snapshot(world) == before
    for printed in ("e1234567 8", "A123456(7)", "B654321（3）", "1/123456/7"):
        registered = register_candidate(
            world.svc,
            world.employer,
            {"name": "Test Person", "national_id": printed, "birth_date": "1990-01-01"},
        )
        assert registered.startswith("sub")


def test_other_tenants_and_candidates_see_nothing(world: World, database_url: str) -> None:
    case_id = order_and_sign(world)
    run_investigation(world.svc, world.agency, case_id)
    other_employer = Actor(
        ActorRole.EMPLOYER, register_tenant(world.svc, OPERATOR, kind="employer", name="别家")
    )
    other_candidate = Actor(
        ActorRole.CANDIDATE,
        register_candidate(
            world.svc,
            world.employer,
            {"name": "测试乙", "national_id": "999999199202020022", "birth_date": "1992-02-02"},
        ),
    )
    other_agency = Actor(
        ActorRole.AGENCY, register_tenant(world.svc, OPERATOR, kind="agency", name="别的机构")
    )
    before = snapshot(world)
    for actor in (other_employer, other_candidate, other_agency):
        with pytest.raises(NotFound):
            read_report(world.svc, actor, case_id)
    with pytest.raises(NotFound):
        read_report(world.svc, world.candidate, "case_doesnotexist")
    with pytest.raises(PermissionDenied):
        read_report(world.svc, Actor(ActorRole.REGULATOR, "reg-1"), case_id)
    with pytest.raises(PermissionDenied):
        read_report(world.svc, Actor(ActorRole.OPERATOR, "op-1"), case_id)
    assert snapshot(world) == before


def test_a_profile_outside_its_tier_is_refused(world: World) -> None:
    role = dict(ROLE_WITH_CRIMINAL)
    with pytest.raises(InvalidInput, match="not allowed for tier standard"):
        define_role_profile(world.svc, world.employer, role)


ROLE_WITH_CRIMINAL = {
    "id": "cashier",
    "tier": "standard",
    "categories": {
        "criminal_record": {"justification": "a justification long enough", "legal_basis": "x"}
    },
}


def test_signing_a_different_text_is_refused(world: World) -> None:
    case_id = order_check(
        world.svc,
        world.employer,
        subject_id=world.candidate.id,
        profile_id=world.profile_id,
        requested=["identity"],
    )
    with pytest.raises(InvalidInput, match="text_sha256"):
        sign_authorization(
            world.svc,
            world.candidate,
            case_id,
            text_sha256="0" * 64,
            lang="en",
            categories=["identity"],
        )


def test_the_notice_names_every_pipl_item(world: World) -> None:
    case_id = order(world, requested=["identity", "litigation"])
    zh = authorization_notice(world.svc, world.candidate, case_id, "zh-Hans").text
    en = authorization_notice(world.svc, world.candidate, case_id, "en").text
    for part in ("某食品公司", "某背调机构", "目的", "保存期限", "您的权利", "撤回", "180"):
        assert part in zh
    for part in ("Purpose", "How long it is kept", "Your rights", "revoke", "Kinds of source"):
        assert part in en
    hant = authorization_notice(world.svc, world.candidate, case_id, "zh-Hant").text
    for part in ("某食品公司", "目的", "保存期限", "您的權利", "撤回", "180", "銷毀"):
        assert part in hant
    assert len({zh, en, hant}) == 3
    # the categories are named as the portals name them (one table, domain/categories.py)
    for category in (Category.IDENTITY, Category.LITIGATION):
        assert CATEGORY_LABELS[category]["zh-Hans"] in zh
        assert CATEGORY_LABELS[category]["en"] in en
        assert CATEGORY_LABELS[category]["zh-Hant"] in hant
    # the default purpose and the tier read in the notice's own language, not in English
    assert "目的：对拟聘岗位的入职前背景调查" in zh and "等级：普通" in zh
    assert "目的：對擬聘職位的入職前背景調查" in hant and "等級：普通" in hant
    assert "pre-employment screening for the offered role" in en and "tier standard" in en
    assert "pre-employment" not in zh + hant and "standard" not in zh + hant
    with pytest.raises(InvalidInput) as refused:
        authorization_notice(world.svc, world.candidate, case_id, "fr")
    assert refused.value.field == "lang"


def test_consent_receipt(world: World) -> None:
    case_id = order_and_sign(world)
    receipt = consent_receipt(world.svc, world.candidate, case_id)
    assert receipt["version"] == "KI-CR-v1.1.0"
    # the purpose as the candidate read it in the notice they signed (zh-Hans)
    assert receipt["services"][0]["purposes"][0]["purpose"] == "对拟聘岗位的入职前背景调查"
    assert receipt["services"][0]["purposes"][0]["piiCategory"] == [
        "education",
        "employment_history",
        "identity",
        "litigation",
        "reference",
    ]
    assert SUBJECT["name"] not in json.dumps(receipt, ensure_ascii=False)


def test_a_report_is_not_released_after_its_candidate_asked_for_deletion(world: World) -> None:
    case_id = order_and_sign(world)
    run_investigation(world.svc, world.agency, case_id)
    request_deletion(world.svc, world.candidate)
    world.clock.advance(days=world.svc.config.review_days, hours=1)
    assert release_due(world.svc) == []
    assert case_queries.case_summary(world.svc, world.employer, case_id)["light"] is None
    world.clock.advance(days=15 - world.svc.config.review_days)
    assert purge(world.svc).destroyed == (case_id,)
    assert audit(world) == []


def test_deletion_request_and_purge_shred_everything(world: World) -> None:
    case_id = order_and_sign(world)
    run_investigation(world.svc, world.agency, case_id)
    request_deletion(world.svc, world.candidate)
    world.clock.advance(days=10)
    asked_again = ledger_types(world)
    # asking again does not push the destruction later, and logs nothing new
    assert request_deletion(world.svc, world.candidate) == [case_id]
    assert ledger_types(world) == asked_again
    world.clock.advance(days=4)
    assert purge(world.svc).destroyed == ()
    world.clock.advance(days=1)
    assert purge(world.svc).destroyed == (case_id,)
    with world.svc.uow() as uow:
        subject = uow.repo.subject(world.candidate.id)
        assert subject is not None and subject["identity_ct"] == b""
    # Nothing of the rating survives on the tombstone, for anyone who may still list it.
    for actor in (world.candidate, world.agency, world.employer):
        summary = case_queries.case_summary(world.svc, actor, case_id)
        assert summary["state"] == "destroyed"
        assert summary["light"] is None and summary["outcome"] is None
    assert audit(world) == []


def test_a_decided_case_keeps_neither_light_nor_outcome_once_destroyed(world: World) -> None:
    case_id = order_and_sign(world)
    run_investigation(world.svc, world.agency, case_id)
    accept_report(world.svc, world.candidate, case_id)
    not_hire(world, case_id)
    assert case_queries.case_summary(world.svc, world.candidate, case_id)["outcome"] == "not_hired"
    world.clock.advance(days=180)  # not hired: 180 days after the decision
    assert purge(world.svc).destroyed == (case_id,)
    for actor in (world.candidate, world.agency, world.employer):
        summary = case_queries.case_summary(world.svc, actor, case_id)
        assert (summary["state"], summary["light"], summary["outcome"]) == ("destroyed", None, None)
    assert audit(world) == []


def test_a_legal_hold_defers_destruction(world: World) -> None:
    case_id = order_and_sign(world)
    run_investigation(world.svc, world.agency, case_id)
    request_deletion(world.svc, world.candidate)
    set_legal_hold(world.svc, OPERATOR, case_id, hold=True)
    assert ledger_types(world)[-1] == "retention.hold"  # logged when placed, not at the purge
    world.clock.advance(days=16)
    result = purge(world.svc)
    assert result.destroyed == () and result.held == ((case_id, "legal_hold"),)
    assert "retention.hold" in ledger_types(world)
    assert audit(world) == []
    # Lifted: logged too, so the audit knows the case is due again from now.
    world.clock.advance(days=30)
    set_legal_hold(world.svc, OPERATOR, case_id, hold=False)
    lift = ledger_entries(world)[-1]
    assert lift.type.value == "retention.hold" and lift.expires_at == lift.at
    assert audit(world) == []
    world.clock.advance(days=3)  # nobody purged: overdue from the lift on
    assert [v.rule.value for v in audit(world)] == ["destruction-overdue"]
    assert purge(world.svc).destroyed == (case_id,)
    assert [v.rule.value for v in audit(world)] == ["destruction-late"]


def disputed_fraud_finding(
    world: World,
) -> tuple[str, Callable[[list[dict[str, Any]]], None]]:
    """A case whose fraud finding (LIT-3) the candidate disputes: the case, and the
    agency's answer to the dispute with corrected records."""
    case_id = order_and_sign(world)
    run_investigation(world.svc, world.agency, case_id)
    [dispute] = open_dispute(
        world.svc, world.candidate, case_id, finding_ids=["LIT-3"], statement="我是原告。"
    )

    def correct(records: list[dict[str, Any]]) -> None:
        resolve_dispute(
            world.svc,
            world.agency,
            case_id,
            dispute,
            outcome="corrected",
            answer="更正当事人地位。",
            corrected_records=records,
        )

    return case_id, correct


def test_a_correction_is_checked_as_a_case_file_is_and_then_re_rated(world: World) -> None:
    case_id, correct = disputed_fraud_finding(world)
    corrected = litigation("lit-3", cause="合同诈骗罪", party_role="plaintiff")
    broken = {**corrected, "data": {k: v for k, v in corrected["data"].items() if k != "case_no"}}

    before = snapshot(world)
    with pytest.raises(InvalidInput) as refused:
        correct([broken])
    assert refused.value.field == "corrected_records[0].data.case_no"
    assert snapshot(world) == before
    correct([corrected])
    again = read_report(world.svc, world.candidate, case_id)["report"]
    [lit3] = [f for f in again["findings"] if f["records"] == ["lit-3"]]
    assert lit3["exclusion"] == "LITIGATION_RIGHTS" and lit3["rule"] is None
    assert audit(world) == []


def test_a_correction_replaces_only_the_disputed_findings_records_and_is_logged(
    world: World,
) -> None:
    """Issue 12 item 6: an employment dispute answered with a litigation record turned a
    case yellow, with no query logged. A correction stays in the finding's category,
    replaces its own records only, and its source is a logged query."""
    case_id, correct = disputed_fraud_finding(world)
    fixed = litigation("lit-3", cause="合同诈骗罪", party_role="plaintiff")
    before = snapshot(world)
    elsewhere = {**fixed, "category": "employment_history"}
    with pytest.raises(InvalidInput) as wrong_category:
        correct([elsewhere])
    assert wrong_category.value.field == "corrected_records[0].category"
    with pytest.raises(InvalidInput) as other_finding:
        correct([{**fixed, "id": "lit-1"}])  # lit-1 is another finding's record
    assert other_finding.value.field == "corrected_records[0].id"
    assert snapshot(world) == before

    queried = len([e for e in ledger_entries(world) if e.type.value == "source.queried"])
    correct([{**fixed, "id": "lit-3b"}])  # a new record in place of lit-3
    entries = ledger_entries(world)
    logged = [e for e in entries if e.type.value == "source.queried"]
    assert len(logged) == queried + 1
    assert logged[-1].category == "litigation" and logged[-1].reason is not None
    report = read_report(world.svc, world.candidate, case_id)["report"]
    records = {r for f in report["findings"] for r in f["records"]}
    assert "lit-3b" in records and "lit-3" not in records and "lit-1" in records
    assert audit(world) == []


def test_a_removed_finding_is_gone_from_the_report_even_when_it_came_from_a_claim(
    world: World,
) -> None:
    """P4: a disputed finding ends upheld, corrected or removed, and the rating is
    recomputed. A claim nobody's records answer (EMP_UNVERIFIABLE) has no records to
    delete: removing it must drop the claim too, or the re-rating brings it back."""
    case_id = order(world)
    claims = {
        **CLAIMS,
        "employment": [
            *CLAIMS["employment"],
            {"employer": "查无此公司", "start": "2010-01", "end": "2012-06"},
        ],
    }
    sign(world, case_id, claims=claims)
    run_investigation(world.svc, world.agency, case_id)
    report = read_report(world.svc, world.candidate, case_id)["report"]
    [unverifiable] = [f for f in report["findings"] if f["rule"] == "EMP_UNVERIFIABLE"]
    [dispute_id] = open_dispute(
        world.svc,
        world.candidate,
        case_id,
        finding_ids=[unverifiable["id"]],
        statement="这段经历是写错了，请删除。",
    )
    resolve_dispute(
        world.svc,
        world.agency,
        case_id,
        dispute_id,
        outcome="removed",
        answer="无法核实，按候选人要求删除该条经历。",
    )
    again = read_report(world.svc, world.candidate, case_id)["report"]
    assert "EMP_UNVERIFIABLE" not in {f["rule"] for f in again["findings"]}
    assert [f for f in again["findings"] if f["category"] == "employment_history"] == [
        f for f in report["findings"] if f["id"] == "EMP-1"
    ]
    assert audit(world) == []


def test_a_finding_is_disputed_once_and_only_within_the_review_window(world: World) -> None:
    case_id = order_and_sign(world)
    run_investigation(world.svc, world.agency, case_id)
    open_dispute(
        world.svc, world.candidate, case_id, finding_ids=["LIT-3"], statement="不是我的案件。"
    )
    before = snapshot(world)
    with pytest.raises(InvalidTransition) as refused:  # two open answers could disagree
        open_dispute(
            world.svc, world.candidate, case_id, finding_ids=["LIT-3"], statement="再说一次。"
        )
    assert refused.value.field == "finding_ids[0]"
    assert snapshot(world) == before

    late = order_and_sign(world)
    run_investigation(world.svc, world.agency, late)
    world.clock.advance(days=world.svc.config.review_days, hours=1)  # the scheduler is late
    before = snapshot(world)
    with pytest.raises(InvalidTransition) as refused:
        open_dispute(world.svc, world.candidate, late, finding_ids=["LIT-3"], statement="太晚了。")
    assert refused.value.field == "window_ends"
    assert snapshot(world) == before


def test_a_dispute_answered_after_the_authorization_lapsed_is_rated_as_of_the_check(
    world: World,
) -> None:
    """Each answer opens a new review window, so a second dispute can be answered after
    the 30-day authorization has lapsed; the re-rating reads the records as of the
    investigation (when the authorization was valid) instead of refusing for ever."""
    case_id = order_and_sign(world)
    run_investigation(world.svc, world.agency, case_id)
    first = read_report(world.svc, world.candidate, case_id)["report"]
    world.clock.advance(days=2)
    [dispute] = open_dispute(
        world.svc, world.candidate, case_id, finding_ids=["LIT-3"], statement="不是我。"
    )
    world.clock.advance(days=14)
    resolve_dispute(
        world.svc, world.agency, case_id, dispute, outcome="upheld", answer="经复核属实。"
    )
    world.clock.advance(days=4)
    [dispute] = open_dispute(
        world.svc, world.candidate, case_id, finding_ids=["EMP-1"], statement="日期有误。"
    )
    world.clock.advance(days=14)  # day 34: the authorization (30 days) has lapsed
    resolve_dispute(
        world.svc, world.agency, case_id, dispute, outcome="upheld", answer="经复核属实。"
    )
    again = read_report(world.svc, world.candidate, case_id)["report"]
    assert again["as_of"] == first["as_of"] and again["status"] == "completed"
    summary = case_queries.case_summary(world.svc, world.candidate, case_id)
    assert summary["state"] == "candidate_review"
    assert audit(world) == []


def test_two_claims_removed_in_one_round_are_the_two_disputed(world: World) -> None:
    """Each removal names its claim by its index in the disputed report: removing the
    first must not shift the second onto a claim nobody disputed."""
    case_id = order(world)
    employment = [
        *CLAIMS["employment"],
        *(
            {"employer": f"查无此公司{n}", "start": f"201{n}-01", "end": f"201{n}-06"}
            for n in (1, 2, 3)
        ),
    ]
    sign(world, case_id, claims={**CLAIMS, "employment": employment})
    run_investigation(world.svc, world.agency, case_id)
    report = read_report(world.svc, world.candidate, case_id)["report"]
    by_claim = {
        f["claim"]: f["id"] for f in report["findings"] if f["category"] == "employment_history"
    }
    disputes = open_dispute(
        world.svc,
        world.candidate,
        case_id,
        finding_ids=[by_claim[1], by_claim[2]],
        statement="这两段经历写错了。",
    )
    for dispute in disputes:
        resolve_dispute(
            world.svc, world.agency, case_id, dispute, outcome="removed", answer="已删除。"
        )
    with world.svc.uow() as uow:
        kept = uow.repo.claims(uow.repo.case(case_id))["employment"]  # type: ignore[arg-type]
    assert [c["employer"] for c in kept] == ["示例科技有限公司", "查无此公司3"]
    assert audit(world) == []


def test_an_open_dispute_defers_destruction_and_is_logged_once(world: World) -> None:
    """P6: a pending dispute defers destruction with its reason recorded, one
    ``retention.hold`` per reason however often the purge runs; once answered, the
    case is destroyed."""
    case_id = order_and_sign(world)
    run_investigation(world.svc, world.agency, case_id)
    report = read_report(world.svc, world.candidate, case_id)["report"]
    [dispute] = open_dispute(
        world.svc,
        world.candidate,
        case_id,
        finding_ids=[report["findings"][0]["id"]],
        statement="有误",
    )
    request_deletion(world.svc, world.candidate)
    world.clock.advance(days=15)  # due now: the hold is placed in time, so the audit agrees
    for _ in range(2):
        result = purge(world.svc)
        assert result.destroyed == () and result.held == ((case_id, "open_dispute"),)
    holds = [e for e in ledger_entries(world) if e.type.value == "retention.hold"]
    assert [str(h.reason) for h in holds] == ["pending_dispute"]
    resolve_dispute(
        world.svc, world.agency, case_id, dispute, outcome="upheld", answer="已复核，维持。"
    )
    assert purge(world.svc).destroyed == (case_id,)
    assert audit(world) == []


def test_a_sensitive_category_without_its_own_consent_is_not_queried(world: World) -> None:
    """P1/P2: a sensitive category consented to among the others but not separately
    (``sensitive_categories_consented``) is left out as NOT_CONSENTED, never queried."""
    role = {
        **ROLE,
        "id": "cashier",
        "tier": "trust",
        "categories": {
            **ROLE["categories"],
            "credit": {"justification": "岗位经手客户资金，需核实严重失信记录"},
        },
    }
    profile_id = define_role_profile(world.svc, world.employer, role)
    case_id = order(world, profile_id=profile_id, requested=["identity", "credit"])
    notice = authorization_notice(world.svc, world.candidate, case_id)
    assert notice.sensitive == ("credit",)
    sign_authorization(
        world.svc,
        world.candidate,
        case_id,
        text_sha256=notice.sha256,
        lang="zh-Hans",
        categories=["identity", "credit"],
    )
    scope_set = [e for e in ledger_entries(world) if e.type.value == "scope.set"][-1]
    assert scope_set.categories == ("identity",)
    # The consent receipt says the same: credit is not among the consented categories.
    receipt = consent_receipt(world.svc, world.candidate, case_id)
    purpose = receipt["services"][0]["purposes"][0]
    assert purpose["piiCategory"] == ["identity"]
    assert receipt["sensitive"] is False and receipt["spiCat"] == []
    result = run_investigation(world.svc, world.agency, case_id)
    assert result.queried == ("identity",)
    assert audit(world) == []


def test_nothing_personal_in_any_plaintext_column(world: World) -> None:
    case_id = order_and_sign(world)
    run_investigation(world.svc, world.agency, case_id)
    blob = repr(snapshot(world))
    for secret in (SUBJECT["name"], SUBJECT["national_id"], "生活作风", "物业服务", "民初"):
        assert secret not in blob
    assert isinstance(ServiceRepository, type)


class CountingSource:
    """Wraps a source and counts the queries that reach it."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls = 0

    @property
    def source_id(self) -> str:
        return str(self.inner.source_id)

    @property
    def categories(self) -> Any:
        return self.inner.categories

    def fetch(self, query: Any, permit: Any) -> Any:
        self.calls += 1
        return self.inner.fetch(query, permit)


@pytest.mark.parametrize("how", ["revoked", "expired", "never_signed"])
def test_no_source_is_called_without_a_valid_authorization(world: World, how: str) -> None:
    counting = CountingSource(next(iter(world.svc.sources.values())))
    world.svc.sources = {category: counting for category in world.svc.sources}
    if how == "never_signed":
        case_id = order(world, requested=["identity"])
    else:
        case_id = order_and_sign(world)
        if how == "revoked":
            revoke_authorization(world.svc, world.candidate, case_id)
        else:
            world.clock.advance(days=30)
    with pytest.raises((AuthorizationRefused, CaseDestroyed, InvalidTransition)):
        run_investigation(world.svc, world.agency, case_id)
    assert counting.calls == 0
    # and with a valid one the same source is called, once per category in scope
    fresh = order_and_sign(world) if how != "never_signed" else None
    if fresh is not None:
        run_investigation(world.svc, world.agency, fresh)
        assert counting.calls == 5


def test_a_revocation_after_the_decision_keeps_the_decided_report(world: World) -> None:
    """PRODUCT.md P1: revocation destroys what was gathered unless the report was already
    released and decided; then it only stops further processing."""
    case_id = order_and_sign(world)
    run_investigation(world.svc, world.agency, case_id)
    accept_report(world.svc, world.candidate, case_id)
    record_decision(world.svc, world.employer, case_id, outcome="hired", reason="录用")
    revoke_authorization(world.svc, world.candidate, case_id)
    assert read_report(world.svc, world.candidate, case_id)["state"] == "decided"
    assert read_report(world.svc, world.employer, case_id)["employer_view"]["light"]
    assert "data.destroyed" not in ledger_types(world)
    assert ledger_types(world).count("authorization.revoked") == 1
    with pytest.raises(InvalidTransition):
        revoke_authorization(world.svc, world.candidate, case_id)
    assert audit(world) == []
