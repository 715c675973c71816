"""The public log tells an outsider nothing about a person (PRODUCT.md §6, issue 12 items
1 and 8). An outsider, an employer included, reads every entry; from them alone it must
learn no light, no rule, no decision and no dispute result, must not confirm a guessed
payload, and must not link two cases of one person. The regulator reads the details
through the logged path; destruction leaves nothing to open."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import orjson
import pytest
import sqlalchemy as sa
from service_fixtures import (
    OPERATOR,
    World,
    make_world,
    order_and_sign,
    records_without_the_degree,
    reverify_degree,
    settle,
)

from evidence_samples import jpeg
from fairscreen.adapters.db import case_tables as t
from fairscreen.adapters.db.ledger_store import reading
from fairscreen.domain.errors import PermissionDenied
from fairscreen.ledger.entries import ActorRole, decode_entry
from fairscreen.services import supplements
from fairscreen.services.context import Actor
from fairscreen.services.decision import (
    record_decision,
    respond_to_notice,
    send_pre_adverse_notice,
)
from fairscreen.services.evidence_files import EvidenceUpload
from fairscreen.services.investigation import run_investigation
from fairscreen.services.portal_queries import case_notices
from fairscreen.services.retention import purge, request_deletion
from fairscreen.services.review import accept_report, read_report
from fairscreen.services.transparency import compliance_audit, entry_details, ledger_status

REGULATOR = Actor(ActorRole.REGULATOR, "reg-1")


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> World:
    return make_world(database_url, tmp_path)


def public_entries(world: World) -> list[dict[str, object]]:
    settle(world)
    with reading(world.svc.engine) as log:
        return [json.loads(log.entry(i)) for i in range(log.size())]


def two_cases_of_one_person(world: World) -> tuple[str, str]:
    """The world's candidate screened twice by the world's employer: once decided
    (hired), once still in review."""
    first = order_and_sign(world)
    run_investigation(world.svc, world.agency, first)
    accept_report(world.svc, world.candidate, first)
    record_decision(world.svc, world.employer, first, outcome="hired", reason="面试表现良好")
    second = order_and_sign(world)
    run_investigation(world.svc, world.agency, second)
    return first, second


def test_no_entry_says_a_result_or_a_fine_time(world: World) -> None:
    two_cases_of_one_person(world)
    entries = public_entries(world)
    assert {e["v"] for e in entries} == {2}
    for entry in entries:
        assert "outcome" not in entry and "digest" not in entry
        for field in ("at", "window_ends", "due", "expires_at"):
            if field in entry:
                assert "." not in str(entry[field]), (entry["type"], field)
    text = json.dumps(entries)
    for said in ("green", "blue", "yellow", "red", "hired", "LIT_", "EDU_", "upheld"):
        assert said not in text


def shapes(world: World, case_id: str) -> list[tuple[object, object, tuple[str, ...]]]:
    """The case's public entries as an outsider compares them: type, actor's role, fields."""
    with world.svc.reader() as uow:
        case = uow.repo.case(case_id)
        assert case is not None
    return [
        (e["type"], dict(e["actor"])["role"], tuple(sorted(e)))  # type: ignore[call-overload]
        for e in public_entries(world)
        if e["case"] == case["pseudonym"]
    ]


def test_an_adverse_and_a_hire_decision_look_alike(world: World) -> None:
    """Issue 13 follow-up: a case not hired in P4's two steps (pre-adverse notice, the
    candidate's answer, the final adverse decision) and a case hired in one step leave
    public entries of the same types, actors and fields, in the same order: nothing in
    the log says which case was turned down (PRODUCT.md §6)."""
    adverse, hired = order_and_sign(world), order_and_sign(world)
    for case_id in (adverse, hired):
        run_investigation(world.svc, world.agency, case_id)
        accept_report(world.svc, world.candidate, case_id)
    send_pre_adverse_notice(world.svc, world.employer, adverse, reason="诚信", cites_report=True)
    respond_to_notice(world.svc, world.candidate, adverse, statement="该判决已撤销")
    record_decision(world.svc, world.employer, hired, outcome="hired", reason="面试优秀")
    world.clock.advance(days=7)
    record_decision(
        world.svc, world.employer, adverse, outcome="not_hired", reason="诚信", cites_report=True
    )
    # both parties open each decided case as the portals do: the notices are asked for
    # on both, so reading them leaves no trace only the turned-down case has
    for case_id in (adverse, hired):
        for who in (world.candidate, world.employer):
            case_notices(world.svc, who, case_id)
    assert case_notices(world.svc, world.candidate, adverse)
    assert not case_notices(world.svc, world.candidate, hired)
    assert shapes(world, adverse) == shapes(world, hired)
    assert ("decision.recorded", "employer") in [s[:2] for s in shapes(world, adverse)]
    assert not [e for e in public_entries(world) if str(e["type"]).startswith("notice.")]


def test_a_document_reverified_in_the_wait_leaves_the_same_shapes(
    database_url: str, tmp_path: Path
) -> None:
    """As above, with the candidate supplying the unverifiable degree in the wait and the
    agency reading it and re-verifying it (the case rated again): held for the decision,
    none of it is a public entry, so the turned-down case still looks like the hired one."""
    world = make_world(database_url, tmp_path, records_without_the_degree())
    adverse, hired = order_and_sign(world), order_and_sign(world)
    for case_id in (adverse, hired):
        run_investigation(world.svc, world.agency, case_id)
        accept_report(world.svc, world.candidate, case_id)
    send_pre_adverse_notice(world.svc, world.employer, adverse, reason="诚信", cites_report=True)
    supplement_id = supplements.supply_document(
        world.svc,
        world.candidate,
        adverse,
        finding_id="EDU-1",
        document=EvidenceUpload("毕业证书.jpg", io.BytesIO(jpeg(120, 90))),
    )
    reverify_degree(world, adverse, supplement_id, world.agency, "已核实")
    record_decision(world.svc, world.employer, hired, outcome="hired", reason="面试优秀")
    world.clock.advance(days=7)
    record_decision(
        world.svc, world.employer, adverse, outcome="not_hired", reason="诚信", cites_report=True
    )
    assert shapes(world, adverse) == shapes(world, hired)


def test_a_guessed_payload_cannot_be_confirmed(world: World) -> None:
    """The attack that recovered every demo rating: hash each candidate payload and
    compare with the entry. Even the true payload, read from the database, does not
    hash to what the public entry carries: the commitment is keyed."""
    two_cases_of_one_person(world)
    rated = [e for e in public_entries(world) if e["type"] == "report.rated"]
    assert rated
    with world.svc.engine.connect() as connection:
        bodies = {
            row.digest: row.body.encode() for row in connection.execute(sa.select(t.event_payloads))
        }
    for entry in rated:
        body = bodies[str(entry["commitment"])]  # the real payload
        assert "light" in json.loads(body)  # it is what an outsider would want
        assert hashlib.sha256(body).hexdigest() != entry["commitment"]
        again = orjson.dumps(json.loads(body), option=orjson.OPT_SORT_KEYS)
        assert hashlib.sha256(again).hexdigest() != entry["commitment"]


def test_two_cases_of_one_person_are_not_linked(world: World) -> None:
    first, second = two_cases_of_one_person(world)
    with world.svc.engine.connect() as connection:
        pseudonyms = dict(connection.execute(sa.select(t.cases.c.id, t.cases.c.pseudonym)).all())
    by_case: dict[str, set[str]] = {}
    for entry in public_entries(world):
        actor = entry["actor"]
        assert isinstance(actor, dict)
        if actor["role"] == "candidate":
            by_case.setdefault(str(entry["case"]), set()).add(str(actor["pseudonym"]))
    first_actors, second_actors = by_case[pseudonyms[first]], by_case[pseudonyms[second]]
    assert len(first_actors) == len(second_actors) == 1  # one pseudonym within a case
    assert first_actors.isdisjoint(second_actors)  # none across cases


def test_the_regulator_reads_details_through_the_logged_path(world: World) -> None:
    first, _ = two_cases_of_one_person(world)
    read_report(world.svc, OPERATOR, first, reason="投诉核查：核对评级依据")
    entries = public_entries(world)
    rated = next(i for i, e in enumerate(entries) if e["type"] == "report.rated")
    decided = next(i for i, e in enumerate(entries) if e["type"] == "decision.recorded")
    operator_read = max(
        i
        for i, e in enumerate(entries)
        if e["type"] == "report.read" and e.get("reason") == "audit"
    )

    details = entry_details(world.svc, REGULATOR, rated)
    assert details["commitment_opens"] is True and details["read_logged"] is True
    assert details["payload"]["light"] in ("green", "blue", "yellow", "red")
    assert entry_details(world.svc, REGULATOR, decided)["payload"]["outcome"] == "hired"
    # issue 12 item 8: the operator's own words are kept (encrypted) and committed to
    reason = entry_details(world.svc, REGULATOR, operator_read)
    assert reason["recorded_reason"] == "投诉核查：核对评级依据"
    assert reason["commitment_opens"] is True
    with world.svc.engine.connect() as connection:
        stored = b"".join(
            row.body.encode() for row in connection.execute(sa.select(t.event_payloads))
        )
    assert "投诉核查".encode() not in stored

    # each read is itself in the log, by the regulator, as an audit read
    after = public_entries(world)
    logged = [e for e in after[len(entries) :] if e["type"] == "report.read"]
    assert len(logged) == 3 and all(e["actor"]["role"] == "regulator" for e in logged)  # type: ignore[index]
    with pytest.raises(PermissionDenied):
        entry_details(world.svc, world.employer, rated)
    settle(world)
    assert compliance_audit(world.svc)[1] == []


def test_destruction_leaves_nothing_to_open(world: World) -> None:
    first, second = two_cases_of_one_person(world)
    request_deletion(world.svc, world.candidate)
    world.clock.advance(days=16)
    assert set(purge(world.svc).destroyed) == {first, second}
    with world.svc.engine.connect() as connection:
        rows = connection.execute(sa.select(t.event_payloads.c.body)).scalars().all()
    kinds = {json.loads(body)["event"] for body in rows}
    assert kinds <= {"data.destroyed"}  # the light, rules and decision went with the data
    entries = public_entries(world)
    rated = next(i for i, e in enumerate(entries) if e["type"] == "report.rated")
    details = entry_details(world.svc, REGULATOR, rated)
    assert details["payload"] is None and details["commitment_opens"] is None
    assert details["read_logged"] is False
    assert len(public_entries(world)) == len(entries)  # nothing was read, nothing logged
    settle(world)
    assert compliance_audit(world.svc)[1] == []
    assert ledger_status(world.svc)["verified"] is True


def test_a_log_of_version_1_entries_extended_with_version_2_verifies_and_audits(
    world: World,
) -> None:
    """Existing logs keep their entries: a log written before the change (version 1,
    plain digests, outcomes and microseconds) and extended after it verifies, and the
    audit replays both."""
    from fairscreen.adapters.db.ledger_store import writing
    from fairscreen.ledger.entries import encode_entry

    old_case = "case_" + "1" * 32
    v1 = [
        {
            "v": 1,
            "type": kind,
            "case": old_case,
            "actor": {"role": role, "pseudonym": "usr_" + "2" * 32},
            "at": at,
            "digest": hashlib.sha256(kind.encode()).hexdigest(),
            **extra,
        }
        for kind, role, at, extra in [
            (
                "authorization.signed",
                "candidate",
                "2024-02-01T09:00:00.123456Z",
                {"categories": ["education"], "expires_at": "2024-03-02T09:00:00.123456Z"},
            ),
            ("source.queried", "agency", "2024-02-02T09:00:00.5Z", {"category": "education"}),
            (
                "decision.recorded",
                "employer",
                "2024-02-20T09:00:00.25Z",
                {"outcome": "not_hired", "due": "2024-08-18T09:00:00.25Z"},
            ),
        ]
    ]
    with writing(world.svc.engine) as log:
        log.append([encode_entry(m) for m in v1])
    two_cases_of_one_person(world)
    settle(world)
    status = ledger_status(world.svc)
    assert status["verified"] is True, status
    size, violations = compliance_audit(world.svc)
    assert size > 3 and violations == []
    with reading(world.svc.engine) as log:
        versions = [decode_entry(log.entry(i)).v for i in range(log.size())]
    assert versions[:3] == [1, 1, 1] and set(versions[3:]) == {2}


def test_one_employers_typo_never_changes_anothers_result(world: World) -> None:
    """PRODUCT.md §2, issue 12 item 2: employer A registered the ID number under a wrong
    name; employer B registered it correctly and was handed A's record, and B's check
    came out red (ID_MISMATCH). Each employer now keeps its own record."""
    from service_fixtures import REQUESTED, ROLE

    from factories import SUBJECT
    from fairscreen.domain.errors import InvalidInput, NotFound
    from fairscreen.services.accounts import register_tenant
    from fairscreen.services.scope import define_role_profile, order_check, register_candidate

    careless = Actor(
        ActorRole.EMPLOYER, register_tenant(world.svc, OPERATOR, kind="employer", name="甲公司")
    )
    typo = register_candidate(world.svc, careless, {**SUBJECT, "name": "错误姓名"})
    assert typo != world.candidate.id  # the world's employer registered SUBJECT correctly
    # the world's employer, registering the same number again, gets its own record back
    again = register_candidate(world.svc, world.employer, dict(SUBJECT))
    assert again == world.candidate.id
    # ... and is told, not silently given one of two, when its own records disagree
    with pytest.raises(InvalidInput) as differs:
        register_candidate(world.svc, world.employer, {**SUBJECT, "name": "另一个名字"})
    assert differs.value.field == "subject.name"
    assert "错误姓名" not in str(differs.value) and "另一个名字" not in str(differs.value)
    with pytest.raises(InvalidInput) as born:
        register_candidate(world.svc, world.employer, {**SUBJECT, "birth_date": "1991-01-01"})
    assert born.value.field == "subject.birth_date"
    # spacing, width and case are not a difference (identities compare as P3 says)
    spaced = {**SUBJECT, "name": "测试　甲", "national_id": str(SUBJECT["national_id"]).lower()}
    assert register_candidate(world.svc, world.employer, spaced) == world.candidate.id

    # B's check reads B's record: green or whatever the records say, never ID_MISMATCH
    case_id = order_and_sign(world)
    result = run_investigation(world.svc, world.agency, case_id)
    report = read_report(world.svc, world.candidate, case_id)["report"]
    assert "ID_MISMATCH" not in {r["rule"] for r in report["rating"]["reasons"]}
    assert result.light != "red"

    # another employer's record does not exist for this one
    profile = define_role_profile(world.svc, careless, ROLE)
    with pytest.raises(NotFound) as hidden:
        order_check(
            world.svc,
            careless,
            subject_id=world.candidate.id,
            profile_id=profile,
            requested=REQUESTED,
        )
    assert hidden.value.field == "subject_id"
    own_case = order_check(
        world.svc, careless, subject_id=typo, profile_id=profile, requested=REQUESTED
    )
    assert own_case.startswith("case_")  # its own record it may order for
