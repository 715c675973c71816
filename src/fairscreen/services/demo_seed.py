"""The served demo (``fairscreen serve --demo``): the three worked court cases run through
the service (:mod:`fairscreen.services.demo`, ending decided), plus cases left in the
other states a person can walk through — ordered, in the candidate's review, disputed,
released — and accounts for every role.

Time: the worked cases happen on their own dates (2023-2024). The served service's clock
then goes on from the latest of them (plus a day) at the speed of real time, so review
windows and retention run as they would have, and nothing is overdue at start.

Sources: each demo candidate's checks are answered from their worked example's records
(a source per subject, by ID number); anyone else's come back "not found".
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from fairscreen.adapters.sources.port import QueryPermit, SourceAnswer, SourceQuery
from fairscreen.adapters.sources.recorded import RecordedSource
from fairscreen.domain.categories import Category
from fairscreen.ledger.entries import ActorRole
from fairscreen.services import accounts, transparency
from fairscreen.services.accounts import register_tenant
from fairscreen.services.context import Actor, Services
from fairscreen.services.demo import OPERATOR, DemoCase, DemoClock, run_demo, sign_as_shown
from fairscreen.services.investigation import run_investigation
from fairscreen.services.invitations import checked_invitee
from fairscreen.services.references import invite_referee
from fairscreen.services.review import accept_report, open_dispute, read_report
from fairscreen.services.scope import (
    define_role_profile,
    order_check,
    order_for_candidate,
    register_candidate,
)
from fairscreen.services.sequencer import integrate_all


def invited_candidate() -> tuple[dict[str, str], str]:
    """The demo's invited candidate and their mobile number: a synthetic person kept as
    package data (``data/demo/invited.json``), like the worked examples' subjects."""
    data = json.loads(
        resources.files("fairscreen").joinpath("data/demo/invited.json").read_text("utf-8")
    )
    return dict(data["subject"]), str(data["mobile"])


class StoryClock:
    """Starts at ``start`` and runs at the speed of real time."""

    def __init__(self, start: datetime) -> None:
        self._start = start
        self._origin = time.monotonic()

    def __call__(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._origin)


class SubjectRecords:
    """A source answering each subject from their own example's records, and anyone else
    with no records. Every answer checks the query permit on the story clock ``now``,
    the clock the service issued the permit by (on the wall clock a permit of the story
    would have expired long ago)."""

    def __init__(
        self, by_national_id: Mapping[str, RecordedSource], now: Callable[[], datetime]
    ) -> None:
        self._by_id = dict(by_national_id)
        self._nobody = RecordedSource([], source_id="demo-records", now=now)

    @property
    def source_id(self) -> str:
        return "demo-records"

    @property
    def categories(self) -> frozenset[Category]:
        return frozenset(Category)

    def fetch(self, query: SourceQuery, permit: QueryPermit | None) -> SourceAnswer:
        source = self._by_id.get(query.subject.national_id, self._nobody)
        return source.fetch(query, permit)


@dataclass
class DemoSeed:
    services: Services
    worked: list[DemoCase]
    #: role -> API token (shown once: demo only)
    tokens: dict[str, str] = field(default_factory=dict)
    #: state -> case id
    cases: dict[str, str] = field(default_factory=dict)
    #: candidate label -> candidate id
    candidates: dict[str, str] = field(default_factory=dict)


