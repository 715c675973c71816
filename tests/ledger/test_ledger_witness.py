"""Witnesses (C2SP tlog-witness, tlog-cosignature): the cosignature format checked from
the spec's own words, the witness's refusals, and a witness on loopback that cosigns the
log and refuses a fork, which ``ledger verify --witness`` then catches too."""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from ledger_factories import at, encoded, entry
from typer.testing import CliRunner, Result

from fairscreen.adapters.db.engine import create_engine
from fairscreen.adapters.db.ledger_store import append_batch, reading, writing
from fairscreen.adapters.db.migrations import upgrade
from fairscreen.adapters.ledger_keys import load_file_signer
from fairscreen.adapters.witness_store import SqliteWitnessState
from fairscreen.domain.errors import LedgerError, SignatureInvalid
from fairscreen.entrypoints.cli import app
from fairscreen.ledger.checkpoint import parse_checkpoint_text
from fairscreen.ledger.cosignature import (
    cosign,
    generate_cosigner,
    parse_cosigner_vkey,
    verify_cosignatures,
)
from fairscreen.ledger.log import Log
from fairscreen.ledger.note import NoteSigner, open_note, parse_note, parse_vkey
from fairscreen.ledger.store import MemoryLedgerStore
from fairscreen.ledger.witness import AddCheckpoint, Witness, WitnessRefusal
from fairscreen.services.witnessing import WitnessPeer, cosign_latest

ORIGIN = "fairscreen.test/ledger"
WITNESS = "witness.test/w1"
NOW = 1_764_000_000


def _cosigner() -> NoteSigner:
    return NoteSigner(WITNESS, bytes(range(100, 132)), 0x04)


# --- the cosignature format ---------------------------------------------------------------


def test_a_cosignature_is_what_tlog_cosignature_says(signer: NoteSigner) -> None:
    body = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    cosigner = _cosigner()
    line = cosign(body, cosigner, 1679315147).line
    name, encoded_blob = line[len("— ") : -1].split(" ")
    assert name == WITNESS and line.startswith("— ") and line.endswith("=\n")
    blob = base64.b64decode(encoded_blob)
    public = cosigner.verifier.public_key
    # key ID = SHA-256(name || "\n" || 0x04 || public key)[:4]
    assert blob[:4] == hashlib.sha256(WITNESS.encode() + b"\n\x04" + public).digest()[:4]
    assert int.from_bytes(blob[4:12], "big") == 1679315147
    message = b"cosignature/v1\ntime 1679315147\n" + body.encode()
    Ed25519PublicKey.from_public_bytes(public).verify(blob[12:], message)  # raises if not
    assert len(blob) == 4 + 8 + 64

    vkey = cosigner.verifier.vkey
    assert base64.b64decode(vkey.split("+", 2)[2])[0] == 0x04
    assert parse_cosigner_vkey(vkey) == cosigner.verifier
    note = "example.com/behind-the-sofa\n" + body.split("\n", 1)[1] + "\n" + line
    found = verify_cosignatures(note, [cosigner.verifier])
    assert [(c.name, c.timestamp, c.line) for c in found] == [(WITNESS, 1679315147, line)]
    assert verify_cosignatures(note, [generate_cosigner("other.test/w").verifier]) == []
    tampered = note.replace("20852163", "20852164")
    with pytest.raises(SignatureInvalid, match=r"cosignature by witness\.test/w1"):
        verify_cosignatures(tampered, [cosigner.verifier])


def test_a_witness_key_is_never_a_log_key(signer: NoteSigner) -> None:
    cosigner = _cosigner()
    with pytest.raises(LedgerError, match="type 0x01"):
        parse_vkey(cosigner.verifier.vkey)
    with pytest.raises(LedgerError, match="type 0x04"):
        parse_cosigner_vkey(signer.verifier.vkey)
    with pytest.raises(LedgerError, match="cosigner key"):
        open_note("a\n\n— a AAAAAAA=\n", [cosigner.verifier])
    with pytest.raises(LedgerError, match="not a cosigner key"):
        cosign("a\n1\n" + "A" * 43 + "=\n", signer, NOW)


# --- the witness's checks -------------------------------------------------------------------


