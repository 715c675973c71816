"""A lease one process at a time holds on a database: the scheduler's.

Every ``fairscreen serve`` on SQLite runs the in-process runner (release, purge,
publish, webhooks; on PostgreSQL ``fairscreen worker`` does, on procrastinate's own
locks). With two of them on one database, both would find the same due work: the same
outbox rows POSTed twice. So a tick runs only under this lease, and a process that
cannot take it skips the tick.

- PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``), keyed by the
  lease's name and the schema, held on a connection of its own for the tick and released
  after; the server drops it if the process dies. A lease with a ``hold_limit`` is a
  transaction-level lock instead, in a transaction the server ends once it has sat idle
  that long (``idle_in_transaction_session_timeout``): a holder frozen mid-tick (SIGSTOP,
  a stalled machine) keeps it no longer than that, where a session lock would be kept
  until the process wakes. Only for work that stays correct when a second holder starts
  while the first is still on its way (the sequencer: its writes take the log's own
  lock); a lease that alone keeps work from being done twice has no limit.
- SQLite: an exclusive ``flock`` on a file beside the database; the kernel drops it if
  the process dies. An in-memory database belongs to one process: always granted.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fairscreen.adapters.db.engine import IDLE_LIMIT_SQL, idle_limit_ms, sqlite_file
from fairscreen.domain.errors import DatabaseUnreachable, LedgerError

log = logging.getLogger("fairscreen.lease")


#: what using a lease's connection raises once the server ended its session: the driver's
#: error, or the engine's DatabaseUnreachable (adapters/db/engine.py), which names a
#: connection the server closed
_ENDED = (sa.exc.DBAPIError, DatabaseUnreachable)


class LeaseLost(LedgerError):
    """A bounded lease the server ended (its holder went past the limit without renewing
    it): the holder's work stops; another process's may have begun."""


#: "fssl" as a signed 32-bit integer: the class of fairscreen's lease advisory locks
#: (the ledger writer's is "fsld"), paired with the lease name and schema.
LEASE_LOCK_CLASS = int.from_bytes(b"fssl", "big", signed=True)


def _name_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big", signed=True)


class Lease:
    """Whether this process holds a lease (true when it does), and :meth:`renew`."""

    def __init__(self, held: bool, renew: Callable[[], None] | None = None) -> None:
        self.held = held
        self._renew = renew

    def __bool__(self) -> bool:
        return self.held

    def renew(self) -> None:
        """Tell the server the holder is alive, between steps of its work: a lease with a
        ``hold_limit`` ends after that long *idle*, so a holder that renews it keeps it
        as long as it works, and one frozen loses it at the limit. ``LeaseLost`` when the
        server ended it already. Nothing to do for other leases."""
        if self._renew is not None:
            self._renew()


@contextmanager
def exclusive_lease(
    engine: Engine, name: str, *, hold_limit: float | None = None
) -> Iterator[Lease]:
    """Yield a true :class:`Lease` while this process holds the lease ``name`` on the
    database, a false one at once (without waiting) when another holder has it.
    ``hold_limit`` (seconds, on PostgreSQL): the server ends the lease once it has gone
    that long without a :meth:`Lease.renew`, held or frozen."""
    if engine.dialect.name == "postgresql":
        if hold_limit is not None:
            with _postgres_bounded_lease(engine, name, hold_limit) as lease:
                yield lease
            return
        with _postgres_lease(engine, name) as held:
            yield Lease(held)
        return
    database = sqlite_file(engine.url)
    if database is None:
        yield Lease(True)
        return
    with _file_lease(database.with_name(f"{database.name}.{name}.lease")) as held:
        yield Lease(held)


def postgres_lease_key(name: str) -> int:
    """The first key of the lease's advisory lock (the second is the schema's hash): what
    ``pg_locks.classid`` shows for it, for an operator looking for the holder."""
    return (LEASE_LOCK_CLASS ^ _name_key(name)) & 0x7FFFFFFF


@contextmanager
def _postgres_lease(engine: Engine, name: str) -> Iterator[bool]:
    key = postgres_lease_key(name)
    with engine.connect() as connection:
        held = bool(
            connection.execute(
                sa.text("SELECT pg_try_advisory_lock(:key, hashtext(current_schema()))"),
                {"key": key},
            ).scalar_one()
        )
        connection.commit()
        try:
            yield held
        finally:
            if held:
                connection.execute(
                    sa.text("SELECT pg_advisory_unlock(:key, hashtext(current_schema()))"),
                    {"key": key},
                )
                connection.commit()


@contextmanager
def _postgres_bounded_lease(engine: Engine, name: str, hold_limit: float) -> Iterator[Lease]:
    with engine.connect() as connection:
        limit = idle_limit_ms(hold_limit)
        # the limit and the lock in one message, as the writer lock's (ledger_store)
        held = bool(
            connection.exec_driver_sql(
                "SELECT pg_try_advisory_xact_lock(%s, hashtext(current_schema())), "
                + IDLE_LIMIT_SQL,
                (postgres_lease_key(name), limit),
            ).scalar_one()
        )

        def renew() -> None:
            try:
                connection.execute(sa.text("SELECT 1"))  # resets the idle clock
            except _ENDED as exc:
                raise LeaseLost(
                    f"the lease {name} was ended by the server: not renewed for {limit} ms"
                ) from exc

        failed = False
        try:
            yield Lease(held, renew if held else None)
        except BaseException:
            failed = True
            raise
        finally:
            try:
                connection.rollback()  # ends the transaction, and the lock with it
            except _ENDED as exc:
                if isinstance(exc, DatabaseUnreachable) or exc.connection_invalidated:
                    # the server ended the session at the limit: the lease was gone
                    log.warning("lease %s was held past its limit of %s ms", name, limit)
                elif not failed:
                    raise
                else:  # the body's own error is the one to see
                    log.error("lease %s: ending it failed too (%s)", name, type(exc).__name__)


@contextmanager
def _file_lease(path: Path) -> Iterator[bool]:
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)
