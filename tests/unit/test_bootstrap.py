"""The pseudonym key (bootstrap.py): the HMAC key behind every pseudonym and blind index.
It comes from the settings like the other keys, never from a default."""

from __future__ import annotations

import base64
import os
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from fairscreen.adapters.secret_files import write_secret_once
from fairscreen.bootstrap import PSEUDONYM_KEY_FILE, pseudonym_key
from fairscreen.config import Settings


def test_env_pseudonym_key_is_read_through_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    key = os.urandom(32)
    monkeypatch.setenv("FAIRSCREEN_PSEUDONYM_KEY", base64.b64encode(key).decode())
    settings = Settings(key_provider="env")
    assert pseudonym_key(settings) == key
    assert base64.b64encode(key).decode() not in repr(settings)


def test_env_pseudonym_key_is_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FAIRSCREEN_PSEUDONYM_KEY", raising=False)
    with pytest.raises(ValueError, match="FAIRSCREEN_PSEUDONYM_KEY"):
        pseudonym_key(Settings(key_provider="env"))


def test_file_pseudonym_key_is_made_once_and_private(tmp_path: Path) -> None:
    settings = Settings(key_provider="file", data_dir=tmp_path)
    first = pseudonym_key(settings)
    assert len(first) == 32
    assert pseudonym_key(settings) == first
    mode = (settings.keys_dir / PSEUDONYM_KEY_FILE).stat().st_mode
    assert not mode & (stat.S_IRWXG | stat.S_IRWXO)


def test_processes_starting_together_share_one_whole_key(tmp_path: Path) -> None:
    """Whoever creates the key file, nobody reads it half-written (adapters/secret_files)."""
    settings = Settings(key_provider="file", data_dir=tmp_path)
    with ThreadPoolExecutor(max_workers=8) as pool:
        keys = list(pool.map(lambda _: pseudonym_key(settings), range(32)))
    assert len(set(keys)) == 1 and len(keys[0]) == 32
    assert sorted(p.name for p in settings.keys_dir.iterdir()) == [PSEUDONYM_KEY_FILE]


def test_a_secret_file_is_written_once(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "k.key"
    assert write_secret_once(path, "first\n")
    assert not write_secret_once(path, "second\n")
    assert path.read_text() == "first\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["k.key"]  # no temporary left


@pytest.mark.parametrize(
    ("value", "message"),
    [("not base64!", "not base64"), (base64.b64encode(b"short").decode(), "at least 32 bytes")],
)
def test_a_wrong_env_pseudonym_key_is_refused(
    monkeypatch: pytest.MonkeyPatch, value: str, message: str
) -> None:
    monkeypatch.setenv("FAIRSCREEN_PSEUDONYM_KEY", value)
    with pytest.raises(ValueError, match=message) as refused:
        pseudonym_key(Settings(key_provider="env"))
    assert "FAIRSCREEN_PSEUDONYM_KEY" in str(refused.value) and value not in str(refused.value)


def test_a_pseudonym_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    settings = Settings(key_provider="file", data_dir=tmp_path)
    pseudonym_key(settings)
    (settings.keys_dir / PSEUDONYM_KEY_FILE).chmod(0o644)
    with pytest.raises(ValueError, match="readable by others"):
        pseudonym_key(settings)
