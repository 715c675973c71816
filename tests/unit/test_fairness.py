"""The pure fairness metrics (domain/fairness.py): suppression, rates, the four-fifths rule.

Hand-computed examples pin the rates exactly; hypothesis checks the invariants
(order-independence, impact ratio ≤ 1 with the reference at 1.0, suppression as a
partition) on arbitrary data.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fairscreen.domain.errors import InvalidInput
from fairscreen.domain.fairness import (
    FairnessAccumulator,
    FairnessReport,
    GroupCounts,
    fairness_report,
)

Row = tuple[str, bool, bool | None]


def _report(
    rows: Sequence[Row], *, with_outcome: bool = True, min_group: int = 1
) -> FairnessReport:
    accumulator = FairnessAccumulator(with_outcome=with_outcome)
    accumulator.add_all(rows)
    return accumulator.report(min_group=min_group)


def _rows(group: str, *, tp: int = 0, fp: int = 0, fn: int = 0, tn: int = 0) -> list[Row]:
    """Rows of one group from its confusion cells (flagged = predicted positive)."""
    rows: list[Row] = []
    rows += [(group, True, True)] * tp
    rows += [(group, True, False)] * fp
    rows += [(group, False, True)] * fn
    rows += [(group, False, False)] * tn
    return rows


# --- exact rates on hand-computed examples ----------------------------------------------


def test_rates_match_a_hand_computed_example() -> None:
    # a: 10 rows, 4 flagged (TP 3, FP 1), 6 not flagged (FN 2, TN 4)
    # b: 10 rows, 7 flagged (TP 2, FP 5), 3 not flagged (FN 0, TN 3)
    rows = _rows("a", tp=3, fp=1, fn=2, tn=4) + _rows("b", tp=2, fp=5, fn=0, tn=3)
    report = _report(rows, min_group=10)
    assert report.as_dict() == {
        "min_group": 10,
        "reference_group": "a",
        "suppressed": [],
        "groups": {
            "a": {
                "n": 10,
                "flagged_rate": 0.4,
                "favorable_rate": 0.6,
                "impact_ratio": 1.0,
                "four_fifths_violation": False,
                "fpr": 1 / 5,  # FP / (FP + TN) = 1 / 5
                "fnr": 2 / 5,  # FN / (FN + TP) = 2 / 5
            },
            "b": {
                "n": 10,
                "flagged_rate": 0.7,
                "favorable_rate": 0.3,
                "impact_ratio": 0.5,  # 0.3 / 0.6
                "four_fifths_violation": True,
                "fpr": 5 / 8,
                "fnr": 0.0,
            },
        },
    }


def test_a_ratio_of_exactly_four_fifths_is_not_a_violation() -> None:
    # 29 CFR 1607.4(D) says "less than four-fifths": 0.4 / 0.5 is exactly 0.8.
    rows = [("a", False, None)] * 5 + [("a", True, None)] * 5
    rows += [("b", False, None)] * 4 + [("b", True, None)] * 6
    groups = _report(rows, with_outcome=False).groups
    assert groups["b"].impact_ratio == 0.8
    assert groups["b"].four_fifths_violation is False


def test_without_outcome_the_error_rates_are_absent() -> None:
    report = _report([("a", True, None), ("a", False, None)], with_outcome=False)
    assert set(report.as_dict()["groups"]["a"]) == {
        "n",
        "flagged_rate",
        "favorable_rate",
        "impact_ratio",
        "four_fifths_violation",
    }


# --- undefined rates are null, never a crash -------------------------------------------


def test_a_group_with_zero_positive_outcomes_has_fnr_null() -> None:
    report = _report(_rows("a", fp=2, tn=3) + _rows("b", tp=1, fp=1, fn=1, tn=1))
    assert report.groups["a"].fnr is None
    assert report.groups["a"].fpr == 2 / 5
    assert json.loads(json.dumps(report.as_dict()))["groups"]["a"]["fnr"] is None


def test_a_group_with_zero_negative_outcomes_has_fpr_null() -> None:
    report = _report(_rows("a", tp=2, fn=1))
    assert report.groups["a"].fpr is None
    assert report.groups["a"].fnr == 1 / 3


def test_when_every_group_is_flagged_the_ratios_are_null() -> None:
    report = _report(_rows("a", tp=3) + _rows("b", fp=2), min_group=2)
    for metrics in report.groups.values():
        assert metrics.favorable_rate == 0.0
        assert metrics.impact_ratio is None
        assert metrics.four_fifths_violation is None
    assert report.reference_group == "a"


# --- a single group ---------------------------------------------------------------------


def test_a_single_group_is_its_own_reference_with_ratio_one() -> None:
    report = _report(_rows("only", tp=1, fp=2, fn=3, tn=4), min_group=10)
    assert report.reference_group == "only"
    assert report.groups["only"].impact_ratio == 1.0
    assert report.groups["only"].four_fifths_violation is False


# --- suppression (PRODUCT.md §7) ---------------------------------------------------------


def test_a_suppressed_group_appears_only_under_suppressed() -> None:
    # "tiny" has the best favourable rate (1.0): were it counted, it would be the
    # reference and "big" would violate the four-fifths rule (0.5 < 0.8).
    rows = _rows("tiny", tn=9) + _rows("big", tp=5, tn=5) + _rows("mid", tp=6, tn=4)
    report = _report(rows, min_group=10)
    assert report.suppressed == ("tiny",)
    assert set(report.groups) == {"big", "mid"}
    assert report.reference_group == "big"
    assert report.groups["big"].impact_ratio == 1.0
    assert report.groups["mid"].impact_ratio == pytest.approx(0.8)
    public = report.as_dict()
    elsewhere = json.dumps({k: v for k, v in public.items() if k != "suppressed"})
    assert "tiny" not in elsewhere


def test_a_group_exactly_at_the_threshold_is_reported() -> None:
    report = _report(_rows("a", tn=10) + _rows("b", tn=9), min_group=10)
    assert set(report.groups) == {"a"}
    assert report.suppressed == ("b",)


def test_when_every_group_is_suppressed_nothing_is_reported() -> None:
    report = _report(_rows("z", tn=3) + _rows("a", tp=2), min_group=10)
    assert report.as_dict() == {
        "min_group": 10,
        "groups": {},
        "suppressed": ["a", "z"],
        "reference_group": None,
    }


@pytest.mark.parametrize("bad", [0, -1, True])
def test_a_threshold_below_one_is_refused(bad: int) -> None:
    with pytest.raises(InvalidInput) as caught:
        fairness_report({}, with_outcome=False, min_group=bad)
    assert caught.value.field == "min_group"


# --- the accumulator --------------------------------------------------------------------


def test_counts_with_a_weight_equal_repeated_rows() -> None:
    weighted = FairnessAccumulator(with_outcome=True)
    weighted.add("a", True, False, count=3)
    weighted.add("a", False, True, count=2)
    repeated = FairnessAccumulator(with_outcome=True)
    repeated.add_all([("a", True, False)] * 3 + [("a", False, True)] * 2)
    assert weighted.counts == repeated.counts
    assert weighted.counts["a"] == GroupCounts(
        flagged=3, unflagged=2, flagged_outcome_negative=3, unflagged_outcome_positive=2
    )
    assert weighted.rows == 5


def test_counts_add_up_across_accumulators() -> None:
    left = GroupCounts(flagged=1, unflagged=2, flagged_outcome_positive=1)
    right = GroupCounts(flagged=3, unflagged_outcome_negative=4, unflagged=4)
    assert (left + right).n == 10


def test_mixing_rows_with_and_without_outcome_is_refused() -> None:
    with pytest.raises(InvalidInput):
        FairnessAccumulator(with_outcome=True).add("a", True, None)
    with pytest.raises(InvalidInput):
        FairnessAccumulator(with_outcome=False).add("a", True, False)
    with pytest.raises(InvalidInput):
        FairnessAccumulator(with_outcome=False).add("a", True, count=-1)


# --- properties -------------------------------------------------------------------------

rows_strategy = st.lists(
    st.tuples(st.sampled_from(["a", "b", "c", "d", "é"]), st.booleans(), st.booleans()),
    max_size=200,
)


@settings(max_examples=200, deadline=None)
@given(rows=rows_strategy, min_group=st.integers(1, 30), seed=st.integers(0, 2**32))
def test_row_order_does_not_change_the_report(
    rows: list[tuple[str, bool, bool]], min_group: int, seed: int
) -> None:
    shuffled = list(rows)
    random.Random(seed).shuffle(shuffled)
    first = _report(list(rows), min_group=min_group).as_dict()
    second = _report(list(shuffled), min_group=min_group).as_dict()
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)


@settings(max_examples=200, deadline=None)
@given(rows=rows_strategy, min_group=st.integers(1, 30))
def test_ratios_are_at_most_one_and_the_reference_has_one(
    rows: list[tuple[str, bool, bool]], min_group: int
) -> None:
    report = _report(list(rows), min_group=min_group)
    sizes: dict[str, int] = {}
    for group, _, _ in rows:
        sizes[group] = sizes.get(group, 0) + 1
    # Suppression is a partition of the groups by the threshold.
    assert set(report.groups) == {g for g, n in sizes.items() if n >= min_group}
    assert list(report.suppressed) == sorted(g for g, n in sizes.items() if n < min_group)
    if not report.groups:
        assert report.reference_group is None
        return
    reference = report.reference_group
    assert reference is not None
    assert reference in report.groups
    best = max(m.favorable_rate for m in report.groups.values())
    assert report.groups[reference].favorable_rate == best
    for metrics in report.groups.values():
        assert metrics.flagged_rate + metrics.favorable_rate == pytest.approx(1.0)
        if best == 0:
            assert metrics.impact_ratio is None
            continue
        assert metrics.impact_ratio is not None
        assert 0.0 <= metrics.impact_ratio <= 1.0
        assert metrics.four_fifths_violation is (metrics.impact_ratio < 0.8)
    if best > 0:
        assert report.groups[reference].impact_ratio == 1.0


def test_quarters_are_fixed_calendar_periods() -> None:
    from datetime import date

    from fairscreen.domain.errors import InvalidInput
    from fairscreen.domain.fairness import Quarter, last_ended_quarter

    q4 = Quarter.parse("2025-Q4")
    assert (q4.first_day, q4.next_first_day) == (date(2025, 10, 1), date(2026, 1, 1))
    assert Quarter.parse("2026-Q1").previous() == q4 and q4.label == "2025-Q4"
    assert Quarter.containing(date(2026, 6, 30)) == Quarter(2026, 2)
    assert not Quarter(2026, 2).has_ended(date(2026, 6, 30))
    assert Quarter(2026, 2).has_ended(date(2026, 7, 1))
    assert last_ended_quarter(date(2026, 1, 1)) == q4
    for bad in ("2026-Q5", "2026-03", "26-Q1", " 2026-Q1"):
        with pytest.raises(InvalidInput) as raised:
            Quarter.parse(bad)
        assert raised.value.field == "quarter"
