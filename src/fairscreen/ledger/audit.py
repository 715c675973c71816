"""The compliance audit: replay the ledger's entries alone and list every violation.

PRODUCT.md §6 and P1-P6. A regulator runs it on the entries of a verified log; it needs
no other data. Entries are taken in log order (the order the log proves) and times from
their ``at`` fields. The rules, each with a stable code:

- ``query-without-authorization`` (P1): a ``source.queried`` for a case with no
  ``authorization.signed`` logged before it;
- ``query-outside-authorization`` (P1): the authorizations of the case do not name the
  queried category (or name another employer);
- ``query-prohibited-category`` (P2): the queried category is prohibited for every role;
- ``query-after-expiry`` (P1): every covering authorization had expired (``expires_at``),
  unless the query answers an open dispute of the case (``reason: dispute``, P4);
- ``query-after-revocation`` (P1): every covering authorization was revoked before the
  query (an ``authorization.revoked`` without ``categories`` revokes all of them);
- ``release-before-review-window`` (P4): a ``report.released`` with no ``review.opened``
  logged for the case, or before the latest ``window_ends`` unless the candidate accepted
  early (``reason: candidate_accepted``);
- ``release-during-dispute`` (P4): a ``report.released`` while a ``dispute.opened`` of the
  case has no ``dispute.resolved`` yet;
- ``rating-unpublished-rulebook`` (§4): a ``report.rated`` whose ``rulebook_sha256`` is
  missing or not in the published set (an empty set publishes nothing: fail closed);
- ``read-after-destruction`` (P5/P6): a ``report.read`` after the case's ``data.destroyed``;
- ``destruction-late`` (P6): a ``data.destroyed`` more than a day (``DESTRUCTION_GRACE``)
  after the earliest ``due`` announced for the case (on it, a ``deletion.requested`` or a
  ``decision.recorded``), unless the delay is covered: by a ``retention.hold`` placed
  within that time (until its ``expires_at``, or indefinitely without one, until a later
  ``retention.hold`` of the same reason whose ``expires_at`` is its own time lifts it), or
  by a dispute that was open then (until it was resolved: P6, a pending dispute defers
  destruction);
- ``destruction-overdue`` (P6, only with ``as_of``): a case whose due passed before
  ``as_of`` with no destruction and no hold;
- ``entry-malformed``: a stored entry that is not a guarded, canonical entry.

Two rules of P4 need what the public log must not show (PRODUCT.md §6: no entry carries
a decision outcome, and an event type only an adverse decision makes would): they are
checked on the committed payload of a ``decision.recorded`` entry, which the regulator
reads through its authorized console (:func:`check_decision_payload`, ``PAYLOAD_RULES``):

- ``adverse-without-notice``: an adverse decision whose payload names no pre-adverse
  notice;
- ``adverse-before-waiting-period``: an adverse decision recorded before that notice's
  waiting period (``wait_ends``) ended;
- ``rerating-unpublished-rulebook`` (§4): a re-rating held for the decision in the wait
  (``pre_adverse.held``: a supplement re-verified then has no public entry, as only a
  case with a pre-adverse notice is in the wait) whose ``rulebook_sha256`` is missing or
  not published, as ``rating-unpublished-rulebook`` checks a logged one;
- ``decision-not-on-rerated-light`` (P4): a decision after such a re-rating that does not
  name the re-rated light (``light``), or is adverse when the re-rating made it green.

Old logs may hold the retired ``notice.*`` entries; the replay reads them and checks
nothing on them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from fairscreen.domain.errors import LedgerEntryRefused
from fairscreen.ledger.entries import (
    PROHIBITED_CATEGORIES,
    EventType,
    LedgerEntry,
    ReasonCode,
    decode_entry,
    public_time,
)


class AuditRule(StrEnum):
    QUERY_WITHOUT_AUTHORIZATION = "query-without-authorization"
    QUERY_OUTSIDE_AUTHORIZATION = "query-outside-authorization"
    QUERY_PROHIBITED_CATEGORY = "query-prohibited-category"
    QUERY_AFTER_EXPIRY = "query-after-expiry"
    QUERY_AFTER_REVOCATION = "query-after-revocation"
    RELEASE_BEFORE_REVIEW_WINDOW = "release-before-review-window"
    RELEASE_DURING_DISPUTE = "release-during-dispute"
    ADVERSE_WITHOUT_NOTICE = "adverse-without-notice"
    ADVERSE_BEFORE_WAITING_PERIOD = "adverse-before-waiting-period"
    RERATING_UNPUBLISHED_RULEBOOK = "rerating-unpublished-rulebook"
    DECISION_NOT_ON_RERATED_LIGHT = "decision-not-on-rerated-light"
    RATING_UNPUBLISHED_RULEBOOK = "rating-unpublished-rulebook"
    READ_AFTER_DESTRUCTION = "read-after-destruction"
    DESTRUCTION_LATE = "destruction-late"
    DESTRUCTION_OVERDUE = "destruction-overdue"
    ENTRY_MALFORMED = "entry-malformed"


#: The rules checked on a decision's committed payload, not on the public entries.
PAYLOAD_RULES = frozenset(
    {
        AuditRule.ADVERSE_WITHOUT_NOTICE,
        AuditRule.ADVERSE_BEFORE_WAITING_PERIOD,
        AuditRule.RERATING_UNPUBLISHED_RULEBOOK,
        AuditRule.DECISION_NOT_ON_RERATED_LIGHT,
    }
)


@dataclass(frozen=True)
class Violation:
    index: int
    rule: AuditRule
    case: str | None
    message: str

    def __str__(self) -> str:
        case = f" {self.case}" if self.case else ""
        return f"{self.index}\t{self.rule}{case}: {self.message}"


@dataclass
class _Authorization:
    index: int
    at: datetime
    categories: frozenset[str]
    expires_at: datetime | None
    employer: str | None
    revoked: dict[str, datetime] = field(default_factory=dict)
    revoked_all_at: datetime | None = None


#: Retention periods are set in days (PIPL art. 47: "within 15 days"; P6: 180 and 365 days
#: after the decision), and a purge runs on a schedule, not at the due instant: a case
#: destroyed within a day of its due is on time.
DESTRUCTION_GRACE = timedelta(days=1)


@dataclass
class _Hold:
    at: datetime
    until: datetime | None
    reason: ReasonCode | None = None


@dataclass
class _Case:
    authorizations: list[_Authorization] = field(default_factory=list)
    window_ends: datetime | None = None
    open_disputes: int = 0
    destroyed_at: datetime | None = None
    due: datetime | None = None
    due_index: int | None = None
    holds: list[_Hold] = field(default_factory=list)
    #: each span a dispute of the case was open: (opened, resolved or None while open)
    disputed: list[_Hold] = field(default_factory=list)


class ComplianceAudit:
    """Feed entries in log order with :meth:`add`; read :attr:`violations` at the end."""

    def __init__(self, published_rulebooks: Collection[str]) -> None:
        self._published = frozenset(digest.lower() for digest in published_rulebooks)
        self._cases: dict[str, _Case] = {}
        self.violations: list[Violation] = []
        self.entries_read = 0

    def _flag(self, index: int, rule: AuditRule, case: str | None, message: str) -> None:
        self.violations.append(Violation(index, rule, case, message))

    def add_bytes(self, index: int, data: bytes) -> None:
        self.entries_read += 1
        try:
            entry = decode_entry(data)
        except LedgerEntryRefused as exc:
            self._flag(index, AuditRule.ENTRY_MALFORMED, None, str(exc))
            return
        self.add(index, entry)

    def add(self, index: int, entry: LedgerEntry) -> None:
        case = self._cases.setdefault(entry.case, _Case())
        handler = _HANDLERS.get(entry.type)
        if handler is not None:
            handler(self, index, entry, case)
        if entry.due is not None and entry.type is not EventType.DATA_DESTROYED:
            self._announce_due(index, case, entry.due)

    # --- P1 authorization --------------------------------------------------------------

    def _signed(self, index: int, entry: LedgerEntry, case: _Case) -> None:
        case.authorizations.append(
            _Authorization(
                index,
                entry.at,
                frozenset(entry.categories or ()),
                entry.expires_at,
                entry.employer,
            )
        )

    def _revoked(self, index: int, entry: LedgerEntry, case: _Case) -> None:
        for authorization in case.authorizations:
            if entry.categories is None:
                if authorization.revoked_all_at is None:
                    authorization.revoked_all_at = entry.at
            else:
                for category in entry.categories:
                    authorization.revoked.setdefault(category, entry.at)

    def _queried(self, index: int, entry: LedgerEntry, case: _Case) -> None:
        category = entry.category
        if category is None:
            self._flag(
                index,
                AuditRule.QUERY_OUTSIDE_AUTHORIZATION,
                entry.case,
                "source.queried names no category, so no authorization can cover it",
            )
            return
        if category in PROHIBITED_CATEGORIES:
            self._flag(
                index,
                AuditRule.QUERY_PROHIBITED_CATEGORY,
                entry.case,
                f"{category} may never be queried, for any role",
            )
            return
        if not case.authorizations:
            self._flag(
                index,
                AuditRule.QUERY_WITHOUT_AUTHORIZATION,
                entry.case,
                f"{category} queried with no authorization.signed logged for the case",
            )
            return
        covering = [
            a
            for a in case.authorizations
            if category in a.categories
            and a.at <= entry.at
            and (a.employer is None or entry.employer is None or a.employer == entry.employer)
        ]
        if not covering:
            self._flag(
                index,
                AuditRule.QUERY_OUTSIDE_AUTHORIZATION,
                entry.case,
                f"no authorization signed before {entry.at.isoformat()} names {category}",
            )
            return
        # A correction answering the candidate's own dispute (``reason: dispute``) is
        # asked for by the dispute (P4: the agency re-verifies the disputed finding), so
        # while one is open the authorization's expiry does not end it; a revocation does.
        answering = entry.reason is ReasonCode.DISPUTE and case.open_disputes > 0
        unexpired = [
            a for a in covering if answering or a.expires_at is None or entry.at < a.expires_at
        ]
        if not unexpired:
            self._flag(
                index,
                AuditRule.QUERY_AFTER_EXPIRY,
                entry.case,
                f"{category} queried after its authorization expired (entry {covering[-1].index})",
            )
            return
        valid = [
            a
            for a in unexpired
            if (category not in a.revoked or entry.at < a.revoked[category])
            and (a.revoked_all_at is None or entry.at < a.revoked_all_at)
        ]
        if not valid:
            self._flag(
                index,
                AuditRule.QUERY_AFTER_REVOCATION,
                entry.case,
                f"{category} queried after the authorization was revoked "
                f"(entry {unexpired[-1].index})",
            )

    # --- P4 review, disputes, release ---------------------------------------------------------

    def _review_opened(self, index: int, entry: LedgerEntry, case: _Case) -> None:
        if entry.window_ends is not None:
            case.window_ends = entry.window_ends

    def _dispute_opened(self, index: int, entry: LedgerEntry, case: _Case) -> None:
        if case.open_disputes == 0:
            case.disputed.append(_Hold(entry.at, None))
        case.open_disputes += 1

    def _dispute_resolved(self, index: int, entry: LedgerEntry, case: _Case) -> None:
        case.open_disputes = max(0, case.open_disputes - 1)
        if case.open_disputes == 0 and case.disputed and case.disputed[-1].until is None:
            case.disputed[-1].until = entry.at

    def _released(self, index: int, entry: LedgerEntry, case: _Case) -> None:
        if case.open_disputes:
            self._flag(
                index,
                AuditRule.RELEASE_DURING_DISPUTE,
                entry.case,
                f"released while {case.open_disputes} dispute(s) of the case are open",
            )
        if case.window_ends is None:
            self._flag(
                index,
                AuditRule.RELEASE_BEFORE_REVIEW_WINDOW,
                entry.case,
                "released without a review window (no review.opened with window_ends)",
            )
        elif entry.at < case.window_ends and entry.reason is not ReasonCode.CANDIDATE_ACCEPTED:
            # Early release is the candidate's choice alone (PRODUCT.md P4: "released only
            # after the window passes without dispute, or the candidate accepts").
            self._flag(
                index,
                AuditRule.RELEASE_BEFORE_REVIEW_WINDOW,
                entry.case,
                f"released at {entry.at.isoformat()}, before the review window ends "
                f"at {case.window_ends.isoformat()}",
            )

    # --- §4 rating ------------------------------------------------------------------------------

    def _rated(self, index: int, entry: LedgerEntry, case: _Case) -> None:
        if entry.rulebook_sha256 is None:
            self._flag(
                index,
                AuditRule.RATING_UNPUBLISHED_RULEBOOK,
                entry.case,
                "report.rated names no rulebook_sha256",
            )
        elif entry.rulebook_sha256 not in self._published:
            self._flag(
                index,
                AuditRule.RATING_UNPUBLISHED_RULEBOOK,
                entry.case,
                f"rulebook {entry.rulebook_sha256[:16]}… is not a published rulebook",
            )

    # --- P5/P6 reads, retention, destruction ----------------------------------------------------

    def _read(self, index: int, entry: LedgerEntry, case: _Case) -> None:
        if case.destroyed_at is not None:
            self._flag(
                index,
                AuditRule.READ_AFTER_DESTRUCTION,
                entry.case,
                f"report read after the case's data was destroyed "
                f"at {case.destroyed_at.isoformat()}",
            )

    def _announce_due(self, index: int, case: _Case, due: datetime) -> None:
        if case.due is None or due < case.due:
            case.due, case.due_index = due, index

    def _hold(self, index: int, entry: LedgerEntry, case: _Case) -> None:
        if entry.expires_at is not None and entry.expires_at <= entry.at:
            # a lift: the open holds of this reason end now
            for hold in case.holds:
                if hold.reason == entry.reason and hold.until is None:
                    hold.until = entry.expires_at
            return
        case.holds.append(_Hold(entry.at, entry.expires_at, entry.reason))

    def _deadline(self, case: _Case) -> datetime | None:
        """The due plus the grace, extended by every hold or open dispute that began by
        then (each may extend it for the next); None while one holds indefinitely."""
        assert case.due is not None
        deadline = case.due + DESTRUCTION_GRACE
        spans = sorted([*case.holds, *case.disputed], key=lambda span: span.at)
        for span in spans:
            if span.at <= deadline:
                if span.until is None:
                    return None
                deadline = max(deadline, span.until + DESTRUCTION_GRACE)
        return deadline

    def _destroyed(self, index: int, entry: LedgerEntry, case: _Case) -> None:
        if entry.due is not None:
            self._announce_due(index, case, entry.due)
        if case.destroyed_at is None:
            case.destroyed_at = entry.at
        if case.due is None:
            return
        deadline = self._deadline(case)
        if deadline is not None and entry.at > deadline:
            self._flag(
                index,
                AuditRule.DESTRUCTION_LATE,
                entry.case,
                f"destroyed at {entry.at.isoformat()}, after it was due at "
                f"{deadline.isoformat()} with no retention.hold covering the delay",
            )

    def finish(self, as_of: datetime | None = None) -> list[Violation]:
        """Close the replay; with ``as_of``, also flag cases overdue for destruction."""
        if as_of is not None:
            for pseudonym, case in self._cases.items():
                if case.destroyed_at is not None or case.due is None:
                    continue
                deadline = self._deadline(case)
                if deadline is not None and deadline < as_of:
                    assert case.due_index is not None
                    self._flag(
                        case.due_index,
                        AuditRule.DESTRUCTION_OVERDUE,
                        pseudonym,
                        f"due for destruction at {deadline.isoformat()}, not destroyed "
                        f"by {as_of.isoformat()}",
                    )
        self.violations.sort(key=lambda v: v.index)
        return self.violations


_Handler = Callable[[ComplianceAudit, int, LedgerEntry, _Case], None]
_HANDLERS: dict[EventType, _Handler] = {
    EventType.AUTHORIZATION_SIGNED: ComplianceAudit._signed,
    EventType.AUTHORIZATION_REVOKED: ComplianceAudit._revoked,
    EventType.SOURCE_QUERIED: ComplianceAudit._queried,
    EventType.REVIEW_OPENED: ComplianceAudit._review_opened,
    EventType.DISPUTE_OPENED: ComplianceAudit._dispute_opened,
    EventType.DISPUTE_RESOLVED: ComplianceAudit._dispute_resolved,
    EventType.REPORT_RELEASED: ComplianceAudit._released,
    EventType.REPORT_RATED: ComplianceAudit._rated,
    EventType.REPORT_READ: ComplianceAudit._read,
    EventType.RETENTION_HOLD: ComplianceAudit._hold,
    EventType.DATA_DESTROYED: ComplianceAudit._destroyed,
}


def audit_entries(
    entries: Iterable[tuple[int, bytes]],
    published_rulebooks: Collection[str],
    *,
    as_of: datetime | None = None,
) -> list[Violation]:
    """Replay ``(index, entry bytes)`` in order and return every violation, by index."""
    audit = ComplianceAudit(published_rulebooks)
    for index, data in entries:
        audit.add_bytes(index, data)
    return audit.finish(as_of)


def _payload_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return public_time(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def _held_violations(
    index: int,
    entry: LedgerEntry,
    payload: Mapping[str, object],
    published_rulebooks: Collection[str],
) -> list[Violation]:
    """The re-ratings held for the decision in the pre-adverse wait (``pre_adverse.held``,
    ``services/case_events.record_event``): each names a published rulebook, and the
    decision names the last one's light (and is not adverse on a green one)."""
    notice = payload.get("pre_adverse")
    held = notice.get("held") if isinstance(notice, Mapping) else None
    if not isinstance(held, list):
        return []
    ratings = [
        h for h in held if isinstance(h, Mapping) and h.get("type") == EventType.REPORT_RATED.value
    ]
    found = []
    for rating in ratings:
        digest = rating.get("rulebook_sha256")
        if not isinstance(digest, str) or digest not in published_rulebooks:
            shown = f"{digest[:16]}…" if isinstance(digest, str) else "none"
            found.append(
                Violation(
                    index,
                    AuditRule.RERATING_UNPUBLISHED_RULEBOOK,
                    entry.case,
                    f"a re-rating held for the decision names rulebook {shown}, "
                    "not a published rulebook",
                )
            )
    if ratings:
        rated = ratings[-1].get("payload")
        light = rated.get("light") if isinstance(rated, Mapping) else None
        named = payload.get("light")
        if light is None or named != light or (payload.get("adverse") is True and light == "green"):
            found.append(
                Violation(
                    index,
                    AuditRule.DECISION_NOT_ON_RERATED_LIGHT,
                    entry.case,
                    f"decision on light {named!r} after a re-rating in the wait to {light!r}",
                )
            )
    return found


