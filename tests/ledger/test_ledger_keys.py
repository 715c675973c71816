"""The ledger signing key provider: generated once, kept, refused under another origin."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from fairscreen.adapters.ledger_keys import (
    load_env_signer,
    load_file_signer,
    load_ledger_signer,
)
from fairscreen.domain.errors import LedgerError
from fairscreen.ledger.note import NoteSigner, parse_vkey


def test_file_key_is_generated_once_and_reused(tmp_path: Path) -> None:
    first = load_file_signer(tmp_path / "keys", "log.example/a")
    again = load_ledger_signer(
        "file", origin="log.example/a", keys_dir=tmp_path / "keys", env_value=None
    )
    assert again == first
    assert parse_vkey((tmp_path / "keys" / "ledger.vkey").read_text()) == first.verifier
    with pytest.raises(LedgerError, match=r"named 'log\.example/a', but the ledger origin is"):
        load_file_signer(tmp_path / "keys", "log.example/b")
    with pytest.raises(LedgerError, match="no ledger signing key"):
        load_file_signer(tmp_path / "elsewhere", "log.example/a", create=False)


def test_env_key_forms(tmp_path: Path) -> None:
    signer = NoteSigner("log.example/a", bytes(range(32)))
    seed = base64.b64encode(signer.seed).decode()
    assert load_env_signer(seed, "log.example/a") == signer
    assert load_env_signer(signer.skey, "log.example/a") == signer
    with pytest.raises(LedgerError, match="origin"):
        load_env_signer(signer.skey, "log.example/b")
    with pytest.raises(LedgerError, match="32-byte"):
        load_env_signer(base64.b64encode(b"short").decode(), "log.example/a")
    with pytest.raises(LedgerError, match="not valid base64"):
        load_env_signer("%%%", "log.example/a")
    with pytest.raises(LedgerError, match="not set"):
        load_ledger_signer("env", origin="log.example/a", keys_dir=tmp_path, env_value=None)
