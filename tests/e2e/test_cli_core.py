"""``fairscreen evaluate``, ``demo``, ``rulebook show`` and ``profiles`` as a user runs them:
a real process, its exit code, stdout and stderr (PRODUCT.md §5)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from factories import case, dumps, identity_ok
from fairscreen.services.evaluation import rulebook_bytes


def fairscreen(
    *args: str, stdin: bytes | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "fairscreen", *args],
        input=stdin,
        cwd=cwd,
        capture_output=True,
        timeout=60,
        check=False,
    )


def write(tmp_path: Path, document: dict[str, Any] | bytes, name: str = "case.json") -> str:
    path = tmp_path / name
    path.write_bytes(document if isinstance(document, bytes) else dumps(document))
    return str(path)


def test_evaluate_prints_a_valid_report(examples_dir: Path, report_schema_validator: Any) -> None:
    result = fairscreen("evaluate", str(examples_dir / "seed-zhang.case.json"))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    report_schema_validator.validate(report)
    assert report["rating"]["light"] == "green"
    assert report["rulebook"]["sha256"] == hashlib.sha256(rulebook_bytes()).hexdigest()


def test_evaluate_output_is_byte_identical(examples_dir: Path) -> None:
    runs = {
        fairscreen("evaluate", str(examples_dir / "seed-wang.case.json")).stdout for _ in range(3)
    }
    assert len(runs) == 1


def test_evaluate_reads_stdin(examples_dir: Path) -> None:
    content = (examples_dir / "seed-luo.case.json").read_bytes()
    assert (
        fairscreen("evaluate", "-", stdin=content).stdout
        == fairscreen("evaluate", str(examples_dir / "seed-luo.case.json")).stdout
    )


def test_a_refused_check_exits_3_with_a_refused_report(tmp_path: Path) -> None:
    document = case([identity_ok()], categories=["identity"])
    document["authorization"]["revoked_at"] = "2024-03-02T00:00:00+08:00"
    result = fairscreen("evaluate", write(tmp_path, document))
    assert result.returncode == 3
    report = json.loads(result.stdout)
    assert report["status"] == "refused"
    assert report["refusal"]["code"] == "AUTHORIZATION_REVOKED"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b"", "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
        (
            dumps(
                {
                    **case([], categories=["identity"]),
                    "subject": {
                        "name": "x",
                        "national_id": "y",
                        "birth_date": "1990-01-01",
                        "gender": "f",
                    },
                }
            ),
            "subject.gender: not allowed",
        ),
    ],
)
def test_invalid_input_exits_2_with_one_line(tmp_path: Path, content: bytes, message: str) -> None:
    result = fairscreen("evaluate", write(tmp_path, content))
    assert result.returncode == 2
    stderr = result.stderr.decode()
    assert message in stderr
    assert stderr.count("\n") == 1 and "Traceback" not in stderr
    assert result.stdout == b""


def test_a_missing_file_exits_2(tmp_path: Path) -> None:
    result = fairscreen("evaluate", str(tmp_path / "nope.json"))
    assert result.returncode == 2
    assert result.stderr.decode().strip() == f"error: {tmp_path / 'nope.json'}: no such file"


def test_a_scope_violation_exits_2(tmp_path: Path) -> None:
    document = case([], categories=["identity"])
    document["role"]["categories"]["criminal_record"] = {
        "justification": "a justification long enough",
        "legal_basis": "some law",
    }
    result = fairscreen("evaluate", write(tmp_path, document))
    assert result.returncode == 2
    assert (
        "role.categories.criminal_record: not allowed for tier standard" in result.stderr.decode()
    )


def test_another_rulebook_changes_the_rating_and_its_hash(tmp_path: Path) -> None:
    text = rulebook_bytes().decode()
    stricter = text.replace(
        '[rules.EDU_UNVERIFIABLE]\nlight = "blue"', '[rules.EDU_UNVERIFIABLE]\nlight = "yellow"'
    ).replace('version = "1.1.0"', 'version = "1.1.0-test"')
    assert stricter != text
    rulebook = write(tmp_path, stricter.encode(), "rulebook.toml")
    document = case(
        [],
        categories=["education"],
        claims={
            "education": [
                {"institution": "示例大学", "degree": "bachelor", "graduation_year": 2012}
            ]
        },
    )
    path = write(tmp_path, document)
    default = json.loads(fairscreen("evaluate", path).stdout)
    custom = json.loads(fairscreen("evaluate", path, "--rulebook", rulebook).stdout)
    assert default["rating"]["light"] == "blue" and custom["rating"]["light"] == "yellow"
    assert custom["rulebook"] == {
        "version": "1.1.0-test",
        "sha256": hashlib.sha256(stricter.encode()).hexdigest(),
    }


def test_a_broken_rulebook_exits_2(tmp_path: Path, examples_dir: Path) -> None:
    broken = (
        rulebook_bytes()
        .decode()
        .replace('[rules.ID_MISMATCH]\nlight = "red"', "[rules.ID_MISMATCH]")
    )
    result = fairscreen(
        "evaluate",
        str(examples_dir / "seed-luo.case.json"),
        "--rulebook",
        write(tmp_path, broken.encode(), "r.toml"),
    )
    assert result.returncode == 2
    assert "rulebook.rules.ID_MISMATCH.light" in result.stderr.decode()


@pytest.mark.parametrize("lang", ["en", "zh-Hans"])
def test_demo_shows_the_three_cases(lang: str, tmp_path: Path) -> None:
    # its own folder: the default database (var/fairscreen.db) is made there, never in
    # the checkout, where an older one could be lying
    result = fairscreen("demo", "--lang", lang, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    for name in ("seed-luo", "seed-zhang", "seed-wang"):
        assert name in out
    for code in ("NOT_JOB_RELATED", "LITIGATION_RIGHTS", "PROHIBITED_TOPIC", "private_life"):
        assert code in out
    assert "生活作风" not in out


def test_rulebook_show_markdown_and_json() -> None:
    markdown = fairscreen("rulebook", "show", "--lang", "en", "--format", "md")
    assert markdown.returncode == 0
    text = markdown.stdout.decode()
    assert hashlib.sha256(rulebook_bytes()).hexdigest() in text
    assert "`CRIM_RELEVANT_CONVICTION` | red" in text
    document = json.loads(fairscreen("rulebook", "show", "--format", "json").stdout)
    assert len(document["rules"]) == 16 and len(document["exclusions"]) == 9
    assert "中华人民共和国" not in text  # texts are ours, not filler
    chinese = fairscreen("rulebook", "show").stdout.decode()
    assert "规则" in chinese and "版本历史" in chinese and "禁止" in chinese
    # the public model page: inputs, history with each version's hash, how to recompute
    assert (
        "## Version history" in text
        and "fairscreen evaluate CASE.json --rulebook v1.1.toml" in text
    )
    # every version shipped, oldest first: 1.0.0 stays, so its ratings stay recomputable
    assert [(v["version"], v["file"]) for v in document["history"]] == [
        ("1.0.0", "v1.toml"),
        ("1.1.0", "v1.1.toml"),
    ]
    assert document["history"][0]["sha256"] == hashlib.sha256(rulebook_bytes("v1.toml")).hexdigest()
    assert document["history"][-1]["sha256"] == hashlib.sha256(rulebook_bytes()).hexdigest()
    assert f"`{document['history'][0]['sha256']}`" in text


def test_profiles_lists_the_builtins() -> None:
    result = fairscreen("profiles", "--format", "json")
    assert result.returncode == 0
    profiles = json.loads(result.stdout)
    assert profiles["kindergarten-teacher"]["tier"] == "safety"
    assert "legal_basis" in profiles["kindergarten-teacher"]["categories"]["criminal_record"]
    assert "accountant" in fairscreen("profiles").stdout.decode()


@pytest.mark.parametrize(
    "command",
    [
        "evaluate",
        "demo",
        "profiles",
        "rulebook",
        "purge",
        "keys",
        "serve",
        "worker",
        "ledger",
        "db",
        "audit",
        "admin",
    ],
)
def test_every_command_loads_on_its_own(command: str) -> None:
    """The CLI imports only the module of the command run: each must still be reachable
    by its name (a lone command must not collapse into the root)."""
    result = fairscreen(command, "--help")
    assert result.returncode == 0, result.stderr.decode()
    assert f"fairscreen {command}" in " ".join(result.stdout.decode().split())


def test_evaluate_loads_no_database_library(examples_dir: Path) -> None:
    """``evaluate`` needs no database (PRODUCT.md §5), so it must not pay for importing
    SQLAlchemy or Alembic (~0.25 s a process; the CLI's error guard once did)."""
    case_file = str(examples_dir / "seed-zhang.case.json")
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "fairscreen", "evaluate", case_file],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    imported = {line.split("|")[-1].strip().split(".")[0] for line in done.stderr.splitlines()}
    assert not imported & {"sqlalchemy", "alembic"}
