"""The case state machine and its clocks (PRODUCT.md §3, P1, P4, P6)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fairscreen.domain.categories import Tier
from fairscreen.domain.errors import InvalidInput, InvalidTransition
from fairscreen.domain.lifecycle import (
    TRANSITIONS,
    CaseState,
    HoldReason,
    Outcome,
    RetentionPolicy,
    adverse_wait_ends,
    check_decision,
    check_pre_adverse,
    check_release,
    destruction_due,
    dispute_due,
    is_adverse,
    purge_action,
    review_window_ends,
    revocation_destroys_data,
    transition,
)

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
S = CaseState

HAPPY_PATH = [
    S.AUTHORIZED,
    S.SCOPED,
    S.INVESTIGATING,
    S.CANDIDATE_REVIEW,
    S.DISPUTED,
    S.CANDIDATE_REVIEW,
    S.RELEASED,
    S.DECIDED,
    S.ARCHIVED,
    S.DESTROYED,
]


def test_the_six_procedures_in_order() -> None:
    state = HAPPY_PATH[0]
    for target in HAPPY_PATH[1:]:
        state = transition(state, target)
    assert state is S.DESTROYED


@given(st.sampled_from(list(CaseState)), st.sampled_from(list(CaseState)))
def test_every_step_outside_the_table_is_refused(current: CaseState, target: CaseState) -> None:
    if target in TRANSITIONS[current]:
        assert transition(current, target) is target
    else:
        with pytest.raises(InvalidTransition):
            transition(current, target)


def test_nothing_leaves_destroyed_and_nothing_skips_review() -> None:
    assert TRANSITIONS[S.DESTROYED] == frozenset()
    assert S.RELEASED not in TRANSITIONS[S.INVESTIGATING]
    assert S.RELEASED not in TRANSITIONS[S.DISPUTED]


def test_a_revocation_before_release_withdraws_and_destroys() -> None:
    for state in (S.AUTHORIZED, S.INVESTIGATING, S.CANDIDATE_REVIEW, S.DISPUTED):
        assert transition(state, S.WITHDRAWN) is S.WITHDRAWN
        assert revocation_destroys_data(state)
    assert not revocation_destroys_data(S.DECIDED)


def test_a_revocation_after_release_destroys_the_data_unless_a_decision_was_recorded() -> None:
    """PRODUCT.md P1: the data is kept only when the report was released *and* decided."""
    assert transition(S.RELEASED, S.WITHDRAWN) is S.WITHDRAWN
    assert revocation_destroys_data(S.RELEASED)
    for state in (S.DECIDED, S.ARCHIVED):
        assert not revocation_destroys_data(state)
        with pytest.raises(InvalidTransition):
            transition(state, S.WITHDRAWN)


def test_only_a_case_not_yet_released_can_expire() -> None:
    """An authorization that lapses before release expires the case (PRODUCT.md §3); once
    released, the report no longer depends on it."""
    for state in (S.AUTHORIZED, S.SCOPED, S.INVESTIGATING, S.CANDIDATE_REVIEW, S.DISPUTED):
        assert transition(state, S.EXPIRED) is S.EXPIRED
    for state in (S.RELEASED, S.DECIDED, S.ARCHIVED, S.WITHDRAWN, S.DESTROYED):
        with pytest.raises(InvalidTransition):
            transition(state, S.EXPIRED)


def test_review_window_defaults_to_five_days_and_is_bounded() -> None:
    assert review_window_ends(T0) == T0 + timedelta(days=5)
    assert review_window_ends(T0, 10) == T0 + timedelta(days=10)
    for days in (2, 11):
        with pytest.raises(InvalidInput):
            review_window_ends(T0, days)


def test_release_rules() -> None:
    ends = review_window_ends(T0)
    with pytest.raises(InvalidTransition, match="window"):
        check_release(
            S.CANDIDATE_REVIEW,
            now=T0 + timedelta(days=1),
            window_ends=ends,
            accepted=False,
            open_disputes=0,
        )
    check_release(
        S.CANDIDATE_REVIEW,
        now=T0 + timedelta(days=1),
        window_ends=ends,
        accepted=True,
        open_disputes=0,
    )
    check_release(S.CANDIDATE_REVIEW, now=ends, window_ends=ends, accepted=False, open_disputes=0)
    with pytest.raises(InvalidTransition, match="dispute"):
        check_release(
            S.DISPUTED,
            now=ends + timedelta(days=30),
            window_ends=ends,
            accepted=True,
            open_disputes=1,
        )
    with pytest.raises(InvalidTransition):
        check_release(S.INVESTIGATING, now=ends, window_ends=ends, accepted=True, open_disputes=0)


def test_dispute_deadline_is_fifteen_days() -> None:
    assert dispute_due(T0) == T0 + timedelta(days=15)


def test_retention_defaults() -> None:
    policy = RetentionPolicy()
    assert destruction_due(
        policy, tier=Tier.STANDARD, outcome=Outcome.NOT_HIRED, decided_at=T0
    ) == T0 + timedelta(days=180)
    assert destruction_due(
        policy, tier=Tier.STANDARD, outcome=Outcome.HIRED, decided_at=T0
    ) == T0 + timedelta(days=365)
    assert destruction_due(
        policy,
        tier=Tier.STANDARD,
        outcome=Outcome.HIRED,
        decided_at=T0,
        deletion_requested_at=T0 + timedelta(days=1),
    ) == T0 + timedelta(days=16)
    assert destruction_due(policy, tier=Tier.STANDARD, outcome=None, decided_at=None) is None


def test_retention_per_tier_overrides() -> None:
    policy = RetentionPolicy(per_tier=((Tier.SAFETY, Outcome.NOT_HIRED, 90),))
    assert policy.days(Tier.SAFETY, Outcome.NOT_HIRED) == 90
    assert policy.days(Tier.STANDARD, Outcome.NOT_HIRED) == 180


def test_purge_defers_for_disputes_and_holds() -> None:
    due = T0
    assert (
        purge_action(due=due, now=T0 - timedelta(seconds=1), open_dispute=False, legal_hold=False)
        is False
    )
    assert purge_action(due=due, now=T0, open_dispute=False, legal_hold=False) is True
    assert (
        purge_action(due=due, now=T0, open_dispute=True, legal_hold=True) is HoldReason.OPEN_DISPUTE
    )
    assert (
        purge_action(due=due, now=T0, open_dispute=False, legal_hold=True) is HoldReason.LEGAL_HOLD
    )
    assert purge_action(due=None, now=T0, open_dispute=False, legal_hold=False) is False


def test_every_category_is_named_in_every_language() -> None:
    """One table names the categories for the notice and the portals (PRODUCT.md P1)."""
    from fairscreen.domain.categories import CATEGORY_LABELS, Category

    assert set(CATEGORY_LABELS) == set(Category)
    for category, labels in CATEGORY_LABELS.items():
        assert set(labels) == {"zh-Hans", "en", "zh-Hant"}, category
        assert all(text.strip() for text in labels.values()), category
    assert len({labels["zh-Hans"] for labels in CATEGORY_LABELS.values()}) == len(Category)


# --- P4: the decision in two steps (issue 13 item 6) ----------------------------------------

MONDAY = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # 10:00 in Beijing


def test_the_waiting_period_counts_working_days_in_china() -> None:
    assert adverse_wait_ends(MONDAY) == MONDAY + timedelta(days=7)  # Mon -> next Mon
    wednesday = MONDAY + timedelta(days=2)
    assert adverse_wait_ends(wednesday) == wednesday + timedelta(days=7)
    # Friday 20:00 UTC is Saturday 04:00 in Beijing: counted from Monday 00:00 there, the
    # five whole working days end the Monday after (00:00 Beijing, Sunday 16:00 UTC)
    friday_evening = datetime(2026, 12, 4, 20, 0, tzinfo=UTC)
    assert adverse_wait_ends(friday_evening) == datetime(2026, 12, 13, 16, 0, tzinfo=UTC)
    assert adverse_wait_ends(MONDAY, 10) == MONDAY + timedelta(days=14)
    for days in (4, 16):
        with pytest.raises(InvalidInput):
            adverse_wait_ends(MONDAY, days)


@given(st.integers(min_value=0, max_value=60 * 24 * 14), st.integers(min_value=5, max_value=15))
def test_the_waiting_period_is_never_shorter_than_its_working_days(minutes: int, days: int) -> None:
    sent = MONDAY + timedelta(minutes=minutes)
    ends = adverse_wait_ends(sent, days)
    assert timedelta(days=days) <= ends - sent <= timedelta(days=days + 2 * (days // 5 + 2))


def test_only_not_hiring_on_a_light_that_is_not_green_is_adverse() -> None:
    assert is_adverse(Outcome.NOT_HIRED, "blue") and is_adverse(Outcome.NOT_HIRED, "red")
    assert not is_adverse(Outcome.NOT_HIRED, "green")
    assert not is_adverse(Outcome.HIRED, "red")


def test_an_adverse_decision_waits_for_its_notice() -> None:
    ends = MONDAY + timedelta(days=7)
    with pytest.raises(InvalidTransition, match="notice first"):
        check_decision(S.RELEASED, Outcome.NOT_HIRED, "yellow", now=ends, wait_ends=None)
    with pytest.raises(InvalidTransition, match="waiting period"):
        check_decision(S.ADVERSE_NOTICE, Outcome.NOT_HIRED, "yellow", now=MONDAY, wait_ends=ends)
    assert (
        check_decision(S.ADVERSE_NOTICE, Outcome.NOT_HIRED, "yellow", now=ends, wait_ends=ends)
        is S.DECIDED
    )
    # favourable decisions need no notice and no wait
    assert check_decision(S.RELEASED, Outcome.HIRED, "red", now=MONDAY, wait_ends=None) is S.DECIDED
    assert check_decision(S.RELEASED, Outcome.NOT_HIRED, "green", now=MONDAY, wait_ends=None)
    assert check_decision(S.ADVERSE_NOTICE, Outcome.HIRED, "red", now=MONDAY, wait_ends=ends)
    for state in (S.CANDIDATE_REVIEW, S.DECIDED):
        with pytest.raises(InvalidTransition):
            check_decision(state, Outcome.HIRED, "green", now=MONDAY, wait_ends=None)


def test_a_pre_adverse_notice_is_for_an_adverse_intention_once() -> None:
    assert check_pre_adverse(S.RELEASED, Outcome.NOT_HIRED, "blue") is S.ADVERSE_NOTICE
    with pytest.raises(InvalidInput):
        check_pre_adverse(S.RELEASED, Outcome.NOT_HIRED, "green")
    with pytest.raises(InvalidInput):
        check_pre_adverse(S.RELEASED, Outcome.HIRED, "red")
    with pytest.raises(InvalidTransition):
        check_pre_adverse(S.ADVERSE_NOTICE, Outcome.NOT_HIRED, "red")
    assert S.WITHDRAWN in TRANSITIONS[S.ADVERSE_NOTICE]  # a revocation still ends it
