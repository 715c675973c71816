"""``fairscreen audit fairness`` end to end: JSON shape, bad input, and the COMPAS check.

The public data set check (issue 6: "checked against an independent computation on a
well-known public data set of risk scores and outcomes; match to 1e-6") runs the command
on ProPublica's COMPAS two-year recidivism data (tests/data/compas/README.md) and
recomputes every number here with plain lists and ``statistics.fmean`` — no code shared
with ``fairscreen.domain.fairness``.
"""

from __future__ import annotations

import csv
import hashlib
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from statistics import fmean
from typing import Any

import pytest
from typer.testing import CliRunner

from fairscreen.entrypoints.cli import app

COMPAS = Path(__file__).resolve().parents[1] / "data" / "compas"
COMPAS_CSV = COMPAS / "compas-scores-two-years.reduced.csv"
COMPAS_SHA256 = "7d0486539c0438a02dd6825086be0a7e13cf7da07d14a861ad1db4402a49d422"
FAIRSCREEN = Path(sys.executable).parent / "fairscreen"

GROUP_KEYS = {"n", "flagged_rate", "favorable_rate", "impact_ratio", "four_fifths_violation"}


def _audit(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["audit", "fairness", *args])
    # Only a deliberate exit may end the command: anything else would be a traceback.
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def _write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _sample(tmp_path: Path) -> Path:
    lines = ["applicant,sex,light,hired"]
    lines += [f"p{i},F,{int(i < 4)},{int(i % 2 == 0)}" for i in range(10)]
    lines += [f"q{i},M,{int(i < 2)},{int(i % 3 == 0)}" for i in range(12)]
    lines += [f"r{i},X,0,1" for i in range(3)]
    return _write(tmp_path / "sample.csv", "\n".join(lines) + "\n")


# --- the JSON shape ---------------------------------------------------------------------


def test_prints_the_report_as_sorted_json(tmp_path: Path) -> None:
    path = _sample(tmp_path)
    code, out, err = _audit(
        str(path), "--group", "sex", "--predicted", "light", "--outcome", "hired"
    )
    assert (code, err) == (0, "")
    report = json.loads(out)
    assert list(report) == ["groups", "min_group", "reference_group", "suppressed"]
    assert report["min_group"] == 10
    assert report["suppressed"] == ["X"]
    assert set(report["groups"]) == {"F", "M"}
    for metrics in report["groups"].values():
        assert set(metrics) == GROUP_KEYS | {"fpr", "fnr"}
        assert list(metrics) == sorted(metrics)
    # F: 4 of 10 flagged; M: 2 of 12 flagged → M is the most favoured group.
    assert report["reference_group"] == "M"
    assert report["groups"]["F"]["flagged_rate"] == 0.4
    assert report["groups"]["F"]["impact_ratio"] == pytest.approx(0.6 / (10 / 12), abs=1e-12)
    # Same file, same bytes.
    assert (
        _audit(str(path), "--group", "sex", "--predicted", "light", "--outcome", "hired")[1] == out
    )


def test_without_outcome_there_are_no_error_rates(tmp_path: Path) -> None:
    code, out, _ = _audit(str(_sample(tmp_path)), "--group", "sex", "--predicted", "light")
    assert code == 0
    for metrics in json.loads(out)["groups"].values():
        assert set(metrics) == GROUP_KEYS


def test_positive_and_min_group_options(tmp_path: Path) -> None:
    path = _write(tmp_path / "t.csv", "g,p\na,red\na,green\nb,green\n")
    code, out, _ = _audit(
        str(path), "--group", "g", "--predicted", "p", "--positive", "red", "--min-group", "1"
    )
    assert code == 0
    report = json.loads(out)
    assert report["groups"]["a"]["flagged_rate"] == 0.5
    assert report["groups"]["b"]["flagged_rate"] == 0.0
    assert report["reference_group"] == "b"


def test_every_group_suppressed(tmp_path: Path) -> None:
    code, out, _ = _audit(
        str(_sample(tmp_path)), "--group", "sex", "--predicted", "light", "--min-group", "100"
    )
    assert code == 0
    assert json.loads(out) == {
        "min_group": 100,
        "groups": {},
        "suppressed": ["F", "M", "X"],
        "reference_group": None,
    }


def test_a_byte_order_mark_and_blank_lines_are_accepted(tmp_path: Path) -> None:
    path = _write(tmp_path / "bom.csv", "\ufeffg,p\r\na,1\r\n\r\na,0\r\n".encode())
    code, out, _ = _audit(str(path), "--group", "g", "--predicted", "p", "--min-group", "1")
    assert code == 0
    assert json.loads(out)["groups"]["a"]["n"] == 2


# --- bad input: one line on stderr, exit 2 ------------------------------------------------

