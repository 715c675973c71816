"""What the golden tests expect of a report, read from an ``expected.json`` entry: the
checks the worked court cases and the edge cases share."""

from __future__ import annotations

import json
from typing import Any

from fairscreen.services.evaluation import render_report


def exclusion_codes(report: dict[str, Any], record_id: str) -> list[str | None]:
    """Every code the report gives a record: its findings' exclusions and its discards."""
    codes = [f["exclusion"] for f in report["findings"] if record_id in f["records"]]
    codes += [d["reason"] for d in report["discarded"] if d["record"] == record_id]
    return codes


def check_exclusions_and_absences(report: dict[str, Any], want: dict[str, Any]) -> None:
    """``record_exclusions`` (record id -> its one code), and the texts that must be
    ``absent_from_employer_view`` and ``absent_from_report``."""
    for record_id, code in want.get("record_exclusions", {}).items():
        assert exclusion_codes(report, record_id) == [code], record_id
    employer_view = json.dumps(report["employer_view"], ensure_ascii=False)
    for text in want.get("absent_from_employer_view", []):
        assert text not in employer_view
    whole = render_report(report)
    for text in want.get("absent_from_report", []):
        assert text not in whole
