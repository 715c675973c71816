"""Properties of the RFC 9162 functions, and a cross-check against an independent,
deliberately naive implementation written from the RFC's recursive definitions."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fairscreen.domain.errors import ProofInvalid
from fairscreen.ledger import merkle

# --- the reference: RFC 9162 §2.1 read literally, on the entries themselves ------------------


def ref_mth(entries: list[bytes]) -> bytes:
    n = len(entries)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + entries[0]).digest()
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + ref_mth(entries[:k]) + ref_mth(entries[k:])).digest()


def ref_path(m: int, entries: list[bytes]) -> list[bytes]:
    n = len(entries)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*ref_path(m, entries[:k]), ref_mth(entries[k:])]
    return [*ref_path(m - k, entries[k:]), ref_mth(entries[:k])]


def ref_subproof(m: int, entries: list[bytes], whole: bool) -> list[bytes]:
    n = len(entries)
    if m == n:
        return [] if whole else [ref_mth(entries)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*ref_subproof(m, entries[:k], whole), ref_mth(entries[k:])]
    return [*ref_subproof(m - k, entries[k:], False), ref_mth(entries[:k])]


def ref_proof(m: int, entries: list[bytes]) -> list[bytes]:
    return ref_subproof(m, entries, True)


# --- cross-check on thousands of random trees ------------------------------------------------


def test_matches_the_reference_on_thousands_of_random_trees() -> None:
    rng = random.Random(9162)
    trees = 0
    for _ in range(2500):
        size = rng.choice([rng.randint(1, 16), rng.randint(1, 70), rng.randint(1, 300)])
        entries = [rng.randbytes(rng.randint(0, 12)) for _ in range(size)]
        leaves = [merkle.leaf_hash(e) for e in entries]
        root = ref_mth(entries)
        assert merkle.root_hash(leaves) == root
        index = rng.randrange(size)
        proof = merkle.inclusion_proof(leaves, index)
        assert proof == ref_path(index, entries)
        merkle.verify_inclusion(leaves[index], index, size, proof, root)
        old = rng.randint(1, size)
        consistency = merkle.consistency_proof(leaves, old)
        assert consistency == ref_proof(old, entries)
        merkle.verify_consistency(old, size, consistency, ref_mth(entries[:old]), root)
        trees += 1
    assert trees == 2500


def test_every_index_and_every_old_size_of_small_trees() -> None:
    for size in range(1, 40):
        entries = [bytes([size, i]) for i in range(size)]
        leaves = [merkle.leaf_hash(e) for e in entries]
        root = ref_mth(entries)
        for index in range(size):
            proof = merkle.inclusion_proof(leaves, index)
            assert proof == ref_path(index, entries)
            merkle.verify_inclusion(leaves[index], index, size, proof, root)
        for old in range(1, size + 1):
            proof = merkle.consistency_proof(leaves, old)
            assert proof == ref_proof(old, entries)
            merkle.verify_consistency(old, size, proof, ref_mth(entries[:old]), root)


# --- hypothesis: proofs verify, and every single-bit change is refused -------------------------
#
# One exception is inherent to RFC 9162 and checked exactly rather than assumed away: the
# verifier learns the tree size only through the *shape* of the path it walks (which side
# each proof hash goes), so a different size with the same shape verifies the same proof
# against the same root (index 0 in trees of 5 and 7 leaves: the last proof hash covers
# leaf 4 in one and leaves 4-6 in the other). Transparency logs bind the size to the root
# by signing both in the checkpoint (see test_ledger_note_checkpoint: a changed size line
# breaks the signature). So for a flipped size the test asserts: it verifies *if and only
# if* the verifier's walk has the same shape; every other change must fail.


def _flip(value: bytes, bit: int) -> bytes:
    changed = bytearray(value)
    changed[bit // 8] ^= 1 << (bit % 8)
    return bytes(changed)


def inclusion_shape(index: int, size: int, length: int) -> list[bool] | None:
    """The sides the §2.1.3.2 walk puts each proof hash on; None if the walk fails."""
    if not 0 <= index < size:
        return None
    fn, sn, sides = index, size - 1, []
    for _ in range(length):
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            sides.append(True)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sides.append(False)
        fn, sn = fn >> 1, sn >> 1
    return sides if sn == 0 else None


def consistency_shape(old: int, new: int, length: int) -> tuple[bool, list[int]] | None:
    """The §2.1.4.2 walk's decisions (prepend the old root? which roots each hash feeds)."""
    if old <= 0 or new < old or old == new or length == 0:
        return None
    prepend = old & (old - 1) == 0
    fn, sn, steps = old - 1, new - 1, []
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    for _ in range(length - (0 if prepend else 1)):
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            steps.append(2)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            steps.append(1)
        fn, sn = fn >> 1, sn >> 1
    return (prepend, steps) if sn == 0 else None


