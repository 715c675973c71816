"""The log as static files in C2SP ``tlog-tiles`` layout, and a read-only store over them.

``export_tiles`` writes what a regulator needs to check the log with nothing else:

- ``checkpoint``: the signed checkpoint the export is cut at, with the witnesses'
  cosignatures;
- ``tile/<L>/<N>[.p/<W>]``: the Merkle tree tiles at that size (content only: the
  interior kept in the database is derived data and is not published);
- ``tile/entries/<N>[.p/<W>]``: entry bundles, each entry a big-endian uint16 length
  followed by its bytes.

:class:`TileDirectoryStore` reads such a directory back as a
:class:`~fairscreen.ledger.store.LedgerStore`, so the same ``verify_log`` and audit run
on it: ``fairscreen ledger verify-tiles DIR --vkey …``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

from fairscreen.domain.errors import LedgerError
from fairscreen.ledger.checkpoint import Checkpoint, parse_checkpoint_text
from fairscreen.ledger.cosignature import Cosignature
from fairscreen.ledger.log import Log
from fairscreen.ledger.note import parse_note
from fairscreen.ledger.store import LedgerStore, StoredCheckpoint
from fairscreen.ledger.tiles import (
    HASH_SIZE,
    TILE_WIDTH,
    Tile,
    TileKey,
    make_tile,
    tile_layout,
    tile_path,
)

CHECKPOINT_FILE = "checkpoint"
_MAX_ENTRY = 0xFFFF


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(data)
    temporary.replace(path)


def export_tiles(log: Log, directory: Path) -> Checkpoint:
    """Write the latest published checkpoint's tree as tlog-tiles files under ``directory``."""
    stored = log.latest_checkpoint()
    if stored is None:
        raise LedgerError("no checkpoint has been published yet: nothing to export")
    size = stored.size
    store = log.store
    for level, full, partial in tile_layout(size):
        count = full + (1 if partial else 0)
        for index in range(count):
            width = partial if index == full else TILE_WIDTH
            tile = store.read_tiles([(level, index)]).get((level, index))
            if tile is None or tile.width < width:
                raise LedgerError(f"{tile_path(level, index, width)} is not stored")
            _write(directory / tile_path(level, index, width), tile.hashes[: width * HASH_SIZE])
    for bundle in range(0, (size + TILE_WIDTH - 1) // TILE_WIDTH):
        start = bundle * TILE_WIDTH
        stop = min(start + TILE_WIDTH, size)
        rows = store.read_entries(start, stop)
        if len(rows) != stop - start:
            raise LedgerError(f"entries {start}..{stop - 1} are not all stored")
        parts = []
        for index, data in rows:
            if len(data) > _MAX_ENTRY:
                raise LedgerError(f"entry {index} is over 65535 bytes: no tlog-tiles bundle")
            parts.append(len(data).to_bytes(2, "big") + data)
        _write(directory / tile_path("entries", bundle, stop - start), b"".join(parts))
    _write(directory / CHECKPOINT_FILE, stored.cosigned_note.encode())
    return Checkpoint(parse_checkpoint_text(parse_note(stored.note)[0]).origin, size, stored.root)


class TileDirectoryStore(LedgerStore):
    """A read-only store over an exported tile directory (sized by its checkpoint)."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        try:
            self._note = (directory / CHECKPOINT_FILE).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise LedgerError(f"cannot read {directory / CHECKPOINT_FILE}: {exc}") from exc
        self._checkpoint = parse_checkpoint_text(parse_note(self._note)[0])
        self._size = self._checkpoint.size
        self._widths = {
            (level, index): (partial if index == full else TILE_WIDTH)
            for level, full, partial in tile_layout(self._size)
            for index in range(full + (1 if partial else 0))
        }

    def _read(self, relative: str) -> bytes | None:
        try:
            return (self._directory / relative).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise LedgerError(f"cannot read {relative}: {exc}") from exc

    def lock_for_append(self) -> None:
        raise LedgerError("an exported tile directory is read-only")

    def read_size(self) -> int:
        return self._size

    def read_tiles(self, keys: Collection[TileKey]) -> dict[TileKey, Tile]:
        found = {}
        for level, index in keys:
            width = self._widths.get((level, index))
            if width is None:
                continue
            data = self._read(tile_path(level, index, width))
            if data is not None:
                found[(level, index)] = make_tile(level, index, data)[0]
        return found

    def iter_tiles(self, level: int, start: int = 0) -> Iterator[Tile]:
        indices = sorted(i for (lv, i) in self._widths if lv == level and i >= start)
        for index in indices:
            tile = self.read_tiles([(level, index)]).get((level, index))
            if tile is not None:
                yield tile

    def read_entries(self, start: int, stop: int) -> list[tuple[int, bytes]]:
        stop = min(stop, self._size)
        rows: list[tuple[int, bytes]] = []
        bundle = start // TILE_WIDTH
        while bundle * TILE_WIDTH < stop:
            first = bundle * TILE_WIDTH
            width = min(TILE_WIDTH, self._size - first)
            data = self._read(tile_path("entries", bundle, width))
            if data is None:
                return rows  # a missing bundle reads as missing entries
            offset, index = 0, first
            while offset < len(data):
                if offset + 2 > len(data):
                    raise LedgerError(f"entry bundle {bundle} is cut short")
                length = int.from_bytes(data[offset : offset + 2], "big")
                entry = data[offset + 2 : offset + 2 + length]
                if len(entry) != length:
                    raise LedgerError(f"entry bundle {bundle} is cut short")
                if start <= index < stop:
                    rows.append((index, entry))
                offset += 2 + length
                index += 1
            bundle += 1
        return rows

    def max_entry_index(self) -> int | None:
        return self._size - 1 if self._size else None

    def write_append(
        self,
        old_size: int,
        entries: Sequence[bytes],
        tiles: Sequence[Tile],
        new_size: int,
        pending_ids: Sequence[int] | None = None,
    ) -> None:
        raise LedgerError("an exported tile directory is read-only")

    def add_checkpoint(self, size: int, root: bytes, note: str, published_at: datetime) -> int:
        raise LedgerError("an exported tile directory is read-only")

    def add_cosignature(
        self, checkpoint_id: int, cosignature: Cosignature, received_at: datetime
    ) -> None:
        raise LedgerError("an exported tile directory is read-only")

    def read_checkpoints(self) -> list[StoredCheckpoint]:
        """The exported checkpoint: its file holds the log's signature and the
        witnesses' cosignatures, as ``/checkpoint`` served them."""
        return [
            StoredCheckpoint(
                1, self._checkpoint.size, self._checkpoint.root, self._note, datetime.now(UTC)
            )
        ]

    def latest_checkpoint(self) -> StoredCheckpoint | None:
        return self.read_checkpoints()[0]
