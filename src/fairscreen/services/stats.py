"""Aggregate statistics for the public and the regulator (PRODUCT.md §2, §7; issue 5
item 2): cases per state and per light, per employer pseudonym and period.

Small groups are suppressed, as the fairness audit does (PRODUCT.md §7: groups of fewer
than 10): a group (employer × period) with fewer than ``MIN_GROUP`` cases is left out and
only counted; inside a shown group any count from 1 to ``MIN_GROUP - 1`` is replaced by
``None``, and when exactly one count of a breakdown would be hidden the next smallest is
hidden with it, so no hidden count can be recovered by subtracting the others from the
total (secondary suppression, as statistical offices do).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa

from fairscreen.adapters.db import case_tables as t
from fairscreen.domain.errors import InvalidInput
from fairscreen.services.context import Services

MIN_GROUP = 10
PERIODS = ("month", "year")


def _suppress(counts: dict[str, int]) -> dict[str, int | None]:
    shown: dict[str, int | None] = dict(counts)
    hidden = [key for key, value in counts.items() if 0 < value < MIN_GROUP]
    if len(hidden) == 1:
        rest = sorted(
            (value, key) for key, value in counts.items() if key not in hidden and value > 0
        )
        if rest:
            hidden.append(rest[0][1])
    for key in hidden:
        shown[key] = None
    return shown


def case_statistics(svc: Services, *, period: str = "month") -> dict[str, Any]:
    """Counts per employer pseudonym and period, by state and by light, suppressed."""
    if period not in PERIODS:
        raise InvalidInput("must be month or year", field="period", key="input.must_month_year")
    created: sa.ColumnElement[Any] = t.cases.c.created_at
    if svc.engine.dialect.name == "postgresql":
        # EXTRACT from a timestamptz reads the session's TimeZone, which the database's
        # or role's setting or the connections' startup options decide: periods in UTC,
        # as SQLite's (stored in UTC) are, whatever the session's zone.
        created = sa.func.timezone("UTC", created)
    year = sa.extract("year", created)
    month = sa.extract("month", created) if period == "month" else sa.literal(0)
    query = (
        sa.select(
            t.tenants.c.pseudonym,
            year.label("year"),
            month.label("month"),
            t.cases.c.state,
            t.cases.c.light,
            sa.func.count().label("n"),
        )
        .select_from(t.cases.join(t.tenants, t.tenants.c.id == t.cases.c.employer_id))
        .group_by(t.tenants.c.pseudonym, year, month, t.cases.c.state, t.cases.c.light)
    )
    with svc.engine.connect() as connection:
        rows = connection.execute(query).all()
    groups: dict[tuple[str, str], dict[str, dict[str, int]]] = defaultdict(
        lambda: {"state": defaultdict(int), "light": defaultdict(int)}
    )
    for pseudonym, y, m, state, light, count in rows:
        label = f"{int(y):04d}-{int(m):02d}" if period == "month" else f"{int(y):04d}"
        group = groups[(pseudonym, label)]
        group["state"][state] += int(count)
        group["light"][light or "unrated"] += int(count)
    shown = []
    suppressed = 0
    for (pseudonym, label), group in sorted(groups.items(), key=lambda item: item[0]):
        total = sum(group["state"].values())
        if total < MIN_GROUP:
            suppressed += 1
            continue
        shown.append(
            {
                "employer": pseudonym,
                "period": label,
                "cases": total,
                "by_state": _suppress(dict(sorted(group["state"].items()))),
                "by_light": _suppress(dict(sorted(group["light"].items()))),
            }
        )
    return {
        "period": period,
        "min_group": MIN_GROUP,
        "groups": shown,
        "suppressed_groups": suppressed,
    }
