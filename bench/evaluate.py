"""Benchmark: ``fairscreen evaluate`` as a library call and as a process (issue 2).

Generates realistic synthetic cases (20-50 records each: identity, education, employment,
licences, litigation, enforcement, references with several witnesses, a few prohibited
remarks and unmatched records), then measures, in one run on one core:

- baseline: ``json.loads`` + ``orjson.dumps`` of the same case files (the floor any
  evaluator pays to read its input and write a report);
- the domain alone on parsed cases (``fairscreen.domain.evaluation.evaluate``, which
  writes the report document);
- the whole library call as the command makes it (``evaluate_case``: validate, evaluate,
  then ``render_report`` to the JSON text);
- the library call as a Python caller makes it: ``evaluate_case`` alone, whose result is
  the report document (no JSON text);
- its stages alone: reading (``parse_case``: validation into the domain's values) and
  rendering (``render_report`` of finished documents);
- ``fairscreen evaluate CASE.json`` as a process, one case per process.

Usage: ``python bench/evaluate.py [--cases 2000] [--processes 20] [--seed 7]``
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console
from rich.table import Table

from fairscreen.domain.evaluation import evaluate
from fairscreen.domain.topics import default_classifier
from fairscreen.services.case_file import parse_case
from fairscreen.services.evaluation import (
    builtin_profiles,
    current_rulebook,
    evaluate_case,
    render_report,
)

CAUSES = ["合同诈骗罪", "物业服务合同纠纷", "民间借贷纠纷", "劳动争议", "合同纠纷", "职务侵占罪"]
REMARKS = [
    ("项目交付按时，沟通协调能力强。", "delivers_on_time", "positive"),
    ("多次未按期交付项目。", "missed_deadlines", "negative"),
    ("工作作风扎实，责任心强。", "diligent", "positive"),
    ("此人生活作风存在问题。", "private", "negative"),  # dropped: private life
    ("她最近在备孕。", "private", "neutral"),  # dropped: pregnancy
]


def synthetic_case(rng: random.Random, index: int) -> dict[str, Any]:
    national_id = f"999999{1970 + index % 30}0101{index % 1000:03d}X"
    subject = {
        "name": f"测试{index}",
        "national_id": national_id,
        "birth_date": f"{1970 + index % 30}-01-01",
    }
    strong = {"national_id": national_id}
    categories = [
        "identity",
        "education",
        "employment_history",
        "professional_license",
        "litigation",
        "enforcement",
        "reference",
    ]
    records: list[dict[str, Any]] = [
        {
            "id": "id-1",
            "category": "identity",
            "source": {"id": "id-registry", "kind": "registry"},
            "identity": {**strong, "name": subject["name"]},
            "data": {"result": "match"},
        }
    ]
    claims: dict[str, Any] = {"education": [], "employment": [], "licenses": []}
    for e in range(rng.randint(1, 3)):
        claims["education"].append(
            {"institution": f"示例大学{e}", "degree": "bachelor", "graduation_year": 2005 + e}
        )
        records.append(
            {
                "id": f"edu-{e}",
                "category": "education",
                "source": {"id": "degree-registry", "kind": "registry"},
                "identity": strong,
                "data": {
                    "institution": f"示例大学{e}",
                    "degree": "bachelor",
                    "graduation_year": 2005 + e + rng.choice([0, 0, 2]),
                },
            }
        )
    for e in range(rng.randint(2, 6)):
        start = f"{2008 + e * 2}-0{rng.randint(1, 9)}"
        claims["employment"].append(
            {"employer": f"示例公司{e}", "start": start, "end": f"{2009 + e * 2}-12"}
        )
        records.append(
            {
                "id": f"emp-{e}",
                "category": "employment_history",
                "source": {"id": f"co-{e}-hr", "kind": "issuer"},
                "identity": strong,
                "data": {
                    "employer": f"示例公司{e}",
                    "start": start,
                    "end": f"{2009 + e * 2}-12",
                    "employed": rng.random() > 0.05,
                },
            }
        )
    claims["licenses"].append({"number": f"LIC-{index}"})
    records.append(
        {
            "id": "lic-1",
            "category": "professional_license",
            "source": {"id": "lic-registry", "kind": "registry"},
            "identity": strong,
            "data": {"number": f"LIC-{index}", "status": rng.choice(["valid", "valid", "expired"])},
        }
    )
    target = rng.randint(20, 50)
    n = 0
    while len(records) < target:
        n += 1
        roll = rng.random()
        if roll < 0.35:
            records.append(
                {
                    "id": f"lit-{n}",
                    "category": "litigation",
                    "source": {"id": "court-judgments", "kind": "registry"},
                    "identity": strong
                    if rng.random() > 0.1
                    else {"national_id": national_id[:-1] + "7"},  # someone else
                    "data": {
                        "case_no": f"(2021)测民初{n}号",
                        "case_type": "civil",
                        "cause": rng.choice(CAUSES),
                        "party_role": rng.choice(["plaintiff", "defendant", "co_defendant"]),
                        "outcome": rng.choice(["judgment_against", "judgment_for", "settled"]),
                        "decided_on": f"20{rng.randint(15, 23)}-06-01",
                    },
                }
            )
        elif roll < 0.45:
            records.append(
                {
                    "id": f"enf-{n}",
                    "category": "enforcement",
                    "source": {"id": "enforcement-list", "kind": "registry"},
                    "identity": strong,
                    "data": {"listing": "dishonest_debtor", "active": rng.random() < 0.3},
                }
            )
        elif roll < 0.55:
            records.append(
                {
                    "id": f"rel-{n}",
                    "category": "religion",
                    "source": {"id": "gossip", "kind": "witness"},
                    "data": {"note": "never read"},
                }
            )
        else:
            text, assertion, polarity = rng.choice(REMARKS)
            records.append(
                {
                    "id": f"ref-{n}",
                    "category": "reference",
                    "source": {
                        "id": "reference-interview",
                        "kind": "witness",
                        "person_id": f"p-{rng.randint(1, 6)}",
                    },
                    "identity": strong,
                    "data": {
                        "relation": "former colleague",
                        "statements": [
                            {"text": text, "assertion": assertion, "polarity": polarity}
                        ],
                    },
                }
            )
    return {
        "schema": "fairscreen/case/v1",
        "case_id": f"bench-{index}",
        "as_of": "2024-03-15",
        "employer": {"id": "bench-co"},
        "role": {
            "id": "bench-role",
            "tier": "standard",
            "categories": {c: {"justification": "needed for the bench role"} for c in categories},
        },
        "subject": subject,
        "claims": claims,
        "authorization": {
            "employer_id": "bench-co",
            "purpose": "pre-employment screening",
            "categories": categories,
            "signed_at": "2024-03-01T09:00:00+08:00",
            "expires_at": "2024-03-31T09:00:00+08:00",
        },
        "requested_categories": [*categories, "credit", "marital_status"],
        "records": records,
    }


def rate(fn: Callable[[], None], count: int, repeats: int = 3) -> tuple[float, float, float]:
    """Best-of-``repeats`` wall-clock throughput, the per-case median in µs, and the
    throughput by this process's CPU time (less disturbed by other work on the machine)."""
    timings, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        timings.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return count / min(timings), statistics.median(timings) / count * 1e6, count / min(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument(
        "--processes", type=int, default=20, help="runs of the command (0: none, no such row)"
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.cases < 1:
        parser.error("--cases must be at least 1")
    if args.processes < 0:
        parser.error("--processes must be 0 or more")
    rng = random.Random(args.seed)
    documents = [synthetic_case(rng, i) for i in range(args.cases)]
    payloads = [json.dumps(d, ensure_ascii=False).encode() for d in documents]
    records = [len(d["records"]) for d in documents]
    rulebook, classifier, profiles = current_rulebook(), default_classifier(), builtin_profiles()
    parsed = [parse_case(p, profiles) for p in payloads]
    for payload in payloads[:50]:  # warm caches and check every case really evaluates
        assert evaluate_case(payload).document["status"] == "completed"

    def baseline() -> None:
        for payload in payloads:
            orjson.dumps(json.loads(payload), option=orjson.OPT_INDENT_2)

    def domain_only() -> None:
        for case in parsed:
            evaluate(case, rulebook, classifier)

    def library() -> None:
        for payload in payloads:
            render_report(evaluate_case(payload, rulebook, classifier).document)

    def library_document() -> None:
        for payload in payloads:
            evaluate_case(payload, rulebook, classifier)

    def read_only() -> None:
        for payload in payloads:
            parse_case(payload, profiles)

    reports = [evaluate_case(payload, rulebook, classifier).document for payload in payloads]

    def render_only() -> None:
        for report in reports:
            render_report(report)

    rows = [("baseline: json.loads + orjson.dumps", *rate(baseline, len(payloads)))]
    rows.append(("domain only (parsed cases)", *rate(domain_only, len(parsed))))
    rows.append(("library call evaluate_case + render", *rate(library, len(payloads))))
    rows.append(
        (
            "library call evaluate_case, document only (no render)",
            *rate(library_document, len(payloads)),
        )
    )
    rows.append(("stage: read only (parse_case)", *rate(read_only, len(payloads))))
    rows.append(("stage: render only (render_report)", *rate(render_only, len(reports))))

    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for i, payload in enumerate(payloads[: args.processes]):
            path = Path(folder) / f"case-{i}.json"
            path.write_bytes(payload)
            paths.append(path)

        def processes() -> None:
            for path in paths:
                subprocess.run(
                    [sys.executable, "-m", "fairscreen", "evaluate", str(path)],
                    check=True,
                    capture_output=True,
                )

        if paths:  # --processes 0 leaves the command out (rate would divide by no run)
            rows.append(
                (
                    f"process `fairscreen evaluate` ({len(paths)} runs)",
                    *rate(processes, len(paths), 1),
                )
            )

    table = Table(
        title=f"fairscreen evaluate — {len(payloads)} synthetic cases, "
        f"{min(records)}–{max(records)} records (mean {statistics.mean(records):.1f}), one core"
    )
    table.add_column("what")
    table.add_column("cases/s", justify="right")
    table.add_column("µs/case (median)", justify="right")
    table.add_column("cases/s by CPU time", justify="right")
    table.add_column("× baseline time", justify="right")
    base_rate = rows[0][1]
    for name, per_second, micros, per_cpu_second in rows:
        table.add_row(
            name,
            f"{per_second:,.0f}",
            f"{micros:,.1f}",
            f"{per_cpu_second:,.0f}",
            f"{base_rate / per_second:.1f}",
        )
    Console().print(table)


if __name__ == "__main__":
    main()
