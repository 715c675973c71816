"""RFC 9162 functions against the published vectors in tests/data/vectors/tlog.json
(transparency-dev/merkle trees, proofs and must-reject probes)."""

from __future__ import annotations

from typing import Any

import pytest

from fairscreen.domain.errors import ProofInvalid
from fairscreen.ledger import merkle


def _hashes(values: list[str]) -> list[bytes]:
    return [bytes.fromhex(v) for v in values]


def test_module_exports_exactly_the_rfc_functions() -> None:
    assert sorted(merkle.__all__) == sorted(
        [
            "leaf_hash",
            "node_hash",
            "root_hash",
            "inclusion_proof",
            "consistency_proof",
            "verify_inclusion",
            "verify_consistency",
        ]
    )
    assert "RFC 9162" in (merkle.__doc__ or "")


def test_tree_roots_and_node_hashes(vectors: dict[str, Any]) -> None:
    tree = vectors["rfc6962_tree"]
    leaves = [merkle.leaf_hash(bytes.fromhex(x)) for x in tree["leaf_inputs_hex"]]
    for size, root in tree["root_hash_by_tree_size"].items():
        assert merkle.root_hash(leaves[: int(size)]).hex() == root
    for level, nodes in enumerate(tree["node_hashes_by_level"]):
        width = 1 << level
        for index, node in enumerate(nodes):
            assert merkle.root_hash(leaves[index * width : (index + 1) * width]).hex() == node


def test_empty_tree_root_is_sha256_of_nothing() -> None:
    assert merkle.root_hash([]).hex() == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )


def test_legacy_inline_proofs_are_generated_and_verified(vectors: dict[str, Any]) -> None:
    tree = vectors["rfc6962_tree"]
    leaves = [merkle.leaf_hash(bytes.fromhex(x)) for x in tree["leaf_inputs_hex"]]
    section = vectors["rfc6962_proofs_legacy_inline"]
    for case in section["inclusion"]:
        size, index = case["tree_size"], case["leaf_index_0based"]
        proof = merkle.inclusion_proof(leaves[:size], index)
        assert [p.hex() for p in proof] == case["proof"]
        merkle.verify_inclusion(
            bytes.fromhex(case["leaf_hash"]), index, size, proof, bytes.fromhex(case["root"])
        )
    for case in section["consistency"]:
        proof = merkle.consistency_proof(leaves[: case["size2"]], case["size1"])
        assert [p.hex() for p in proof] == case["proof"]
        merkle.verify_consistency(
            case["size1"],
            case["size2"],
            proof,
            bytes.fromhex(case["root1"]),
            bytes.fromhex(case["root2"]),
        )


def _inclusion_probes(vectors: dict[str, Any]) -> list[dict[str, Any]]:
    probes: list[dict[str, Any]] = vectors["rfc6962_proof_probes_json"]["inclusion"]
    return probes


def _consistency_probes(vectors: dict[str, Any]) -> list[dict[str, Any]]:
    probes: list[dict[str, Any]] = vectors["rfc6962_proof_probes_json"]["consistency"]
    return probes


def test_every_inclusion_probe(vectors: dict[str, Any]) -> None:
    probes = _inclusion_probes(vectors)
    assert len(probes) == vectors["rfc6962_proof_probes_json"]["counts"]["inclusion"] == 98
    rejected = 0
    for probe in probes:
        arguments = (
            bytes.fromhex(probe["leafHash"]),
            probe["leafIdx"],
            probe["treeSize"],
            _hashes(probe["proof"]),
            bytes.fromhex(probe["root"]),
        )
        if probe["wantErr"]:
            with pytest.raises(ProofInvalid):
                merkle.verify_inclusion(*arguments)
            rejected += 1
        else:
            merkle.verify_inclusion(*arguments)
    assert rejected > 50  # the negative probes are most of the file


def test_every_consistency_probe(vectors: dict[str, Any]) -> None:
    probes = _consistency_probes(vectors)
    assert len(probes) == vectors["rfc6962_proof_probes_json"]["counts"]["consistency"] == 98
    for probe in probes:
        arguments = (
            probe["size1"],
            probe["size2"],
            _hashes(probe["proof"]),
            bytes.fromhex(probe["root1"]),
            bytes.fromhex(probe["root2"]),
        )
        if probe["wantErr"]:
            with pytest.raises(ProofInvalid):
                merkle.verify_consistency(*arguments)
        else:
            merkle.verify_consistency(*arguments)


def test_go_sumdb_record_hash_is_the_leaf_hash(vectors: dict[str, Any]) -> None:
    note = vectors["go_sumdb_tree_note"]
    assert merkle.leaf_hash(note["record"].encode()).hex() == note["record_hash_hex"]


def test_generators_refuse_out_of_range_arguments() -> None:
    leaves = [merkle.leaf_hash(bytes([i])) for i in range(5)]
    with pytest.raises(ProofInvalid, match="index 5"):
        merkle.inclusion_proof(leaves, 5)
    with pytest.raises(ProofInvalid, match="old size 0"):
        merkle.consistency_proof(leaves, 0)
    with pytest.raises(ProofInvalid, match="old size 6"):
        merkle.consistency_proof(leaves, 6)


def test_verify_refuses_malformed_hashes() -> None:
    leaves = [merkle.leaf_hash(bytes([i])) for i in range(4)]
    root = merkle.root_hash(leaves)
    proof = merkle.inclusion_proof(leaves, 1)
    with pytest.raises(ProofInvalid, match="leaf hash is 31 bytes"):
        merkle.verify_inclusion(leaves[1][:31], 1, 4, proof, root)
    with pytest.raises(ProofInvalid, match=r"proof\[0\]"):
        merkle.verify_inclusion(leaves[1], 1, 4, [proof[0][:5], proof[1]], root)
