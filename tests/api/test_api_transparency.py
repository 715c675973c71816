"""The public transparency endpoints, checked as an outside verifier would: fetch the
checkpoint, verify its signature with the log's key, fetch the tiles and entry bundles,
recompute the root (RFC 9162, written out here from the RFC, not the project's code);
then proofs, rulebooks and suppressed statistics."""

from __future__ import annotations

import base64
import dataclasses
import gzip
import hashlib
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.conftest import Api, order_over_api, released_case
from fairscreen.adapters.db.engine import begin_write
from fairscreen.adapters.db.ledger_store import queue_pending
from fairscreen.adapters.witness_store import SqliteWitnessState
from fairscreen.entrypoints.api.middleware import origin_prefix
from fairscreen.entrypoints.api.routers.public import accepts_gzip
from fairscreen.entrypoints.api.scheduler import tick
from fairscreen.entrypoints.witness_app import create_witness_app
from fairscreen.ledger.checkpoint import open_checkpoint
from fairscreen.ledger.cosignature import (
    generate_cosigner,
    parse_cosigner_vkey,
    verify_cosignatures,
)
from fairscreen.ledger.entries import encode_entry
from fairscreen.ledger.merkle import verify_consistency, verify_inclusion
from fairscreen.ledger.note import parse_vkey
from fairscreen.ledger.witness import Witness
from fairscreen.services.sequencer import integrate_all
from fairscreen.services.transparency import parse_tile_path
from fairscreen.services.witnessing import WitnessPeer
from ledger.ledger_factories import at, entry
from local_http import serve_asgi


