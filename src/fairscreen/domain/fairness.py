"""Disparity metrics per group: selection rates, the four-fifths rule, error rates.

Rules and sources:

- **Four-fifths rule** — US EEOC Uniform Guidelines on Employee Selection Procedures,
  29 CFR 1607.4(D): "A selection rate for any race, sex, or ethnic group which is less
  than four-fifths (4/5) (or eighty percent) of the rate for the group with the highest
  rate will generally be regarded … as evidence of adverse impact." Here the "selection"
  is the *favourable* outcome of a screening: not flagged.
- **Small-group suppression** — PRODUCT.md §7: aggregate reports suppress groups with
  fewer than 10 people (the threshold is a parameter, default 10). A suppressed group is
  named in ``suppressed`` and appears nowhere else: not in ``groups``, not as the
  reference group, not in the maximum that impact ratios are taken against.
- **Error rates** — with an outcome label, the false positive rate is
  P(flagged | outcome not positive) and the false negative rate is
  P(not flagged | outcome positive), as in ProPublica's COMPAS analysis (2016).

Every rate is a ratio of integer counts computed exactly (:class:`fractions.Fraction`)
and rounded to a float once, so the numbers do not depend on the order rows arrive in.
A rate whose denominator is zero is undefined and reported as ``None`` (JSON null).

The module is pure (standard library only) so that the CSV audit
(:mod:`fairscreen.services.fairness_audit`) and the per-employer aggregate reports share
one implementation: feed :class:`FairnessAccumulator` ``(group, flagged, outcome)``
triples — one per person, or with ``count`` for pre-aggregated rows such as a SQL
``GROUP BY`` — then call :meth:`FairnessAccumulator.report`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from types import MappingProxyType
from typing import Any

from fairscreen.domain.errors import InvalidInput

#: PRODUCT.md §7: groups of fewer than 10 are suppressed.
DEFAULT_MIN_GROUP = 10

#: 29 CFR 1607.4(D): a ratio below four-fifths is evidence of adverse impact.
FOUR_FIFTHS = Fraction(4, 5)


@dataclass(frozen=True, slots=True)
class GroupCounts:
    """The confusion counts of one group; "positive" means *flagged* for predictions.

    Without an outcome label only ``flagged`` and ``unflagged`` are counted; the four
    outcome cells stay zero.
    """

    flagged: int = 0
    unflagged: int = 0
    #: flagged and outcome positive (true positives)
    flagged_outcome_positive: int = 0
    #: flagged and outcome not positive (false positives)
    flagged_outcome_negative: int = 0
    #: not flagged and outcome positive (false negatives)
    unflagged_outcome_positive: int = 0
    #: not flagged and outcome not positive (true negatives)
    unflagged_outcome_negative: int = 0

    @property
    def n(self) -> int:
        return self.flagged + self.unflagged

    def __add__(self, other: GroupCounts) -> GroupCounts:
        return GroupCounts(
            flagged=self.flagged + other.flagged,
            unflagged=self.unflagged + other.unflagged,
            flagged_outcome_positive=self.flagged_outcome_positive + other.flagged_outcome_positive,
            flagged_outcome_negative=self.flagged_outcome_negative + other.flagged_outcome_negative,
            unflagged_outcome_positive=self.unflagged_outcome_positive
            + other.unflagged_outcome_positive,
            unflagged_outcome_negative=self.unflagged_outcome_negative
            + other.unflagged_outcome_negative,
        )


@dataclass(frozen=True, slots=True)
class GroupMetrics:
    """The reported metrics of one group (29 CFR 1607.4(D); PRODUCT.md §7)."""

    n: int
    flagged_rate: float
    favorable_rate: float
    #: favourable rate over the reference group's; None when that rate is 0
    impact_ratio: float | None
    #: impact_ratio < 4/5; None when the ratio is undefined
    four_fifths_violation: bool | None
    #: P(flagged | outcome not positive); None without outcome or with no negatives
    fpr: float | None
    #: P(not flagged | outcome positive); None without outcome or with no positives
    fnr: float | None


@dataclass(frozen=True, slots=True)
class FairnessReport:
    """The audit result. ``as_dict`` gives the public JSON shape.

    ``reference_group`` is the reported group with the highest favourable rate (ties go
    to the first name in sort order; tied groups all have ratio 1.0, so the choice
    changes no number). It is None only when every group is suppressed.
    """

    min_group: int
    with_outcome: bool
    groups: Mapping[str, GroupMetrics]
    suppressed: tuple[str, ...]
    reference_group: str | None

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of issue 6 item 1; ``fpr``/``fnr`` only with an outcome."""
        groups: dict[str, Any] = {}
        for name in sorted(self.groups):
            metrics = self.groups[name]
            entry: dict[str, Any] = {
                "n": metrics.n,
                "flagged_rate": metrics.flagged_rate,
                "favorable_rate": metrics.favorable_rate,
                "impact_ratio": metrics.impact_ratio,
                "four_fifths_violation": metrics.four_fifths_violation,
            }
            if self.with_outcome:
                entry["fpr"] = metrics.fpr
                entry["fnr"] = metrics.fnr
            groups[name] = entry
        return {
            "min_group": self.min_group,
            "groups": groups,
            "suppressed": list(self.suppressed),
            "reference_group": self.reference_group,
        }


def _rate(numerator: int, denominator: int) -> Fraction | None:
    return Fraction(numerator, denominator) if denominator else None


