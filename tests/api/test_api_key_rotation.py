"""Rotating the master key while a server runs (issue 18, item 2): the server learns of
the key another process made without a restart, wraps new candidates under it, rotates to
it over the API, and no key is retired while anything is still wrapped under it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.conftest import Api, released_case
from fairscreen.adapters.crypto import CURRENT_MASTER, EnvelopeCipher, KeyKind
from fairscreen.adapters.keys_provider import FileKeyProvider
from fairscreen.domain.errors import CryptoError
from fairscreen.entrypoints.cli import app
from fairscreen.services.retention import rotate_keys
from fairscreen.services.scope import register_candidate
from integration.service_fixtures import OPERATOR

NEWCOMER = {"name": "测试丙", "national_id": "999999199203030035", "birth_date": "1992-03-03"}


def _cli(database_url: str, tmp_path: Path, *arguments: str) -> tuple[int, str]:
    env = {
        "FAIRSCREEN_DATABASE_URL": database_url,
        "FAIRSCREEN_DATA_DIR": str(tmp_path / "var"),
        "FAIRSCREEN_KEY_PROVIDER": "file",
    }
    result = CliRunner().invoke(app, list(arguments), env=env)
    return result.exit_code, result.output


def test_rotation_from_the_cli_while_the_server_runs(
    api: Api, database_url: str, tmp_path: Path
) -> None:
    svc = api.world.svc
    case_id = released_case(api)
    old = svc.key_provider.current_key_id()

    code, output = _cli(database_url, tmp_path, "keys", "rotate", "--new-key")
    assert code == 0, output
    new = output.split("new master key ")[1].split()[0]
    assert new != old and "re-keyed 2 subject(s) and 3 case key(s)" in output

    # The server reads what the other process re-keyed: no restart, no 500.
    report = api.call("employer", "GET", f"/v1/cases/{case_id}/employer-view")
    assert report.status_code == 200, report.text
    # A candidate registered now is wrapped under the new key, not the server's old one.
    register_candidate(svc, api.world.employer, NEWCOMER)
    with svc.uow() as uow:
        wrapped_by = {key.wrapped_by for _, key in uow.keys.items(KeyKind.SUBJECT)}
        assert uow.keys.get(KeyKind.MASTER, CURRENT_MASTER).key_id == new  # type: ignore[union-attr]
    assert wrapped_by == {new}

    # The API takes the same path as the CLI: the new key is the target, the old retired.
    answer = api.call("operator", "POST", "/v1/keys/rotation", json={"retire": True})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["to_key_id"], body["retired"], body["kept"]) == (new, [old], [])
    assert FileKeyProvider(tmp_path / "var" / "keys").key_ids() == {new}
    assert api.call("employer", "GET", f"/v1/cases/{case_id}/employer-view").status_code == 200


def test_a_key_still_in_use_is_kept_and_named(api: Api, database_url: str, tmp_path: Path) -> None:
    svc = api.world.svc
    old = svc.key_provider.current_key_id()
    with svc.uow() as uow:
        # One subject's key is left under the old master key: the rotation cannot unwrap
        # it (a corrupt row), so the old key must stay.
        subject, wrapped = next(iter(uow.keys.items(KeyKind.SUBJECT)))
        broken = type(wrapped)(wrapped.key_id, wrapped.wrapped_by, wrapped.blob[:-1] + b"?")
        assert uow.keys.replace(KeyKind.SUBJECT, subject, wrapped, broken)
        uow.commit()
    code, output = _cli(database_url, tmp_path, "keys", "rotate", "--new-key", "--retire")
    assert code == 1, output
    assert f"kept master key {old}: it still wraps 1 subject key(s)" in output
    assert "failed 1" in output and old in FileKeyProvider(tmp_path / "var" / "keys").key_ids()
    with svc.uow() as uow, pytest.raises(CryptoError, match="still wraps 1 subject key"):
        from fairscreen.adapters.crypto import retire_master_key

        retire_master_key(svc.key_provider, uow.keys, old)
    report = rotate_keys(svc, OPERATOR, retire=True)
    assert report.kept == ((old, 1),) and report.retired == ()


def test_a_lagging_process_refuses_to_wrap_under_an_old_key(api: Api) -> None:
    svc = api.world.svc
    with svc.uow() as uow:
        uow.keys.set_current_master("mk-0000000000000000")
        uow.commit()
    with svc.uow() as uow:
        cipher = EnvelopeCipher(svc.key_provider, uow.keys)
        with pytest.raises(CryptoError, match="'mk-0000000000000000' is current"):
            cipher.open_case("case-new", "subj-new")
