"""Nothing goes backwards unseen: a database put back from an older backup is refused by
``ledger verify`` and ``serve`` (and does nothing in the scheduler), because the largest
checkpoint the log signed is kept outside its database.

The restore is a real one: on SQLite the database file is copied aside and copied back
(what an operator's file backup does); on both databases every table is dumped and
restored row by row (what a logical dump does)."""

from __future__ import annotations

import json
import multiprocessing
import random
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from high_water_worker import raise_marks
from ledger_factories import at, entry
from typer.testing import CliRunner, Result

from backups import dump, restore
from fairscreen.adapters.db.ledger_store import append_batch, reading, writing
from fairscreen.adapters.high_water import FileMarkStore, mark_path
from fairscreen.domain.errors import LogRolledBack, MarkBusy, StorageUnavailable
from fairscreen.entrypoints.cli import app
from fairscreen.ledger.checkpoint import Checkpoint, sign_checkpoint
from fairscreen.ledger.high_water import HighWater
from fairscreen.ledger.log import Log
from fairscreen.ledger.note import NoteSigner


def _entries(count: int, offset: int = 0) -> list[bytes]:
    return [
        json.dumps(entry("source.queried", when=at(1, offset + i), category="education")).encode()
        for i in range(count)
    ]


class MemoryMark:
    """A mark for one process: its lock keeps its threads apart."""

    def __init__(self) -> None:
        self.note: str | None = None
        self.location = "memory"
        self._lock = threading.Lock()

    def read(self) -> str | None:
        return self.note

    def write(self, note: str) -> None:
        self.note = note

    @contextmanager
    def locked(self, *, wait: bool = True) -> Iterator[None]:
        if not self._lock.acquire(blocking=wait):
            raise MarkBusy("the memory mark is held")
        try:
            yield
        finally:
            self._lock.release()


class RaisedMeanwhile(MemoryMark):
    """A mark that another raiser changes right after the next read: the read returns
    what was there before, as a process's read does when another process writes just
    after it."""

    def __init__(self) -> None:
        super().__init__()
        self.meanwhile: Callable[[], object] | None = None

    def read(self) -> str | None:
        note = super().read()
        other, self.meanwhile = self.meanwhile, None
        if other is not None:
            other()
        return note


def test_the_mark_follows_the_log_and_refuses_it_once_it_went_back(
    engine: sa.Engine, database_url: str, signer: NoteSigner
) -> None:
    mark = HighWater(MemoryMark(), signer.verifier)
    append_batch(engine, _entries(40), guard=False)
    with writing(engine) as log:
        log.publish(signer)
    saved = dump(database_url)
    append_batch(engine, _entries(25, 40), guard=False)
    with writing(engine) as log:
        log.publish(signer)
        assert mark.follow(log) is not None
    assert mark.mark() is not None and mark.mark().size == 65  # type: ignore[union-attr]

    restore(database_url, saved)
    with reading(engine) as log, pytest.raises(LogRolledBack, match="holds 40 entries, but it"):
        mark.follow(log)

    # Written to after the restore: as large as the mark again, but another tree.
    append_batch(engine, _entries(25, 1000), guard=False)
    with reading(engine) as log, pytest.raises(LogRolledBack, match="not the tree it signed"):
        mark.check(log)
    assert mark.mark().size == 65  # type: ignore[union-attr]  # never lowered