def check_decision_payload(
    index: int,
    entry: LedgerEntry,
    payload: Mapping[str, object],
    *,
    published_rulebooks: Collection[str],
) -> list[Violation]:
    """P4's two steps, checked on a ``decision.recorded`` entry and the payload it commits
    to (written by ``services/decision.py``): an adverse decision (``adverse: true``) needs
    a ``pre_adverse`` notice, and its time (``at``, whole seconds) must not precede the
    notice's ``wait_ends`` (floored to whole seconds too, so the order is kept). A notice
    with no readable ``wait_ends`` counts as a wait that never ends. A payload written
    before these facts were kept (no ``adverse``) is not checked. Any decision's
    re-ratings held in the wait are checked (:func:`_held_violations`) against
    ``published_rulebooks`` (an empty set publishes nothing: fail closed)."""
    if entry.type is not EventType.DECISION_RECORDED:
        return []
    held = _held_violations(index, entry, payload, published_rulebooks)
    if payload.get("adverse") is not True:
        return held
    notice = payload.get("pre_adverse")
    if not isinstance(notice, Mapping):
        return [
            *held,
            Violation(
                index,
                AuditRule.ADVERSE_WITHOUT_NOTICE,
                entry.case,
                "adverse decision with no pre-adverse notice sent for the case",
            ),
        ]
    ends = _payload_time(notice.get("wait_ends"))
    if ends is None or entry.at < ends:
        when = "never" if ends is None else f"at {ends.isoformat()}"
        return [
            *held,
            Violation(
                index,
                AuditRule.ADVERSE_BEFORE_WAITING_PERIOD,
                entry.case,
                f"adverse decision at {entry.at.isoformat()}, before the pre-adverse "
                f"notice's waiting period ends ({when})",
            ),
        ]
    return held
