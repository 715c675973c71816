"""A category the role's legal basis requires and the candidate declined (issue 13 item 5;
PRODUCT.md P4): the employer sees it as not checked — required by law for this role —
never among the checks performed; a declined category with no legal basis stays out of
the employer's view altogether (nothing excluded reaches the employer)."""

from __future__ import annotations

from pathlib import Path

import pytest
from service_fixtures import World, make_world, teacher_case


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> World:
    return make_world(database_url, tmp_path)


def test_a_declined_check_the_law_requires_is_shown_as_not_checked(world: World) -> None:
    view = teacher_case(world, declined={"criminal_record", "reference"})
    assert view["not_checked"] == [
        {
            "category": "criminal_record",
            "reason": "NOT_CONSENTED",
            "legal_basis": "未成年人保护法 第62条",
        }
    ]  # the reference, declined too, needs no legal basis: it is not shown
    checks = view["checks"]
    assert isinstance(checks, list)
    assert "criminal_record" not in checks and "reference" not in checks


def test_nothing_is_shown_when_every_required_check_was_authorized(world: World) -> None:
    view = teacher_case(world, declined=set())
    assert view["not_checked"] == []
    checks = view["checks"]
    assert isinstance(checks, list) and "criminal_record" in checks
