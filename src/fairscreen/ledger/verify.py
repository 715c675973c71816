"""``ledger verify``: recompute the whole tree from the entries and check everything stored.

Steps:

1. Open every stored checkpoint (and any given by the caller, e.g. one a regulator kept)
   with the log's key; two checkpoints of one size with different roots are a *fork*;
   a checkpoint larger than the log means the log was *truncated*.
2. Stream the entries in index order (fixed-size chunks), hash them, and rebuild every
   tile level by level: each completed tile is compared, content and interior, with the
   stored one; its root moves up a level. Only one growing tile per level is held, so
   memory is O(log n) whatever the log's size.
3. When the stream reaches a checkpointed size, the root rebuilt from the entries is
   compared with the signed root.
4. A leaf that disagrees with its stored tile is named by what the signed checkpoint
   says: if the entries no longer give the signed root the *entry* was modified,
   otherwise the *tile* was.
5. With witness keys (C2SP tlog-cosignature): every cosignature by one of them must
   verify, and the latest checkpoint must carry a quorum of them. The log's own key
   cannot tell a forked log from the real one (the operator signs both); witnesses that
   refuse inconsistent checkpoints can.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from fairscreen.domain.errors import LedgerError, SignatureInvalid
from fairscreen.ledger.checkpoint import Checkpoint, open_checkpoint, parse_checkpoint_text
from fairscreen.ledger.cosignature import verify_cosignatures
from fairscreen.ledger.merkle import EMPTY_ROOT, root_hash
from fairscreen.ledger.note import NoteVerifier, parse_note
from fairscreen.ledger.store import LedgerStore, StoredCheckpoint
from fairscreen.ledger.tiles import (
    HASH_SIZE,
    TILE_HEIGHT,
    TILE_WIDTH,
    Tile,
    compute_interior,
    fold,
    range_nodes,
    tile_path,
)

_sha256 = hashlib.sha256
_FULL = TILE_WIDTH * HASH_SIZE


class FindingKind(StrEnum):
    ENTRY_MODIFIED = "entry-modified"
    TILE_MODIFIED = "tile-modified"
    ENTRY_TILE_MISMATCH = "entry-tile-mismatch"
    ENTRY_MISSING = "entry-missing"
    ENTRY_EXTRA = "entry-extra"
    TILE_MISSING = "tile-missing"
    TILE_EXTRA = "tile-extra"
    TRUNCATED = "truncated"
    CHECKPOINT_MISMATCH = "checkpoint-mismatch"
    CHECKPOINT_FORK = "checkpoint-fork"
    SIGNATURE_INVALID = "signature-invalid"
    COSIGNATURE_INVALID = "cosignature-invalid"
    WITNESS_QUORUM = "witness-quorum"
    #: smaller than, or inconsistent with, the high-water mark (ledger/high_water.py)
    ROLLED_BACK = "rolled-back"


@dataclass(frozen=True)
class Finding:
    kind: FindingKind
    index: int | None
    message: str

    def __str__(self) -> str:
        where = f"index {self.index}: " if self.index is not None else ""
        return f"{self.kind}: {where}{self.message}"


@dataclass
class VerifyReport:
    size: int
    checked: int = 0
    root: bytes = b""
    checkpoints_checked: int = 0
    latest_checkpoint: Checkpoint | None = None
    findings: list[Finding] = field(default_factory=list)
    #: how many of the witnesses given cosigned the latest checkpoint (None: not asked)
    cosigned_by: int | None = None

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def first_bad_index(self) -> int | None:
        indices = [f.index for f in self.findings if f.index is not None]
        return min(indices) if indices else None


@dataclass
class _Level:
    """One level of the rebuild: the growing tile and the stored tiles to compare with."""

    level: int
    stored: Iterator[Tile]
    buffer: bytes = b""
    tile_index: int = 0
    peeked: Tile | None = None
    exhausted: bool = False

    def stored_tile(self, index: int) -> Tile | None:
        while not self.exhausted:
            if self.peeked is None:
                self.peeked = next(self.stored, None)
                if self.peeked is None:
                    self.exhausted = True
                    return None
            if self.peeked.index < index:
                self.peeked = None
                continue
            if self.peeked.index == index:
                found, self.peeked = self.peeked, None
                return found
            return None
        return None

    def leftovers(self) -> Iterator[Tile]:
        if self.peeked is not None:
            yield self.peeked
            self.peeked = None
        if not self.exhausted:
            yield from self.stored


@dataclass
class _LeafMismatch:
    index: int
    path: str
    position: int


class _Rebuild:
    def __init__(self, store: LedgerStore, report: VerifyReport) -> None:
        self.store = store
        self.report = report
        self.levels: list[_Level] = []
        self.leaf_mismatch: _LeafMismatch | None = None
        self.more_leaf_mismatches = 0
        #: (level, node index) whose rebuilt hash differs because a tile below differs.
        self.tainted: set[tuple[int, int]] = set()

    def level(self, number: int) -> _Level:
        while len(self.levels) <= number:
            depth = len(self.levels)
            self.levels.append(_Level(depth, self.store.iter_tiles(depth)))
        return self.levels[number]

    def add_hashes(self, number: int, hashes: bytes) -> None:
        state = self.level(number)
        offset = 0
        while offset < len(hashes):
            take = min(_FULL - len(state.buffer), len(hashes) - offset)
            state.buffer += hashes[offset : offset + take]
            offset += take
            if len(state.buffer) == _FULL:
                interior, root = compute_interior(state.buffer)
                self.compare(state, state.buffer, interior)
                state.buffer = b""
                state.tile_index += 1
                assert root is not None
                self.add_hashes(number + 1, root)

    def compare(self, state: _Level, content: bytes, interior: bytes) -> None:
        """Compare a rebuilt tile with the stored one.

        A difference in a tile makes its parent hash differ too; the parent's position is
        marked *tainted* so only the lowest, first cause is reported, not its echoes.
        """
        width = len(content) // HASH_SIZE
        path = tile_path(state.level, state.tile_index, width)
        first_leaf = (state.tile_index * TILE_WIDTH) << (TILE_HEIGHT * state.level)
        stored = state.stored_tile(state.tile_index)
        findings = self.report.findings
        parent = (state.level + 1, state.tile_index)
        if stored is None:
            self.tainted.add(parent)
            findings.append(Finding(FindingKind.TILE_MISSING, first_leaf, f"{path} is not stored"))
            return
        if stored.hashes != content:
            self.tainted.add(parent)
            if stored.width != width:
                wider = stored.width > width
                findings.append(
                    Finding(
                        FindingKind.TILE_EXTRA if wider else FindingKind.TILE_MISSING,
                        first_leaf,
                        f"{path}: stored tile holds {stored.width} hashes, the tree {width}",
                    )
                )
                return
            base = state.tile_index * TILE_WIDTH
            differing = [
                p
                for p in range(width)
                if stored.hashes[p * HASH_SIZE : (p + 1) * HASH_SIZE]
                != content[p * HASH_SIZE : (p + 1) * HASH_SIZE]
                and (state.level, base + p) not in self.tainted
            ]
            if not differing:
                return
            position = differing[0]
            index = (base + position) << (TILE_HEIGHT * state.level)
            if state.level == 0:
                if self.leaf_mismatch is None:
                    self.leaf_mismatch = _LeafMismatch(index, path, position)
                    self.more_leaf_mismatches += len(differing) - 1
                else:
                    self.more_leaf_mismatches += len(differing)
            else:
                findings.append(
                    Finding(
                        FindingKind.TILE_MODIFIED,
                        index,
                        f"{path} hash #{position} differs from the tree rebuilt from the entries",
                    )
                )
            return
        if stored.interior != interior:
            findings.append(
                Finding(
                    FindingKind.TILE_MODIFIED,
                    first_leaf,
                    f"{path}: stored interior hashes differ from its content",
                )
            )

    def root(self, count: int) -> bytes:
        """The root of the tree rebuilt so far (``count`` leaves), from the open tiles."""
        if count == 0:
            return EMPTY_ROOT
        parts: list[bytes] = []
        for state in reversed(self.levels):
            hashes = [
                state.buffer[i : i + HASH_SIZE] for i in range(0, len(state.buffer), HASH_SIZE)
            ]
            for height, position in range_nodes(0, len(hashes)):
                block = hashes[position << height : (position + 1) << height]
                parts.append(root_hash(block) if len(block) > 1 else block[0])
        return fold(parts)

    def finish(self) -> None:
        for state in self.levels:
            if state.buffer:
                interior, _ = compute_interior(state.buffer)
                self.compare(state, state.buffer, interior)
                state.tile_index += 1
        depth = len(self.levels)
        for number in range(depth + 2):
            state = self.level(number)
            for tile in state.leftovers():
                self.report.findings.append(
                    Finding(
                        FindingKind.TILE_EXTRA,
                        (tile.index * TILE_WIDTH) << (TILE_HEIGHT * tile.level),
                        f"{tile.path} is stored beyond the tree of size {self.report.size}",
                    )
                )


def _open_checkpoints(
    store: LedgerStore,
    verifier: NoteVerifier | None,
    given: Sequence[str],
    report: VerifyReport,
) -> list[tuple[str, Checkpoint]]:
    opened: list[tuple[str, Checkpoint]] = []
    notes: list[tuple[str, str, StoredCheckpoint | None]] = [
        (f"stored checkpoint #{c.id}", c.note, c) for c in store.read_checkpoints()
    ]
    notes += [(f"given checkpoint #{i + 1}", note, None) for i, note in enumerate(given)]
    for label, note, stored in notes:
        try:
            if verifier is None:
                checkpoint = parse_checkpoint_text(parse_note(note)[0])
            else:
                checkpoint = open_checkpoint(note, verifier)
        except (SignatureInvalid, LedgerError) as exc:
            report.findings.append(Finding(FindingKind.SIGNATURE_INVALID, None, f"{label}: {exc}"))
            continue
        if stored is not None and (stored.size, stored.root) != (checkpoint.size, checkpoint.root):
            report.findings.append(
                Finding(
                    FindingKind.CHECKPOINT_MISMATCH,
                    None,
                    f"{label}: its size/root columns differ from its signed note",
                )
            )
        opened.append((label, checkpoint))
    by_size: dict[int, tuple[str, Checkpoint]] = {}
    for label, checkpoint in opened:
        seen = by_size.setdefault(checkpoint.size, (label, checkpoint))
        if seen[1].root != checkpoint.root:
            report.findings.append(
                Finding(
                    FindingKind.CHECKPOINT_FORK,
                    None,
                    f"{seen[0]} and {label} both sign size {checkpoint.size} "
                    "with different roots: the log forked",
                )
            )
        if checkpoint.size > report.size:
            report.findings.append(
                Finding(
                    FindingKind.TRUNCATED,
                    report.size,
                    f"{label} signs size {checkpoint.size} but the log holds "
                    f"only {report.size} entries",
                )
            )
    report.checkpoints_checked = len(opened)
    stored_ones = [c for label, c in opened if label.startswith("stored")]
    if stored_ones:
        report.latest_checkpoint = stored_ones[-1]
    return opened


def _check_witnesses(
    store: LedgerStore,
    given: Sequence[str],
    witnesses: Sequence[NoteVerifier],
    quorum: int | None,
    report: VerifyReport,
) -> None:
    """Step 5: valid cosignatures everywhere, and a quorum on the latest checkpoint."""
    needed = len(witnesses) if quorum is None else quorum
    if not 1 <= needed <= len(witnesses):
        raise LedgerError(f"quorum {needed} is outside 1..{len(witnesses)} (the witnesses given)")
    stored = store.read_checkpoints()
    notes = [(f"stored checkpoint #{c.id}", c.cosigned_note) for c in stored]
    notes += [(f"given checkpoint #{i + 1}", note) for i, note in enumerate(given)]
    cosigners: dict[str, int] = {}
    for label, note in notes:
        try:
            cosigners[label] = len(verify_cosignatures(note, witnesses))
        except LedgerError as exc:
            report.findings.append(
                Finding(FindingKind.COSIGNATURE_INVALID, None, f"{label}: {exc}")
            )
            cosigners[label] = 0
    if not stored:
        report.findings.append(
            Finding(FindingKind.WITNESS_QUORUM, None, "no checkpoint published: none cosigned")
        )
        return
    latest = stored[-1]
    count = cosigners[f"stored checkpoint #{latest.id}"]
    report.cosigned_by = count
    if count < needed:
        report.findings.append(
            Finding(
                FindingKind.WITNESS_QUORUM,
                None,
                f"the latest checkpoint (size {latest.size}) is cosigned by {count} of the "
                f"{len(witnesses)} witnesses given, fewer than the quorum of {needed}",
            )
        )


def verify_log(
    store: LedgerStore,
    verifier: NoteVerifier | None,
    *,
    checkpoints: Sequence[str] = (),
    progress: Callable[[int], None] | None = None,
    chunk_size: int = 8192,
    witnesses: Sequence[NoteVerifier] = (),
    quorum: int | None = None,
) -> VerifyReport:
    """Check the stored log end to end; the report lists every finding (none = intact).

    With ``witnesses`` (cosigner keys), the latest checkpoint needs cosignatures by
    ``quorum`` of them (default: all)."""
    size = store.read_size()
    report = VerifyReport(size=size)
    opened = _open_checkpoints(store, verifier, checkpoints, report)
    if witnesses:
        _check_witnesses(store, checkpoints, witnesses, quorum, report)
    targets: dict[int, list[tuple[str, Checkpoint]]] = {}
    for label, checkpoint in opened:
        if checkpoint.size <= size:
            targets.setdefault(checkpoint.size, []).append((label, checkpoint))
    rebuild = _Rebuild(store, report)
    rebuild.level(0)
    roots: dict[int, bytes] = {}

    def reach(count: int) -> None:
        if count in targets:
            roots[count] = rebuild.root(count)

    reach(0)
    boundaries = sorted(targets)
    count = 0
    while count < size:
        rows = store.read_entries(count, min(count + chunk_size, size))
        # Rows come ordered by a unique index: contiguous iff the ends line up.
        contiguous = len(rows)
        if rows and rows[-1][0] != count + len(rows) - 1:
            contiguous = next(i for i, (index, _) in enumerate(rows) if index != count + i)
        start = 0
        while start < contiguous:
            # Stop at the next checkpointed size, to take the root there.
            stop = contiguous
            for boundary in boundaries:
                if count < boundary <= count + contiguous - start:
                    stop = start + boundary - count
                    break
            rebuild.add_hashes(
                0, b"".join([_sha256(b"\x00" + entry).digest() for _, entry in rows[start:stop]])
            )
            count += stop - start
            start = stop
            reach(count)
        if progress is not None:
            progress(count)
        if contiguous < len(rows) or not rows:
            last = store.max_entry_index()
            kind = (
                FindingKind.ENTRY_MISSING
                if last is not None and last > count
                else FindingKind.TRUNCATED
            )
            report.findings.append(
                Finding(
                    kind,
                    count,
                    f"entry {count} is missing (the tree size is {size}); "
                    "the tree cannot be rebuilt past it",
                )
            )
            break
    report.checked = count
    complete = count == size
    if complete:
        rebuild.finish()
        report.root = rebuild.root(count)
        last = store.max_entry_index()
        if last is not None and last >= size:
            report.findings.append(
                Finding(
                    FindingKind.ENTRY_EXTRA,
                    last,
                    f"entries are stored beyond the tree size {size} (up to index {last})",
                )
            )
    entries_disagree_with_signature: list[int] = []
    for target_size, labelled in sorted(targets.items()):
        if target_size not in roots:
            continue
        for label, checkpoint in labelled:
            if roots[target_size] != checkpoint.root:
                entries_disagree_with_signature.append(target_size)
                report.findings.append(
                    Finding(
                        FindingKind.CHECKPOINT_MISMATCH,
                        None,
                        f"{label} (size {target_size}): the entries no longer give its signed root",
                    )
                )
    mismatch = rebuild.leaf_mismatch
    if mismatch is not None:
        covering = [s for s in roots if s > mismatch.index]
        disagree = [s for s in covering if s in entries_disagree_with_signature]
        more = (
            f" ({rebuild.more_leaf_mismatches} more leaves differ)"
            if rebuild.more_leaf_mismatches
            else ""
        )
        if disagree:
            kind = FindingKind.ENTRY_MODIFIED
            message = (
                f"entry {mismatch.index} was modified: its hash differs from "
                f"{mismatch.path} hash #{mismatch.position} and from the signed checkpoint{more}"
            )
        elif covering:
            kind = FindingKind.TILE_MODIFIED
            message = (
                f"{mismatch.path} hash #{mismatch.position} was modified: the entries still "
                f"give the signed root{more}"
            )
        else:
            kind = FindingKind.ENTRY_TILE_MISMATCH
            message = (
                f"entry {mismatch.index} and {mismatch.path} hash #{mismatch.position} "
                f"disagree, and no checkpoint covers it to tell which changed{more}"
            )
        report.findings.append(Finding(kind, mismatch.index, message))
    return report
