"""The product stands on its own: it carries its worked cases and schemas as package data
and its tests carry the ledger vectors, and none of it reads ``../shared`` (our reference
copy of the contract, which a person cloning the repository does not have).

Where ``../shared`` is beside the checkout, the copies must equal it byte for byte, so the
two never drift; where it is not, that comparison alone skips.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fairscreen.services.worked_examples import EXAMPLE_CASES, bundled_examples, worked_examples

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED = REPO_ROOT.parent / "shared"
PACKAGE_DATA = REPO_ROOT / "src" / "fairscreen" / "data"

#: bundled copy -> the reference file under ../shared
COPIES = {
    **{
        PACKAGE_DATA / "examples" / name: Path("spec/examples") / name
        for name in [f"{case}.case.json" for case in EXAMPLE_CASES] + ["expected.json"]
    },
    PACKAGE_DATA / "schema" / "case.schema.json": Path("spec/case.schema.json"),
    PACKAGE_DATA / "schema" / "report.schema.json": Path("spec/report.schema.json"),
    REPO_ROOT / "tests" / "data" / "vectors" / "tlog.json": Path("vectors/tlog.json"),
}


@pytest.mark.parametrize("copy", sorted(COPIES), ids=lambda path: path.name)
def test_the_copy_equals_the_reference(copy: Path) -> None:
    reference = SHARED / COPIES[copy]
    if not SHARED.is_dir():
        pytest.skip(f"no ../shared beside the checkout ({SHARED}): nothing to compare with")
    assert reference.is_file(), f"{reference} is gone from ../shared: remove or update the copy"
    assert copy.read_bytes() == reference.read_bytes(), f"{copy.name} drifted from {reference}"


def test_the_worked_cases_are_package_data() -> None:
    files = worked_examples()
    assert [file.name for file in files] == [f"{case}.case.json" for case in EXAMPLE_CASES]
    assert bundled_examples().joinpath("expected.json").is_file()


def test_a_named_examples_folder_is_used_or_refused(tmp_path: Path) -> None:
    from fairscreen.domain.errors import InvalidInput

    with pytest.raises(InvalidInput, match="--examples") as raised:
        worked_examples(tmp_path)
    assert "seed-luo.case.json" in str(raised.value)
    for file in worked_examples():
        (tmp_path / file.name).write_bytes(file.read_bytes())
    assert [Path(str(f)).parent for f in worked_examples(tmp_path)] == [tmp_path] * 3


def test_no_source_file_reaches_for_the_shared_folder() -> None:
    reaching = ("../shared", "FAIRSCREEN_SHARED", '/ "shared"', "parent / 'shared'")
    offenders = [
        f"{path.relative_to(REPO_ROOT)}: {needle}"
        for path in sorted((REPO_ROOT / "src").rglob("*"))
        if path.is_file() and path.suffix in {".py", ".toml", ".json", ".j2", ".html", ".ini"}
        for needle in reaching
        if needle in path.read_text("utf-8", errors="replace")
    ]
    assert offenders == []


def test_demo_runs_from_a_folder_with_nothing_beside_it(tmp_path: Path) -> None:
    """``fairscreen demo --offline`` from an empty folder, with no FAIRSCREEN_* variable."""
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("FAIRSCREEN_")}
    result = subprocess.run(
        [sys.executable, "-m", "fairscreen", "demo", "--offline", "--lang", "en"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.count("green") >= 3
