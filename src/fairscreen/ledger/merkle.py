"""Merkle tree hashing and proofs, exactly as RFC 9162 §2 (Certificate Transparency 2.0).

- §2.1.1 tree hash: ``MTH({}) = SHA-256()``, ``MTH({d0}) = SHA-256(0x00 || d0)`` and, for
  ``n > 1`` with ``k`` the largest power of two smaller than ``n``,
  ``MTH(D[n]) = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))``.
- §2.1.3 inclusion proofs (generation §2.1.3.1, verification §2.1.3.2).
- §2.1.4 consistency proofs (generation §2.1.4.1, verification §2.1.4.2).

The functions here take *leaf hashes* (already ``leaf_hash``-ed entries), so a caller that
keeps hashes never re-reads entries. The module is pure: ``hashlib`` and the project's
error family only. Verification returns ``None`` or raises :class:`ProofInvalid` naming
what failed; it never returns a boolean that a caller could forget to check.

Stored logs do not use the proof *generators* here (they are O(n) over a list of hashes);
:mod:`fairscreen.ledger.tiles` builds the same proofs from stored tiles in O(log n).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from fairscreen.domain.errors import ProofInvalid

__all__ = [
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "root_hash",
    "verify_consistency",
    "verify_inclusion",
]

_sha256 = hashlib.sha256
_HASH_SIZE = 32
_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"
#: The root of the empty tree, ``SHA-256()`` (§2.1.1).
EMPTY_ROOT = _sha256(b"").digest()


def leaf_hash(entry: bytes) -> bytes:
    """``SHA-256(0x00 || entry)`` (RFC 9162 §2.1.1)."""
    return _sha256(_LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``SHA-256(0x01 || left || right)`` (RFC 9162 §2.1.1)."""
    return _sha256(_NODE_PREFIX + left + right).digest()


def split(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (``n > 1``)."""
    return 1 << ((n - 1).bit_length() - 1)


def _mth(hashes: Sequence[bytes], begin: int, end: int) -> bytes:
    """MTH of ``hashes[begin:end]`` (non-empty), iteratively: pair up level by level.

    Pairing left to right and carrying an odd last node up unchanged yields exactly the
    RFC's left-balanced tree, because every left subtree it splits off is a full power
    of two.
    """
    level = list(hashes[begin:end])
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def root_hash(leaf_hashes: Sequence[bytes]) -> bytes:
    """The tree head of ``leaf_hashes``; the empty tree's root is ``SHA-256()`` (§2.1.1)."""
    if not leaf_hashes:
        return EMPTY_ROOT
    return _mth(leaf_hashes, 0, len(leaf_hashes))


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int) -> list[bytes]:
    """The audit path ``PATH(index, D[n])`` of RFC 9162 §2.1.3.1, leaf's sibling first."""
    size = len(leaf_hashes)
    if not 0 <= index < size:
        raise ProofInvalid(f"inclusion proof: index {index} is outside a tree of size {size}")
    path: list[bytes] = []
    begin, end, m = 0, size, index
    while end - begin > 1:
        k = split(end - begin)
        if m < k:
            path.append(_mth(leaf_hashes, begin + k, end))
            end = begin + k
        else:
            path.append(_mth(leaf_hashes, begin, begin + k))
            begin, m = begin + k, m - k
    path.reverse()
    return path


def consistency_proof(leaf_hashes: Sequence[bytes], old_size: int) -> list[bytes]:
    """``PROOF(m, D[n])`` of RFC 9162 §2.1.4.1 for ``0 < m <= n``; empty when ``m == n``."""
    size = len(leaf_hashes)
    if not 0 < old_size <= size:
        raise ProofInvalid(
            f"consistency proof: old size {old_size} is outside 1..{size} (the new size)"
        )
    if old_size == size:
        return []
    path: list[bytes] = []
    begin, end, m, whole = 0, size, old_size, True
    while m != end - begin:
        k = split(end - begin)
        if m <= k:
            path.append(_mth(leaf_hashes, begin + k, end))
            end = begin + k
        else:
            path.append(_mth(leaf_hashes, begin, begin + k))
            begin, m, whole = begin + k, m - k, False
    if not whole:
        path.append(_mth(leaf_hashes, begin, end))
    path.reverse()
    return path