def seed_demo(
    build: Callable[[Any, dict[Category, Any]], Services], examples: list[Traversable]
) -> DemoSeed:
    """Build the demo world with ``build(clock, sources)`` (the composition root)."""
    documents = [json.loads(path.read_text("utf-8")) for path in examples]
    worked, _, svc = run_demo(build, examples)

    # 1. From here on the story clock, and a source per demo subject.
    latest = max(
        datetime.fromisoformat(d["as_of"]).replace(tzinfo=UTC) for d in documents
    ) + timedelta(days=1, hours=2)
    clock = StoryClock(latest)
    svc.clock = clock
    sources = SubjectRecords(
        {
            d["subject"]["national_id"]: RecordedSource(
                d["records"], source_id="demo-records", now=clock
            )
            for d in documents
        },
        now=clock,
    )
    assert isinstance(svc.sources, dict)
    svc.sources.clear()
    svc.sources.update({category: sources for category in Category})

    # 2. A demo employer and agency with accounts, and the other roles' accounts.
    seed = DemoSeed(svc, worked)
    employer = Actor(
        ActorRole.EMPLOYER, register_tenant(svc, OPERATOR, kind="employer", name="演示用人单位")
    )
    agency = Actor(
        ActorRole.AGENCY, register_tenant(svc, OPERATOR, kind="agency", name="演示背调机构")
    )
    for role, tenant in (
        ("employer", employer.id),
        ("agency", agency.id),
        ("regulator", None),
        ("operator", None),
    ):
        _, issued = accounts.create_account(
            svc, OPERATOR, role=role, label=f"demo {role}", tenant_id=tenant
        )
        seed.tokens[role] = issued.token

    # 3. Cases in the states a person walks through, for the worked examples' subjects.
    subjects = [register_candidate(svc, employer, d["subject"]) for d in documents]
    labels = [path.name.split(".")[0] for path in examples]
    seed.candidates = dict(zip(labels, subjects, strict=True))
    role = documents[0]["role"]
    profile = define_role_profile(svc, employer, role)
    requested = list(role["categories"])

    def order(subject: str) -> str:
        # the demo shows one candidate in two states (ordered, released) on purpose
        return order_check(
            svc,
            employer,
            subject_id=subject,
            profile_id=profile,
            requested=requested,
            agency_id=agency.id,
            confirm_duplicate=True,
        )

    def sign(case_id: str, subject: str, claims: Mapping[str, Any]) -> None:
        sign_as_shown(svc, Actor(ActorRole.CANDIDATE, subject), case_id, claims=claims)

    seed.cases["ordered"] = order(subjects[0])
    for state, index in (("candidate_review", 1), ("disputed", 2), ("released", 0)):
        case_id = order(subjects[index])
        sign(case_id, subjects[index], documents[index].get("claims", {}))
        run_investigation(svc, agency, case_id)
        candidate = Actor(ActorRole.CANDIDATE, subjects[index])
        if state == "disputed":
            report = read_report(svc, candidate, case_id)["report"]
            open_dispute(
                svc,
                candidate,
                case_id,
                finding_ids=[report["findings"][0]["id"]],
                statement="演示：此项记录与本人经历不符。",
            )
        elif state == "released":
            accept_report(svc, candidate, case_id)
        seed.cases[state] = case_id
    # 4. A signed case whose agency asked a referee the structured questionnaire: the
    #    link is in the outbox (notifications.jsonl), the referee answers on the web page.
    asked = next(
        (i for i, d in enumerate(documents) if "reference" in d["role"]["categories"]), None
    )
    if asked is not None:
        document = documents[asked]
        case_id = order_check(
            svc,
            employer,
            subject_id=subjects[asked],
            profile_id=define_role_profile(svc, employer, document["role"]),
            requested=list(document["role"]["categories"]),
            agency_id=agency.id,
            confirm_duplicate=True,  # the referee's example is also one of the cases above
        )
        sign(case_id, subjects[asked], document.get("claims", {}))
        invite_referee(
            svc, agency, case_id, name="演示证明人", contact="referee@example.test", lang="zh-Hans"
        )
        seed.cases["referee_invited"] = case_id
    # 5. A candidate invited by mobile (issue 13 item 2): the invitation and its codes go
    #    to the development outbox, shown at /dev/outbox.
    invited, mobile = invited_candidate()
    _, seed.cases["invited"] = order_for_candidate(
        svc,
        employer,
        invited,
        profile_id=profile,
        requested=requested,
        agency_id=agency.id,
        invitee=checked_invitee(invited["name"], mobile),
    )
    for case in worked:
        seed.cases.setdefault("decided", case.case_id)
    # On PostgreSQL the entries wait for the sequencer: the demo integrates them itself
    # so its first checkpoint covers every seeded case.
    integrate_all(svc.engine)
    transparency.publish_checkpoint(svc)
    return seed


def fresh_sign_in_codes(svc: Services, candidates: Mapping[str, str]) -> dict[str, str]:
    """Send each demo candidate a sign-in code (the demo notifier prints it); returns the
    code session each code is bound to, by candidate id."""
    return {
        candidate_id: accounts.request_sign_in_code(svc, candidate_id, requester="demo console")
        for candidate_id in candidates.values()
    }


__all__ = ["DemoClock", "DemoSeed", "SubjectRecords", "fresh_sign_in_codes", "seed_demo"]
