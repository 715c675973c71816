"""Tile layout and paths (C2SP tlog-tiles examples), and proofs planned over tiles."""

from __future__ import annotations

import random
from collections.abc import Collection
from typing import Any

import pytest

from fairscreen.domain.errors import LedgerError
from fairscreen.ledger import merkle
from fairscreen.ledger.log import Log
from fairscreen.ledger.store import MemoryLedgerStore
from fairscreen.ledger.tiles import (
    Tile,
    TileKey,
    compute_interior,
    encode_tile_index,
    extend_tiles,
    make_tile,
    tile_layout,
    tile_path,
)


def test_path_examples(vectors: dict[str, Any]) -> None:
    examples = vectors["tlog_tiles_examples"]
    assert tile_path(0, 1234067) == examples["index_1234067_path"]
    for index, encoded in examples["examples_computed_here"].items():
        assert encode_tile_index(int(index)) == encoded
    assert tile_path(0, 1234067, 5) == "tile/0/x001/x234/067.p/5"
    assert tile_path("entries", 3, 17) == "tile/entries/003.p/17"


def test_layout_examples(vectors: dict[str, Any]) -> None:
    examples = vectors["tlog_tiles_examples"]
    for size_name in ("tree_70000", "tree_256"):
        size = int(size_name.split("_")[1])
        expected = [(t["level"], t["full_tiles"], t["partial_width"]) for t in examples[size_name]]
        assert tile_layout(size) == expected


def test_bad_widths_are_refused() -> None:
    with pytest.raises(ValueError, match="width"):
        tile_path(0, 0, 0)
    with pytest.raises(ValueError, match="width"):
        tile_path(0, 0, 257)


def test_interior_and_root_of_a_full_tile() -> None:
    leaves = [merkle.leaf_hash(i.to_bytes(2, "big")) for i in range(256)]
    tile, root = make_tile(0, 0, b"".join(leaves))
    assert root == merkle.root_hash(leaves)
    assert tile.node(0, 7) == leaves[7]
    assert tile.node(3, 2) == merkle.root_hash(leaves[16:24])
    assert tile.node(7, 1) == merkle.root_hash(leaves[128:])
    _, partial_root = compute_interior(b"".join(leaves[:100]))
    assert partial_root is None


def test_a_missing_node_is_named() -> None:
    tile, _ = make_tile(0, 0, b"".join(merkle.leaf_hash(bytes([i])) for i in range(5)))
    with pytest.raises(LedgerError, match=r"tile/0/000\.p/5: no hash at height 2"):
        tile.node(2, 1)


def test_extend_needs_the_edge_tiles() -> None:
    with pytest.raises(LedgerError, match="missing"):
        extend_tiles(10, {}, [merkle.leaf_hash(b"x")])


def test_tile_proofs_match_the_reference_across_many_batchings() -> None:
    """Proofs read from tiles equal the RFC functions for random sizes up to 70,000."""
    rng = random.Random(6962)
    store = MemoryLedgerStore()
    log = Log(store)
    entries = [rng.randbytes(8) for _ in range(70_000)]
    position = 0
    while position < len(entries):
        step = rng.choice([1, 7, 255, 256, 257, 1000, 4096])
        log.append(entries[position : position + step])
        position += step
    leaves = [merkle.leaf_hash(e) for e in entries]
    assert [(k, len(v)) for k, v in sorted(_widths(store).items())] == [
        ((0, 273), 1),
        ((1, 1), 1),
        ((2, 0), 1),
    ]
    for size in (1, 2, 3, 255, 256, 257, 65535, 65536, 65537, 70_000):
        assert log.root(size) == merkle.root_hash(leaves[:size])
    for _ in range(60):
        size = rng.choice([rng.randint(1, 600), rng.randint(1, 70_000)])
        index = rng.randrange(size)
        proof = log.inclusion_proof(index, size)
        assert list(proof.proof) == merkle.inclusion_proof(leaves[:size], index)
        assert proof.leaf_hash == leaves[index]
        old = rng.randint(1, size)
        consistency = log.consistency_proof(old, size)
        assert list(consistency.proof) == merkle.consistency_proof(leaves[:size], old)
        merkle.verify_consistency(
            old, size, consistency.proof, consistency.old_root, consistency.new_root
        )


def _widths(store: MemoryLedgerStore) -> dict[tuple[int, int], list[int]]:
    """The partial tiles: (level, index) -> [width] for tiles that are not full."""
    return {key: [tile.width] for key, tile in store.tiles.items() if tile.width < 256}


def test_asking_beyond_the_log_is_refused() -> None:
    log = Log(MemoryLedgerStore())
    log.append([b"a", b"b", b"c"])
    with pytest.raises(LedgerError, match="smaller than asked"):
        log.inclusion_proof(1, 4)
    with pytest.raises(LedgerError, match="outside"):
        log.inclusion_proof(3, 3)
    with pytest.raises(LedgerError, match="old size 0"):
        log.consistency_proof(0, 3)
    assert log.root(0) == merkle.root_hash([])


class CountingStore(MemoryLedgerStore):
    """A real in-memory store that counts tile reads."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: list[int] = []

    def read_tiles(self, keys: Collection[TileKey]) -> dict[TileKey, Tile]:
        self.reads.append(len(keys))
        return super().read_tiles(keys)


def test_a_proof_is_one_read_of_a_few_tiles_at_any_size() -> None:
    store = CountingStore()
    log = Log(store)
    for start in range(0, 70_000, 5_000):
        log.append([i.to_bytes(4, "big") for i in range(start, start + 5_000)])
    levels = len(tile_layout(70_000))
    rng = random.Random(1)
    for _ in range(200):
        size = rng.randint(1, 70_000)
        store.reads.clear()
        log.inclusion_proof(rng.randrange(size), size)
        log.consistency_proof(rng.randint(1, size), size)
        # One query each, for at most the leaf's tile and one edge tile per level.
        assert len(store.reads) == 2
        assert all(count <= 2 * levels for count in store.reads)
