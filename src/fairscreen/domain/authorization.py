"""Authorization validity (PRODUCT.md P1 "Validity on a date"; PIPL art. 13-17).

No source may be queried without an authorization that is signed, not expired, not
revoked, and names this employer (and, where it names one, this role).

An evaluation dated ``as_of`` has a valid authorization when it was signed on or before
that date, expires on or after it, and was not revoked on or before it; each timestamp is
read as a calendar date in its own UTC offset (where it was written). So an authorization
that expires during the ``as_of`` day still covers that day, while a revocation on that day
ends it at once (a revocation takes effect at once, P1).

A query is a moment, not a day: :func:`check_authorization_at` also refuses a query made
at or after the authorization's expiry moment, even on its last day.
"""

from __future__ import annotations

from datetime import date, datetime

from fairscreen.domain.errors import (
    AuthorizationExpired,
    AuthorizationMissing,
    AuthorizationRevoked,
    AuthorizationWrongEmployer,
)
from fairscreen.domain.model import Authorization


def _local_date(moment: datetime) -> date:
    """The calendar date in the timestamp's own offset (where the candidate signed)."""
    return moment.date()


def check_authorization(
    authorization: Authorization | None, *, employer_id: str, role_id: str, as_of: date
) -> Authorization:
    """Return the authorization if it allows a check for this employer and role on
    ``as_of``; raise the refusal that says why not otherwise (steps in this order):

    1. none at all → ``AUTHORIZATION_MISSING``
    2. it names another employer → ``AUTHORIZATION_WRONG_EMPLOYER``
    3. it names another role, or was signed after ``as_of`` → ``AUTHORIZATION_MISSING``
    4. revoked on or before ``as_of`` → ``AUTHORIZATION_REVOKED``
    5. expired before ``as_of`` (expiring during ``as_of`` still covers it) →
       ``AUTHORIZATION_EXPIRED``
    """
    if authorization is None:
        raise AuthorizationMissing(
            "no signed authorization for this check",
            key="authorization.no_signed_authorization_check",
        )
    if authorization.employer_id != employer_id:
        raise AuthorizationWrongEmployer(
            "the authorization names another employer",
            field="authorization.employer_id",
            key="authorization.authorization_names_another_employer",
        )
    if authorization.role_id is not None and authorization.role_id != role_id:
        raise AuthorizationMissing(
            "the authorization names another role",
            field="authorization.role_id",
            key="authorization.authorization_names_another_role",
        )
    if _local_date(authorization.signed_at) > as_of:
        raise AuthorizationMissing(
            "the authorization was signed after the evaluation date",
            field="authorization.signed_at",
            key="authorization.authorization_signed_after_evaluation_date",
        )
    if authorization.revoked_at is not None and _local_date(authorization.revoked_at) <= as_of:
        raise AuthorizationRevoked(
            "the candidate revoked the authorization",
            field="authorization.revoked_at",
            key="authorization.candidate_revoked_authorization",
        )
    if _local_date(authorization.expires_at) < as_of:
        raise AuthorizationExpired(
            "the authorization expired before the evaluation date",
            field="authorization.expires_at",
            key="authorization.authorization_expired_before_evaluation_date",
        )
    return authorization


def check_authorization_at(
    authorization: Authorization | None, *, employer_id: str, role_id: str, at: datetime
) -> Authorization:
    """Return the authorization if a source may be queried under it at the moment ``at``:
    valid on ``at``'s date (:func:`check_authorization`, the date in ``at``'s own offset)
    and not yet expired at that moment."""
    valid = check_authorization(
        authorization, employer_id=employer_id, role_id=role_id, as_of=_local_date(at)
    )
    if at >= valid.expires_at:
        raise AuthorizationExpired(
            "the authorization expired before this query",
            field="authorization.expires_at",
            key="authorization.authorization_expired_before_query",
        )
    return valid
