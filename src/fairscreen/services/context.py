"""What every use case of the screening service is given: the wiring (``Services``) and
who is acting (``Actor``). Built once by :mod:`fairscreen.bootstrap` and passed in."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from fairscreen.adapters.crypto import KeyProvider
from fairscreen.adapters.db.unit_of_work import SqlUnitOfWork
from fairscreen.adapters.jobs import InProcessQueue, JobQueue
from fairscreen.adapters.messages import Messenger, development_messenger
from fairscreen.adapters.notify import Notifier
from fairscreen.adapters.sources.port import SourcePort, utc_now
from fairscreen.domain.categories import Category
from fairscreen.domain.errors import PermissionDenied
from fairscreen.domain.lifecycle import DEFAULT_REVIEW_DAYS, RetentionPolicy
from fairscreen.domain.rulebook import Rulebook
from fairscreen.domain.topics import TopicClassifier, default_classifier
from fairscreen.ledger.entries import ActorRole, derive_pseudonym
from fairscreen.ledger.high_water import HighWater
from fairscreen.ledger.note import NoteSigner
from fairscreen.services.evidence import EvidenceLog
from fairscreen.services.witnessing import WitnessPeer


@dataclass(frozen=True, slots=True)
class Actor:
    """Who calls a use case: a role and the id it acts for (an employer or agency tenant
    id, a candidate's subject id, an operator's or regulator's account id)."""

    role: ActorRole
    id: str

    def __repr__(self) -> str:
        return f"Actor({self.role.value})"


SYSTEM = Actor(ActorRole.SYSTEM, "scheduler")


def require_role(actor: Actor, *roles: ActorRole) -> None:
    """Refuse a use case to an actor of any other role (the one guard every service uses,
    so the refusal reads the same everywhere)."""
    if actor.role not in roles:
        raise PermissionDenied(
            "{role} may not do this", field="actor", key="denied.role_action", role=actor.role.value
        )


@dataclass(frozen=True, slots=True)
class ServiceConfig:
    review_days: int = DEFAULT_REVIEW_DAYS
    authorization_days: int = 30
    retention: RetentionPolicy = field(default_factory=RetentionPolicy)
    #: the calendar the candidate signs in: evaluation dates are taken in it
    timezone: str = "Asia/Shanghai"
    #: webhook receivers on loopback or private networks: development and tests only
    #: (adapters/outbound.py; refused in production by ``Settings``)
    webhook_private_targets: bool = False
    #: the witnesses asked to cosign each new checkpoint (services/witnessing.py)
    witnesses: tuple[WitnessPeer, ...] = ()
    witness_timeout: float = 5.0
    #: the address the candidate's invitation links start with (``FAIRSCREEN_PUBLIC_URL``)
    public_url: str = "http://127.0.0.1:8000"
    #: the served demo (``fairscreen serve --demo``): only then does the development
    #: outbox page exist (``/dev/outbox``)
    demo: bool = False
    #: candidates may be invited, and sent codes, by SMS (``FAIRSCREEN_SMS_SIGN_IN``);
    #: off, an order with a mobile number is refused and e-mail is the only channel
    sms_sign_in: bool = True
    #: a request integrates its own ledger entries at commit (True), or leaves them
    #: pending for the sequencer (False); None: inline on SQLite (one writer anyway),
    #: the sequencer on PostgreSQL (issue 16; services/sequencer.py)
    sequence_inline: bool | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass
class Services:
    engine: Engine
    key_provider: KeyProvider
    pseudonym_key: bytes = field(repr=False)
    signer: NoteSigner
    sources: Mapping[Category, SourcePort]
    notifier: Notifier
    rulebook: Rulebook
    published_rulebooks: frozenset[str]
    config: ServiceConfig = field(default_factory=ServiceConfig)
    clock: Callable[[], datetime] = utc_now
    classifier: TopicClassifier = field(default_factory=default_classifier)
    #: the log's high-water mark outside the database (ledger/high_water.py); None in
    #: tests that build services by hand and never restore a database
    high_water: HighWater | None = None
    #: the key store's database (adapters/db/key_store.py); None keeps the keys beside
    #: the data (tests that build services by hand)
    key_engine: Engine | None = None
    #: messages to a person's own phone or mailbox (adapters/messages.py): the
    #: development outbox unless SMTP or an SMS provider is configured
    messenger: Messenger = field(default_factory=development_messenger)
    #: where background jobs go (adapters/jobs.py): procrastinate on PostgreSQL, the
    #: in-process runner's queue on SQLite (bootstrap chooses)
    jobs: JobQueue = field(default_factory=InProcessQueue)

    def __post_init__(self) -> None:
        self.evidence = EvidenceLog(self.uow)
        if self.messenger.outbox is not None:  # the outbox tells the service's time
            self.messenger.outbox.clock = self.now

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(
            self.engine,
            self.key_provider,
            key_engine=self.key_engine,
            sequence_inline=self.config.sequence_inline,
            jobs=self.jobs,
        )

    def reader(self) -> SqlUnitOfWork:
        """A read snapshot: decrypts, changes nothing, takes no writer lock."""
        return SqlUnitOfWork(
            self.engine, self.key_provider, write=False, key_engine=self.key_engine
        )

    def now(self) -> datetime:
        moment = self.clock()
        if moment.tzinfo is None:
            raise ValueError("the clock must give timezone-aware times")
        return moment.astimezone(UTC)

    def pseudonym(self, prefix: str, identifier: str) -> str:
        return derive_pseudonym(prefix, self.pseudonym_key, identifier)

    def keyed_hash(self, purpose: bytes, value: str) -> str:
        """HMAC-SHA-256 of ``value`` (a link's token, an address), in hex, under a key of
        its own for ``purpose`` derived from the pseudonym key: what the value is stored
        and looked up by, so a database copy can neither read it nor forge a link."""
        key = hmac.new(self.pseudonym_key, purpose, hashlib.sha256).digest()
        return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()

    def actor_pseudonym(self, actor: Actor, *, case: str) -> str:
        """The actor as the ledger names them in ``case``. A candidate's pseudonym is
        derived per case, so the public log never links two cases of one person
        (PRODUCT.md §6); staff and the system keep one pseudonym throughout."""
        if actor.role is ActorRole.CANDIDATE:
            return self.pseudonym("subj", f"{actor.role.value}:{actor.id}:case:{case}")
        prefix = "sys" if actor.role is ActorRole.SYSTEM else "usr"
        return self.pseudonym(prefix, f"{actor.role.value}:{actor.id}")
