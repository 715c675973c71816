"""Engines for the one fairscreen schema: SQLite by default, PostgreSQL by URL.

SQLite needs care to behave like a database with real transactions (SQLAlchemy's
documented pysqlite recipe): the driver's own implicit transactions are switched off and
every transaction starts with an explicit ``BEGIN``, so a reader sees one snapshot and a
writer can ask for ``BEGIN IMMEDIATE`` (the database write lock, taken up front, so two
writers queue instead of failing halfway). Each connection also gets:

- ``journal_mode=WAL``: readers never block the writer nor each other;
- ``synchronous=FULL`` by default: a committed ledger batch survives power loss, not just
  a crashed process (evidence must not vanish after it was acknowledged);
- ``busy_timeout``: a second writer waits for the lock instead of failing at once;
- ``foreign_keys=ON``;
- ``secure_delete=ON``: deleted rows are overwritten with zeros, not left in free pages
  for a copy of the file to find (set here, not left to how SQLite was built: Debian
  builds it on, others do not). :func:`checkpoint_wal` then moves a purge from the WAL
  into the file itself (issue 18).

A SQLite file is created with mode 0600 (an existing one is narrowed to it).
"""

from __future__ import annotations

import sys
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection, Engine, RowMapping

from fairscreen.adapters.secret_files import private_file
from fairscreen.domain.errors import (
    DatabaseBusy,
    DatabaseUnreachable,
    InvalidInput,
    StorageUnavailable,
)

SqliteSynchronous = Literal["OFF", "NORMAL", "FULL", "EXTRA"]

_BEGIN_OPTION = "fairscreen_sqlite_begin"


def sqlite_file(url: sa.URL) -> Path | None:
    """The file of a SQLite database URL; None for an in-memory or URI-named database."""
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


@dataclass(frozen=True, slots=True)
class PostgresTimeouts:
    """How long a PostgreSQL transaction may wait, in milliseconds (0: for ever).

    One frozen process (SIGSTOP of the ledger lock's holder) stopped every write of every
    process for as long as it lasted (issue 16 item 3). With these, a writer queued
    behind it fails after ``lock_ms`` with ``DATABASE_BUSY`` (503, nothing written), a
    statement running away is cancelled after ``statement_ms``, and a transaction left
    open by a stalled client is ended by the server after ``idle_in_transaction_ms``,
    which releases its locks. Defaults: 5 s, 30 s, 60 s (``FAIRSCREEN_DB_*_TIMEOUT_MS``).

    Where they are set (``scope``, ``FAIRSCREEN_DB_TIMEOUTS_SCOPE``):

    - ``connection`` (the default): once, when the connection is opened, as the libpq
      startup ``options`` (``-c lock_timeout=…``, added to any the URL names), with
      the session's zone named ``UTC`` beside them (see :func:`create_engine`): no
      statement and no round trip per transaction. A request makes some 30 transactions
      per lifecycle over its two databases; the ``SET LOCAL`` of each was one round trip
      of a dozen the whole transaction takes (docs/operations.md, 'Where a lifecycle's
      server CPU goes'). Behind PgBouncer in transaction mode this is not safe: PgBouncer
      refuses startup ``options`` it does not know (or, told to ignore them, drops them),
      and a client's transactions run on whichever server connection is free.
    - ``transaction``: at the start of every transaction with ``SET LOCAL``, in one
      message, so nothing outlives the transaction on the server connection: they work
      behind PgBouncer in transaction mode, at one more round trip per transaction.

    With all three 0 nothing is set, and the server's settings for the role apply
    (``ALTER ROLE fairscreen SET lock_timeout = '5s'``: safe under PgBouncer too, at no
    cost per transaction).
    """

    lock_ms: int = 5_000
    statement_ms: int = 30_000
    idle_in_transaction_ms: int = 60_000
    scope: Literal["connection", "transaction"] = "connection"

    def __post_init__(self) -> None:
        for name in ("lock_ms", "statement_ms", "idle_in_transaction_ms"):
            if not 0 <= getattr(self, name) <= 86_400_000:
                raise InvalidInput("0 to 86,400,000 milliseconds", field=f"timeouts.{name}")
        if self.scope not in ("connection", "transaction"):
            raise InvalidInput("connection or transaction", field="timeouts.scope")

    def settings(self) -> tuple[tuple[str, int], ...]:
        """The three as (PostgreSQL setting, whole milliseconds)."""
        return (
            ("lock_timeout", int(self.lock_ms)),
            ("statement_timeout", int(self.statement_ms)),
            ("idle_in_transaction_session_timeout", int(self.idle_in_transaction_ms)),
        )


