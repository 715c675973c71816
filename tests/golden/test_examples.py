"""The three worked court cases (Luo, Zhang, Wang) give exactly what ``expected.json`` says.

Read from the package's own copy (``fairscreen/data/examples``), the one ``fairscreen demo``
and ``serve --demo`` run; ``test_bundled_copies.py`` keeps it equal to the team's reference.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fairscreen.services.evaluation import evaluate_case
from golden.expectations import check_exclusions_and_absences

CASES = ("seed-luo", "seed-zhang", "seed-wang")


@pytest.fixture(scope="module")
def expected(examples_dir: Path) -> dict[str, Any]:
    return dict(json.loads((examples_dir / "expected.json").read_text("utf-8")))


@pytest.mark.parametrize("name", CASES)
def test_worked_example(
    name: str, examples_dir: Path, expected: dict[str, Any], report_schema_validator: Any
) -> None:
    want = expected[name]
    outcome = evaluate_case((examples_dir / f"{name}.case.json").read_bytes())
    report = outcome.document
    report_schema_validator.validate(report)
    assert report["status"] == want["status"]
    assert report["rating"]["light"] == want["light"]
    assert sorted(r["rule"] for r in report["rating"]["reasons"]) == sorted(want["rules"])
    if "dropped_statements" in want:
        assert report["dropped_statements"] == want["dropped_statements"]
    check_exclusions_and_absences(report, want)


@pytest.mark.parametrize("name", CASES)
def test_the_case_files_are_valid_against_the_published_schema(
    name: str, examples_dir: Path, case_schema_validator: Any
) -> None:
    case_schema_validator.validate(
        json.loads((examples_dir / f"{name}.case.json").read_text("utf-8"))
    )