def test_a_raise_that_may_not_wait_checks_the_log_and_leaves_a_held_mark_as_it_is(
    engine: sa.Engine, database_url: str, signer: NoteSigner
) -> None:
    """The sequencer's raise (``wait=False``) while another holder keeps the mark's lock
    (a process frozen mid-raise): the mark stays where it was and nothing waits; a log
    that went back is still refused, the check needing no lock; once the lock is free
    the next raise catches up."""
    store = MemoryMark()
    mark = HighWater(store, signer.verifier)
    append_batch(engine, _entries(40), guard=False)
    saved = dump(database_url)
    append_batch(engine, _entries(25, 40), guard=False)
    with writing(engine) as log:
        log.publish(signer)
        mark.follow(log)
    append_batch(engine, _entries(10, 65), guard=False)
    with writing(engine) as log:
        log.publish(signer)
    with store.locked():
        with reading(engine) as log:
            assert mark.follow(log, wait=False).size == 65  # type: ignore[union-attr]
        restore(database_url, saved)
        with reading(engine) as log, pytest.raises(LogRolledBack, match="holds 40 entries"):
            mark.follow(log, wait=False)
    append_batch(engine, _entries(35, 40), guard=False)  # the same 75 entries again
    with writing(engine) as log:
        log.publish(signer)
        assert mark.follow(log, wait=False).size == 75  # type: ignore[union-attr]


def test_the_mark_never_goes_down_and_accepts_only_a_tree_the_log_holds(
    engine: sa.Engine, signer: NoteSigner
) -> None:
    mark = HighWater(MemoryMark(), signer.verifier)
    append_batch(engine, _entries(10), guard=False)
    with writing(engine) as log:
        small = log.publish(signer).note
    append_batch(engine, _entries(10, 10), guard=False)
    with writing(engine) as log:
        large = log.publish(signer).note
        mark.raise_to(log, large)
        assert mark.raise_to(log, small).size == 20  # type: ignore[union-attr]
    # A mark signed by another key (another log, or a forged file) is refused, not obeyed.
    other = NoteSigner("fairscreen.test/ledger", bytes(range(1, 33)))
    with reading(engine) as log:
        mark.store.write(sign_checkpoint(Checkpoint(other.name, 20, log.root(20)), other))
        with pytest.raises(LogRolledBack, match="not a checkpoint signed by this log's key"):
            mark.check(log)


def _published(engine: sa.Engine, signer: NoteSigner, *sizes: int) -> dict[int, str]:
    """Grow the log to each of ``sizes`` in turn and publish there: the signed notes."""
    notes = {}
    for size in sizes:
        with reading(engine) as log:
            grown = log.size()
        append_batch(engine, _entries(size - grown, grown), guard=False)
        with writing(engine) as log:
            notes[size] = log.publish(signer).note
    return notes


def test_a_mark_raised_between_a_raisers_read_and_its_write_is_not_lowered(
    engine: sa.Engine, signer: NoteSigner
) -> None:
    """A reads the mark at 50, B raises it to 120, A goes on to raise it to 100: A must
    leave 120 (before the lock, A wrote 100 over it)."""
    notes = _published(engine, signer, 50, 100, 120)
    store = RaisedMeanwhile()
    first, second = HighWater(store, signer.verifier), HighWater(store, signer.verifier)
    with reading(engine) as log:
        first.raise_to(log, notes[50])
        store.meanwhile = lambda: second.raise_to(log, notes[120])
        in_force = first.raise_to(log, notes[100])
    assert store.meanwhile is None  # B did raise it in the middle of A's raise
    assert in_force is not None and in_force.size == 120
    assert first.mark() == in_force


def test_a_mark_of_another_tree_written_meanwhile_is_refused_not_overwritten(
    engine: sa.Engine, signer: NoteSigner
) -> None:
    """A mark written between a raiser's read and its write, at a size the raiser never
    checked its log against, is checked under the lock: one of another tree (a database
    restored and written to while this process ran) stays, as the evidence it is."""
    notes = _published(engine, signer, 50, 100)
    store = RaisedMeanwhile()
    mark = HighWater(store, signer.verifier)
    other_tree = sign_checkpoint(Checkpoint(signer.name, 60, bytes(32)), signer)
    with reading(engine) as log:
        mark.raise_to(log, notes[50])
        store.meanwhile = lambda: store.write(other_tree)
        with pytest.raises(LogRolledBack, match="first 60 entries are not the tree it signed"):
            mark.raise_to(log, notes[100])
    assert store.note == other_tree


