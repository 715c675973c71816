"""The live demo: the three worked court cases (Luo, Zhang, Wang) through the running
service on the configured database — order, sign, investigate, review, release, decide —
ending with a compliance audit of the ledger (issue 4 item 7).

Each example's records are served by a source that holds exactly those records, and the
clock is set to the example's dates, so the service's report can be compared with
``fairscreen evaluate`` on the same case file.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from importlib.resources.abc import Traversable
from typing import Any
from zoneinfo import ZoneInfo

from fairscreen.adapters.sources.recorded import RecordedSource
from fairscreen.domain.categories import Category
from fairscreen.ledger.audit import Violation
from fairscreen.ledger.entries import ActorRole
from fairscreen.services.accounts import register_tenant
from fairscreen.services.authorization import authorization_notice, sign_authorization
from fairscreen.services.context import Actor, Services
from fairscreen.services.decision import record_decision, send_pre_adverse_notice
from fairscreen.services.investigation import run_investigation
from fairscreen.services.review import accept_report, read_report
from fairscreen.services.scope import define_role_profile, order_check, register_candidate
from fairscreen.services.sequencer import integrate_all
from fairscreen.services.transparency import audit_ledger

OPERATOR = Actor(ActorRole.OPERATOR, "demo-operator")


class DemoClock:
    """The demo's clock: it stands where the story is."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def sign_as_shown(
    svc: Services,
    candidate: Actor,
    case_id: str,
    *,
    lang: str = "zh-Hans",
    categories: Iterable[str] | None = None,
    **signature: Any,
) -> str:
    """The candidate signs the notice exactly as the service shows it (its SHA-256), for the
    demo, the benchmarks and the tests; ``categories`` default to all it asks for, the rest
    (``sensitive_consented``, ``claims``) go to ``sign_authorization`` as they are. A real
    candidate signs in the portal, the hash proving the text they read."""
    notice = authorization_notice(svc, candidate, case_id, lang)
    return sign_authorization(
        svc,
        candidate,
        case_id,
        text_sha256=notice.sha256,
        lang=lang,
        categories=list(notice.categories if categories is None else categories),
        **signature,
    )


@dataclass(frozen=True, slots=True)
class DemoCase:
    name: str
    case_id: str
    report: dict[str, Any]
    employer_view: dict[str, Any]


def run_example(
    svc: Services,
    clock: DemoClock,
    example: dict[str, Any],
    sources: dict[Category, Any],
    agency: Actor | None = None,
) -> DemoCase:
    """One worked example, end to end; ``agency``: the one agency every example of a run
    shares (one is registered when none is given), so an employer's agency picker lists
    it once, not once per example (issue 13 item 13)."""
    zone = ZoneInfo(svc.config.timezone)
    authorization = example["authorization"]
    signed_at = datetime.fromisoformat(authorization["signed_at"])
    as_of = datetime.combine(datetime.fromisoformat(example["as_of"]).date(), time(10), zone)
    source = RecordedSource(example["records"], source_id="example-records", now=clock)
    for category in Category:
        sources[category] = source

    clock.now = signed_at.astimezone(UTC) - timedelta(hours=1)
    employer = Actor(
        ActorRole.EMPLOYER,
        register_tenant(
            svc, OPERATOR, kind="employer", name=example["employer"].get("name", "employer")
        ),
    )
    if agency is None:
        agency = Actor(
            ActorRole.AGENCY, register_tenant(svc, OPERATOR, kind="agency", name="示例背调机构")
        )
    profile_id = define_role_profile(svc, employer, example["role"])
    candidate = Actor(ActorRole.CANDIDATE, register_candidate(svc, employer, example["subject"]))
    case_id = order_check(
        svc,
        employer,
        subject_id=candidate.id,
        profile_id=profile_id,
        requested=example["requested_categories"],
        purpose=authorization["purpose"],
        agency_id=agency.id,
    )
    clock.now = signed_at.astimezone(UTC)
    notice = authorization_notice(svc, candidate, case_id, "zh-Hans")
    sign_authorization(  # what the example's authorization consents to, of what is asked
        svc,
        candidate,
        case_id,
        text_sha256=notice.sha256,
        lang="zh-Hans",
        categories=[c for c in authorization["categories"] if c in notice.categories],
        sensitive_consented=authorization.get("sensitive_categories_consented", []),
        claims=example.get("claims", {}),
    )
    clock.now = as_of.astimezone(UTC)
    run_investigation(svc, agency, case_id)
    report = read_report(svc, candidate, case_id)["report"]
    clock.now += timedelta(hours=2)
    accept_report(svc, candidate, case_id)
    view = read_report(svc, employer, case_id)["employer_view"]
    outcome = "hired" if view["light"] in ("green", "blue") else "not_hired"
    reason = "演示：依据面试与报告作出决定"
    if outcome == "not_hired":  # PRODUCT.md P4: a pre-adverse notice and its wait first
        ends = send_pre_adverse_notice(svc, employer, case_id, reason=reason, cites_report=True)
        clock.now = ends
    record_decision(
        svc, employer, case_id, outcome=outcome, reason=reason, cites_report=outcome == "not_hired"
    )
    return DemoCase(example["case_id"], case_id, report, view)


def run_demo(
    build: Callable[[DemoClock, dict[Category, Any]], Services], examples: Iterable[Traversable]
) -> tuple[list[DemoCase], list[Violation], Services]:
    """Run each example through a service built by ``build`` (given the demo clock and
    the source table it fills per example); return the cases and the audit's verdict."""
    clock = DemoClock()
    sources: dict[Category, Any] = {}
    svc = build(clock, sources)
    agency = Actor(
        ActorRole.AGENCY, register_tenant(svc, OPERATOR, kind="agency", name="示例背调机构")
    )
    cases = [
        run_example(svc, clock, json.loads(path.read_text("utf-8")), sources, agency)
        for path in examples
    ]
    # The audit reads integrated entries: on PostgreSQL the demo integrates its own
    # pending entries first (one sequencer pass; on SQLite they are in already).
    integrate_all(svc.engine)
    violations = audit_ledger(svc, as_of=clock.now)
    return cases, violations, svc
