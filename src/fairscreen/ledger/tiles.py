"""Tree hashes stored as C2SP ``tlog-tiles`` (https://c2sp.org/tlog-tiles), and proofs
built from them in O(log n) reads.

The layout (tlog-tiles §"Merkle Tree"):

1. A *tile* at level ``L`` holds up to 256 consecutive hashes of the tree nodes at height
   ``8·L``: level 0 holds leaf hashes, level 1 the roots of the full level-0 tiles, and so
   on. A tile with 256 hashes is *full* and never changes again; the right-most tile of a
   level is *partial* (width ``1..255``) and only grows.
2. A tile's content is its hashes concatenated (32 bytes each); its path is
   ``tile/<L>/<N>`` or ``tile/<L>/<N>.p/<W>``, where ``N`` is written in groups of three
   digits, all but the last prefixed with ``x`` (``1234067`` → ``x001/x234/067``).

Besides the content, each stored tile keeps its *interior*: the hashes of the complete
subtrees of heights 1..7 inside it (``W>>1`` nodes of height 1, then ``W>>2`` of height 2,
...). Tlog-tiles leaves them to be recomputed on read; keeping them means a proof copies
~log n stored hashes instead of rehashing up to 255 per tile, which is what makes a proof
at 10⁶ entries cost tens of microseconds. The interior is derived data: ``ledger verify``
recomputes and checks it like the content.

Proofs are *planned* here as lists of complete-subtree node ids ``(height, index)`` (a
proof element over an incomplete range is the right fold of its complete subtrees, RFC
9162 §2.1.1); the log reads the tiles that hold those nodes in one query.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from fairscreen.domain.errors import LedgerError
from fairscreen.ledger.merkle import node_hash, split

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
HASH_SIZE = 32

NodeId = tuple[int, int]
"""A complete subtree: ``(height, index)`` covers leaves ``[index·2^h, (index+1)·2^h)``."""

TileKey = tuple[int, int]
"""``(level, index)`` of a tile."""

_sha256 = hashlib.sha256


def encode_tile_index(index: int) -> str:
    """``N`` as tlog-tiles paths write it: ``1234067`` → ``x001/x234/067``."""
    if index < 0:
        raise ValueError(f"tile index {index} is negative")
    groups = []
    while True:
        groups.append(f"{index % 1000:03d}")
        index //= 1000
        if index == 0:
            break
    groups.reverse()
    return "/".join([*("x" + group for group in groups[:-1]), groups[-1]])


def tile_path(level: int | str, index: int, width: int = TILE_WIDTH) -> str:
    """The tlog-tiles path of a tile (``level`` ``"entries"`` for entry bundles)."""
    if not 0 < width <= TILE_WIDTH:
        raise ValueError(f"tile width {width} is outside 1..{TILE_WIDTH}")
    path = f"tile/{level}/{encode_tile_index(index)}"
    return path if width == TILE_WIDTH else f"{path}.p/{width}"


def tile_layout(size: int) -> list[tuple[int, int, int]]:
    """For a tree of ``size`` leaves: ``(level, full tiles, partial width)`` per level."""
    layout = []
    level, count = 0, size
    while count > 0:
        layout.append((level, count >> TILE_HEIGHT, count & (TILE_WIDTH - 1)))
        count >>= TILE_HEIGHT
        level += 1
    return layout


def _interior_offset(width: int, height: int) -> int:
    """Where the nodes of ``height`` (1..7) start in the interior of a tile of ``width``."""
    return sum(width >> h for h in range(1, height)) * HASH_SIZE


#: ``_OFFSETS[width][height]``, precomputed: proofs look nodes up in a hot loop.
_OFFSETS = [
    [_interior_offset(width, height) for height in range(TILE_HEIGHT + 1)]
    for width in range(TILE_WIDTH + 1)
]


def interior_offset(width: int, height: int) -> int:
    """Byte offset of the first node of ``height`` (1..7) in a tile of ``width``."""
    return _OFFSETS[width][height]


def compute_interior(hashes: bytes) -> tuple[bytes, bytes | None]:
    """The interior of a tile and, when the tile is full, its root (the parent's hash)."""
    parts = []
    level = hashes
    for _ in range(TILE_HEIGHT):
        pairs = len(level) // (2 * HASH_SIZE)
        if pairs == 0:
            break
        level = b"".join(
            [
                _sha256(b"\x01" + level[i : i + 2 * HASH_SIZE]).digest()
                for i in range(0, pairs * 2 * HASH_SIZE, 2 * HASH_SIZE)
            ]
        )
        parts.append(level)
    root = None
    if len(hashes) == TILE_WIDTH * HASH_SIZE:
        root = parts.pop()
    return b"".join(parts), root


@dataclass(frozen=True, slots=True)
class Tile:
    """One stored tile: its tlog-tiles content plus its interior hashes."""

    level: int
    index: int
    hashes: bytes
    interior: bytes

    @property
    def width(self) -> int:
        return len(self.hashes) // HASH_SIZE

    @property
    def path(self) -> str:
        return tile_path(self.level, self.index, self.width)

    def node(self, height: int, position: int) -> bytes:
        """The hash of the node ``position`` (counted inside this tile) at ``height``."""
        if height == 0:
            start = position * HASH_SIZE
            found = self.hashes[start : start + HASH_SIZE]
        else:
            width = len(self.hashes) // HASH_SIZE
            start = _OFFSETS[width][height] + position * HASH_SIZE
            inside = position < width >> height
            found = self.interior[start : start + HASH_SIZE] if inside else b""
        if len(found) != HASH_SIZE:
            raise LedgerError(
                f"{self.path}: no hash at height {height} position {position} "
                f"(the tile holds {self.width} hashes)"
            )
        return found


def make_tile(level: int, index: int, hashes: bytes) -> tuple[Tile, bytes | None]:
    """Build a tile from its content; the second value is its root when it is full."""
    interior, root = compute_interior(hashes)
    return Tile(level, index, hashes, interior), root


def edge_tile_keys(size: int) -> list[TileKey]:
    """The partial (right-most, still growing) tile of every level of a tree of ``size``."""
    return [(level, full) for level, full, partial in tile_layout(size) if partial]


def extend_tiles(
    size: int, edge: Mapping[TileKey, Tile], leaf_hashes: Sequence[bytes]
) -> list[Tile]:
    """The tiles that change when ``leaf_hashes`` are appended to a tree of ``size``.

    ``edge`` holds (at least) the partial tiles of ``edge_tile_keys(size)``. Full tiles
    are returned once, when they fill; the new partial tile of each level is returned too.
    """
    changed: list[Tile] = []
    incoming: list[bytes] = list(leaf_hashes)
    level = 0
    while incoming:
        before = size >> (TILE_HEIGHT * level)
        tile_index, width = before >> TILE_HEIGHT, before & (TILE_WIDTH - 1)
        if width:
            existing = edge.get((level, tile_index))
            if existing is None or existing.width < width:
                raise LedgerError(
                    f"{tile_path(level, tile_index, width)} is missing: the stored tiles "
                    f"do not match the tree size {size}"
                )
            buffer = existing.hashes[: width * HASH_SIZE]
        else:
            buffer = b""
        parents: list[bytes] = []
        position = 0
        while position < len(incoming):
            take = min(TILE_WIDTH - len(buffer) // HASH_SIZE, len(incoming) - position)
            buffer += b"".join(incoming[position : position + take])
            position += take
            tile, root = make_tile(level, tile_index, buffer)
            changed.append(tile)
            if root is not None:
                parents.append(root)
                tile_index += 1
                buffer = b""
        incoming = parents
        level += 1
    return changed


# --- proofs planned as node ids --------------------------------------------------------------


def range_nodes(begin: int, end: int) -> list[NodeId]:
    """The complete subtrees of ``[begin, end)``, largest first (``begin`` aligned as in
    the RFC 9162 recursion, where every left part is a power of two)."""
    nodes = []
    while begin < end:
        height = (end - begin).bit_length() - 1
        while begin & ((1 << height) - 1):
            height -= 1
        nodes.append((height, begin >> height))
        begin += 1 << height
    return nodes


def inclusion_plan(index: int, size: int) -> list[list[NodeId]]:
    """``PATH(index, D[size])`` (RFC 9162 §2.1.3.1) as complete-subtree ids, sibling first.

    A left sibling is always one complete subtree (``k`` is a power of two), so only
    right siblings on the tree's right edge need :func:`range_nodes`.
    """
    plan: list[list[NodeId]] = []
    begin, end, m = 0, size, index
    while end - begin > 1:
        height = (end - begin - 1).bit_length() - 1
        k = 1 << height
        if m < k:
            rest = end - begin - k
            if rest & (rest - 1) == 0:
                plan.append([(rest.bit_length() - 1, (begin + k) >> (rest.bit_length() - 1))])
            else:
                plan.append(range_nodes(begin + k, end))
            end = begin + k
        else:
            plan.append([(height, begin >> height)])
            begin, m = begin + k, m - k
    plan.reverse()
    return plan


def consistency_plan(old_size: int, new_size: int) -> list[list[NodeId]]:
    """``PROOF(old, D[new])`` (RFC 9162 §2.1.4.1) as complete-subtree ids."""
    if old_size == new_size:
        return []
    plan: list[list[NodeId]] = []
    begin, end, m, whole = 0, new_size, old_size, True
    while m != end - begin:
        k = split(end - begin)
        if m <= k:
            plan.append(range_nodes(begin + k, end))
            end = begin + k
        else:
            plan.append(range_nodes(begin, begin + k))
            begin, m, whole = begin + k, m - k, False
    if not whole:
        plan.append(range_nodes(begin, end))
    plan.reverse()
    return plan


def tile_for_node(node: NodeId) -> tuple[TileKey, int, int, int]:
    """Where a node lives: ``(tile key, height inside the tile, position, needed width)``."""
    height, index = node
    level, inner = divmod(height, TILE_HEIGHT)
    first = index << inner
    tile_index = first >> TILE_HEIGHT
    needed = (first & (TILE_WIDTH - 1)) + (1 << inner)
    position = index & ((1 << (TILE_HEIGHT - inner)) - 1)
    return (level, tile_index), inner, position, needed


def node_from_tiles(
    node: NodeId,
    tiles: Mapping[TileKey, Tile],
    location: tuple[TileKey, int, int, int] | None = None,
) -> bytes:
    """A node's hash from the tiles read for it (``location`` as ``tile_for_node`` gives)."""
    key, inner, position, needed = location or tile_for_node(node)
    tile = tiles.get(key)
    if tile is None or len(tile.hashes) < needed * HASH_SIZE:
        level, index = key
        raise LedgerError(
            f"{tile_path(level, index, needed)} is not stored: the tree is smaller than asked"
        )
    return tile.node(inner, position)


def fold(hashes: Sequence[bytes]) -> bytes:
    """The hash of a range from its complete subtrees, largest first (a right fold)."""
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result
