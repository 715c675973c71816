"""Golden cases for the four edges PRODUCT.md settled (issue 17): one case file per point
in ``tests/golden/edges/``, with the report fields it must give in ``expected.json``.

Synthetic people only (the 999999 area code no region has). Each case is also checked
against the published case and report schemas, and rendered twice to the same bytes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fairscreen.services.evaluation import evaluate_case, render_report
from golden.expectations import check_exclusions_and_absences

EDGES = Path(__file__).parent / "edges"
EXPECTED: dict[str, dict[str, Any]] = json.loads((EDGES / "expected.json").read_text("utf-8"))


def test_every_case_file_has_its_expectations_and_back() -> None:
    assert sorted(p.name.removesuffix(".case.json") for p in EDGES.glob("*.case.json")) == sorted(
        EXPECTED
    )


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_edge_case(name: str, case_schema_validator: Any, report_schema_validator: Any) -> None:
    want = EXPECTED[name]
    content = (EDGES / f"{name}.case.json").read_bytes()
    case_schema_validator.validate(json.loads(content))
    outcome = evaluate_case(content)
    report = outcome.document
    report_schema_validator.validate(report)
    assert render_report(evaluate_case(content).document) == render_report(report)
    assert report["status"] == want["status"]
    if want["status"] == "refused":
        assert outcome.refused and report["refusal"]["code"] == want["refusal"]
        return
    assert report["rating"]["light"] == want["light"]
    assert sorted(r["rule"] for r in report["rating"]["reasons"]) == want["rules"]
    findings = {f["id"]: f for f in report["findings"]}
    disagreements = want.get("disagreements", {})
    for finding_id, finding in findings.items():
        assert finding.get("disagreement") == disagreements.get(finding_id), finding_id
    for finding_id, text in want.get("summaries", {}).items():
        assert text in findings[finding_id]["summary"]["en"]
        employer = [r for r in report["employer_view"]["reasons"] if text in r["summary"]["en"]]
        assert len(employer) == 1, finding_id
    check_exclusions_and_absences(report, want)