def _refused(check: Callable[..., None], *arguments: Any) -> bool:
    try:
        check(*arguments)
    except ProofInvalid:
        return True
    return False


# Distinct entries: with two equal leaves, "the entry at index 0" is also at index 1.
trees = st.integers(min_value=1, max_value=100).flatmap(
    lambda size: st.tuples(
        st.lists(st.binary(max_size=8), min_size=size, max_size=size, unique=True),
        st.integers(min_value=0, max_value=size - 1),
    )
)

PROPERTY_SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(trees)
def test_inclusion_proofs_verify_and_every_bit_flip_fails(tree: tuple[list[bytes], int]) -> None:
    entries, index = tree
    leaves = [merkle.leaf_hash(e) for e in entries]
    size = len(leaves)
    root = merkle.root_hash(leaves)
    proof = merkle.inclusion_proof(leaves, index)
    merkle.verify_inclusion(leaves[index], index, size, proof, root)
    leaf = leaves[index]
    for position, element in enumerate(proof):
        for bit in range(256):
            changed = [*proof[:position], _flip(element, bit), *proof[position + 1 :]]
            assert _refused(merkle.verify_inclusion, leaf, index, size, changed, root)
    for bit in range(256):
        bad_root, bad_leaf = _flip(root, bit), _flip(leaf, bit)
        assert _refused(merkle.verify_inclusion, leaf, index, size, proof, bad_root)
        assert _refused(merkle.verify_inclusion, bad_leaf, index, size, proof, root)
    shape = inclusion_shape(index, size, len(proof))
    assert shape is not None
    for bit in range(64):
        other_index, other_size = index ^ (1 << bit), size ^ (1 << bit)
        assert _refused(merkle.verify_inclusion, leaf, other_index, size, proof, root)
        same_shape = inclusion_shape(index, other_size, len(proof)) == shape
        refused = _refused(merkle.verify_inclusion, leaf, index, other_size, proof, root)
        assert refused is not same_shape


@PROPERTY_SETTINGS
@given(trees)
def test_consistency_proofs_verify_and_every_bit_flip_fails(tree: tuple[list[bytes], int]) -> None:
    entries, last = tree
    leaves = [merkle.leaf_hash(e) for e in entries]
    new = len(leaves)
    old = last + 1
    old_root, new_root = merkle.root_hash(leaves[:old]), merkle.root_hash(leaves)
    proof = merkle.consistency_proof(leaves, old)
    merkle.verify_consistency(old, new, proof, old_root, new_root)
    for position, element in enumerate(proof):
        for bit in range(256):
            changed = [*proof[:position], _flip(element, bit), *proof[position + 1 :]]
            assert _refused(merkle.verify_consistency, old, new, changed, old_root, new_root)
    for bit in range(256):
        bad_old, bad_new = _flip(old_root, bit), _flip(new_root, bit)
        assert _refused(merkle.verify_consistency, old, new, proof, bad_old, new_root)
        assert _refused(merkle.verify_consistency, old, new, proof, old_root, bad_new)
    shape = consistency_shape(old, new, len(proof))
    for bit in range(64):
        other_old, other_new = old ^ (1 << bit), new ^ (1 << bit)
        if old == new:
            # Equal sizes carry an empty proof and equal roots: any other size must fail.
            assert _refused(merkle.verify_consistency, other_old, new, proof, old_root, new_root)
            assert _refused(merkle.verify_consistency, old, other_new, proof, old_root, new_root)
            continue
        assert shape is not None
        for a, b in ((other_old, new), (old, other_new)):
            same_shape = consistency_shape(a, b, len(proof)) == shape
            refused = _refused(merkle.verify_consistency, a, b, proof, old_root, new_root)
            assert refused is not same_shape, (old, new, a, b)