def test_the_mark_files_lock_is_a_file_beside_it_and_a_frozen_holder_fails_a_waiter(
    tmp_path: Path, signer: NoteSigner
) -> None:
    path = tmp_path / "var" / "ledger" / "high-water-0123456789abcdef.checkpoint"
    holder, waiter = FileMarkStore(path), FileMarkStore(path, lock_wait=0.05)
    with holder.locked():
        # the mark is replaced by a rename on every write: the lock is on another file
        holder.write("a note\n")
        assert holder.lock_path.exists() and holder.lock_path.parent == path.parent
        with pytest.raises(StorageUnavailable) as refused, waiter.locked():
            pytest.fail("two holders at once")
    assert str(refused.value) == (
        f"cannot lock the high-water mark {path}: another process kept {holder.lock_path} "
        "locked for more than 0.05 s"
    )
    with waiter.locked():  # let go when the holder left
        assert waiter.read() == "a note\n"


def test_processes_raising_one_mark_file_at_once_never_lower_it(
    tmp_path: Path, signer: NoteSigner
) -> None:
    """Four processes raise the same mark files at the same moment, each to its own
    sizes in its own order: every process sees the mark only go up, and each file ends
    at the largest size any of them raised it to."""
    processes, rounds, raises, log_size = 4, 25, 12, 64
    order = random.Random(20261205)
    files = [tmp_path / f"round-{r:02d}" / "high-water.checkpoint" for r in range(rounds)]
    plans = [
        [(path, order.sample(range(1, log_size + 1), raises)) for path in files]
        for _ in range(processes)
    ]
    spawn = multiprocessing.get_context("spawn")
    start = spawn.Barrier(processes, timeout=120)
    results: Any = spawn.Queue()
    workers = [
        spawn.Process(target=raise_marks, args=(plan, log_size, start, results)) for plan in plans
    ]
    for worker in workers:
        worker.start()
    try:
        seen = [results.get(timeout=180) for _ in workers]
    finally:
        for worker in workers:
            worker.join(timeout=30)
    assert [worker.exitcode for worker in workers] == [0] * processes
    for observed in (sizes for process in seen for sizes in process):
        assert observed == sorted(observed), "a process saw the mark go down"
    for r, path in enumerate(files):
        final = HighWater(FileMarkStore(path), signer.verifier).mark()
        assert final is not None and final.size == max(max(plan[r][1]) for plan in plans)


# --- the operator's view: CLI -------------------------------------------------------------------


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        "FAIRSCREEN_DATABASE_URL": database_url,
        "FAIRSCREEN_DATA_DIR": str(tmp_path / "var"),
        "FAIRSCREEN_LEDGER_ORIGIN": "fairscreen.test/ledger",
        "FAIRSCREEN_KEY_PROVIDER": "file",
    }


