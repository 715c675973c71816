"""The core commands: ``evaluate``, ``demo``, ``rulebook show``, ``profiles``."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from fairscreen.domain.errors import InvalidInput
from fairscreen.entrypoints.cli.exits import EXIT_FINDINGS, EXIT_REFUSED, fail
from fairscreen.services.evaluation import (
    builtin_profiles,
    evaluate_case,
    load_rulebook,
    render_report,
)
from fairscreen.services.rulebook_view import rulebook_document, rulebook_markdown
from fairscreen.services.worked_examples import worked_examples


class Lang(StrEnum):
    ZH_HANS = "zh-Hans"
    EN = "en"
    ZH_HANT = "zh-Hant"


class Format(StrEnum):
    MD = "md"
    JSON = "json"


def _read_case(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except FileNotFoundError as exc:
        raise InvalidInput("no such file", field=path) from exc
    except IsADirectoryError as exc:
        raise InvalidInput("is a directory, not a case file", field=path) from exc
    except OSError as exc:
        raise InvalidInput(f"cannot be read ({exc.strerror})", field=path) from exc


def evaluate(
    case_file: Annotated[
        str, typer.Argument(metavar="CASE.json", help="a case file, or - for stdin")
    ],
    rulebook: Annotated[
        Path | None, typer.Option("--rulebook", help="a rulebook file (default: the current one)")
    ] = None,
) -> None:
    """Evaluate a case file offline and print the report as JSON (PRODUCT.md §5).

    Exit 0: report printed. Exit 2: invalid input. Exit 3: the check may not run."""
    try:
        outcome = evaluate_case(_read_case(case_file), load_rulebook(rulebook))
    except InvalidInput as error:
        fail(error)
    sys.stdout.write(render_report(outcome.document))
    sys.stdout.flush()
    if outcome.refused:
        raise typer.Exit(EXIT_REFUSED)


DEMO_LABELS = {
    "zh-Hans": {
        "case": "案例",
        "light": "评级",
        "reasons": "理由",
        "excluded": "排除的内容及原因",
        "none": "无",
        "record": "记录",
        "why": "原因",
        "scope": "范围外类别",
        "dropped": "因涉及禁止话题而删除的陈述",
        "employer": "用人单位可见",
        "ledger": "存证账本",
        "audit": "合规审计",
    },
    "en": {
        "case": "case",
        "light": "light",
        "reasons": "reasons",
        "excluded": "what was excluded and why",
        "none": "none",
        "record": "record",
        "why": "why",
        "scope": "categories left out of scope",
        "dropped": "statements dropped for a prohibited topic",
        "employer": "the employer sees",
        "ledger": "evidence ledger",
        "audit": "compliance audit",
    },
}
DEMO_LABELS["zh-Hant"] = DEMO_LABELS["zh-Hans"]
LIGHT_STYLE = {
    "green": "bold green",
    "blue": "bold blue",
    "yellow": "bold yellow",
    "red": "bold red",
}


def _demo_table(document: dict[str, Any], lang: str) -> Table:
    labels = DEMO_LABELS[lang]
    rating = document["rating"]
    light = rating["light"]
    table = Table(
        title=f"{labels['case']} {document['case_id']} — {labels['light']}: "
        f"[{LIGHT_STYLE[light]}]{light}[/]",
        show_lines=True,
        expand=False,
    )
    table.add_column(labels["record"], no_wrap=True)
    table.add_column(labels["why"])
    for reason in rating["reasons"]:
        table.add_row(f"{reason['finding']} {reason['rule']}", reason["text"].get(lang, ""))
    if not rating["reasons"]:
        table.add_row(labels["reasons"], labels["none"])
    for finding in document["findings"]:
        if finding["exclusion"]:
            table.add_row(
                f"{', '.join(finding['records'])} → {finding['exclusion']}",
                finding["summary"].get(lang, ""),
            )
    for item in document["discarded"]:
        table.add_row(f"{item['record']} → {item['reason']}", "")
    for item in document["dropped_statements"]:
        table.add_row(
            f"{item['record']}#{item.get('index', '-')} → PROHIBITED_TOPIC", item["topic"]
        )
    for item in document["scope"]["excluded"]:
        table.add_row(f"{labels['scope']}: {item['category']}", item["reason"])
    view = document["employer_view"]
    table.add_row(
        labels["employer"],
        f"{view['light']} · {', '.join(r['rule'] for r in view['reasons']) or labels['none']}",
    )
    return table


def demo(
    lang: Annotated[Lang, typer.Option("--lang", help="zh-Hans, en or zh-Hant")] = Lang.ZH_HANS,
    examples: Annotated[
        Path | None,
        typer.Option("--examples", help="a folder with the three worked cases (default: bundled)"),
    ] = None,
    offline: Annotated[
        bool, typer.Option("--offline", help="only the offline evaluation: no database")
    ] = False,
) -> None:
    """Run the three worked court cases (Luo, Zhang, Wang): light, reasons and what was
    excluded and why. By default they go through the live service on the configured
    database (FAIRSCREEN_DATABASE_URL), ending with a compliance audit of the ledger."""
    paths = worked_examples(examples)
    console = Console()
    if offline:
        for path in paths:
            console.print(_demo_table(evaluate_case(path.read_bytes()).document, lang.value))
        return
    from fairscreen.bootstrap import build_services
    from fairscreen.config import Settings
    from fairscreen.services.demo import run_demo

    settings = Settings()
    cases, violations, svc = run_demo(
        lambda clock, sources: build_services(settings, sources=sources, clock=clock), paths
    )
    for case in cases:
        console.print(_demo_table({**case.report, "case_id": case.name}, lang.value))
    labels = DEMO_LABELS[lang.value]
    with svc.uow() as uow:
        size = uow.ledger().size()
    verdict = "clean" if not violations else f"{len(violations)} violation(s)"
    console.print(f"{labels['ledger']}: {size} entries — {labels['audit']}: {verdict}")
    for violation in violations:
        console.print(str(violation))
    if violations:
        raise typer.Exit(EXIT_FINDINGS)


rulebook_app = typer.Typer(help="The public rulebook.")


@rulebook_app.command("show")
def rulebook_show(
    lang: Annotated[Lang, typer.Option("--lang")] = Lang.ZH_HANS,
    format_: Annotated[Format, typer.Option("--format")] = Format.MD,
    rulebook: Annotated[Path | None, typer.Option("--rulebook")] = None,
) -> None:
    """Print the rulebook for people (Markdown) or machines (JSON)."""
    book = load_rulebook(rulebook)
    if format_ is Format.JSON:
        sys.stdout.write(json.dumps(rulebook_document(book), ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(rulebook_markdown(book, lang.value))


def profiles(
    format_: Annotated[Format, typer.Option("--format", help="md (a table) or json")] = Format.MD,
) -> None:
    """List the built-in role profiles with their tiers and categories."""
    builtins = builtin_profiles()
    if format_ is Format.JSON:
        document = {
            pid: {
                "title": p.title,
                "tier": p.tier.value,
                "categories": {
                    c.value: {
                        k: v
                        for k, v in {
                            "justification": r.justification,
                            "lookback_years": r.lookback_years,
                            "legal_basis": r.legal_basis,
                        }.items()
                        if v is not None
                    }
                    for c, r in p.categories.items()
                },
            }
            for pid, p in builtins.items()
        }
        sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(title="built-in role profiles", show_lines=True)
    for column in ("id", "tier", "title", "categories"):
        table.add_column(column)
    for pid, p in builtins.items():
        categories = "\n".join(
            c.value + (f" ({r.legal_basis})" if r.legal_basis else "")
            for c, r in p.categories.items()
        )
        table.add_row(pid, p.tier.value, p.title or "", categories)
    Console().print(table)


def register(app: typer.Typer) -> None:
    """Add the core commands to the root app."""
    app.command("evaluate")(evaluate)
    app.command("demo")(demo)
    app.command("profiles")(profiles)
    app.add_typer(rulebook_app, name="rulebook")
