"""``fairscreen admin create-operator`` (issue 12 item 15): the first operator account,
made on the machine, whose token is printed once and works over the API."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from fairscreen.bootstrap import build_services
from fairscreen.config import Settings
from fairscreen.ledger.entries import ActorRole
from fairscreen.services import accounts


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "FAIRSCREEN_DATA_DIR": str(tmp_path / "var"),
        "FAIRSCREEN_DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'f.db'}",
    }
    return subprocess.run(
        [sys.executable, "-m", "fairscreen", "admin", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=environment,
    )


def test_create_operator_prints_a_working_token_once(tmp_path: Path) -> None:
    done = _run(tmp_path, "create-operator", "--label", "on-call desk")
    assert done.returncode == 0, done.stderr
    tokens = [w for w in done.stdout.split() if w.startswith(accounts.TOKEN_PREFIX)]
    assert len(tokens) == 1  # printed once
    svc = build_services(
        Settings(data_dir=tmp_path / "var", database_url=f"sqlite:///{tmp_path / 'var' / 'f.db'}")
    )
    principal = accounts.authenticate(svc, tokens[0])
    assert principal.actor.role is ActorRole.OPERATOR
    # the operator can now do what only an operator may: create the other accounts
    account_id, _ = accounts.create_account(
        svc, principal.actor, role="regulator", label="labour bureau"
    )
    assert account_id.startswith("acc_")
    assert tokens[0] not in done.stderr


def test_create_operator_refuses_an_empty_label_and_makes_nothing(tmp_path: Path) -> None:
    done = _run(tmp_path, "create-operator", "--label", "  ")
    assert done.returncode == 2
    assert "label" in done.stderr and "Traceback" not in done.stderr
    svc = build_services(
        Settings(data_dir=tmp_path / "var", database_url=f"sqlite:///{tmp_path / 'var' / 'f.db'}")
    )
    operator = accounts.Actor(ActorRole.OPERATOR, "check")
    assert accounts.list_accounts(svc, operator, limit=10, after=None) == []


def test_create_staff_makes_an_agencys_first_administrator(tmp_path: Path) -> None:
    """``fairscreen admin create-staff``: an agency's first administrator, who signs in
    with the e-mail and the password (read from FAIRSCREEN_NEW_PASSWORD here)."""
    from fairscreen.services import staff_accounts

    os.environ["FAIRSCREEN_NEW_PASSWORD"] = "agency admin long password"
    try:
        done = _run(
            tmp_path,
            "create-staff",
            "--role",
            "agency",
            "--email",
            "desk@agency.example.test",
            "--organisation",
            "示例背调机构",
        )
        refused = _run(tmp_path, "create-staff", "--role", "agency", "--email", "x@example.test")
    finally:
        del os.environ["FAIRSCREEN_NEW_PASSWORD"]
    assert done.returncode == 0, done.stderr
    assert "agency long password" not in done.stdout + done.stderr
    assert refused.returncode == 2 and "organisation" in refused.stderr
    assert "Traceback" not in refused.stderr
    svc = build_services(
        Settings(data_dir=tmp_path / "var", database_url=f"sqlite:///{tmp_path / 'var' / 'f.db'}")
    )
    step = staff_accounts.sign_in(svc, "desk@agency.example.test", "agency admin long password")
    assert step.session is not None
    principal, _ = step.session
    assert principal.actor.role is ActorRole.AGENCY
    assert staff_accounts.own_account(svc, principal)["is_admin"]
