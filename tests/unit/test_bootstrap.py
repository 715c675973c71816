"""The pseudonym key (bootstrap.py): the HMAC key behind every pseudonym and blind index.
It comes from the settings like the other keys, never from a default."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest

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
