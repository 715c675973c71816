"""The case state machine and its clocks (PRODUCT.md §3, P1, P4, P6), pure.

    [ordered →] authorized → scoped → investigating → candidate_review ⇄ disputed
      → released [→ adverse_notice] → decided → archived → destroyed
    plus withdrawn (consent revoked) and expired (authorization lapsed before release)

``ordered`` is ours (PRODUCT.md is silent): the employer has ordered a check and the
candidate has not yet signed; nothing may be queried in it.

Every transition is one ledger entry; the service asks :func:`transition` before it
changes anything, so a refused step changes nothing. Times come in as arguments: review
windows, dispute deadlines and retention are computed from them, never from a clock.

Sources: PIPL art. 15 (revocation), art. 19 (shortest retention), art. 47 (deletion);
FCRA §611 (30-day reinvestigation; ours is 15 days); PRODUCT.md P4 (review window 5 days,
3-10 configurable) and P6 (retention defaults, 15 days for a deletion request).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from fairscreen.domain.categories import Tier
from fairscreen.domain.errors import InvalidInput, InvalidTransition


class CaseState(StrEnum):
    ORDERED = "ordered"
    AUTHORIZED = "authorized"
    SCOPED = "scoped"
    INVESTIGATING = "investigating"
    CANDIDATE_REVIEW = "candidate_review"
    DISPUTED = "disputed"
    RELEASED = "released"
    #: a pre-adverse notice was sent; its waiting period runs (PRODUCT.md P4)
    ADVERSE_NOTICE = "adverse_notice"
    DECIDED = "decided"
    ARCHIVED = "archived"
    DESTROYED = "destroyed"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


S = CaseState
#: Before release, a revocation withdraws the case and a lapsed authorization expires it.
_BEFORE_RELEASE = (
    S.ORDERED,
    S.AUTHORIZED,
    S.SCOPED,
    S.INVESTIGATING,
    S.CANDIDATE_REVIEW,
    S.DISPUTED,
)
TRANSITIONS: dict[CaseState, frozenset[CaseState]] = {
    S.ORDERED: frozenset({S.AUTHORIZED}),
    S.AUTHORIZED: frozenset({S.SCOPED}),
    S.SCOPED: frozenset({S.INVESTIGATING}),
    S.INVESTIGATING: frozenset({S.CANDIDATE_REVIEW}),
    S.CANDIDATE_REVIEW: frozenset({S.DISPUTED, S.RELEASED}),
    S.DISPUTED: frozenset({S.CANDIDATE_REVIEW}),
    S.RELEASED: frozenset({S.DECIDED, S.ADVERSE_NOTICE, S.WITHDRAWN}),
    S.ADVERSE_NOTICE: frozenset({S.DECIDED, S.WITHDRAWN}),
    S.DECIDED: frozenset({S.ARCHIVED, S.DESTROYED}),
    S.ARCHIVED: frozenset({S.DESTROYED}),
    S.WITHDRAWN: frozenset({S.DESTROYED}),
    S.EXPIRED: frozenset({S.DESTROYED}),
    S.DESTROYED: frozenset(),
}
#: The states in which the report is released (the employer may read its view).
RELEASED_STATES = frozenset({S.RELEASED, S.ADVERSE_NOTICE, S.DECIDED, S.ARCHIVED})
#: The states a case has ended in: decided (and archived since), withdrawn, expired or
#: destroyed. A case in any other state is open: a second order for its candidate asks
#: the employer first (``scope.order_check``).
ENDED_STATES = frozenset({S.DECIDED, S.ARCHIVED, S.DESTROYED, S.WITHDRAWN, S.EXPIRED})
for _state in _BEFORE_RELEASE:
    TRANSITIONS[_state] = TRANSITIONS[_state] | {S.WITHDRAWN, S.EXPIRED}


def transition(current: CaseState, target: CaseState) -> CaseState:
    """``target`` if the state machine allows the step; ``InvalidTransition`` otherwise."""
    if target not in TRANSITIONS[current]:
        raise InvalidTransition(
            "a case in state {current} cannot move to {target}",
            field="state",
            key="transition.cannot_move",
            current=current.value,
            target=target.value,
        )
    return target


# --- P4: candidate review and disputes ------------------------------------------------------

DEFAULT_REVIEW_DAYS = 5
REVIEW_DAYS_RANGE = range(3, 11)
DISPUTE_ANSWER_DAYS = 15


class DisputeOutcome(StrEnum):
    UPHELD = "upheld"
    CORRECTED = "corrected"
    #: the finding could not be re-verified, so it goes (FCRA §611(a)(5)(A) does likewise)
    REMOVED = "removed"


def review_window_ends(opened_at: datetime, days: int = DEFAULT_REVIEW_DAYS) -> datetime:
    if days not in REVIEW_DAYS_RANGE:
        raise InvalidInput(
            "the review window is 3 to 10 days",
            field="review_days",
            key="input.review_window_3_10_days",
        )
    return opened_at + timedelta(days=days)


def dispute_due(opened_at: datetime) -> datetime:
    """The agency must answer a dispute within 15 days."""
    return opened_at + timedelta(days=DISPUTE_ANSWER_DAYS)


def check_release(
    state: CaseState, *, now: datetime, window_ends: datetime, accepted: bool, open_disputes: int
) -> None:
    """A report is released only after the window passes without dispute, or when the
    candidate accepts; never while a dispute is open (PRODUCT.md P4)."""
    if open_disputes or state is S.DISPUTED:
        raise InvalidTransition(
            "a dispute is open: the report cannot be released",
            field="state",
            key="transition.dispute_open_report_cannot_released",
        )
    transition(state, S.RELEASED)
    if not accepted and now < window_ends:
        raise InvalidTransition(
            "the candidate's review window has not ended and they have not accepted",
            field="window_ends",
            key="transition.candidate_review_window_not_ended",
        )


# --- P4: the decision in two steps ---------------------------------------------------------

#: PRODUCT.md P4: "a waiting period (5 working days by default)".
DEFAULT_ADVERSE_WAIT_DAYS = 5
ADVERSE_WAIT_DAYS_RANGE = range(5, 16)
#: Working days are counted on the calendar of mainland China's time zone (UTC+8): a
#: notice sent on Friday 20:00 UTC is Saturday there. Public holidays are not known
#: here (no holiday calendar ships with the product), so a waiting period over one is
#: longer in calendar days only by the weekends it crosses; the employer may set more.
_WORKDAY_OFFSET = timedelta(hours=8)


def is_adverse(outcome: Outcome, light: str | None) -> bool:
    """A decision not to hire when the light is not green is adverse (PRODUCT.md P4): it
    takes two steps, and the employer says whether the report played a part."""
    return outcome is Outcome.NOT_HIRED and light != "green"


def adverse_wait_ends(sent_at: datetime, working_days: int = DEFAULT_ADVERSE_WAIT_DAYS) -> datetime:
    """The end of a pre-adverse notice's waiting period: ``working_days`` Monday-to-Friday
    days after it was sent, at the same time of day (PRODUCT.md P4, 5 by default). A
    notice sent on a Saturday or Sunday counts from the start of the Monday after, so
    the candidate always has the whole number of working days."""
    if working_days not in ADVERSE_WAIT_DAYS_RANGE:
        raise InvalidInput(
            "the waiting period is 5 to 15 working days",
            field="wait_days",
            key="input.waiting_period_5_15",
        )
    local = sent_at + _WORKDAY_OFFSET
    if local.weekday() >= 5:
        monday = local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(
            days=7 - local.weekday()
        )
        sent_at = monday - _WORKDAY_OFFSET
    ends = sent_at
    left = working_days
    while left:
        ends += timedelta(days=1)
        if (ends + _WORKDAY_OFFSET).weekday() < 5:
            left -= 1
    return ends


def check_decision(
    state: CaseState,
    outcome: Outcome,
    light: str | None,
    *,
    now: datetime,
    wait_ends: datetime | None,
) -> CaseState:
    """The state the decision may be recorded from, checked (PRODUCT.md P4).

    A favourable decision (hired, or not hired on a green light) is recorded from
    ``released``, or during a pre-adverse notice when the candidate's answer changed the
    employer's mind. An adverse one only after its pre-adverse notice's waiting period
    has ended; before the notice it is refused and the notice is asked for instead."""
    if state not in (S.RELEASED, S.ADVERSE_NOTICE):
        transition(state, S.DECIDED)
    if is_adverse(outcome, light):
        if state is not S.ADVERSE_NOTICE or wait_ends is None:
            raise InvalidTransition(
                "an adverse decision needs a pre-adverse notice first",
                field="outcome",
                key="transition.pre_adverse_notice_first",
            )
        if now < wait_ends:
            raise InvalidTransition(
                "the pre-adverse notice's waiting period has not ended",
                field="wait_ends",
                key="transition.pre_adverse_waiting",
            )
    return transition(state, S.DECIDED)


def check_pre_adverse(state: CaseState, outcome: Outcome, light: str | None) -> CaseState:
    """A pre-adverse notice is sent once, from ``released``, for an adverse intended
    decision only (a favourable one needs none)."""
    if not is_adverse(outcome, light):
        raise InvalidInput(
            "a pre-adverse notice is only for not hiring when the light is not green",
            field="outcome",
            key="input.pre_adverse_only_not_green",
        )
    return transition(state, S.ADVERSE_NOTICE)


# --- P1: revocation ---------------------------------------------------------------------------


def revocation_destroys_data(state: CaseState) -> bool:
    """Revocation stops every query at once; the data gathered so far is destroyed unless
    the report was already released *and* decided (PRODUCT.md P1)."""
    return state not in (S.DECIDED, S.ARCHIVED, S.DESTROYED)


# --- P6: retention ----------------------------------------------------------------------------


class Outcome(StrEnum):
    HIRED = "hired"
    NOT_HIRED = "not_hired"


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """Days a report is kept after the decision, per tier and outcome (PIPL art. 19:
    the shortest period the purpose needs). Defaults from PRODUCT.md P6."""

    not_hired_days: int = 180
    hired_days: int = 365
    deletion_request_days: int = 15
    per_tier: tuple[tuple[Tier, Outcome, int], ...] = ()

    def days(self, tier: Tier, outcome: Outcome) -> int:
        for policy_tier, policy_outcome, days in self.per_tier:
            if policy_tier is tier and policy_outcome is outcome:
                return days
        return self.hired_days if outcome is Outcome.HIRED else self.not_hired_days


def deletion_due(policy: RetentionPolicy, requested_at: datetime) -> datetime:
    """When a candidate's deletion request must have been carried out (PIPL art. 47)."""
    return requested_at + timedelta(days=policy.deletion_request_days)