def _log(signer: NoteSigner, size: int, *, fork_at: int | None = None) -> Log:
    log = Log(MemoryLedgerStore())
    log.append([(b"forked %d" if i == fork_at else b"entry %d") % i for i in range(size)])
    return log


def _note(log: Log, signer: NoteSigner) -> str:
    return log.publish(signer, force=True).note


def _request(log: Log, signer: NoteSigner, old: int, size: int | None = None) -> bytes:
    note = _note(log, signer)
    new = log.size() if size is None else size
    proof = log.consistency_proof(old, new).proof if 0 < old < new else ()
    return AddCheckpoint(old, proof, note).body().encode()


@pytest.fixture
def witness(tmp_path: Path, signer: NoteSigner) -> Witness:
    return Witness(
        cosigner=_cosigner(),
        logs={ORIGIN: [signer.verifier]},
        state=SqliteWitnessState(tmp_path / "witness"),
        clock=lambda: NOW,
    )


def _refused(witness: Witness, body: bytes) -> WitnessRefusal:
    with pytest.raises(WitnessRefusal) as caught:
        witness.add_checkpoint(body)
    return caught.value


def test_the_witness_cosigns_only_what_extends_what_it_cosigned(
    witness: Witness, signer: NoteSigner, tmp_path: Path
) -> None:
    log = _log(signer, 10)
    line = witness.add_checkpoint(_request(log, signer, 0))
    note = _note(log, signer) + line
    assert [c.timestamp for c in verify_cosignatures(note, [_cosigner().verifier])] == [NOW]

    # A stale old size: 409 with the size last cosigned, for the client to retry from.
    log.append([b"entry %d" % i for i in range(10, 20)])
    stale = _refused(witness, _request(log, signer, 0))
    assert (stale.status, stale.latest_size) == (409, 10)
    assert witness.add_checkpoint(_request(log, signer, 10))  # consistent: cosigned
    # The same checkpoint again is fine (same size, same root, empty proof).
    assert witness.add_checkpoint(_request(log, signer, 20))

    # A proof that does not lead from the old root to the new one: 422.
    log.append([b"entry 20"])
    good = AddCheckpoint(20, log.consistency_proof(20, 21).proof, _note(log, signer))
    wrong = AddCheckpoint(20, (hashlib.sha256(b"x").digest(), *good.proof[1:]), good.note)
    assert _refused(witness, wrong.body().encode()).status == 422
    # A proof with old size 0 must be empty: 422.
    zero = AddCheckpoint(0, good.proof, good.note)
    fresh = Witness(witness.cosigner, witness.logs, SqliteWitnessState(tmp_path), witness.clock)
    assert _refused(fresh, zero.body().encode()).status == 422


def test_the_witness_refuses_what_the_spec_says_it_refuses(
    witness: Witness, signer: NoteSigner
) -> None:
    log = _log(signer, 5)
    note = _note(log, signer)
    assert _refused(witness, b"old 1\n").status == 400  # no checkpoint
    assert _refused(witness, b"old 01\n\n" + note.encode()).status == 400
    assert _refused(witness, b"old 0\nnot-base64!\n\n" + note.encode()).status == 400
    assert _refused(witness, b"old 6\n\n" + note.encode()).status == 400  # old > size
    stranger = NoteSigner("stranger.test/log", bytes(32))
    other = Log(MemoryLedgerStore())
    other.append([b"x"])
    assert _refused(witness, b"old 0\n\n" + _note(other, stranger).encode()).status == 404
    impostor = NoteSigner(ORIGIN, bytes(range(1, 33)))  # the origin, not the log's key
    assert _refused(witness, b"old 0\n\n" + _note(log, impostor).encode()).status == 403
    too_long = "old 1\n" + "\n".join([base64.b64encode(bytes(32)).decode()] * 64)
    assert _refused(witness, (too_long + "\n\n" + note).encode()).status == 400


