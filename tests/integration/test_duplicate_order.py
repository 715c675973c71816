"""An order for a candidate who already has an open case with the same employer is a
question, not a second case (issue 13: an HR person ordering twice by mistake), on SQLite
and PostgreSQL: refused with ``DuplicateOrder`` naming the open case, nothing written and
nobody invited, unless confirmed; the candidate is found by the keyed hash of the ID
number the employer's records already use; a case that ended asks nothing; another
employer's case of the same person is never consulted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from service_fixtures import OPERATOR, REQUESTED, ROLE, World, make_world, order

from fairscreen.domain.errors import DuplicateOrder
from fairscreen.ledger.entries import ActorRole
from fairscreen.services import invitations
from fairscreen.services.accounts import register_tenant
from fairscreen.services.authorization import revoke_authorization
from fairscreen.services.context import Actor
from fairscreen.services.demo import sign_as_shown
from fairscreen.services.scope import define_role_profile, order_for_candidate

PERSON = {"name": "测试戊", "national_id": "99999919950505005X", "birth_date": "1995-05-05"}


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> World:
    return make_world(database_url, tmp_path)


def _order(world: World, employer: Actor | None = None, **changes: Any) -> tuple[str, str]:
    """The portal's order of PERSON (identity, invitation by mobile)."""
    employer = employer or world.employer
    profile = changes.pop("profile_id", world.profile_id)
    return order_for_candidate(
        world.svc,
        employer,
        {**PERSON, "name": changes.pop("name", PERSON["name"])},
        profile_id=profile,
        requested=REQUESTED,
        invitee=invitations.checked_invitee(PERSON["name"], "139 0013 9006"),
        **changes,
    )


def _counts(world: World) -> tuple[int, int, int]:
    """Cases, candidate records and messages sent: what a refused order must not add."""
    import sqlalchemy as sa

    from fairscreen.adapters.db import case_tables as t

    outbox = world.svc.messenger.outbox
    assert outbox is not None
    with world.svc.engine.connect() as connection:
        cases = connection.execute(sa.select(sa.func.count()).select_from(t.cases)).scalar_one()
        subjects = connection.execute(
            sa.select(sa.func.count()).select_from(t.subjects)
        ).scalar_one()
    return int(cases), int(subjects), len(outbox.messages)


def test_a_second_order_for_an_open_case_is_asked_then_confirmed(world: World) -> None:
    subject_id, first = _order(world)
    before = _counts(world)
    # the same ID number, spaced and lower-cased as a person may type it: the same record
    spaced = {"national_id": PERSON["national_id"].lower()}
    with pytest.raises(DuplicateOrder) as refused:
        order_for_candidate(
            world.svc,
            world.employer,
            PERSON | spaced,
            profile_id=world.profile_id,
            requested=REQUESTED,
            invitee=invitations.checked_invitee(PERSON["name"], "139 0013 9006"),
        )
    error = refused.value
    assert (error.code, error.key, error.field) == (
        "DUPLICATE_ORDER",
        "transition.duplicate_open_case",
        "confirm_duplicate",
    )
    assert error.params == {"case_id": first} and first in error.message
    for personal in PERSON.values():  # the refusal names the case, never the person
        assert personal not in error.message
    assert _counts(world) == before  # no case, no record, nobody invited

    # the case moved on (signed, investigating...) but has not ended: still asked
    sign_as_shown(world.svc, Actor(ActorRole.CANDIDATE, subject_id), first)
    with pytest.raises(DuplicateOrder):
        _order(world)
    world.clock.advance(hours=1)  # ordered later: the latest of the two
    again_subject, second = _order(world, confirm_duplicate=True)
    assert again_subject == subject_id and second != first
    # with two open, the latest is named
    with pytest.raises(DuplicateOrder) as latest:
        _order(world)
    assert latest.value.params == {"case_id": second}


def test_an_order_over_a_registered_candidate_is_asked_too(world: World) -> None:
    """The API's path: the candidate registered (by the same keyed hash), then ordered."""
    first = order(world, confirm_duplicate=False)  # the world's candidate had no case
    with pytest.raises(DuplicateOrder) as refused:
        order(world, confirm_duplicate=False)
    assert refused.value.params == {"case_id": first}
    assert order(world, confirm_duplicate=True) != first


def test_a_case_that_ended_asks_nothing(world: World) -> None:
    subject_id, first = _order(world)
    candidate = Actor(ActorRole.CANDIDATE, subject_id)
    sign_as_shown(world.svc, candidate, first)
    revoke_authorization(world.svc, candidate, first)  # withdrawn, then destroyed
    _, second = _order(world)
    assert second != first


def test_another_employers_case_of_the_same_person_is_never_consulted(world: World) -> None:
    _order(world)
    other = Actor(
        ActorRole.EMPLOYER, register_tenant(world.svc, OPERATOR, kind="employer", name="乙公司")
    )
    profile = define_role_profile(world.svc, other, ROLE)
    _, theirs = _order(world, other, profile_id=profile)  # no question: its own records
    with pytest.raises(DuplicateOrder) as refused:
        _order(world, other, profile_id=profile)
    assert refused.value.params == {"case_id": theirs}  # its own case, not the first's
