"""Voluntary self-identification (PRODUCT.md §7, issue 6 item 2): kept apart, never seen
by the rating, the employer or the agency, aggregated with small groups suppressed, and
deleted with the subject."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from service_fixtures import OPERATOR, World, make_world, order_and_sign, people

from fairscreen.adapters.db.selfid_tables import self_identifications
from fairscreen.domain.errors import InvalidInput, NotFound, PermissionDenied
from fairscreen.ledger.entries import ActorRole
from fairscreen.services.accounts import register_tenant
from fairscreen.services.context import Actor
from fairscreen.services.evaluation import evaluate_case, render_report
from fairscreen.services.investigation import case_file, run_investigation
from fairscreen.services.retention import purge, request_deletion
from fairscreen.services.review import accept_report, read_report
from fairscreen.services.self_identification import (
    AGE_BANDS,
    SEX,
    fairness_overview,
    record_self_identification,
)


@pytest.fixture
def world(sqlite_url: str, tmp_path: Path) -> World:
    return make_world(sqlite_url, tmp_path)


def rated_report_bytes(world: World, case_id: str) -> str:
    with world.svc.uow() as uow:
        case = uow.repo.case(case_id)
        assert case is not None
        document = case_file(world.svc, uow, case)
    assert not {"sex", "age", "age_band", "gender"} & set(json.dumps(document).split('"'))
    return render_report(evaluate_case(json.dumps(document, ensure_ascii=False)).document)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    consent=st.booleans(),
    sex=st.sampled_from(SEX),
    age_band=st.sampled_from(AGE_BANDS),
)
def test_self_identification_never_reaches_the_rating(
    world: World, consent: bool, sex: str, age_band: str
) -> None:
    cases = getattr(world, "_cases", None)
    if cases is None:
        case_id = order_and_sign(world)
        run_investigation(world.svc, world.agency, case_id)
        world._cases = (case_id, rated_report_bytes(world, case_id))  # type: ignore[attr-defined]
        cases = world._cases  # type: ignore[attr-defined]
    case_id, before = cases
    record_self_identification(
        world.svc,
        world.candidate,
        consent=consent,
        sex=sex if consent else None,
        age_band=age_band if consent else None,
    )
    assert rated_report_bytes(world, case_id) == before
    served = read_report(world.svc, world.candidate, case_id)["report"]
    assert render_report(served) == before


def test_answers_are_validated_and_need_their_own_consent(world: World) -> None:
    with pytest.raises(InvalidInput, match="sex"):
        record_self_identification(world.svc, world.candidate, consent=True, sex="x")
    with pytest.raises(InvalidInput, match="consent"):
        record_self_identification(world.svc, world.candidate, consent=False, sex="female")
    with pytest.raises(PermissionDenied):
        record_self_identification(world.svc, world.employer, consent=True, sex="female")


def test_answers_are_encrypted_and_deleted_with_the_subject(world: World) -> None:
    record_self_identification(
        world.svc, world.candidate, consent=True, sex="female", age_band="25_34"
    )
    with world.svc.engine.connect() as connection:
        [row] = connection.execute(sa.select(self_identifications)).mappings().all()
    assert b"female" not in bytes(row["body_ct"]) and b"25_34" not in bytes(row["body_ct"])
    case_id = order_and_sign(world)
    request_deletion(world.svc, world.candidate)
    world.clock.advance(days=15)
    assert purge(world.svc).destroyed == (case_id,)
    with world.svc.engine.connect() as connection:
        assert connection.execute(sa.select(self_identifications)).all() == []


def test_aggregates_suppress_small_groups_and_stay_within_the_employer(world: World) -> None:
    people(world, 10, "female", "25_34", flagged=False)
    people(world, 10, "male", "25_34", flagged=True)
    people(world, 3, "another", "35_44", flagged=True)
    world.clock.advance(days=40)  # into the next quarter: the first one has ended
    report = fairness_overview(world.svc, Actor(ActorRole.REGULATOR, "reg-1"))
    assert report["quarter"] == "2024-Q1"
    sex = report["dimensions"]["sex"]
    assert set(sex["flagged"]["groups"]) == {"female", "male"}
    assert sex["flagged"]["suppressed"] == ["another"]
    assert sex["flagged"]["groups"]["male"]["four_fifths_violation"] is True
    assert sex["flagged"]["reference_group"] == "female"
    assert "another" not in json.dumps([sex["lights"], sex["not_hired"]["groups"]])
    assert sex["lights"]["female"]["green"] == 10 and sex["lights"]["male"]["yellow"] == 10
    ages = report["dimensions"]["age_band"]
    # every value not shown is listed as hidden, present or not: the list says nothing
    # about which small groups exist
    assert ages["flagged"]["suppressed"] == ["under_25", "35_44", "45_54", "55_plus"]
    assert list(ages["flagged"]["groups"]) == ["25_34"]

    own = fairness_overview(world.svc, world.employer)
    assert own["dimensions"]["sex"]["flagged"]["groups"]["female"]["n"] == 10
    other = Actor(
        ActorRole.EMPLOYER, register_tenant(world.svc, OPERATOR, kind="employer", name="别家")
    )
    assert fairness_overview(world.svc, other)["dimensions"]["sex"]["flagged"]["groups"] == {}
    with pytest.raises(NotFound):
        fairness_overview(world.svc, other, employer_id=world.employer.id)
    with pytest.raises(PermissionDenied):
        fairness_overview(world.svc, world.agency)


def test_reports_cover_ended_quarters_and_released_cases_and_never_change(world: World) -> None:
    """PRODUCT.md §7, issue 12 item 3: with free ``since``/``until`` an employer cut two
    reports around one case's creation and read that candidate's sex and unreleased light.
    Now the period is an ended calendar quarter, only released cases count, and a
    quarter's report is fixed once made."""
    regulator = Actor(ActorRole.REGULATOR, "reg-1")
    people(world, 10, "female", "25_34", flagged=False)
    people(world, 10, "male", "25_34", flagged=True)
    # One more candidate, rated but not released: not counted in this quarter, ever.
    [(candidate, unreleased)] = people(world, 1, "female", "25_34", flagged=True, release=False)

    with pytest.raises(InvalidInput, match="not ended") as raised:
        fairness_overview(world.svc, world.employer, quarter="2024-Q1")
    assert raised.value.field == "quarter"
    with pytest.raises(InvalidInput) as bad:
        fairness_overview(world.svc, world.employer, quarter="2024-03")
    assert bad.value.field == "quarter"
    with pytest.raises(InvalidInput) as narrowed:
        fairness_overview(world.svc, world.employer, role_id="teacher")
    assert narrowed.value.field == "role_id"

    world.clock.advance(days=40)
    first = fairness_overview(world.svc, world.employer)
    assert first["quarter"] == "2024-Q1"
    assert first["dimensions"]["sex"]["flagged"]["groups"]["female"]["n"] == 10
    assert fairness_overview(world.svc, world.employer, quarter="2024-Q1") == first
    # The unreleased report is released now, inside the next quarter: the ended
    # quarter's report does not move by that one candidate.
    accept_report(world.svc, candidate, unreleased)
    assert fairness_overview(world.svc, world.employer) == first
    # The regulator's own view is fixed the same way, and covers the same cases.
    assert (
        fairness_overview(world.svc, regulator, employer_id=world.employer.id)["dimensions"]
        == first["dimensions"]
    )