def _mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1 MTH over leaf hashes."""
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + _mth(leaves[:k]) + _mth(leaves[k:])).digest()


def _tile_path(index: int) -> str:
    groups = []
    while True:
        groups.append(f"{index % 1000:03d}")
        index //= 1000
        if index == 0:
            break
    groups.reverse()
    return "/".join(["x" + g for g in groups[:-1]] + [groups[-1]])


def _publish(api: Api) -> None:
    assert tick(api.world.svc).failed_steps == ()


def test_a_verifier_recomputes_the_checkpoint_from_tiles(api: Api) -> None:
    released_case(api)
    _publish(api)
    client = api.client  # no token anywhere below
    vkey = client.get("/v1/transparency/log-key").text.strip()
    note = client.get("/checkpoint")
    assert note.headers["content-type"].startswith("text/plain")
    checkpoint = open_checkpoint(note.text, parse_vkey(vkey))
    size = checkpoint.size
    assert size > 0

    leaves: list[bytes] = []
    for n in range((size + 255) // 256):
        width = min(256, size - n * 256)
        suffix = "" if width == 256 else f".p/{width}"
        tile = client.get(f"/tile/0/{_tile_path(n)}{suffix}")
        assert tile.status_code == 200, tile.text
        assert len(tile.content) == 32 * width
        hashes = [tile.content[i : i + 32] for i in range(0, len(tile.content), 32)]
        bundle = client.get(f"/tile/entries/{_tile_path(n)}{suffix}").content
        entries = []
        offset = 0
        while offset < len(bundle):
            length = int.from_bytes(bundle[offset : offset + 2], "big")
            entries.append(bundle[offset + 2 : offset + 2 + length])
            offset += 2 + length
        assert [hashlib.sha256(b"\x00" + e).digest() for e in entries] == hashes
        leaves.extend(hashes)
    assert _mth(leaves) == checkpoint.root
    # A wider partial tile than the log holds, and a full tile of a partial, do not exist.
    assert client.get(f"/tile/0/000.p/{min(size + 1, 255)}").status_code in (200, 404)
    if size < 256:
        assert client.get("/tile/0/000").status_code == 404
        assert client.get(f"/tile/0/000.p/{size + 1}").status_code == 404

    # Inclusion and consistency proofs against that checkpoint.
    proof = client.get(f"/v1/transparency/proofs/inclusion?index=3&tree_size={size}").json()
    assert proof["checkpoint"] == note.text
    verify_inclusion(
        base64.b64decode(proof["leaf_hash"]),
        3,
        size,
        [base64.b64decode(h) for h in proof["proof"]],
        checkpoint.root,
    )
    assert hashlib.sha256(b"\x00" + proof["entry"].encode()).digest() == leaves[3]

    released_case(api)  # the log grows
    _publish(api)
    newer = open_checkpoint(client.get("/checkpoint").text, parse_vkey(vkey))
    assert newer.size > size
    consistency = client.get(
        f"/v1/transparency/proofs/consistency?first={size}&second={newer.size}"
    ).json()
    verify_consistency(
        size,
        newer.size,
        [base64.b64decode(h) for h in consistency["proof"]],
        checkpoint.root,
        newer.root,
    )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_bad_proof_and_tile_requests_are_client_errors(api: Api) -> None:
    client = api.client
    assert client.get("/checkpoint").status_code == 404  # nothing published yet
    released_case(api)
    _publish(api)
    for query in ("index=999999", "index=0&tree_size=999999", "index=-1"):
        answer = client.get(f"/v1/transparency/proofs/inclusion?{query}")
        assert answer.status_code == 422, query
    for query in ("first=0", "first=5&second=2", "first=1&second=999999"):
        answer = client.get(f"/v1/transparency/proofs/consistency?{query}")
        assert answer.status_code == 422, query
    for path in ("x000/001", "1", "001.p/0", "001.p/256", "001.p/01", "abc", "000/"):
        assert client.get(f"/tile/0/{path}").status_code == 404, path
        assert client.get(f"/tile/entries/{path}").status_code == 404, path
    assert client.get("/tile/99/000").status_code == 404
    assert client.get("/tile/x/000").status_code == 404


def test_tile_paths_are_parsed_exactly_as_tlog_tiles_writes_them() -> None:
    assert parse_tile_path("000") == (0, None)
    assert parse_tile_path("x001/x234/067") == (1234067, None)
    assert parse_tile_path("x001/x234/067.p/8") == (1234067, 8)
    assert parse_tile_path(_tile_path(999_999_999)) == (999_999_999, None)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_rulebooks_by_version_and_hash(api: Api) -> None:
    listed = api.client.get("/v1/transparency/rulebooks").json()
    # oldest first, as the public rulebook page's history: the current one is the last
    assert [b["version"] for b in listed] == ["1.0.0", "1.1.0"]
    assert listed[-1]["version"] == api.world.svc.rulebook.version
    for book in listed:
        by_version = api.client.get(f"/v1/transparency/rulebooks/{book['version']}")
        by_hash = api.client.get(f"/v1/transparency/rulebooks/sha256/{book['sha256']}")
        assert by_version.content == by_hash.content
        assert hashlib.sha256(by_hash.content).hexdigest() == book["sha256"]
        assert by_version.headers["content-type"].startswith("application/toml")
    assert api.world.svc.rulebook.sha256 in {b["sha256"] for b in listed}
    assert api.client.get("/v1/transparency/rulebooks/9.9.9").status_code == 404
    assert api.client.get("/v1/transparency/rulebooks/sha256/" + "0" * 64).status_code == 404


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_statistics_suppress_small_groups(api: Api) -> None:
    for _ in range(12):
        order_over_api(api, ["identity"])
    api.call("employer_b", "POST", "/v1/profiles/builtin", json={"profile": "general-staff"})
    stats = api.client.get("/v1/transparency/statistics").json()
    assert stats["min_group"] == 10
    (group,) = stats["groups"]
    assert group["cases"] == 12 and group["period"] == "2024-03"
    assert group["by_state"] == {"ordered": 12}
    assert group["employer"].startswith("emp_")
    assert api.ids["employer"] not in str(stats)
    yearly = api.client.get("/v1/transparency/statistics?period=year").json()
    assert yearly["groups"][0]["period"] == "2024"
    # One hidden count would be recoverable from the total: the next smallest hides too.
    from fairscreen.services.stats import _suppress

    assert _suppress({"a": 20, "b": 3, "c": 12}) == {"a": 20, "b": None, "c": None}
    assert _suppress({"a": 20, "b": 30}) == {"a": 20, "b": 30}
    assert api.client.get("/v1/transparency/statistics?period=day").status_code == 422


# --- C2SP tlog-tiles to the letter: caching, compression, HEAD, the origin's prefix ----------


def test_accept_encoding_is_read_as_rfc_9110_says() -> None:
    assert accepts_gzip("gzip")
    assert accepts_gzip("br, gzip;q=0.5, identity")
    assert accepts_gzip("*")
    assert accepts_gzip("x-gzip")
    assert not accepts_gzip(None)
    assert not accepts_gzip("identity")
    assert not accepts_gzip("gzip;q=0")
    assert not accepts_gzip("*;q=0")
    assert not accepts_gzip("gzip;q=nonsense")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_tiles_are_immutable_bundles_compressed_and_head_answered(api: Api) -> None:
    released_case(api)
    _publish(api)
    client = api.client
    note = client.get("/checkpoint")
    assert note.headers["cache-control"] == "no-store"
    assert note.headers["content-type"] == "text/plain; charset=utf-8"
    size = open_checkpoint(note.text, api.world.svc.signer.verifier).size
    assert 0 < size < 256
    partial = f"000.p/{size}"

    # Partial tiles and bundles never change: immutable, as full ones.
    tile = client.get(f"/tile/0/{partial}")
    assert tile.headers["cache-control"] == "public, max-age=31536000, immutable"
    plain = client.get(f"/tile/entries/{partial}", headers={"Accept-Encoding": "identity"})
    assert plain.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "content-encoding" not in plain.headers
    assert plain.headers["vary"] == "Accept-Encoding"
    refused = client.get(f"/tile/entries/{partial}", headers={"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in refused.headers and refused.content == plain.content

    # Asked for gzip, the bundle goes gzip-compressed; the raw bytes inflate to the bundle.
    with client.stream(
        "GET", f"/tile/entries/{partial}", headers={"Accept-Encoding": "gzip"}
    ) as compressed:
        assert compressed.headers["content-encoding"] == "gzip"
        raw = b"".join(compressed.iter_raw())
    assert gzip.decompress(raw) == plain.content
    assert len(raw) < len(plain.content)
    # Tiles are hashes: not worth compressing, sent as they are.
    assert "content-encoding" not in client.get(f"/tile/0/{partial}").headers

    # HEAD: the headers of GET, no body.
    for path, got in (
        ("/checkpoint", note),
        (f"/tile/0/{partial}", tile),
        (f"/tile/entries/{partial}", plain),
    ):
        head = client.head(path, headers={"Accept-Encoding": "identity"})
        assert head.status_code == 200, path
        assert head.content == b"", path
        assert int(head.headers["content-length"]) == len(got.content), path
        assert head.headers["content-type"] == got.headers["content-type"], path
        assert head.headers["cache-control"] == got.headers["cache-control"], path
    assert client.head("/tile/0/999").status_code == 404
    assert client.head(f"/tile/entries/000.p/{size + 1}").status_code == 404

    # The log is also served under its origin's path: the origin is its URL prefix.
    prefix = origin_prefix(api.world.svc.signer.name)
    assert prefix, "the test log's origin has a path"
    assert client.get(f"{prefix}/checkpoint").text == note.text
    assert client.get(f"{prefix}/tile/0/{partial}").content == tile.content
    assert client.head(f"{prefix}/checkpoint").status_code == 200
    assert client.get(f"{prefix}/healthz").status_code == 404  # only the tlog resources


@pytest.fixture
def witness_url(api: Api, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A witness for the test log, served by uvicorn on a loopback port."""
    cosigner = generate_cosigner("witness.test/w1")
    witness = Witness(
        cosigner=cosigner,
        logs={api.world.svc.signer.name: [api.world.svc.signer.verifier]},
        state=SqliteWitnessState(tmp_path / "witness"),
        clock=lambda: int(time.time()),
    )
    with serve_asgi(create_witness_app(witness)) as url:
        yield cosigner.verifier.vkey, url


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_checkpoint_is_served_cosigned_by_the_witnesses(
    api: Api, witness_url: tuple[str, str]
) -> None:
    vkey, url = witness_url
    svc = api.world.svc
    svc.config = dataclasses.replace(svc.config, witnesses=(WitnessPeer.parse(vkey, url),))
    released_case(api)
    _publish(api)  # the scheduler publishes, then asks the witness
    note = api.client.get("/checkpoint").text
    open_checkpoint(note, parse_vkey(api.client.get("/v1/transparency/log-key").text))
    (cosignature,) = verify_cosignatures(note, [parse_cosigner_vkey(vkey)])
    assert cosignature.name == "witness.test/w1"
    size = open_checkpoint(note, svc.signer.verifier).size
    proof = api.client.get(f"/v1/transparency/proofs/inclusion?index=0&tree_size={size}")
    assert proof.json()["checkpoint"] == note  # offline proofs carry the cosignature too

    # The log grows: the next tick sends the witness a consistency proof, and it cosigns.
    released_case(api)
    _publish(api)
    newer = api.client.get("/checkpoint").text
    assert open_checkpoint(newer, svc.signer.verifier).size > size
    assert len(verify_cosignatures(newer, [parse_cosigner_vkey(vkey)])) == 1


