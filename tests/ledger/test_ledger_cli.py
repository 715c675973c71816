"""``fairscreen db upgrade`` and ``fairscreen ledger …`` end to end (Typer runner, real DB)."""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa
from ledger_factories import at, encoded, entry
from typer.testing import CliRunner, Result

from fairscreen.adapters.db.engine import create_engine
from fairscreen.entrypoints.cli import app
from fairscreen.entrypoints.cli.ledger import published_rulebook_digests
from fairscreen.ledger import merkle
from fairscreen.ledger.checkpoint import open_checkpoint, verify_tlog_proof
from fairscreen.ledger.note import parse_vkey

RULEBOOK = "ab" * 32


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        "FAIRSCREEN_DATABASE_URL": database_url,
        "FAIRSCREEN_DATA_DIR": str(tmp_path / "var"),
        "FAIRSCREEN_LEDGER_ORIGIN": "fairscreen.test/ledger",
        "FAIRSCREEN_KEY_PROVIDER": "file",
    }


def cli(env: dict[str, str], *arguments: str, stdin: str | None = None) -> Result:
    result = CliRunner().invoke(app, list(arguments), env=env, input=stdin)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def _write_entries(path: Path, count: int) -> None:
    lines = [
        entry(
            "authorization.signed",
            role="candidate",
            actor="subj_luo",
            when=at(0),
            categories=["education"],
            expires_at=at(30),
        )
    ]
    lines += [
        entry("source.queried", when=at(1, i), category="education") for i in range(count - 1)
    ]
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")


@pytest.fixture
def populated(env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    assert cli(env, "db", "upgrade").exit_code == 0
    source = tmp_path / "entries.jsonl"
    _write_entries(source, 300)
    result = cli(env, "ledger", "append", str(source), "--publish")
    assert result.exit_code == 0, result.output
    assert "the log now holds 300" in result.output
    return env


def test_key_is_generated_once_and_kept_private(env: dict[str, str], tmp_path: Path) -> None:
    first = cli(env, "ledger", "key")
    assert first.exit_code == 0
    verifier = parse_vkey(first.output.strip())
    assert verifier.name == "fairscreen.test/ledger"
    skey = tmp_path / "var" / "keys" / "ledger.skey"
    assert stat.S_IMODE(os.stat(skey).st_mode) == 0o600
    assert cli(env, "ledger", "key").output == first.output


def test_checkpoint_proofs_and_verify(populated: dict[str, str]) -> None:
    env = populated
    verifier = parse_vkey(cli(env, "ledger", "key").output.strip())
    note = cli(env, "ledger", "checkpoint").output
    checkpoint = open_checkpoint(note, verifier)
    assert checkpoint.size == 300

    proof = json.loads(cli(env, "ledger", "prove", "--index", "42").output)
    assert (proof["index"], proof["tree_size"]) == (42, 300)
    leaf = merkle.leaf_hash(proof["entry"].encode())
    assert base64.b64decode(proof["leaf_hash"]) == leaf
    merkle.verify_inclusion(
        leaf, 42, 300, [base64.b64decode(h) for h in proof["proof"]], checkpoint.root
    )

    receipt = cli(env, "ledger", "prove", "--index", "42", "--format", "tlog-proof").output
    assert verify_tlog_proof(receipt, leaf, verifier).size == 300

    consistency = json.loads(cli(env, "ledger", "consistency", "--old", "100").output)
    merkle.verify_consistency(
        100,
        300,
        [base64.b64decode(h) for h in consistency["proof"]],
        base64.b64decode(consistency["old_root"]),
        checkpoint.root,
    )

    verified = cli(env, "ledger", "verify")
    assert verified.exit_code == 0
    assert "OK: 300 entries" in verified.output
    assert "matches the signed checkpoint of size 300" in verified.output


def test_verify_names_a_tampered_entry_and_exits_1(populated: dict[str, str]) -> None:
    engine = create_engine(populated["FAIRSCREEN_DATABASE_URL"])
    with engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE ledger_entries SET data = :d WHERE idx = 77"),
            {"d": encoded(entry("report.read", when=at(5)))},
        )
    engine.dispose()
    result = cli(populated, "ledger", "verify")
    assert result.exit_code == 1
    assert "entry-modified: index 77: entry 77 was modified" in result.output
    assert "first bad index: 77" in result.output


def test_a_kept_checkpoint_file_is_checked(populated: dict[str, str], tmp_path: Path) -> None:
    kept = tmp_path / "kept.checkpoint"
    kept.write_text(cli(populated, "ledger", "checkpoint").output)
    assert cli(populated, "ledger", "verify", "--checkpoint", str(kept)).exit_code == 0
    kept.write_text(kept.read_text().replace("\n300\n", "\n301\n"))
    result = cli(populated, "ledger", "verify", "--checkpoint", str(kept))
    assert result.exit_code == 1
    assert "signature-invalid" in result.output


def test_audit_exit_codes(populated: dict[str, str], tmp_path: Path) -> None:
    env = populated
    clean = cli(env, "ledger", "audit", "--rulebook", RULEBOOK)
    assert clean.exit_code == 0, clean.output
    assert "OK: 300 entries, no violations" in clean.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(entry("source.queried", when=at(2), category="credit")) + "\n")
    assert cli(env, "ledger", "append", str(bad)).exit_code == 0
    rated = entry("report.rated", role="system", actor="sys_rater", when=at(3))
    rated["rulebook_sha256"] = RULEBOOK
    assert cli(env, "ledger", "append", "-", stdin=json.dumps(rated)).exit_code == 0
    listing = tmp_path / "published.txt"
    listing.write_text(RULEBOOK + "\n")
    result = cli(env, "ledger", "audit", "--rulebooks", str(listing))
    assert result.exit_code == 1
    assert "300\tquery-outside-authorization" in result.output
    assert "rating" not in result.output
    assert "1 violation(s) in 302 entries" in result.output
    default_set = cli(env, "ledger", "audit")
    assert default_set.exit_code == 1
    if RULEBOOK not in published_rulebook_digests():
        assert "301\trating-unpublished-rulebook" in default_set.output