def cli(env: dict[str, str], *arguments: str) -> Result:
    result = CliRunner().invoke(app, list(arguments), env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def _grow(env: dict[str, str], tmp_path: Path, count: int, offset: int) -> None:
    source = tmp_path / f"entries-{offset}.jsonl"
    source.write_text("\n".join(e.decode() for e in _entries(count, offset)) + "\n")
    result = cli(env, "ledger", "append", str(source), "--publish")
    assert result.exit_code == 0, result.output


def _refusals(env: dict[str, str]) -> None:
    verified = cli(env, "ledger", "verify")
    assert verified.exit_code == 1, verified.output
    assert "rolled-back: the log holds 50 entries, but it signed a checkpoint of size 80" in (
        verified.output
    )
    assert "restore a backup of the database that holds at least 80 entries" in verified.output
    # A copy checked on purpose as what it is: intact in itself.
    assert cli(env, "ledger", "verify", "--ignore-high-water").exit_code == 0
    # an address no server can bind: without the refusal the test fails, it never hangs
    served = cli(env, "serve", "--host", "256.0.0.1", "--scheduler-interval", "0")
    assert served.exit_code == 1
    assert served.output.count("\n") == 1 and "error: the log holds 50 entries" in served.output
    published = cli(env, "ledger", "publish")
    assert published.exit_code == 1 and "holds 50 entries" in published.output


def test_a_restored_dump_is_refused_by_verify_serve_and_publish(
    env: dict[str, str], tmp_path: Path
) -> None:
    url = env["FAIRSCREEN_DATABASE_URL"]
    assert cli(env, "db", "upgrade").exit_code == 0
    _grow(env, tmp_path, 50, 0)
    saved = dump(url)
    _grow(env, tmp_path, 30, 50)
    assert cli(env, "ledger", "verify").exit_code == 0
    restore(url, saved)
    _refusals(env)
    # The way back the line names: the newer database again.
    _grow(env, tmp_path, 30, 50)
    assert cli(env, "ledger", "verify").exit_code == 0


def test_a_sqlite_file_put_back_is_refused(sqlite_url: str, tmp_path: Path) -> None:
    env = {
        "FAIRSCREEN_DATABASE_URL": sqlite_url,
        "FAIRSCREEN_DATA_DIR": str(tmp_path / "var"),
        "FAIRSCREEN_LEDGER_ORIGIN": "fairscreen.test/ledger",
        "FAIRSCREEN_KEY_PROVIDER": "file",
    }
    database = Path(sa.make_url(sqlite_url).database or "")
    assert cli(env, "db", "upgrade").exit_code == 0
    _grow(env, tmp_path, 50, 0)
    shutil.copyfile(database, tmp_path / "backup.db")
    _grow(env, tmp_path, 30, 50)
    shutil.copyfile(tmp_path / "backup.db", database)
    _refusals(env)
    mark = mark_path(tmp_path / "var", "fairscreen.test/ledger", sqlite_url)
    assert FileMarkStore(mark).read() is not None


def test_the_mark_is_kept_per_database(tmp_path: Path) -> None:
    data = tmp_path / "var"
    first = mark_path(data, "o/ledger", f"sqlite:///{tmp_path / 'a.db'}")
    assert first == mark_path(data, "o/ledger", f"sqlite:///{tmp_path / 'x' / '..' / 'a.db'}")
    assert first != mark_path(data, "o/ledger", f"sqlite:///{tmp_path / 'b.db'}")
    assert first != mark_path(data, "other/ledger", f"sqlite:///{tmp_path / 'a.db'}")
    assert mark_path(data, "o", "postgresql+psycopg://u:secret@h/db") == mark_path(
        data, "o", "postgresql+psycopg://u:other@h/db"
    )


def test_a_mark_raised_after_a_readers_snapshot_is_no_rollback(
    engine: sa.Engine, signer: NoteSigner
) -> None:
    """``follow`` reads the mark before its snapshot's first statement: another process
    that publishes a larger checkpoint and raises the mark meanwhile is not "the log went
    back" (the failure drill saw that false refusal in a sequencer woken from SIGSTOP)."""
    mark = HighWater(MemoryMark(), signer.verifier)
    append_batch(engine, _entries(10), guard=False)
    with writing(engine) as log:
        log.publish(signer)
    with reading(engine) as log:
        mark.follow(log)

    class PublishedMeanwhile:
        """The reader's log; once its snapshot is taken, another process publishes."""

        def __init__(self, log: Log) -> None:
            self.log = log

        def latest_checkpoint(self) -> Any:
            found = self.log.latest_checkpoint()  # the snapshot begins here
            append_batch(engine, _entries(5, 10), guard=False)
            with writing(engine) as other:
                other.publish(signer)
            with reading(engine) as other:
                mark.follow(other)
            return found

        def __getattr__(self, name: str) -> Any:
            return getattr(self.log, name)

    with reading(engine) as log:
        seen = mark.follow(PublishedMeanwhile(log))  # type: ignore[arg-type]
    # no refusal: the snapshot holds the mark it read first, and the mark stays where the
    # other process raised it
    assert seen is not None and seen.size == 10
    raised = mark.mark()
    assert raised is not None and raised.size == 15
    with reading(engine) as log:
        assert mark.follow(log) == raised