def _as_float(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


def validate_min_group(min_group: int) -> int:
    """A threshold below 1 would report empty groups or none at all: refuse it."""
    if isinstance(min_group, bool) or not isinstance(min_group, int) or min_group < 1:
        raise InvalidInput("must be an integer of at least 1", field="min_group")
    return min_group


def fairness_report(
    counts: Mapping[str, GroupCounts],
    *,
    with_outcome: bool,
    min_group: int = DEFAULT_MIN_GROUP,
) -> FairnessReport:
    """Turn per-group counts into the report.

    1. Suppress every group with ``n < min_group`` (PRODUCT.md §7) before anything else,
       so no later step can see it.
    2. Pick the reference group: the highest favourable rate among the reported groups.
    3. Per group: rates, impact ratio against the reference, four-fifths flag
       (29 CFR 1607.4(D)), and with an outcome label the false positive and false
       negative rates.
    """
    validate_min_group(min_group)
    # 1. Suppression first: the rest of the function only ever sees `reported`.
    reported = {name: c for name, c in counts.items() if c.n >= min_group}
    suppressed = tuple(sorted(name for name, c in counts.items() if 0 < c.n < min_group))

    favourable = {name: Fraction(c.unflagged, c.n) for name, c in reported.items()}
    # 2. Sorting by (-rate, name) makes the tie-break independent of input order.
    reference = min(favourable, key=lambda name: (-favourable[name], name), default=None)
    best = favourable[reference] if reference is not None else None

    groups: dict[str, GroupMetrics] = {}
    for name in sorted(reported):
        c = reported[name]
        # 3. A best rate of 0 (everyone flagged everywhere) leaves the ratio undefined.
        ratio = favourable[name] / best if best else None
        groups[name] = GroupMetrics(
            n=c.n,
            flagged_rate=float(Fraction(c.flagged, c.n)),
            favorable_rate=float(favourable[name]),
            impact_ratio=_as_float(ratio),
            four_fifths_violation=None if ratio is None else ratio < FOUR_FIFTHS,
            fpr=_as_float(
                _rate(
                    c.flagged_outcome_negative,
                    c.flagged_outcome_negative + c.unflagged_outcome_negative,
                )
            )
            if with_outcome
            else None,
            fnr=_as_float(
                _rate(
                    c.unflagged_outcome_positive,
                    c.unflagged_outcome_positive + c.flagged_outcome_positive,
                )
            )
            if with_outcome
            else None,
        )
    return FairnessReport(
        min_group=min_group,
        with_outcome=with_outcome,
        groups=MappingProxyType(groups),  # read-only, like the frozen report around it
        suppressed=suppressed,
        reference_group=reference,
    )


@dataclass(slots=True)
class FairnessAccumulator:
    """Per-group confusion counts, fed one ``(group, flagged, outcome)`` at a time.

    Memory is O(number of groups), whatever the number of rows. ``with_outcome`` is
    fixed up front: mixing rows with and without an outcome label would make the error
    rates silently wrong, so it is refused.
    """

    with_outcome: bool
    # group -> [flagged, unflagged, TP, FP, FN, TN]; a list keeps the hot path cheap.
    _cells: dict[str, list[int]] = field(default_factory=dict, repr=False)

    def add(
        self, group: str, flagged: bool, outcome: bool | None = None, *, count: int = 1
    ) -> None:
        """Count ``count`` people of ``group`` (``count`` > 1 for pre-aggregated rows)."""
        if count < 0:
            raise InvalidInput("must not be negative", field="count")
        if self.with_outcome != (outcome is not None):
            raise InvalidInput(
                "an outcome is required for every row"
                if self.with_outcome
                else "no outcome was declared for this audit",
                field="outcome",
            )
        cells = self._cells.get(group)
        if cells is None:
            cells = self._cells[group] = [0, 0, 0, 0, 0, 0]
        cells[0 if flagged else 1] += count
        if outcome is not None:
            cells[(2 if outcome else 3) if flagged else (4 if outcome else 5)] += count

    def add_all(self, rows: Iterable[tuple[str, bool, bool | None]]) -> None:
        for group, flagged, outcome in rows:
            self.add(group, flagged, outcome)

    @property
    def counts(self) -> dict[str, GroupCounts]:
        """A snapshot: the frozen counts per group."""
        return {
            name: GroupCounts(
                flagged=c[0],
                unflagged=c[1],
                flagged_outcome_positive=c[2],
                flagged_outcome_negative=c[3],
                unflagged_outcome_positive=c[4],
                unflagged_outcome_negative=c[5],
            )
            for name, c in self._cells.items()
            if c[0] + c[1] > 0
        }

    @property
    def rows(self) -> int:
        return sum(c[0] + c[1] for c in self._cells.values())

    def report(self, *, min_group: int = DEFAULT_MIN_GROUP) -> FairnessReport:
        return fairness_report(self.counts, with_outcome=self.with_outcome, min_group=min_group)


_QUARTER = re.compile(r"(?P<year>\d{4})-Q(?P<number>[1-4])")


@dataclass(frozen=True, order=True, slots=True)
class Quarter:
    """A calendar quarter, the one period an aggregate report covers (PRODUCT.md §7):
    fixed and closed, so no two reports can be cut to differ by one candidate."""

    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        match = _QUARTER.fullmatch(text)
        if match is None:
            raise InvalidInput(
                "must be a calendar quarter such as 2026-Q3", field="quarter", key="input.quarter"
            )
        return cls(int(match["year"]), int(match["number"]))

    @classmethod
    def containing(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def label(self) -> str:
        return f"{self.year:04d}-Q{self.number}"

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def next_first_day(self) -> date:
        """The first day after the quarter: it has ended once this day has begun."""
        if self.number == 4:
            return date(self.year + 1, 1, 1)
        return date(self.year, 3 * self.number + 1, 1)

    def previous(self) -> Quarter:
        return (
            Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)
        )

    def has_ended(self, today: date) -> bool:
        return today >= self.next_first_day


def last_ended_quarter(today: date) -> Quarter:
    return Quarter.containing(today).previous()
