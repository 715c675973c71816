"""Signed notes and checkpoints against Go's sumdb/note and the C2SP examples."""

from __future__ import annotations

from typing import Any

import pytest

from fairscreen.domain.errors import LedgerError, LedgerTampered, ProofInvalid, SignatureInvalid
from fairscreen.ledger import merkle
from fairscreen.ledger.checkpoint import (
    Checkpoint,
    check_same_tree,
    make_tlog_proof,
    open_checkpoint,
    parse_checkpoint_text,
    parse_tlog_proof,
    sign_checkpoint,
    verify_tlog_proof,
)
from fairscreen.ledger.note import (
    NoteSigner,
    NoteVerifier,
    key_id,
    open_note,
    parse_note,
    parse_skey,
    parse_vkey,
    sign_note,
)


def _note_vectors(vectors: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = vectors["signed_note"]["vectors"]
    return found


def test_vkeys_and_key_ids_match_go(vectors: dict[str, Any]) -> None:
    for vector in _note_vectors(vectors):
        verifier = parse_vkey(vector["vkey"])
        assert verifier.name == vector["name"]
        assert f"{verifier.key_id:08x}" == vector["key_id_hex"]
        assert verifier.vkey == vector["vkey"]
        if "ed25519_pub_hex" in vector:
            public = bytes.fromhex(vector["ed25519_pub_hex"])
            assert verifier.public_key == public
            assert f"{key_id(vector['name'], public):08x}" == vector["key_id_hex"]


def test_go_signatures_verify(vectors: dict[str, Any]) -> None:
    for vector in _note_vectors(vectors):
        verifier = parse_vkey(vector["vkey"])
        note = vector.get("signed_note") or vector["text"] + "\n" + vector["signature_line"]
        text, checked = open_note(note, [verifier])
        assert text == vector["text"]
        assert checked == [verifier]


def test_signing_reproduces_gos_signature_exactly(vectors: dict[str, Any]) -> None:
    vector = _note_vectors(vectors)[0]
    signer = parse_skey(vector["skey_TEST_ONLY"])
    assert signer.seed == bytes.fromhex(vector["ed25519_seed_hex_TEST_ONLY"])
    assert signer.skey == vector["skey_TEST_ONLY"]
    assert signer.verifier.vkey == vector["vkey"]
    assert sign_note(vector["text"], signer) == vector["signed_note"]


def test_tampered_text_or_signature_is_refused(vectors: dict[str, Any]) -> None:
    vector = _note_vectors(vectors)[0]
    verifier = parse_vkey(vector["vkey"])
    note: str = vector["signed_note"]
    with pytest.raises(SignatureInvalid, match="does not verify"):
        open_note(note.replace("cryptography", "cryptographY"), [verifier])
    other = parse_vkey(_note_vectors(vectors)[1]["vkey"])
    with pytest.raises(SignatureInvalid, match="no signature by a known key"):
        open_note(note, [other])
    with pytest.raises(SignatureInvalid):
        open_note(note.replace("\u2014", "-"), [verifier])
    with pytest.raises(SignatureInvalid, match="no blank line"):
        open_note(vector["text"], [verifier])


def test_malformed_keys_are_refused(vectors: dict[str, Any]) -> None:
    vkey: str = _note_vectors(vectors)[0]["vkey"]
    with pytest.raises(LedgerError, match="key id"):
        parse_vkey(vkey.replace("c74f20a3", "c74f20a4"))
    with pytest.raises(LedgerError):
        parse_vkey("no-plus-signs")
    with pytest.raises(LedgerError, match="name"):
        NoteSigner("has space", bytes(32))
    with pytest.raises(LedgerError, match="32"):
        NoteVerifier("ok", b"short")


def test_signer_repr_hides_the_key() -> None:
    signer = NoteSigner("example.com/log", bytes(range(32)))
    assert bytes(range(32)).hex() not in repr(signer)
    assert "seed" not in repr(signer)


def test_go_sumdb_tree_note_is_a_checkpoint_body(vectors: dict[str, Any]) -> None:
    checkpoint = parse_checkpoint_text(vectors["go_sumdb_tree_note"]["tree_note"])
    assert checkpoint.origin == "go.sum database tree"
    assert checkpoint.size == 123456789012
    assert checkpoint.text() == vectors["go_sumdb_tree_note"]["tree_note"]


def test_c2sp_checkpoint_example_parses(vectors: dict[str, Any]) -> None:
    example = vectors["format_examples_unverifiable"]["tlog_checkpoint"]
    text, signatures = parse_note(example)
    checkpoint = parse_checkpoint_text(text)
    assert (checkpoint.origin, checkpoint.size) == ("example.com/behind-the-sofa", 20852163)
    assert signatures[0].name == "example.com/behind-the-sofa"


def test_checkpoint_round_trip_and_binding_of_size(signer: NoteSigner) -> None:
    root = merkle.root_hash([merkle.leaf_hash(b"a"), merkle.leaf_hash(b"b")])
    note = sign_checkpoint(Checkpoint(signer.name, 2, root), signer)
    assert note.startswith(f"{signer.name}\n2\n")
    assert open_checkpoint(note, signer.verifier) == Checkpoint(signer.name, 2, root)
    # The size is authenticated by the signature, not by proofs (RFC 9162 walks only
    # see its shape): change the size line and the checkpoint no longer opens.
    with pytest.raises(SignatureInvalid):
        open_checkpoint(note.replace("\n2\n", "\n3\n", 1), signer.verifier)


def test_checkpoint_refuses_a_key_for_another_origin(signer: NoteSigner) -> None:
    with pytest.raises(LedgerError, match="origin"):
        sign_checkpoint(Checkpoint("other.example/log", 0, bytes(32)), signer)


@pytest.mark.parametrize(
    "text",
    ["origin\n01\nAAAA\n", "origin\n1\n", "origin\n1\n!!!\n", "origin\n1\nAAAA\n", "o\n1\nx"],
)
def test_malformed_checkpoint_bodies(text: str) -> None:
    with pytest.raises(LedgerError):
        parse_checkpoint_text(text)


def test_same_size_different_roots_is_a_fork() -> None:
    first = Checkpoint("log", 5, b"\x01" * 32)
    check_same_tree(first, Checkpoint("log", 5, b"\x01" * 32))
    check_same_tree(first, Checkpoint("log", 6, b"\x02" * 32))
    with pytest.raises(LedgerTampered, match="fork: two checkpoints of size 5"):
        check_same_tree(first, Checkpoint("log", 5, b"\x02" * 32))


def test_tlog_proof_round_trip(signer: NoteSigner) -> None:
    leaves = [merkle.leaf_hash(bytes([i])) for i in range(11)]
    root = merkle.root_hash(leaves)
    note = sign_checkpoint(Checkpoint(signer.name, 11, root), signer)
    proof = merkle.inclusion_proof(leaves, 6)
    text = make_tlog_proof(6, proof, note)
    assert text.startswith("c2sp.org/tlog-proof@v1\nindex 6\n")
    parsed = parse_tlog_proof(text)
    assert (parsed.index, list(parsed.proof), parsed.checkpoint_note) == (6, proof, note)
    assert verify_tlog_proof(text, leaves[6], signer.verifier).size == 11
    with pytest.raises(ProofInvalid, match="does not lead to the root"):
        verify_tlog_proof(text, leaves[5], signer.verifier)
    with pytest.raises(LedgerError, match="first line"):
        parse_tlog_proof(text.replace("@v1", "@v2"))