#: A transaction's own idle limit (PostgreSQL; ``set_config(…, true)`` is ``SET LOCAL``,
#: callable beside other work in one ``SELECT``): its one parameter from
#: :func:`idle_limit_ms`. The sequencer's lease and its writer lock use it, so that a
#: frozen holder is ended sooner than ``PostgresTimeouts.idle_in_transaction_ms``.
IDLE_LIMIT_SQL = "set_config('idle_in_transaction_session_timeout', %s, true)"


def idle_limit_ms(seconds: float) -> str:
    """``seconds`` as the setting's value: whole milliseconds, at least 1 (0 is none)."""
    return str(max(1, round(seconds * 1000)))


#: The startup options :func:`create_engine` adds to each connection of an engine.
_STARTUP_OPTIONS: weakref.WeakKeyDictionary[Engine, str] = weakref.WeakKeyDictionary()


def libpq_conninfo(engine: Engine) -> str:
    """A PostgreSQL engine's connection parameters as a libpq connection string, with
    the startup options its own connections get (the timeouts, when set per
    connection): for a connection made apart from its pool (``adapters/db/loop_reads.py``,
    the worker's job queue)."""
    from psycopg.conninfo import make_conninfo

    _args, params = engine.dialect.create_connect_args(engine.url)
    options = f"{params.get('options', '')} {_STARTUP_OPTIONS.get(engine, '')}".strip()
    if options:
        params["options"] = options
    # SQLAlchemy's own adapters (``context``) are for its connections, not libpq's
    libpq = {name: str(value) for name, value in params.items() if isinstance(value, str | int)}
    return make_conninfo(**libpq)