def destruction_due(
    policy: RetentionPolicy,
    *,
    tier: Tier,
    outcome: Outcome | None,
    decided_at: datetime | None,
    deletion_requested_at: datetime | None = None,
    ended_at: datetime | None = None,
) -> datetime | None:
    """When a case's report must be destroyed, or None while nothing makes it due.

    The earliest of: the retention period after the decision; 15 days after a deletion
    request; the moment a case ends without a decision (withdrawn or expired)."""
    candidates = []
    if outcome is not None and decided_at is not None:
        candidates.append(decided_at + timedelta(days=policy.days(tier, outcome)))
    if deletion_requested_at is not None:
        candidates.append(deletion_due(policy, deletion_requested_at))
    if ended_at is not None:
        candidates.append(ended_at)
    return min(candidates) if candidates else None


class HoldReason(StrEnum):
    OPEN_DISPUTE = "open_dispute"
    LEGAL_HOLD = "legal_hold"


def purge_action(
    *, due: datetime | None, now: datetime, open_dispute: bool, legal_hold: bool
) -> HoldReason | bool:
    """What the purge job does with one case: ``True`` destroy now, ``False`` not yet due,
    or the reason destruction is deferred (recorded as ``retention.hold``)."""
    if due is None or now < due:
        return False
    if open_dispute:
        return HoldReason.OPEN_DISPUTE
    if legal_hold:
        return HoldReason.LEGAL_HOLD
    return True
