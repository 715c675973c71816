"""The four edges of PRODUCT.md settled in issue 17, on the pure domain functions.

P1 "Validity on a date", P3 identity "Equals" and "Verified records that disagree", §4
``SEALED_JUVENILE_RECORD``. The same edges run end to end in ``test_evaluate_rules.py``
and as golden cases in ``tests/golden/edges/``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from fairscreen.domain.authorization import check_authorization, check_authorization_at
from fairscreen.domain.categories import Category
from fairscreen.domain.errors import (
    AuthorizationExpired,
    AuthorizationMissing,
    AuthorizationRevoked,
)
from fairscreen.domain.model import Authorization

BEIJING = timezone(timedelta(hours=8))
SIGNED = datetime(2024, 3, 1, 9, 0, tzinfo=BEIJING)
EXPIRES = datetime(2024, 3, 31, 9, 0, tzinfo=BEIJING)


def _authorization(**changes: Any) -> Authorization:
    fields: dict[str, Any] = {
        "employer_id": "emp-co",
        "purpose": "pre-employment screening",
        "categories": frozenset({Category.IDENTITY}),
        "signed_at": SIGNED,
        "expires_at": EXPIRES,
        "role_id": "role-1",
    }
    fields.update(changes)
    return Authorization(**fields)


def _check(authorization: Authorization, as_of: date) -> Authorization:
    return check_authorization(authorization, employer_id="emp-co", role_id="role-1", as_of=as_of)


# --- P1: validity on a date ------------------------------------------------------------------


def test_an_authorization_covers_every_day_from_signing_to_expiry_inclusive() -> None:
    authorization = _authorization()
    for day in (date(2024, 3, 1), date(2024, 3, 15), date(2024, 3, 31)):
        assert _check(authorization, day) is authorization
    with pytest.raises(AuthorizationExpired, match="expired before the evaluation date"):
        _check(authorization, date(2024, 4, 1))
    with pytest.raises(AuthorizationMissing, match="signed after"):
        _check(authorization, date(2024, 2, 29))


def test_each_timestamp_is_read_as_a_date_in_its_own_offset() -> None:
    # 31 March 23:30 at UTC-5 is 1 April in UTC and in Beijing: it expires on 31 March.
    late = _authorization(
        expires_at=datetime(2024, 3, 31, 23, 30, tzinfo=timezone(-timedelta(hours=5)))
    )
    assert _check(late, date(2024, 3, 31)) is late
    with pytest.raises(AuthorizationExpired):
        _check(late, date(2024, 4, 1))
    # 31 March 00:30 in Beijing is 30 March in UTC: it still covers 31 March.
    early = _authorization(expires_at=datetime(2024, 3, 31, 0, 30, tzinfo=BEIJING))
    assert _check(early, date(2024, 3, 31)) is early


def test_a_revocation_on_the_evaluation_day_refuses_even_on_the_expiry_day() -> None:
    revoked = _authorization(revoked_at=datetime(2024, 3, 31, 8, 0, tzinfo=BEIJING))
    with pytest.raises(AuthorizationRevoked):
        _check(revoked, date(2024, 3, 31))
    assert _check(revoked, date(2024, 3, 30)) is revoked


def test_a_query_on_the_last_day_is_allowed_only_before_the_expiry_moment() -> None:
    authorization = _authorization()

    def query(at: datetime) -> Authorization:
        return check_authorization_at(authorization, employer_id="emp-co", role_id="role-1", at=at)

    assert query(EXPIRES - timedelta(minutes=1)) is authorization
    with pytest.raises(AuthorizationExpired, match="before this query"):
        query(EXPIRES)
    with pytest.raises(AuthorizationExpired):
        query((EXPIRES + timedelta(hours=1)).astimezone(UTC))