BadCase = Callable[[Path], list[str]]


def _args(path: Path, *extra: str) -> list[str]:
    return [str(path), "--group", "g", "--predicted", "p", *extra]


BAD_INPUT: dict[str, tuple[BadCase, tuple[str, ...]]] = {
    "missing file": (lambda d: _args(d / "absent.csv"), ("no such file", "absent.csv")),
    "a directory": (lambda d: _args(d), ("is a directory",)),
    "missing group column": (
        lambda d: [str(_write(d / "f.csv", "x,p\na,1\n")), "--group", "g", "--predicted", "p"],
        ("--group", "'g'", "not in the header"),
    ),
    "missing predicted column": (
        lambda d: _args(_write(d / "f.csv", "g,q\na,1\n")),
        ("--predicted", "'p'", "not in the header"),
    ),
    "missing outcome column": (
        lambda d: _args(_write(d / "f.csv", "g,p\na,1\n"), "--outcome", "y"),
        ("--outcome", "'y'", "not in the header"),
    ),
    "duplicated column": (
        lambda d: _args(_write(d / "f.csv", "g,p,g\na,1,b\n")),
        ("--group", "'g'", "appears 2 times"),
    ),
    "empty file": (lambda d: _args(_write(d / "f.csv", "")), ("empty", "no header")),
    "header only": (lambda d: _args(_write(d / "f.csv", "g,p\n")), ("no data rows",)),
    "not UTF-8": (
        lambda d: _args(_write(d / "f.csv", "g,p\nJos\xe9,1\n".encode("latin-1"))),
        ("not UTF-8",),
    ),
    "not UTF-8 in the header": (
        lambda d: _args(_write(d / "f.csv", b"g,p\xff\n")),
        ("not UTF-8",),
    ),
    "ragged row": (
        lambda d: _args(_write(d / "f.csv", "g,p\na,1\nb,0,extra\n")),
        ("line 3", "3 fields", "header has 2"),
    ),
    "short row": (
        lambda d: _args(_write(d / "f.csv", "g,p\na,1\nb\n")),
        ("line 3", "1 fields", "header has 2"),
    ),
    "malformed quoting": (
        lambda d: _args(_write(d / "f.csv", 'g,p\n"a"x,1\n')),
        ("not well-formed CSV", "line 2"),
    ),
    "min-group zero": (
        lambda d: _args(_write(d / "f.csv", "g,p\na,1\n"), "--min-group", "0"),
        ("min_group", "at least 1"),
    ),
    "min-group negative": (
        lambda d: _args(_write(d / "f.csv", "g,p\na,1\n"), "--min-group", "-3"),
        ("min_group", "at least 1"),
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_gives_one_line_and_exit_2(case: str, tmp_path: Path) -> None:
    build, expected = BAD_INPUT[case]
    code, out, err = _audit(*build(tmp_path))
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    for fragment in expected:
        assert fragment in lines[0]


def test_the_installed_command_never_prints_a_traceback(tmp_path: Path) -> None:
    bad = _write(tmp_path / "bad.csv", b"g,p\n\xff\xfe,1\n")
    for args in (_args(bad), _args(tmp_path / "absent.csv"), _args(bad, "--min-group", "0")):
        done = subprocess.run(
            [str(FAIRSCREEN), "audit", "fairness", *args], capture_output=True, text=True
        )
        assert done.returncode == 2
        assert len(done.stderr.splitlines()) == 1
        assert "Traceback" not in done.stderr
    ok = subprocess.run(
        [
            str(FAIRSCREEN),
            "audit",
            "fairness",
            *_args(_write(tmp_path / "ok.csv", "g,p\na,1\n")),
            "--min-group",
            "1",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(ok.stdout)["groups"]["a"]["flagged_rate"] == 1.0


# --- the public data set: ProPublica COMPAS ---------------------------------------------


def _compas_rows(*, propublica_filter: bool) -> list[dict[str, str]]:
    with COMPAS_CSV.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    if not propublica_filter:
        return rows
    # The filter of ProPublica's "Compas Analysis" notebook (6,172 rows).
    return [
        row
        for row in rows
        if row["days_b_screening_arrest"] != ""
        and -30 <= int(row["days_b_screening_arrest"]) <= 30
        and row["is_recid"] != "-1"
        and row["c_charge_degree"] != "O"
        and row["score_text"] != "N/A"
    ]


def _independent(
    rows: list[dict[str, str]],
    group: str,
    flagged: Callable[[dict[str, str]], bool],
    min_group: int,
) -> dict[str, Any]:
    """The metrics recomputed naïvely: filter lists per group, take float means."""
    names = sorted({row[group] for row in rows})
    members = {name: [row for row in rows if row[group] == name] for name in names}
    kept = [name for name in names if len(members[name]) >= min_group]
    favourable = {name: fmean(not flagged(r) for r in members[name]) for name in kept}
    best = max(favourable.values())
    groups = {}
    for name in kept:
        recidivists = [r for r in members[name] if r["two_year_recid"] == "1"]
        others = [r for r in members[name] if r["two_year_recid"] != "1"]
        groups[name] = {
            "n": len(members[name]),
            "flagged_rate": fmean(flagged(r) for r in members[name]),
            "favorable_rate": favourable[name],
            "impact_ratio": favourable[name] / best,
            "four_fifths_violation": favourable[name] / best < 0.8,
            "fpr": fmean(flagged(r) for r in others),
            "fnr": fmean(not flagged(r) for r in recidivists),
        }
    return {
        "groups": groups,
        "suppressed": [name for name in names if name not in kept],
        "reference_group": max(kept, key=lambda name: favourable[name]),
    }


def _medium_or_high(row: dict[str, str]) -> bool:
    return row["score_text"] in ("Medium", "High")


def _decile_at_least_5(row: dict[str, str]) -> bool:
    return int(row["decile_score"]) >= 5


COMPAS_CASES = {
    "race, score Medium/High, ProPublica filter": ("race", _medium_or_high, True, 10),
    "race, decile >= 5, all rows, min 20": ("race", _decile_at_least_5, False, 20),
    "sex, score Medium/High, ProPublica filter": ("sex", _medium_or_high, True, 10),
    "age_cat, decile >= 5, ProPublica filter": ("age_cat", _decile_at_least_5, True, 10),
}


def test_the_vendored_compas_file_is_the_documented_one() -> None:
    assert hashlib.sha256(COMPAS_CSV.read_bytes()).hexdigest() == COMPAS_SHA256
    assert len(_compas_rows(propublica_filter=False)) == 7214
    assert len(_compas_rows(propublica_filter=True)) == 6172


def _audit_compas(
    tmp_path: Path,
    rows: list[dict[str, str]],
    group: str,
    flagged: Callable[[dict[str, str]], bool],
    min_group: int,
) -> dict[str, Any]:
    # The derived CSV the command reads: the prediction as a 0/1 column.
    derived = tmp_path / "compas.csv"
    with derived.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([group, "high_risk", "two_year_recid"])
        writer.writerows([r[group], int(flagged(r)), r["two_year_recid"]] for r in rows)
    options = ["--group", group, "--predicted", "high_risk", "--outcome", "two_year_recid"]
    code, out, err = _audit(str(derived), *options, "--min-group", str(min_group))
    assert (code, err) == (0, ""), err
    report: dict[str, Any] = json.loads(out)
    return report


@pytest.mark.parametrize("case", sorted(COMPAS_CASES))
def test_compas_matches_an_independent_computation(case: str, tmp_path: Path) -> None:
    group, flagged, propublica_filter, min_group = COMPAS_CASES[case]
    rows = _compas_rows(propublica_filter=propublica_filter)
    got = _audit_compas(tmp_path, rows, group, flagged, min_group)
    want = _independent(rows, group, flagged, min_group)

    assert got["min_group"] == min_group
    assert got["suppressed"] == want["suppressed"]
    assert got["reference_group"] == want["reference_group"]
    assert got["groups"].keys() == want["groups"].keys()
    for name, expected in want["groups"].items():
        actual = got["groups"][name]
        assert actual.keys() == expected.keys()
        assert actual["n"] == expected["n"]
        assert actual["four_fifths_violation"] == expected["four_fifths_violation"]
        for key in ("flagged_rate", "favorable_rate", "impact_ratio", "fpr", "fnr"):
            assert abs(actual[key] - expected[key]) <= 1e-6, (name, key)


def test_compas_reproduces_the_published_error_rate_gap(tmp_path: Path) -> None:
    """The well-known COMPAS gap on this file (Medium/High = high risk, ProPublica's
    filter): Black defendants who did not reoffend were labelled Medium/High about twice
    as often as White ones (42.3 % vs 22.0 %), and White reoffenders were labelled Low
    more often (49.6 % vs 28.5 %). ProPublica's article shows 44.9 % vs 23.5 % and
    28.0 % vs 47.7 % on a slightly different cut of the same data."""
    rows = _compas_rows(propublica_filter=True)
    groups = _audit_compas(tmp_path, rows, "race", _medium_or_high, 10)["groups"]
    assert round(groups["African-American"]["fpr"], 3) == 0.423
    assert round(groups["Caucasian"]["fpr"], 3) == 0.220
    assert round(groups["African-American"]["fnr"], 3) == 0.285
    assert round(groups["Caucasian"]["fnr"], 3) == 0.496
