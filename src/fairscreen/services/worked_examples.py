"""The three worked court cases (Luo, Zhang, Wang), carried by the package itself.

They are package data (``fairscreen/data/examples``), written by the project from the facts
of the judgments, so ``fairscreen demo`` and ``serve --demo`` run from a clone or a wheel
alone. ``--examples DIR`` names another folder holding the same three files; a named
folder is used or refused, never silently replaced by the bundled one.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from fairscreen.domain.errors import InvalidInput

EXAMPLE_CASES = ("seed-luo", "seed-zhang", "seed-wang")
EXPECTED_FILE = "expected.json"


def bundled_examples() -> Traversable:
    """The package's folder of worked cases (with ``expected.json``)."""
    return resources.files("fairscreen").joinpath("data", "examples")


def worked_examples(folder: Path | None = None) -> list[Traversable]:
    """The three case files, from ``folder`` when one is named, else from the package."""
    source: Traversable = bundled_examples() if folder is None else folder
    files = [source.joinpath(f"{name}.case.json") for name in EXAMPLE_CASES]
    missing = [file.name for file in files if not file.is_file()]
    if missing:
        raise InvalidInput(
            f"holds no {', '.join(missing)} (the worked examples)", field="--examples"
        )
    return files