def test_a_fork_is_refused_and_kept_as_evidence(
    witness: Witness, signer: NoteSigner, tmp_path: Path
) -> None:
    honest = _log(signer, 30)
    assert witness.add_checkpoint(_request(honest, signer, 0))
    # The same origin and key, a different entry at index 3, the log grown on.
    forked = _log(signer, 40, fork_at=3)
    refusal = _refused(witness, _request(forked, signer, 30))
    assert refusal.status == 422 and "consistency proof from 30 to 40" in refusal.message
    # The same size with another root: 409.
    same_size = _log(signer, 30, fork_at=3)
    assert _refused(witness, _request(same_size, signer, 30)).status == 409
    state = witness.state
    assert isinstance(state, SqliteWitnessState)
    assert [(origin, status) for origin, status, _ in state.refusals()] == [
        (ORIGIN, 422),
        (ORIGIN, 409),
    ]
    assert [(c.origin, c.size) for c in state.latest()] == [(ORIGIN, 30)]


# --- a witness on loopback, the log asking it, and verify --witness ----------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cli(env: dict[str, str], *arguments: str) -> Result:
    result = CliRunner().invoke(app, list(arguments), env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "FAIRSCREEN_DATABASE_URL": f"sqlite:///{tmp_path / 'log.db'}",
        "FAIRSCREEN_DATA_DIR": str(tmp_path / "var"),
        "FAIRSCREEN_LEDGER_ORIGIN": ORIGIN,
        "FAIRSCREEN_KEY_PROVIDER": "file",
    }


