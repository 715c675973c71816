"""A live screening service on a real database, with a clock the test moves."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from factories import SUBJECT, identity_ok, litigation, record, statement, witness
from fairscreen.adapters.db import case_tables
from fairscreen.adapters.db.ledger_store import reading
from fairscreen.adapters.notify import MemoryNotifier
from fairscreen.adapters.sources.recorded import RecordedSource
from fairscreen.bootstrap import build_services
from fairscreen.config import Settings
from fairscreen.domain.categories import Category
from fairscreen.ledger.audit import audit_entries
from fairscreen.ledger.entries import ActorRole
from fairscreen.services import compliance_checklist, supplements
from fairscreen.services.accounts import register_tenant
from fairscreen.services.context import Actor, Services
from fairscreen.services.demo import sign_as_shown
from fairscreen.services.investigation import run_investigation
from fairscreen.services.review import accept_report
from fairscreen.services.scope import define_role_profile, order_check, register_candidate
from fairscreen.services.self_identification import record_self_identification
from fairscreen.services.sequencer import integrate_all

START = datetime(2024, 3, 1, 1, 0, tzinfo=UTC)
OPERATOR = Actor(ActorRole.OPERATOR, "op-1")


class Clock:
    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def sample_records() -> list[dict[str, Any]]:
    """Synthetic records in the spirit of the three court cases."""
    return [
        identity_ok(),
        record(
            "edu-1",
            "education",
            {"institution": "示例大学", "degree": "bachelor", "graduation_year": 2012},
        ),
        record(
            "emp-1",
            "employment_history",
            {"employer": "示例科技有限公司", "start": "2016-07", "end": "2023-09"},
            kind="issuer",
        ),
        litigation("lit-1", cause="物业服务合同纠纷", party_role="co_defendant"),
        litigation("lit-2", cause="合同纠纷", party_role="plaintiff", outcome="judgment_for"),
        litigation("lit-3", cause="合同诈骗罪", party_role="defendant"),
        witness("ref-1", "colleague-1", statement("此人生活作风存在问题。", "private_conduct")),
        witness("ref-2", "manager-1", statement("项目交付按时。", "delivers_on_time", "positive")),
    ]


def records_without_the_degree() -> list[dict[str, Any]]:
    """The sample records, the university register not finding the claimed degree: EDU-1
    is unverifiable (blue), the case for a supplementary document (补充材料); LIT-3 keeps
    the case yellow."""
    kept = [r for r in sample_records() if r["id"] != "edu-1"]
    return [*kept, record("edu-1", "education", status="not_found")]


#: What the university confirms of the claimed degree when the candidate supplies it.
DIPLOMA = {"institution": "示例大学", "degree": "bachelor", "graduation_year": 2012}


def reverify_degree(
    world: World,
    case_id: str,
    supplement_id: str,
    verifier: Actor,
    answer: str = "已向学校核实，学位属实。",
) -> None:
    """The verifier answers the open supplement ``re-verified`` after checking the diploma
    with the university (``records_without_the_degree``): the held record, found, with
    its data and the issuer as its source."""
    [open_one] = [
        s
        for s in supplements.verifier_supplements(world.svc, verifier, case_id)
        if s["outcome"] is None
    ]
    [held] = open_one["records"]
    found = {
        **{k: v for k, v in held.items() if k not in ("status", "source", "data")},
        "status": "ok",
        "source": {"id": "education-source", "kind": "issuer"},
        "data": DIPLOMA,
    }
    supplements.answer_supplement(
        world.svc,
        verifier,
        case_id,
        supplement_id,
        outcome="reverified",
        answer=answer,
        corrected_records=[found],
    )


CLAIMS = {
    "education": [{"institution": "示例大学", "degree": "bachelor", "graduation_year": 2012}],
    "employment": [{"employer": "示例科技有限公司", "start": "2016-07", "end": "2023-09"}],
}
ROLE = {
    "id": "qa-specialist",
    "title": "质量专员",
    "tier": "standard",
    "categories": {
        "identity": {"justification": "确认候选人身份与所签劳动合同主体一致"},
        "education": {"justification": "岗位要求食品相关专业本科学历"},
        "employment_history": {"justification": "岗位要求三年以上质量管理经验"},
        "litigation": {"justification": "核实与岗位诚信要求相关的生效判决", "lookback_years": 5},
        "reference": {"justification": "了解候选人在前单位的工作表现与职业能力"},
    },
}
REQUESTED = [
    "identity",
    "education",
    "employment_history",
    "litigation",
    "reference",
    "marital_status",
]


@dataclass
class World:
    svc: Services
    clock: Clock
    notifier: MemoryNotifier
    employer: Actor
    agency: Actor
    candidate: Actor
    profile_id: str


def settle(world: World) -> None:
    """Integrate the pending ledger entries (the sequencer's pass, synchronously): on
    PostgreSQL a request only queues its entries; on SQLite it integrated them itself."""
    integrate_all(world.svc.engine)


def payload_of(world: World, entry_type: str) -> list[dict[str, Any]]:
    """The committed payloads of ``entry_type`` (kept in the database, not in the log)."""
    with world.svc.engine.connect() as connection:
        rows = connection.execute(sa.select(case_tables.event_payloads)).mappings().all()
    bodies = [json.loads(row["body"]) for row in rows]
    return [body for body in bodies if body.get("event") == entry_type]


def reads_by_reason(world: World) -> Counter[str]:
    """How many ``report.read`` entries the public log holds, by the ``reason`` in the
    payload each commits to (``supplements``, ``supplement_file``, ``dispute_records``,
    ...): a test subtracts the count before a request from the count after it. Counted
    by entry, as two reads of the same thing commit to one stored payload."""
    settle(world)
    with reading(world.svc.engine) as log:
        logged = [json.loads(log.entry(i)) for i in range(log.size())]
    with world.svc.engine.connect() as connection:
        bodies = dict(
            connection.execute(
                sa.select(case_tables.event_payloads.c.digest, case_tables.event_payloads.c.body)
            ).all()
        )
    return Counter(
        str(json.loads(bodies[e["commitment"]]).get("reason"))
        for e in logged
        if e["type"] == "report.read" and e["commitment"] in bodies
    )


REGULATOR = Actor(ActorRole.REGULATOR, "reg-1")


def public_audit(world: World) -> list[tuple[str, str | None]]:
    """``ledger audit``: the public entries alone."""
    settle(world)
    with reading(world.svc.engine) as log:
        raw = [(i, log.entry(i)) for i in range(log.size())]
    return [(v.rule.value, v.case) for v in audit_entries(raw, world.svc.published_rulebooks)]


def checklist_violations(world: World) -> list[tuple[str, str | None]]:
    """The regulator's checklist: the public audit and the rules on decisions' payloads."""
    settle(world)
    found = compliance_checklist.compliance_checklist(world.svc, REGULATOR)
    return [(v.rule.value, v.case) for rule in found["rules"] for v in rule.violations]


def make_world(
    database_url: str,
    tmp_path: Path,
    records: list[dict[str, Any]] | None = None,
    *,
    webhook_private_targets: bool = False,
    key_store_url: str | None = None,
) -> World:
    """``key_store_url``: where the wrapped keys go (default: the SQLite key store in the
    data folder). Tests of concurrent PostgreSQL writers keep them in PostgreSQL too, as
    production does: a SQLite key store's write lock beside PostgreSQL's row locks can
    deadlock two writers that take them in opposite orders."""
    clock = Clock()
    notifier = MemoryNotifier()
    source = RecordedSource(records if records is not None else sample_records(), now=clock)
    settings = Settings(
        database_url=database_url,
        data_dir=tmp_path / "var",
        webhook_private_targets=webhook_private_targets,
        key_store_url=key_store_url,
    )
    svc = build_services(
        settings, sources={c: source for c in Category}, notifier=notifier, clock=clock
    )
    employer_id = register_tenant(svc, OPERATOR, kind="employer", name="某食品公司")
    agency_id = register_tenant(svc, OPERATOR, kind="agency", name="某背调机构")
    employer = Actor(ActorRole.EMPLOYER, employer_id)
    profile_id = define_role_profile(svc, employer, ROLE)
    subject_id = register_candidate(svc, employer, SUBJECT)
    return World(
        svc,
        clock,
        notifier,
        employer,
        Actor(ActorRole.AGENCY, agency_id),
        Actor(ActorRole.CANDIDATE, subject_id),
        profile_id,
    )


def order(world: World, **changes: Any) -> str:
    """The world's employer orders a check of the world's candidate through its agency;
    ``changes`` override any argument of ``order_check``."""
    arguments: dict[str, Any] = {
        "subject_id": world.candidate.id,
        "profile_id": world.profile_id,
        "requested": REQUESTED,
        "agency_id": world.agency.id,
        # the world's one candidate gets a case per scenario, knowingly
        "confirm_duplicate": True,
    }
    return order_check(world.svc, world.employer, **(arguments | changes))


def sign(world: World, case_id: str, **signature: Any) -> str:
    """The world's candidate signs the notice as shown (``sign_as_shown``), with the
    world's claims unless ``signature`` says otherwise."""
    return sign_as_shown(world.svc, world.candidate, case_id, **({"claims": CLAIMS} | signature))


def order_and_sign(world: World, lang: str = "zh-Hans") -> str:
    case_id = order(world)
    sign(world, case_id, lang=lang)
    return case_id


def iter_all_tables(world: World) -> Iterator[tuple[str, list[Any]]]:
    import sqlalchemy as sa

    from fairscreen.adapters.db.tables import metadata

    with world.svc.engine.connect() as connection:
        for table in metadata.sorted_tables:
            yield table.name, list(connection.execute(sa.select(table)).all())


#: Serial numbers of synthetic people, clear of the fixtures' own ID numbers (SUBJECT is 001).
_SERIAL = iter(range(100, 1000))


def people(
    world: World, count: int, sex: str, age_band: str, *, flagged: bool, release: bool = True
) -> list[tuple[Actor, str]]:
    """``count`` synthetic candidates who answered (sex, age band), each with a rated case,
    released unless ``release`` is false: a relevant fraud judgment (yellow) when
    ``flagged``, else a property-service dispute that never counts (green)."""
    made: list[tuple[Actor, str]] = []
    for _ in range(count):
        serial = next(_SERIAL)
        national_id = f"99999919900101{serial:03d}X"
        candidate = Actor(
            ActorRole.CANDIDATE,
            register_candidate(
                world.svc,
                world.employer,
                {"name": f"测试{serial}", "national_id": national_id, "birth_date": "1990-01-01"},
            ),
        )
        record_self_identification(world.svc, candidate, consent=True, sex=sex, age_band=age_band)
        case_id = order(world, subject_id=candidate.id, requested=["litigation"])
        sign_as_shown(world.svc, candidate, case_id, lang="en", categories=["litigation"])
        judgment = litigation("lit-1", cause="合同诈骗罪" if flagged else "物业服务合同纠纷")
        judgment["identity"] = {"national_id": national_id}
        original = world.svc.sources
        world.svc.sources = {c: RecordedSource([judgment], now=world.clock) for c in original}
        try:
            run_investigation(world.svc, world.agency, case_id)
        finally:
            world.svc.sources = original
        if release:
            accept_report(world.svc, candidate, case_id)
        made.append((candidate, case_id))
    return made


def not_hire(
    world: World, case_id: str, reason: str = "另有人选", cites_report: bool = False
) -> None:
    """Not hired, by PRODUCT.md P4's two steps when the light is not green: the
    pre-adverse notice, its waiting period (5 working days fit in 7 calendar days), then
    the final decision; in one step on a green light."""
    from fairscreen.services.decision import record_decision, send_pre_adverse_notice

    with world.svc.reader() as uow:
        case = uow.repo.case(case_id)
        assert case is not None
    if case["light"] != "green":
        send_pre_adverse_notice(
            world.svc, world.employer, case_id, reason=reason, cites_report=cites_report
        )
        world.clock.advance(days=7)
    record_decision(
        world.svc,
        world.employer,
        case_id,
        outcome="not_hired",
        reason=reason,
        cites_report=cites_report,
    )


def teacher_case(world: World, declined: set[str]) -> dict[str, object]:
    """A kindergarten teacher's case (the built-in profile: criminal record and health
    certificate required by law) whose candidate declined ``declined``, released; the
    employer view."""
    from fairscreen.services.authorization import authorization_notice, sign_authorization
    from fairscreen.services.investigation import run_investigation
    from fairscreen.services.review import accept_report, read_report
    from fairscreen.services.scope import use_builtin_profile

    profile_id = use_builtin_profile(world.svc, world.employer, "kindergarten-teacher")
    requested = ["identity", "education", "criminal_record", "health_certificate", "reference"]
    case_id = order(world, profile_id=profile_id, requested=requested)
    notice = authorization_notice(world.svc, world.candidate, case_id)
    signed = [c for c in notice.categories if c not in declined]
    sign_authorization(
        world.svc,
        world.candidate,
        case_id,
        text_sha256=notice.sha256,
        lang="zh-Hans",
        categories=signed,
        sensitive_consented=[c for c in notice.sensitive if c in signed],
    )
    run_investigation(world.svc, world.agency, case_id)
    accept_report(world.svc, world.candidate, case_id)
    view: dict[str, object] = read_report(world.svc, world.employer, case_id)["employer_view"]
    return view


def order_invited(world: World, person: dict[str, str], contact: str) -> tuple[str, str]:
    """The portal's order (``order_for_candidate``) of ``person``, through the world's
    agency, inviting them at ``contact`` under their own name; (subject, case)."""
    from fairscreen.services import invitations
    from fairscreen.services.scope import order_for_candidate

    return order_for_candidate(
        world.svc,
        world.employer,
        person,
        profile_id=world.profile_id,
        requested=REQUESTED,
        agency_id=world.agency.id,
        invitee=invitations.checked_invitee(person["name"], contact),
    )


def refusing_sms_gateway() -> Any:
    """The real SMS gateway client, its gateway refusing every message (HTTP 400, a
    final answer: no retries)."""
    import httpx

    from fairscreen.adapters.sms_gateway import HttpSmsGateway, SmsGatewaySettings

    return HttpSmsGateway(
        SmsGatewaySettings(url="https://sms.example.test/send", api_key="k"),
        transport=httpx.MockTransport(lambda request: httpx.Response(400)),
        sleep=lambda _: None,
    )


def accountant_case(world: World, requested: list[str]) -> str:
    """A case for the built-in accountant template: its texts are ``中文 / English``, its
    credit check (sensitive) has no legal basis, its criminal-record check cites 会计法."""
    from fairscreen.services.scope import use_builtin_profile

    profile_id = use_builtin_profile(world.svc, world.employer, "accountant")
    return order(world, profile_id=profile_id, requested=requested)