def test_personal_data_is_refused_with_exit_2(populated: dict[str, str]) -> None:
    smuggled = {**entry("report.read", when=at(3)), "name": "Zhang Wei"}
    result = cli(populated, "ledger", "append", "-", stdin=json.dumps(smuggled))
    assert result.exit_code == 2
    assert "name: is not in the ledger vocabulary" in result.output
    assert "Zhang" not in result.output
    assert cli(populated, "ledger", "append", "-", stdin="{not json").exit_code == 2


def test_errors_are_one_line_without_traceback(env: dict[str, str]) -> None:
    assert cli(env, "db", "upgrade").exit_code == 0
    missing = cli(env, "ledger", "checkpoint")
    assert missing.exit_code == 1
    assert "no checkpoint has been published yet" in missing.output
    assert "Traceback" not in missing.output
    assert cli(env, "ledger", "prove", "--index", "0").exit_code == 1
    assert cli(env, "ledger", "prove", "--index", "0", "--format", "xml").exit_code == 2
    assert cli(env, "ledger", "consistency", "--old", "5").exit_code == 1
    no_key = cli({**env, "FAIRSCREEN_KEY_PROVIDER": "env"}, "ledger", "key")
    assert no_key.exit_code == 1
    assert "FAIRSCREEN_LEDGER_SIGNING_KEY is not set" in no_key.output


def test_env_key_provider(env: dict[str, str]) -> None:
    seed = base64.b64encode(bytes(range(32))).decode()
    result = cli(
        {**env, "FAIRSCREEN_KEY_PROVIDER": "env", "FAIRSCREEN_LEDGER_SIGNING_KEY": seed},
        "ledger",
        "key",
    )
    assert result.exit_code == 0
    assert result.output.startswith("fairscreen.test/ledger+")


def test_uninitialised_database_is_named(env: dict[str, str]) -> None:
    result = cli(env, "ledger", "verify")
    assert result.exit_code == 1
    assert "fairscreen db upgrade" in result.output
    assert "Traceback" not in result.output


def test_export_and_offline_verification(populated: dict[str, str], tmp_path: Path) -> None:
    env = populated
    vkey = cli(env, "ledger", "key").output.strip()
    exported = tmp_path / "public"
    result = cli(env, "ledger", "export", str(exported))
    assert result.exit_code == 0, result.output
    assert (exported / "checkpoint").read_text() == cli(env, "ledger", "checkpoint").output
    assert len((exported / "tile/0/000").read_bytes()) == 256 * 32
    assert len((exported / "tile/0/001.p/44").read_bytes()) == 44 * 32
    assert (exported / "tile/1/000.p/1").exists()
    bundle = (exported / "tile/entries/001.p/44").read_bytes()
    first = int.from_bytes(bundle[:2], "big")
    assert bundle[2 : 2 + first].startswith(b'{"actor":') and bundle[1 + first : 2 + first] == b"}"

    offline = cli(env, "ledger", "verify-tiles", str(exported), "--vkey", vkey)
    assert offline.exit_code == 0, offline.output
    assert "OK: 300 entries" in offline.output
    audit = cli(env, "ledger", "audit", "--tiles", str(exported), "--rulebook", RULEBOOK)
    assert audit.exit_code == 0, audit.output

    # One byte of one published entry changed: the offline check names it.
    path = exported / "tile/entries/000"
    data = bytearray(path.read_bytes())
    data[40] ^= 0x01
    path.write_bytes(bytes(data))
    tampered = cli(env, "ledger", "verify-tiles", str(exported), "--vkey", vkey)
    assert tampered.exit_code == 1
    assert "entry-modified: index 0" in tampered.output
    wrong_key = cli(env, "ledger", "verify-tiles", str(exported), "--vkey", "x+00000000+AAAA")
    assert wrong_key.exit_code == 1


def test_unreachable_or_malformed_databases_are_one_line_errors(env: dict[str, str]) -> None:
    malformed = cli(env, "ledger", "verify", "--database-url", "not a url")
    assert malformed.exit_code == 2
    assert "database-url: is not a usable SQLAlchemy URL" in malformed.output
    unreachable = cli(
        env,
        "ledger",
        "checkpoint",
        "--database-url",
        "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2",
    )
    assert unreachable.exit_code == 1
    assert "the database cannot be reached at postgresql+psycopg://nobody@" in unreachable.output
    assert "the address is wrong" in unreachable.output and unreachable.output.count("\n") == 1


def test_publish_signs_once_per_size(populated: dict[str, str]) -> None:
    first = cli(populated, "ledger", "publish")
    assert first.exit_code == 0
    assert first.output == cli(populated, "ledger", "checkpoint").output
    forced = cli(populated, "ledger", "publish", "--force")
    assert forced.exit_code == 0 and forced.output.startswith("fairscreen.test/ledger\n300\n")
    assert cli(populated, "ledger", "publish", "--every", "0").exit_code == 2