def create_engine(
    url: str,
    *,
    sqlite_synchronous: SqliteSynchronous = "FULL",
    sqlite_busy_timeout_ms: int = 30_000,
    postgres_timeouts: PostgresTimeouts | None = None,
    **engine_options: Any,
) -> Engine:
    """An engine for ``url`` with the SQLite pragmas and transaction handling above, or
    on PostgreSQL with :class:`PostgresTimeouts` (the defaults unless given)."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "sqlite":
        engine = sa.create_engine(parsed, **engine_options)
        event.listen(engine, "handle_error", _unreachable_database)
        event.listen(engine, "connect", _describe_on_demand)
        timeouts = postgres_timeouts or PostgresTimeouts()
        if not (timeouts.lock_ms or timeouts.statement_ms or timeouts.idle_in_transaction_ms):
            return engine  # all off: the role's or database's own settings apply
        if timeouts.scope == "connection":
            # Added to the startup options the URL may carry (``-csearch_path=…``). The
            # session's zone goes with them: psycopg hands a timestamptz back in it, and
            # only for a zone named exactly ``UTC`` as ``datetime.timezone.utc``; for
            # another name (the server's default here is ``Etc/UTC``) as a ``ZoneInfo``,
            # which ``UtcDateTime`` then converts, 6.6k instructions a moment. Every
            # moment is bound with its offset (``UtcDateTime``); the one statement that
            # reads a zone, the public statistics' EXTRACT of year and month, names UTC
            # itself (``services/stats.py``), so no answer depends on this setting.
            startup = " ".join(f"-c {name}={ms}" for name, ms in timeouts.settings())
            startup += " -c TimeZone=UTC"
            _STARTUP_OPTIONS[engine] = startup

            @event.listens_for(engine, "do_connect")
            def _limit_on_connect(
                _dialect: Any, _record: Any, _args: Any, params: dict[str, Any]
            ) -> None:
                params["options"] = f"{params.get('options', '')} {startup}".strip()

            return engine
        # Whole numbers checked by PostgresTimeouts: written in, no parameters, so the
        # three go as one simple-protocol message (parameters cost a parse each time).
        limits = "; ".join(f"SET LOCAL {name} = {ms}" for name, ms in timeouts.settings())

        @event.listens_for(engine, "begin")
        def _limit_waits(connection: Connection) -> None:
            raw = connection.connection.driver_connection
            assert raw is not None
            if raw.autocommit:  # no transaction for SET LOCAL (:func:`one_statement`)
                return
            raw.execute(limits)

        return engine
    path = sqlite_file(parsed)
    if path is not None:
        # The file's own folder is made (var/ for the default URL), never a chain of them:
        # a mistyped URL must not leave directories across the file system.
        if not path.parent.parent.is_dir():
            raise InvalidInput(
                f"no folder {path.parent.parent} to put {path.name} in", field="database-url"
            )
        path.parent.mkdir(mode=0o700, exist_ok=True)
        # The database holds personal data (encrypted) and tokens' hashes: its owner's
        # alone. SQLite gives the -wal and -shm files the database file's mode.
        private_file(path)
    engine = sa.create_engine(parsed, **engine_options)

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # The driver must not open transactions on its own; we emit BEGIN ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            # First: switching a new file to WAL takes its lock, and processes starting
            # together on it must wait for one another there too, not fail "locked".
            cursor.execute(f"PRAGMA busy_timeout={int(sqlite_busy_timeout_ms)}")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA synchronous={sqlite_synchronous}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA secure_delete=ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


def _describe_on_demand(dbapi_connection: Any, _record: Any) -> None:
    """Each statement's columns described only when read (``described_cursor.py``):
    SQLAlchemy reads them once per statement, not once per execution."""
    from fairscreen.adapters.db.described_cursor import DescribedOnDemand

    dbapi_connection.cursor_factory = DescribedOnDemand


def _unreachable_database(context: sa.engine.ExceptionContext) -> None:
    """A PostgreSQL engine's lost or refused connection raised as ``DatabaseUnreachable``,
    wherever the statement came from (a unit of work, a query of a service, the ledger,
    the CLI): a restart of the server cuts every connection of every pool, and each
    request caught by it must be told "try again" (503), not fail as an unhandled
    driver error (500). SQLAlchemy has invalidated the pool by then, so the next
    checkout connects anew. Other errors go on as they were (the units of work name a
    full disk or a lock wait in their own terms)."""
    if context.is_pre_ping:
        return
    error = context.sqlalchemy_exception or context.original_exception
    url = context.engine.url if context.engine is not None else None
    problem = storage_problem(error, url)
    if isinstance(problem, DatabaseUnreachable):
        raise problem from error


def checkpoint_wal(engine: Engine) -> bool:
    """Copy the WAL into the SQLite file and empty it (``wal_checkpoint(TRUNCATE)``); True
    when complete. Until then a purge lives only in the WAL, and a copy of the main file
    alone (a backup taken while a server holds the file open) still holds what it
    destroyed. A reader holding an old snapshot makes it incomplete: the next purge
    tries again. Nothing to do on PostgreSQL."""
    if not is_sqlite(engine):
        return True
    with engine.connect() as connection:
        busy, _, _ = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
    return not busy


def is_sqlite(connection: Connection | Engine) -> bool:
    return connection.dialect.name == "sqlite"


def one_of(
    connection: Connection, column: sa.ColumnElement[Any], values: Sequence[str]
) -> sa.ColumnElement[bool]:
    """``column IN values`` written so the database parses it once per shape: on
    PostgreSQL one array parameter (``= ANY(:values)``) instead of one parameter per
    value, which made the driver re-parse every batch's query (the purge's hot path)."""
    return one_of_parameter(connection.dialect.name, column, None, list(values))


def one_of_parameter(
    dialect: str, column: sa.ColumnElement[Any], name: str | None, values: Any = None
) -> sa.ColumnElement[bool]:
    """:func:`one_of` on the database kind ``dialect``, its values the parameter ``name``
    (a list given at execution): for a statement built once and kept, which a statement
    built on every call is not (its construction and cache key cost more than running
    it, on the client)."""
    if dialect == "postgresql":
        return column == sa.any_(sa.bindparam(name, values, type_=postgresql.ARRAY(sa.String)))
    return column.in_(sa.bindparam(name, values, expanding=True))


def first_mapping(result: sa.Result[Any]) -> RowMapping | None:
    """The result's first row by column name, or None; the result closed. What
    ``result.mappings().first()`` gives, for some 20,000 instructions less a statement
    (callgrind, one 26-column row on PostgreSQL: 376k against 356k): ``mappings()``
    wraps the result in a ``MappingResult`` whose ``first`` runs SQLAlchemy's generic
    Python path, where the row's ``_mapping`` is one object made."""
    row = result.first()
    return None if row is None else row._mapping