def _check_hash(name: str, value: bytes) -> None:
    if len(value) != _HASH_SIZE:
        raise ProofInvalid(f"{name} is {len(value)} bytes, not a SHA-256 hash of 32")


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check an audit path (RFC 9162 §2.1.3.2); raise :class:`ProofInvalid` if it fails."""
    _check_hash("leaf hash", leaf_hash)
    for position, element in enumerate(proof):
        _check_hash(f"proof[{position}]", element)
    if not 0 <= index < size:
        raise ProofInvalid(f"inclusion: index {index} is outside a tree of size {size}")
    # Steps 2-4: fn walks the leaf's path, sn the last node's; they meet at the root.
    fn, sn = index, size - 1
    r = leaf_hash
    for element in proof:
        if sn == 0:
            raise ProofInvalid(
                f"inclusion: proof of {len(proof)} hashes is too long for index {index} "
                f"in a tree of size {size}"
            )
        if fn & 1 or fn == sn:
            r = node_hash(element, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, element)
        fn >>= 1
        sn >>= 1
    # Step 5.
    if sn != 0:
        raise ProofInvalid(
            f"inclusion: proof of {len(proof)} hashes is too short for index {index} "
            f"in a tree of size {size}"
        )
    if r != root:
        raise ProofInvalid(
            f"inclusion: index {index} does not lead to the root of the tree of size {size}"
        )


def verify_consistency(
    old_size: int, new_size: int, proof: Sequence[bytes], old_root: bytes, new_root: bytes
) -> None:
    """Check a consistency proof (RFC 9162 §2.1.4.2); raise :class:`ProofInvalid` if not.

    Between equal sizes the proof is empty and the roots must be equal. A proof from the
    empty tree proves nothing (RFC 9162 defines ``PROOF(m, D[n])`` for ``0 < m``), so
    ``old_size == 0`` is refused, as transparency-dev/merkle does.
    """
    for position, element in enumerate(proof):
        _check_hash(f"proof[{position}]", element)
    if old_size < 0 or new_size < old_size:
        raise ProofInvalid(
            f"consistency: old size {old_size} and new size {new_size} are not in order"
        )
    if old_size == 0:
        raise ProofInvalid("consistency: a proof from the empty tree (old size 0) proves nothing")
    if old_size == new_size:
        if proof:
            raise ProofInvalid(
                f"consistency: the proof between equal sizes {old_size} must be empty, "
                f"got {len(proof)} hashes"
            )
        if old_root != new_root:
            raise ProofInvalid(f"consistency: two different roots for the same size {old_size}")
        return
    # Step 1: a proof between different non-empty sizes is never empty.
    if not proof:
        raise ProofInvalid(f"consistency: empty proof from size {old_size} to {new_size}")
    # Step 2: when the old tree is a complete subtree its root is the path's first node.
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    # Steps 3-4.
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # Steps 5-6.
    fr = sr = path[0]
    for element in path[1:]:
        if sn == 0:
            raise ProofInvalid(
                f"consistency: proof of {len(proof)} hashes is too long "
                f"from size {old_size} to {new_size}"
            )
        if fn & 1 or fn == sn:
            fr = node_hash(element, fr)
            sr = node_hash(element, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, element)
        fn >>= 1
        sn >>= 1
    # Step 7.
    if sn != 0:
        raise ProofInvalid(
            f"consistency: proof of {len(proof)} hashes is too short "
            f"from size {old_size} to {new_size}"
        )
    if fr != old_root:
        raise ProofInvalid(
            f"consistency: the proof does not lead to the old root (size {old_size})"
        )
    if sr != new_root:
        raise ProofInvalid(
            f"consistency: the proof does not lead to the new root (size {new_size})"
        )