@pytest.fixture
def served_witness(env: dict[str, str], tmp_path: Path) -> Iterator[WitnessPeer]:
    """``fairscreen witness serve`` in its own process, on a loopback port."""
    data_dir = tmp_path / "regulator-witness"
    log_vkey = cli(env, "ledger", "key").output.strip()
    made = cli(env, "witness", "key", "--data-dir", str(data_dir), "--name", WITNESS)
    assert made.exit_code == 0, made.output
    port = _free_port()
    command = [
        sys.executable,
        "-c",
        "from fairscreen.entrypoints.cli import main; main()",
        "witness",
        "serve",
        "--data-dir",
        str(data_dir),
        "--log",
        log_vkey,
        "--port",
        str(port),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(url + "/").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        else:
            pytest.fail("the witness did not start")
        about = httpx.get(url + "/").text.splitlines()
        assert about == [made.output.strip(), f"log {ORIGIN}"]
        yield WitnessPeer.parse(made.output.strip(), url)
    finally:
        process.terminate()
        process.wait(timeout=10)


def _grow(database_url: str, count: int, first: int, fork_at: int | None = None) -> None:
    rows = []
    for i in range(first, first + count):
        kind = "source.queried" if i != fork_at else "report.read"
        rows.append(encoded(entry(kind, when=at(1, i), category="education")))
    engine = create_engine(database_url)
    try:
        upgrade(engine)
        append_batch(engine, rows)
        signer = load_file_signer(Path(env_data_dir(database_url)) / "keys", ORIGIN)
        with writing(engine) as log:
            log.publish(signer)
    finally:
        engine.dispose()


def env_data_dir(database_url: str) -> str:
    return str(Path(database_url.removeprefix("sqlite:///")).parent / "var")


def _cosign(database_url: str, peer: WitnessPeer) -> str:
    engine = create_engine(database_url)
    try:
        with httpx.Client(timeout=5) as client:
            outcomes = cosign_latest(engine, [peer], client, datetime.now(UTC))
        assert len(outcomes) == 1
        return outcomes[0].detail
    finally:
        engine.dispose()


def test_a_witness_on_loopback_cosigns_and_catches_a_fork(
    env: dict[str, str], served_witness: WitnessPeer, tmp_path: Path
) -> None:
    database = env["FAIRSCREEN_DATABASE_URL"]
    _grow(database, 20, 0)
    assert _cosign(database, served_witness) == "cosigned size 20"
    _grow(database, 280, 20)  # past one full tile
    assert _cosign(database, served_witness) == "cosigned size 300"

    # /checkpoint's note (here: ledger checkpoint) carries the log's signature and the
    # witness's cosignature; both verify with their keys.
    note = cli(env, "ledger", "checkpoint").output
    log_key = parse_vkey(cli(env, "ledger", "key").output.strip())
    open_note(note, [log_key])
    assert len(verify_cosignatures(note, [served_witness.key])) == 1
    assert len(parse_note(note)[1]) == 2

    verified = cli(env, "ledger", "verify", "--witness", served_witness.key.vkey)
    assert verified.exit_code == 0, verified.output
    assert "cosigned by 1 witness(es)" in verified.output
    exported = tmp_path / "public"
    assert cli(env, "ledger", "export", str(exported)).exit_code == 0
    offline = cli(
        env,
        "ledger",
        "verify-tiles",
        str(exported),
        "--vkey",
        log_key.vkey,
        "--witness",
        served_witness.key.vkey,
    )
    assert offline.exit_code == 0, offline.output

    # A fork: another database, the same origin and key, a different entry at index 7.
    fork_env = {**env, "FAIRSCREEN_DATABASE_URL": f"sqlite:///{tmp_path / 'fork.db'}"}
    forked = fork_env["FAIRSCREEN_DATABASE_URL"]
    _grow(forked, 20, 0, fork_at=7)
    _grow(forked, 290, 20)
    detail = _cosign(forked, served_witness)
    assert detail.startswith("HTTP 422"), detail  # 409 (old 0), then the proof fails
    refused = cli(fork_env, "ledger", "verify", "--witness", served_witness.key.vkey)
    assert refused.exit_code == 1
    assert "witness-quorum" in refused.output and "cosigned by 0" in refused.output

    # Copying the honest log's cosignature onto the fork does not help: it does not verify.
    honest_line = verify_cosignatures(note, [served_witness.key])[0]
    engine = create_engine(forked)
    try:
        with engine.begin() as connection:
            latest_id = connection.execute(
                sa.text("SELECT MAX(id) FROM ledger_checkpoints")
            ).scalar_one()
            connection.execute(
                sa.text(
                    "INSERT INTO ledger_cosignatures (checkpoint_id, cosigner, key_id, "
                    "timestamp, line, received_at) VALUES (:c, :n, :k, :t, :l, :r)"
                ),
                {
                    "c": latest_id,
                    "n": honest_line.name,
                    "k": honest_line.key_id,
                    "t": honest_line.timestamp,
                    "l": honest_line.line,
                    "r": datetime.now(UTC),
                },
            )
    finally:
        engine.dispose()
    copied = cli(fork_env, "ledger", "verify", "--witness", served_witness.key.vkey)
    assert copied.exit_code == 1 and "cosignature-invalid" in copied.output

    # Bad options are input errors.
    assert cli(env, "ledger", "verify", "--witness", log_key.vkey).exit_code == 2
    bad_quorum = ("--witness", served_witness.key.vkey, "--quorum", "2")
    assert cli(env, "ledger", "verify", *bad_quorum).exit_code == 2


def test_a_witness_that_is_down_does_not_stop_publishing(
    env: dict[str, str], tmp_path: Path
) -> None:
    database = env["FAIRSCREEN_DATABASE_URL"]
    _grow(database, 3, 0)
    down = WitnessPeer.parse(_cosigner().verifier.vkey, f"http://127.0.0.1:{_free_port()}")
    assert _cosign(database, down).startswith("unreachable")
    # ledger publish with the witness configured still publishes, and says so.
    configured = {
        **env,
        "FAIRSCREEN_WITNESSES": json.dumps([{"vkey": down.key.vkey, "url": down.url}]),
        "FAIRSCREEN_WITNESS_TIMEOUT": "1",
    }
    _grow(database, 2, 3)
    published = cli(configured, "ledger", "publish", "--force")
    assert published.exit_code == 0, published.output
    assert f"witness {WITNESS} did not cosign: unreachable" in published.output
    engine = create_engine(database)
    try:
        with reading(engine) as log:
            latest = log.latest_checkpoint()
        assert latest is not None and latest.size == 5 and latest.cosignatures == ()
        assert parse_checkpoint_text(parse_note(latest.note)[0]).size == 5
    finally:
        engine.dispose()
    wrong = {**env, "FAIRSCREEN_WITNESSES": json.dumps([{"vkey": "nope", "url": "x"}])}
    assert cli(wrong, "ledger", "publish").exit_code == 2