def all_mappings(result: sa.Result[Any]) -> list[RowMapping]:
    """The result's rows by column name (``result.mappings().all()``, as
    :func:`first_mapping`: 378k against 356k a one-row read, callgrind)."""
    return [row._mapping for row in result.all()]


def one_mapping(result: sa.Result[Any]) -> RowMapping:
    """The result's one row by column name (``result.mappings().one()``, as
    :func:`first_mapping`): raises as ``one()`` does when there is none or more."""
    return result.one()._mapping


def as_writer(connection: Connection) -> Connection:
    """Make the connection's transactions writers': ``BEGIN IMMEDIATE`` on SQLite (the
    write lock up front); on PostgreSQL the ledger's advisory lock does that job."""
    if is_sqlite(connection):
        connection.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})
    return connection


@contextmanager
def begin_write(engine: Engine) -> Iterator[Connection]:
    """A connection in a *writer* transaction, committed on success, rolled back on error.

    On SQLite the transaction starts with ``BEGIN IMMEDIATE`` (the database write lock);
    on PostgreSQL writers serialise on the ledger's advisory lock instead, taken by the
    ledger store when it appends.
    """
    with engine.connect() as connection, as_writer(connection).begin():
        yield connection


@contextmanager
def begin_read(engine: Engine) -> Iterator[Connection]:
    """A connection in a read transaction (one consistent snapshot), rolled back after.

    SQLite's deferred transaction reads one WAL snapshot; PostgreSQL needs
    ``REPEATABLE READ`` for that (its default, READ COMMITTED, would let a long
    ``ledger verify`` see entries, tiles and checkpoints from different moments).
    """
    with engine.connect() as connection:
        if not is_sqlite(engine):
            connection.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        with connection.begin() as transaction:
            yield connection
            transaction.rollback()


@contextmanager
def one_statement(engine: Engine) -> Iterator[Connection]:
    """A connection for a read that is one statement (one statement is one snapshot by
    itself): on PostgreSQL in autocommit, so it is one round trip, not three (``BEGIN``,
    the statement, ``ROLLBACK``; the API's token check, on every request). With the
    timeouts set per transaction (``scope="transaction"``) there is no transaction to
    set them in, and the role's own settings apply to it. On SQLite a connection as
    :meth:`Engine.connect` gives it."""
    with engine.connect() as connection:
        if not is_sqlite(engine):
            connection.execution_options(isolation_level="AUTOCOMMIT")
        yield connection


#: "fsmg" as a signed 32-bit integer: the class of the migration advisory lock (the
#: ledger writer's is "fsld", the leases' "fssl"), paired with the schema.
MIGRATION_LOCK_CLASS = int.from_bytes(b"fsmg", "big", signed=True)


