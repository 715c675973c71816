"""The ledger's storage port, and an in-memory implementation of it.

A store is bound to one unit of work (for SQL: one connection inside one transaction):
the caller begins and commits, so a ledger append can share the transaction of the state
change it records. :class:`~fairscreen.ledger.log.Log` holds all tree logic; a store only
reads and writes rows.

``MemoryLedgerStore`` is a real store (not a mock): tests and offline tools use it, and
its transaction semantics are the same (``write_append`` applies everything or nothing).
"""

from __future__ import annotations

import abc
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from fairscreen.domain.errors import LedgerError
from fairscreen.ledger.cosignature import Cosignature, add_signature_lines
from fairscreen.ledger.tiles import Tile, TileKey


@dataclass(frozen=True, slots=True)
class StoredCheckpoint:
    """A published checkpoint as stored: the signed note and the values it commits to,
    and the witnesses' cosignature lines received for it (C2SP tlog-cosignature)."""

    id: int
    size: int
    root: bytes
    note: str
    published_at: datetime
    cosignatures: tuple[str, ...] = ()

    @property
    def cosigned_note(self) -> str:
        """The note as the log signed it, followed by the witnesses' signature lines."""
        return add_signature_lines(self.note, self.cosignatures)


class LedgerStore(abc.ABC):
    """Rows of the ledger: entries, tiles, the tree size, published checkpoints."""

    @abc.abstractmethod
    def lock_for_append(self) -> None:
        """Become the only writer until the unit of work ends (waits for another writer)."""

    @abc.abstractmethod
    def read_size(self) -> int:
        """The number of entries sequenced into the tree."""

    @abc.abstractmethod
    def read_tiles(self, keys: Collection[TileKey]) -> dict[TileKey, Tile]:
        """The stored tiles among ``keys`` (missing ones are simply absent)."""

    @abc.abstractmethod
    def iter_tiles(self, level: int, start: int = 0) -> Iterator[Tile]:
        """Every stored tile of ``level`` from index ``start``, in index order (streamed)."""

    @abc.abstractmethod
    def read_entries(self, start: int, stop: int) -> list[tuple[int, bytes]]:
        """``(index, entry)`` for the stored indices in ``[start, stop)``, in order."""

    @abc.abstractmethod
    def max_entry_index(self) -> int | None:
        """The largest stored entry index (None when there are no entries)."""

    @abc.abstractmethod
    def write_append(
        self,
        old_size: int,
        entries: Sequence[bytes],
        tiles: Sequence[Tile],
        new_size: int,
        pending_ids: Sequence[int] | None = None,
    ) -> None:
        """Store entries at ``old_size…`` (with the pending id each had, when sequenced
        from the pending entries), upsert ``tiles`` and move the size, or fail without a
        trace if the size is no longer ``old_size``."""

    @abc.abstractmethod
    def add_checkpoint(self, size: int, root: bytes, note: str, published_at: datetime) -> int:
        """Store a published checkpoint; returns its id."""

    @abc.abstractmethod
    def add_cosignature(
        self, checkpoint_id: int, cosignature: Cosignature, received_at: datetime
    ) -> None:
        """Keep a verified witness cosignature of a stored checkpoint (the newest one per
        witness key replaces the one before)."""

    @abc.abstractmethod
    def read_checkpoints(self) -> list[StoredCheckpoint]:
        """Every stored checkpoint, in publication order."""

    @abc.abstractmethod
    def latest_checkpoint(self) -> StoredCheckpoint | None:
        """The most recently published checkpoint, if any."""


class MemoryLedgerStore(LedgerStore):
    """The whole ledger in dictionaries: for tests and offline verification."""

    def __init__(self) -> None:
        self.entries: dict[int, bytes] = {}
        self.tiles: dict[TileKey, Tile] = {}
        self.size = 0
        self.checkpoints: list[StoredCheckpoint] = []
        self.cosignatures: dict[int, dict[tuple[str, int], str]] = {}

    def lock_for_append(self) -> None:
        """A single in-memory store has one writer by construction."""

    def read_size(self) -> int:
        return self.size

    def read_tiles(self, keys: Collection[TileKey]) -> dict[TileKey, Tile]:
        return {key: self.tiles[key] for key in keys if key in self.tiles}

    def iter_tiles(self, level: int, start: int = 0) -> Iterator[Tile]:
        for key in sorted(k for k in self.tiles if k[0] == level and k[1] >= start):
            yield self.tiles[key]

    def read_entries(self, start: int, stop: int) -> list[tuple[int, bytes]]:
        return [(i, self.entries[i]) for i in range(start, stop) if i in self.entries]

    def max_entry_index(self) -> int | None:
        return max(self.entries, default=None)

    def write_append(
        self,
        old_size: int,
        entries: Sequence[bytes],
        tiles: Sequence[Tile],
        new_size: int,
        pending_ids: Sequence[int] | None = None,
    ) -> None:
        if self.size != old_size:
            raise LedgerError(
                f"append: the log grew from {old_size} to {self.size} under a concurrent writer"
            )
        for offset, entry in enumerate(entries):
            self.entries[old_size + offset] = entry
        for tile in tiles:
            self.tiles[(tile.level, tile.index)] = tile
        self.size = new_size

    def add_checkpoint(self, size: int, root: bytes, note: str, published_at: datetime) -> int:
        identifier = len(self.checkpoints) + 1
        self.checkpoints.append(StoredCheckpoint(identifier, size, root, note, published_at))
        return identifier

    def add_cosignature(
        self, checkpoint_id: int, cosignature: Cosignature, received_at: datetime
    ) -> None:
        position = checkpoint_id - 1
        if not 0 <= position < len(self.checkpoints):
            raise LedgerError(f"no stored checkpoint #{checkpoint_id} to cosign")
        stored = self.checkpoints[position]
        self.cosignatures.setdefault(checkpoint_id, {})[(cosignature.name, cosignature.key_id)] = (
            cosignature.line
        )
        lines = tuple(self.cosignatures[checkpoint_id].values())
        self.checkpoints[position] = StoredCheckpoint(
            stored.id, stored.size, stored.root, stored.note, stored.published_at, lines
        )

    def read_checkpoints(self) -> list[StoredCheckpoint]:
        return list(self.checkpoints)

    def latest_checkpoint(self) -> StoredCheckpoint | None:
        return self.checkpoints[-1] if self.checkpoints else None