def test_an_entry_is_found_by_its_pending_id_then_by_index_and_proof(api: Api) -> None:
    """Issue 16: a request's entry is pending until the sequencer integrates it; the API
    answers its state, then its index, then its inclusion proof once a checkpoint covers
    it."""
    client, svc = api.client, api.world.svc
    order_over_api(api)
    _publish(api)
    with begin_write(svc.engine) as connection:
        (pending_id,) = queue_pending(
            connection,
            [encode_entry(entry("source.queried", when=at(1, 0), category="education"))],
        )
    first = client.get(f"/v1/transparency/pending/{pending_id}")
    assert first.status_code == 200
    assert first.json() == {
        "pending_id": pending_id,
        "state": "pending",
        "index": None,
        "inclusion": None,
    }
    integrate_all(svc.engine)
    integrated = client.get(f"/v1/transparency/pending/{pending_id}").json()
    assert integrated["state"] == "integrated" and integrated["inclusion"] is None
    index = integrated["index"]
    _publish(api)
    proven = client.get(f"/v1/transparency/pending/{pending_id}").json()
    assert proven["index"] == index and proven["inclusion"]["index"] == index
    checkpoint = open_checkpoint(proven["inclusion"]["checkpoint"], svc.signer.verifier)
    verify_inclusion(
        base64.b64decode(proven["inclusion"]["leaf_hash"]),
        index,
        checkpoint.size,
        [base64.b64decode(h) for h in proven["inclusion"]["proof"]],
        checkpoint.root,
    )
    missing = client.get(f"/v1/transparency/pending/{pending_id + 1000}")
    assert missing.status_code == 404 and missing.json()["field"] == "pending_id"
    assert client.get("/v1/transparency/pending/0").status_code == 422
