"""The whole report of every shipped case file, byte for byte.

The other golden tests check the fields each case is about (status, light, rules, drops);
this one pins everything ``evaluate`` writes, so that a change made for another reason
(speed, refactoring) cannot alter a single output unnoticed. Cases: the worked court
cases the package carries (``fairscreen/data/examples``) and the edge cases in
``tests/golden/edges``; the pinned text is ``render_report`` of each, in
``tests/golden/reports/<name>.report.json``.

A deliberate change of output (a new rulebook, a retrained topic model, a new report
field) rewrites the pins with ``python tests/golden/test_full_reports.py`` (with
``src`` on the path); review the diff like any other.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from fairscreen.services.evaluation import evaluate_case, render_report

HERE = Path(__file__).resolve().parent
PINS = HERE / "reports"
SOURCES = (HERE.parent.parent / "src" / "fairscreen" / "data" / "examples", HERE / "edges")


def case_files() -> dict[str, Path]:
    return {
        path.name.removesuffix(".case.json"): path
        for folder in SOURCES
        for path in sorted(folder.glob("*.case.json"))
    }


def rendered(path: Path) -> str:
    return render_report(evaluate_case(path.read_bytes()).document)


def test_every_case_file_has_a_pin_and_back() -> None:
    assert sorted(case_files()) == sorted(
        p.name.removesuffix(".report.json") for p in PINS.glob("*.report.json")
    )


@pytest.mark.parametrize("name", sorted(case_files()))
def test_full_report_is_unchanged(name: str) -> None:
    want = (PINS / f"{name}.report.json").read_text("utf-8")
    assert rendered(case_files()[name]) == want


def write_pins() -> None:
    PINS.mkdir(exist_ok=True)
    for name, path in case_files().items():
        (PINS / f"{name}.report.json").write_text(rendered(path), "utf-8")
        print(f"wrote {name}.report.json", file=sys.stderr)


if __name__ == "__main__":
    write_pins()