def hold_migration_lock(connection: Connection) -> None:
    """Take the migration lock in the connection's transaction, waiting for a holder to
    commit: on PostgreSQL ``pg_advisory_xact_lock`` keyed by the schema, released at
    commit or rollback (or when the process dies). Three processes started together on
    an empty database used to create the same tables at once, and two died with
    ``IntegrityError`` (issue 16 item 3); now the second waits, then finds the schema at
    its revision and does nothing. On SQLite the migrating connection is a writer from
    its first statement instead (:func:`as_writer`: ``BEGIN IMMEDIATE``, which waits
    ``busy_timeout`` for the database's one write lock; a deferred transaction that read
    first failed "database is locked" when it came to write)."""
    if is_sqlite(connection):
        return
    # A migration may wait for another and run long: no request timeout applies to it.
    connection.exec_driver_sql(
        "SELECT set_config('lock_timeout', '0', true), set_config('statement_timeout', '0', true)"
    )
    connection.execute(
        sa.text("SELECT pg_advisory_xact_lock(:class, hashtext(current_schema()))"),
        {"class": MIGRATION_LOCK_CLASS},
    )


def holds_tables(url: str) -> bool:
    """True when the database at ``url`` already has tables. Asking changes nothing: a
    SQLite file that does not exist is not created, and one that does is opened without
    the pragmas above (switching it to WAL would rewrite its header)."""
    parsed = sa.make_url(url)
    path = sqlite_file(parsed) if parsed.get_backend_name() == "sqlite" else None
    if path is not None and not path.exists():
        return False
    engine = sa.create_engine(parsed)
    try:
        return bool(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


# --- storage that cannot be written -------------------------------------------------------------

#: PostgreSQL SQLSTATEs: disk_full, read_only_sql_transaction, insufficient_privilege
_PG_DISK_FULL, _PG_READ_ONLY = "53100", "25006"
#: lock_not_available (lock_timeout), query_canceled (statement_timeout),
#: idle_in_transaction_session_timeout
_PG_GAVE_UP = {
    "55P03": "a lock was held by another transaction for longer than lock_timeout",
    "57014": "a statement ran longer than statement_timeout",
    "25P03": "the transaction stayed idle longer than idle_in_transaction_session_timeout",
}


def storage_problem(error: BaseException, url: sa.URL | None = None) -> StorageUnavailable | None:
    """A :class:`StorageUnavailable` naming the cause when ``error`` (a driver error, as
    SQLAlchemy wraps it, or an ``OSError``) means the storage cannot be written: the disk
    is full, the database is read-only, or a SQLite file beside it (``-wal``, ``-shm``)
    cannot be written; a :class:`DatabaseBusy` when PostgreSQL gave up waiting (one of
    :class:`PostgresTimeouts`). None for any other error. Messages carry paths and the
    driver's reason, never a value."""
    import errno

    if isinstance(error, StorageUnavailable):
        return error  # told already (the engine's own hook): a wrapper passes it on
    cause = getattr(error, "orig", None) or error
    text = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
    state = getattr(cause, "sqlstate", None) or getattr(
        getattr(cause, "diag", None), "sqlstate", None
    )
    number = getattr(cause, "errno", None)
    where = _where(url)
    if state in _PG_GAVE_UP:
        return DatabaseBusy(
            f"the database gave up waiting{where}: {_PG_GAVE_UP[state]}; nothing was written, "
            "try again (a process holding locks may be stalled: docs/operations.md)"
        )
    if (
        number == errno.ENOSPC
        or state == _PG_DISK_FULL
        or "disk is full" in text
        or ("No space left on device" in text)
    ):
        return StorageUnavailable(
            f"the disk is full{where} ({text}); nothing was written: free space and retry"
        )
    if (
        number == errno.EROFS
        or state == _PG_READ_ONLY
        or "readonly database" in text
        or ("read-only" in text)
    ):
        return StorageUnavailable(
            f"the database is read-only{where} ({text}); nothing was written: "
            + _sqlite_remedy(url)
        )
    if _connection_lost(error, cause, state):
        return DatabaseUnreachable(
            f"the database cannot be reached{where} ({text}): the server is down or "
            "restarting, the address is wrong, or the connection was lost; nothing was "
            "written unless it was lost while committing"
        )
    if "unable to open database file" in text or number == errno.EACCES:
        return StorageUnavailable(
            f"the database cannot be opened for writing{where} ({text}): " + _sqlite_remedy(url)
        )
    return None


@contextmanager
def storage_errors(url: sa.URL | None = None) -> Iterator[None]:
    """Within the block, a driver's error that :func:`storage_problem` names (a full disk,
    a read-only file, a lock wait given up, a database out of reach) is raised as that,
    with the driver's error as its cause, on every surface; any other passes unchanged.
    SQLAlchemy's wrapped errors and psycopg's own (the token reads on the event loop,
    ``adapters/db/loop_reads.py``, use psycopg directly) alike."""
    try:
        yield
    except Exception as exc:
        drivers: tuple[type[Exception], ...] = (sa.exc.DBAPIError, *_psycopg_errors())
        problem = storage_problem(exc, url) if isinstance(exc, drivers) else None
        if problem is None:
            raise
        raise problem from exc


def _loaded_psycopg() -> ModuleType | None:
    """The driver, once loaded; None before: no error can be psycopg's then, and a
    SQLite-only command need not load the driver to find out."""
    return sys.modules.get("psycopg")


def _psycopg_errors() -> tuple[type[Exception], ...]:
    psycopg = _loaded_psycopg()
    return () if psycopg is None else (psycopg.Error,)


#: PostgreSQL's SQLSTATEs for a server that ends or refuses the connection: the class
#: "connection exception" (08…), and the administrator's or a crash's shutdown and
#: "the database system is starting up" (57P01-57P03)
_PG_CONNECTION_CLASS = "08"
_PG_SHUTDOWN = frozenset({"57P01", "57P02", "57P03"})


def _connection_lost(error: BaseException, cause: BaseException, state: str | None) -> bool:
    """Whether ``error`` says PostgreSQL cannot be reached or the connection dropped:
    by its SQLSTATE, by SQLAlchemy's disconnect detection (which then drops the pool's
    other connections to the same server), or as psycopg's ``OperationalError`` without
    a SQLSTATE, which it raises when no server answered (a failed connect, a closed
    socket). SQLite's errors are none of these."""
    if state is not None:
        return state.startswith(_PG_CONNECTION_CLASS) or state in _PG_SHUTDOWN
    if getattr(error, "connection_invalidated", False):
        return True
    psycopg = _loaded_psycopg()
    return psycopg is not None and isinstance(cause, psycopg.OperationalError)


def _where(url: sa.URL | None) -> str:
    if url is None:
        return ""
    path = sqlite_file(url) if url.get_backend_name() == "sqlite" else None
    return f" at {path}" if path is not None else f" at {url.render_as_string(hide_password=True)}"


def _sqlite_remedy(url: sa.URL | None) -> str:
    """What to mend, naming the file: SQLite needs to write the folder, the file and its
    ``-wal`` and ``-shm`` (a read-only ``-shm`` left behind keeps every write failing
    after the database itself was made writable again)."""
    path = sqlite_file(url) if url is not None and url.get_backend_name() == "sqlite" else None
    if path is None:
        return "make the database writable (its server, its role's rights, its disk)"
    import os

    for candidate in (
        path.parent,
        path,
        path.with_name(path.name + "-wal"),
        path.with_name(path.name + "-shm"),
    ):
        if candidate.exists() and not os.access(candidate, os.W_OK):
            mode = candidate.stat().st_mode & 0o777
            if candidate.name.endswith(("-wal", "-shm")):
                return (
                    f"{candidate} is not writable (mode {mode:o}): remove it while no process "
                    "has the database open (SQLite makes it again), or chmod u+w it"
                )
            return f"{candidate} is not writable (mode {mode:o}): chmod u+w it"
    return f"make {path}, its folder and its -wal and -shm files writable, and the disk too"
