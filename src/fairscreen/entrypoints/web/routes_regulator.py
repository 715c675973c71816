"""The regulator console (劳动监管部门): the ledger's status (latest checkpoint, size,
verified), the compliance audit, aggregate statistics as charts (small groups suppressed
by the service) — no personal data anywhere (PRODUCT.md §2, §6, §7)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from fairscreen.entrypoints.web.charts import bar_chart
from fairscreen.entrypoints.web.policy import Page, page_context
from fairscreen.entrypoints.web.render import WebRoute, render
from fairscreen.services import compliance_checklist, self_identification, stats, transparency

router = APIRouter(prefix="/regulator", route_class=WebRoute, include_in_schema=False)
PageDep = Annotated[Page, Depends(page_context)]
LIGHT_COLOURS = {
    "green": "#1b7a3d",
    "blue": "#1f5fa8",
    "yellow": "#8a6d00",
    "red": "#b3261e",
    "unrated": "#5f6368",
}


@router.get("")
def ledger(page: PageDep) -> Response:
    return render(
        page,
        "regulator/ledger.html",
        ledger=transparency.ledger_status(page.services),
        witnesses=transparency.witness_status(page.services),
    )


@router.get("/entries")
def entries(page: PageDep, q: Annotated[str | None, Query(max_length=64)] = None) -> Response:
    """Ledger entries by index (the one printed on a destruction certificate) or by case
    pseudonym, each with its inclusion proof (no query: the form alone)."""
    found = transparency.lookup_entries(page.services, q) if q else None
    return render(page, "regulator/entries.html", found=found)


@router.get("/audit")
def audit(
    page: PageDep,
    employer: Annotated[str | None, Query(max_length=40)] = None,
    period: Annotated[str | None, Query(max_length=7)] = None,
) -> Response:
    """The audit as a checklist per rule of PRODUCT.md §6, for one employer pseudonym and
    one period if asked (each violation links to its entry and inclusion proof)."""
    assert page.principal is not None
    checklist = compliance_checklist.compliance_checklist(
        page.services, page.principal.actor, employer=employer or None, period=period or None
    )
    return render(page, "regulator/audit.html", checklist=checklist)


@router.get("/statistics")
def statistics(
    page: PageDep, period: Annotated[str, Query(pattern=r"^(month|year)$")] = "month"
) -> Response:
    data = stats.case_statistics(page.services, period=period)
    t = page.t
    charts = [
        {
            "group": group,
            "light": bar_chart(
                [
                    (t.light(k), v, LIGHT_COLOURS.get(k, "#5f6368"))
                    for k, v in group["by_light"].items()
                ],
                title=t("stats.by_light"),
                suppressed_label=t("stats.suppressed_value"),
            ),
            "state": bar_chart(
                [(t.state(k), v, "#3c4a5c") for k, v in group["by_state"].items()],
                title=t("stats.by_state"),
                suppressed_label=t("stats.suppressed_value"),
            ),
        }
        for group in data["groups"]
    ]
    return render(page, "regulator/statistics.html", data=data, charts=charts, period=period)


@router.get("/fairness")
def fairness(page: PageDep) -> Response:
    """The fairness audit (PRODUCT.md §7): per sex and per age band, as volunteered by
    candidates under a separate consent, the share flagged yellow or red and the share
    not hired, with impact ratios and the four-fifths flag; groups under the minimum
    are suppressed by the service."""
    assert page.principal is not None
    report = self_identification.fairness_overview(page.services, page.principal.actor)
    t = page.t
    dimensions = []
    for name, data in report["dimensions"].items():
        charts = {}
        for measure in ("flagged", "not_hired"):
            groups = data[measure]["groups"]
            bars: list[tuple[str, int | None, str]] = [
                (
                    t(f"selfid.{name}.{group}"),
                    None if g["flagged_rate"] is None else round(100 * g["flagged_rate"]),
                    "#b3261e" if g["four_fifths_violation"] else "#3c4a5c",
                )
                for group, g in groups.items()
            ]
            bars += [
                (t(f"selfid.{name}.{group}"), None, "") for group in data[measure]["suppressed"]
            ]
            charts[measure] = bar_chart(
                bars,
                title=t(f"fairness.{measure}"),
                suppressed_label=t("stats.suppressed_value"),
                unit="%",
                top=100,
            )
        dimensions.append({"name": name, "data": data, "charts": charts})
    return render(page, "regulator/fairness.html", report=report, dimensions=dimensions)
