"""The append-only log over a :class:`~fairscreen.ledger.store.LedgerStore`.

Sequencing and publishing are separate steps, as in Tessera:

1. **Sequence** (:meth:`Log.append`): a batch of entries gets consecutive indices, its
   leaf hashes go into the level-0 tiles and every tile above that changes is rewritten,
   all in the caller's unit of work, so the batch is stored entirely or not at all.
2. **Publish** (:meth:`Log.publish`): sign a checkpoint of the current tree now and then
   (on an interval, or when asked), not on every append.

:class:`GroupCommitter` gathers entries from many threads into one batch per transaction
(group commit); :class:`CheckpointPublisher` publishes on an interval.
"""

from __future__ import annotations

import hashlib
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime

from fairscreen.domain.errors import LedgerError
from fairscreen.ledger.checkpoint import Checkpoint, sign_checkpoint
from fairscreen.ledger.merkle import EMPTY_ROOT
from fairscreen.ledger.note import NoteSigner
from fairscreen.ledger.store import LedgerStore, StoredCheckpoint
from fairscreen.ledger.tiles import (
    HASH_SIZE,
    TILE_HEIGHT,
    TILE_WIDTH,
    NodeId,
    TileKey,
    consistency_plan,
    edge_tile_keys,
    extend_tiles,
    fold,
    inclusion_plan,
    interior_offset,
    node_from_tiles,
    range_nodes,
)

_sha256 = hashlib.sha256


@dataclass(frozen=True, slots=True)
class AppendResult:
    """Where a batch landed: indices ``first_index .. size-1``."""

    first_index: int
    size: int


@dataclass(frozen=True, slots=True)
class InclusionProof:
    index: int
    size: int
    leaf_hash: bytes
    proof: tuple[bytes, ...]
    root: bytes


@dataclass(frozen=True, slots=True)
class ConsistencyProof:
    old_size: int
    new_size: int
    old_root: bytes
    new_root: bytes
    proof: tuple[bytes, ...]


class Log:
    """An RFC 9162 log whose tree lives in tlog-tiles; every read is O(log n) rows."""

    def __init__(self, store: LedgerStore) -> None:
        self._store = store

    @property
    def store(self) -> LedgerStore:
        return self._store

    def size(self) -> int:
        return self._store.read_size()

    # --- sequencing -----------------------------------------------------------------------

    def append(
        self, entries: Sequence[bytes], pending_ids: Sequence[int] | None = None
    ) -> AppendResult:
        """Sequence ``entries`` as one atomic batch inside the store's unit of work
        (``pending_ids``: the id each had while pending, stored beside it).

        Takes the writer lock first, so concurrent writers queue up rather than fork.
        """
        if not entries:
            size = self._store.read_size()
            return AppendResult(size, size)
        self._store.lock_for_append()
        size = self._store.read_size()
        edge = self._store.read_tiles(edge_tile_keys(size))
        leaves = [_sha256(b"\x00" + entry).digest() for entry in entries]
        tiles = extend_tiles(size, edge, leaves)
        new_size = size + len(entries)
        self._store.write_append(size, entries, tiles, new_size, pending_ids)
        return AppendResult(size, new_size)

    # --- reading the tree -------------------------------------------------------------------

    def _resolve(self, nodes: Sequence[NodeId]) -> dict[NodeId, bytes]:
        """The hashes of ``nodes``, from one read of the tiles that hold them.

        This is the proof hot path, so :func:`tile_for_node` and :meth:`Tile.node` are
        inlined here (same arithmetic; the tiles tests cover both).
        """
        located: dict[NodeId, tuple[TileKey, int, int, int]] = {}
        mask = TILE_WIDTH - 1
        for node in nodes:
            if node not in located:
                height, index = node
                inner = height & (TILE_HEIGHT - 1)
                first = index << inner
                located[node] = (
                    (height >> 3, first >> TILE_HEIGHT),
                    inner,
                    index & (mask >> inner),
                    (first & mask) + (1 << inner),
                )
        tiles = self._store.read_tiles({location[0] for location in located.values()})
        found: dict[NodeId, bytes] = {}
        for node, (key, inner, position, needed) in located.items():
            tile = tiles.get(key)
            if tile is None or len(tile.hashes) < needed * HASH_SIZE:
                found[node] = node_from_tiles(node, tiles)  # raises, naming the tile
            elif inner == 0:
                start = position * HASH_SIZE
                found[node] = tile.hashes[start : start + HASH_SIZE]
            else:
                width = len(tile.hashes) // HASH_SIZE
                start = interior_offset(width, inner) + position * HASH_SIZE
                found[node] = tile.interior[start : start + HASH_SIZE]
        return found

    def _checked_size(self, size: int | None) -> int:
        """The log's size when ``size`` is None; an explicit size costs no extra read,
        because a size beyond the log finds its tiles missing and fails there."""
        if size is None:
            return self._store.read_size()
        if size < 0:
            raise LedgerError(f"tree size {size} is negative")
        return size

    def root(self, size: int | None = None) -> bytes:
        """The root hash of the tree of ``size`` entries (default: the whole log)."""
        size = self._checked_size(size)
        if size == 0:
            return EMPTY_ROOT
        nodes = range_nodes(0, size)
        hashes = self._resolve(nodes)
        return fold([hashes[node] for node in nodes])

    def inclusion_proof(self, index: int, size: int | None = None) -> InclusionProof:
        """The proof that entry ``index`` is in the tree of ``size`` (RFC 9162 §2.1.3)."""
        size = self._checked_size(size)
        if not 0 <= index < size:
            raise LedgerError(f"index {index} is outside a tree of size {size}")
        plan = inclusion_plan(index, size)
        root_nodes = range_nodes(0, size)
        leaf: NodeId = (0, index)
        wanted = [leaf, *root_nodes]
        for element in plan:
            wanted.extend(element)
        hashes = self._resolve(wanted)
        return InclusionProof(
            index=index,
            size=size,
            leaf_hash=hashes[leaf],
            proof=_elements(plan, hashes),
            root=fold([hashes[node] for node in root_nodes]),
        )

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> ConsistencyProof:
        """The proof that the tree of ``old_size`` is a prefix of ``new_size`` (§2.1.4)."""
        new_size = self._checked_size(new_size)
        if not 0 < old_size <= new_size:
            raise LedgerError(
                f"consistency: old size {old_size} is outside 1..{new_size} (the new size)"
            )
        plan = consistency_plan(old_size, new_size)
        old_nodes, new_nodes = range_nodes(0, old_size), range_nodes(0, new_size)
        wanted = [*old_nodes, *new_nodes]
        for element in plan:
            wanted.extend(element)
        hashes = self._resolve(wanted)
        return ConsistencyProof(
            old_size=old_size,
            new_size=new_size,
            old_root=fold([hashes[node] for node in old_nodes]),
            new_root=fold([hashes[node] for node in new_nodes]),
            proof=_elements(plan, hashes),
        )

    def entry(self, index: int) -> bytes:
        rows = self._store.read_entries(index, index + 1)
        if not rows:
            raise LedgerError(f"entry {index} is not in the log")
        return rows[0][1]

    # --- publishing ---------------------------------------------------------------------------

    def publish(
        self, signer: NoteSigner, *, now: datetime | None = None, force: bool = False
    ) -> StoredCheckpoint:
        """Sign and store a checkpoint of the current tree (C2SP tlog-checkpoint).

        When the latest checkpoint already covers the current size it is returned as is
        (unless ``force``), so publishing on an interval does not pile up equal notes.
        Takes the writer lock first: two publishers at once (the sequencer and
        ``fairscreen ledger publish``) sign one checkpoint per size, not two.
        """
        self._store.lock_for_append()
        size = self._store.read_size()
        latest = self._store.latest_checkpoint()
        if latest is not None and latest.size == size and not force:
            return latest
        root = self.root(size)
        note = sign_checkpoint(Checkpoint(signer.name, size, root), signer)
        published_at = now if now is not None else datetime.now(UTC)
        identifier = self._store.add_checkpoint(size, root, note, published_at)
        return StoredCheckpoint(identifier, size, root, note, published_at)

    def latest_checkpoint(self) -> StoredCheckpoint | None:
        return self._store.latest_checkpoint()


