"""The served demo: the worked cases decided, cases left in every state a person walks
through, accounts for every role, a clean audit — and still clean after the scheduler."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from fairscreen.adapters.notify import MemoryNotifier
from fairscreen.bootstrap import build_services
from fairscreen.config import Settings
from fairscreen.entrypoints.api import create_app
from fairscreen.entrypoints.api.scheduler import tick
from fairscreen.ledger.entries import ActorRole
from fairscreen.services import accounts, case_queries, portal_queries
from fairscreen.services.context import Actor
from fairscreen.services.demo import sign_as_shown
from fairscreen.services.demo_seed import fresh_sign_in_codes, seed_demo
from fairscreen.services.investigation import run_investigation
from fairscreen.services.scope import order_check, register_candidate, use_builtin_profile


def test_the_demo_world(examples_dir: Path, tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'demo.db'}", data_dir=tmp_path)
    notifier = MemoryNotifier()
    paths = [examples_dir / f"seed-{n}.case.json" for n in ("luo", "zhang", "wang")]
    seed = seed_demo(
        lambda clock, sources: build_services(
            settings, sources=sources, clock=clock, notifier=notifier
        ),
        paths,
    )
    client = TestClient(create_app(seed.services, web=False))

    def bearer(role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {seed.tokens[role]}"}

    states = {
        case["state"]
        for case in client.get("/v1/cases?limit=100", headers=bearer("operator")).json()["items"]
    }
    assert states >= {"ordered", "candidate_review", "disputed", "released", "decided"}
    assert set(seed.cases) == {
        "ordered",
        "candidate_review",
        "disputed",
        "released",
        "decided",
        "referee_invited",
        "invited",
    }
    mine = client.get("/v1/cases", headers=bearer("employer")).json()["items"]
    assert len(mine) == 6
    # the invited candidate's SMS is in the development outbox, its link opens the case's
    # invitation, where the code goes to the masked number
    outbox = seed.services.messenger.outbox
    assert outbox is not None
    (sms,) = [m for m in outbox.messages if m.kind == "invitation"]
    assert (sms.channel, sms.to) == ("sms", "+8613800138000")
    link = sms.body.split("http://127.0.0.1:8000", 1)[1].split()[0]
    invitation_page = TestClient(create_app(seed.services)).get(link)
    assert invitation_page.status_code == 200 and "尾号 8000 的手机" in invitation_page.text
    # the worked examples share one agency: the order form's picker lists each once
    # (issue 13 item 13: the same agency was listed three times)
    employer = accounts.authenticate(seed.services, seed.tokens["employer"]).actor
    names = [a["name"] for a in portal_queries.list_agencies(seed.services, employer)]
    assert sorted(names) == ["演示背调机构", "示例背调机构"]
    # the referee's invitation is in the outbox, with the link and no name or contact
    (invited,) = [n for n in notifier.sent if n.kind == "reference_invitation"]
    assert invited.fields["case"] and str(invited.fields["link"]).startswith("/referee/")
    assert "演示证明人" not in invited.to_json() and "example.test" not in invited.to_json()
    referee_page = TestClient(create_app(seed.services)).get(str(invited.fields["link"]))
    assert referee_page.status_code == 200 and "只谈工作" in referee_page.text

    sessions = fresh_sign_in_codes(seed.services, seed.candidates)
    codes = [n.fields["code"] for n in notifier.sent if n.kind == "sign_in"]
    assert len(codes) == 3
    luo = seed.candidates["seed-luo"]
    signed_in = client.post(
        "/v1/auth/candidate/token",
        json={"candidate_id": luo, "code_session": sessions[luo], "code": codes[0]},
    )
    assert signed_in.status_code == 200

    audit = client.get("/v1/ledger/audit", headers=bearer("regulator")).json()
    assert audit["ok"], audit["violations"]
    report = tick(seed.services)
    assert report.failed_steps == () and report.destroyed == 0
    assert client.get("/v1/ledger/audit", headers=bearer("regulator")).json()["ok"]
    assert client.get("/v1/ledger/status", headers=bearer("regulator")).json()["verified"]
    outsider_reads_nothing_about_a_person(client)


def outsider_reads_nothing_about_a_person(client: TestClient) -> None:
    """PRODUCT.md §6, issue 12 item 1: the demo's public entry bundles, read as anyone
    may (no account), carry no light, rule, outcome or dispute result, no time finer
    than a second, and no candidate pseudonym shared by two cases."""
    import json

    checkpoint = client.get("/checkpoint").text.splitlines()
    size = int(checkpoint[1])
    entries: list[dict[str, object]] = []
    for start in range(0, size, 256):
        width = min(256, size - start)
        number = f"{start // 256:03d}"
        path = f"/tile/entries/{number}" + ("" if width == 256 else f".p/{width}")
        bundle = client.get(path).content
        while bundle:
            length = int.from_bytes(bundle[:2], "big")
            entries.append(json.loads(bundle[2 : 2 + length]))
            bundle = bundle[2 + length :]
    assert len(entries) == size
    text = json.dumps(entries)
    for said in ("green", "blue", "yellow", "red", "hired", "upheld", "corrected", "removed"):
        assert f'"{said}"' not in text
    assert '"outcome"' not in text and '"digest"' not in text
    cases_of: dict[str, set[str]] = {}
    for entry in entries:
        assert all("." not in str(entry.get(f, "")) for f in ("at", "window_ends", "due"))
        actor = entry["actor"]
        assert isinstance(actor, dict)
        if actor["role"] == "candidate":
            cases_of.setdefault(str(actor["pseudonym"]), set()).add(str(entry["case"]))
    assert cases_of and all(len(cases) == 1 for cases in cases_of.values())


def test_a_new_candidate_in_the_demo_world_can_be_investigated(
    examples_dir: Path, tmp_path: Path
) -> None:
    """The demo runs on a story clock; a subject without example records is answered by an
    empty source that must check its permit on that clock too (on the wall clock the
    story's permits had expired, so every new case stuck in ``investigating``)."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'demo.db'}", data_dir=tmp_path)
    paths = [examples_dir / f"seed-{n}.case.json" for n in ("luo", "zhang", "wang")]
    seed = seed_demo(
        lambda clock, sources: build_services(
            settings, sources=sources, clock=clock, notifier=MemoryNotifier()
        ),
        paths,
    )
    svc = seed.services
    employer = accounts.authenticate(svc, seed.tokens["employer"]).actor
    agency = accounts.authenticate(svc, seed.tokens["agency"]).actor
    subject = register_candidate(
        svc,
        employer,
        {"name": "测试丙", "national_id": "999999199211300023", "birth_date": "1992-11-30"},
    )
    profile = use_builtin_profile(svc, employer, "software-engineer")
    case_id = order_check(
        svc,
        employer,
        subject_id=subject,
        profile_id=profile,
        requested=["identity", "education", "employment_history"],
        agency_id=agency.id,
    )
    sign_as_shown(svc, Actor(ActorRole.CANDIDATE, subject), case_id, claims={})
    result = run_investigation(svc, agency, case_id)
    assert result.queried == ("identity", "education", "employment_history")
    [summary] = [
        c for c in case_queries.list_cases(svc, agency, limit=100) if c["case_id"] == case_id
    ]
    assert summary["state"] == "candidate_review"