def _elements(plan: list[list[NodeId]], hashes: dict[NodeId, bytes]) -> tuple[bytes, ...]:
    """Each proof element: one stored node, or the right fold of an incomplete range's."""
    return tuple(
        hashes[element[0]] if len(element) == 1 else fold([hashes[node] for node in element])
        for element in plan
    )


# --- group commit and interval publishing ------------------------------------------------------


class GroupCommitter:
    """Gathers entries submitted by many threads into one batch per transaction.

    ``append_batch`` runs one atomic append (for SQL: begin the writer transaction,
    :meth:`Log.append`, commit). Each :meth:`submit` returns a future resolved with the
    entry's index once its batch is committed, or with the batch's error.
    """

    def __init__(
        self,
        append_batch: Callable[[Sequence[bytes]], AppendResult],
        *,
        max_batch: int = 1000,
        max_delay: float = 0.02,
    ) -> None:
        self._append_batch = append_batch
        self._max_batch = max_batch
        self._max_delay = max_delay
        self._queue: queue.Queue[tuple[bytes, Future[int]] | None] = queue.Queue()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="ledger-group-commit", daemon=True)
        self._thread.start()

    def submit(self, entry: bytes) -> Future[int]:
        if self._closed:
            raise LedgerError("group committer is closed")
        future: Future[int] = Future()
        self._queue.put((entry, future))
        return future

    def close(self) -> None:
        """Commit what is queued, then stop the writer thread."""
        if not self._closed:
            self._closed = True
            self._queue.put(None)
            self._thread.join()

    def __enter__(self) -> GroupCommitter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _run(self) -> None:
        stopping = False
        while not stopping:
            item = self._queue.get()
            if item is None:
                break
            batch = [item]
            while len(batch) < self._max_batch:
                try:
                    following = self._queue.get(timeout=self._max_delay)
                except queue.Empty:
                    break
                if following is None:
                    stopping = True
                    break
                batch.append(following)
            self._commit(batch)

    def _commit(self, batch: list[tuple[bytes, Future[int]]]) -> None:
        try:
            result = self._append_batch([entry for entry, _ in batch])
        except Exception as exc:  # noqa: BLE001 - handed to every waiting submitter
            for _, future in batch:
                future.set_exception(exc)
            return
        for offset, (_, future) in enumerate(batch):
            future.set_result(result.first_index + offset)


class CheckpointPublisher:
    """Calls ``publish`` every ``interval`` seconds on a background thread until stopped.

    A failed publication is kept in :attr:`last_error` and retried at the next tick.
    """

    def __init__(self, publish: Callable[[], StoredCheckpoint], interval: float) -> None:
        self._publish = publish
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ledger-publisher", daemon=True)
        self.last: StoredCheckpoint | None = None
        self.last_error: Exception | None = None

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self.last = self._publish()
                self.last_error = None
            except Exception as exc:  # noqa: BLE001 - kept for the caller, retried next tick
                self.last_error = exc
