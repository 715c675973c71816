"""Structured reference checks (issue 15 item 4) on both databases: invitations within
the authorization, single-use expiring links, the topic filter on every comment, answers
as witness records that two agreeing referees verify, and the referee's identity gone
with the case."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from service_fixtures import (
    OPERATOR,
    REQUESTED,
    World,
    iter_all_tables,
    make_world,
    order,
    order_and_sign,
    settle,
)

from fairscreen.adapters.db.ledger_store import reading
from fairscreen.adapters.db.reference_tables import reference_invitations
from fairscreen.domain.errors import (
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ReferenceLinkInvalid,
    ScopeViolation,
)
from fairscreen.ledger.audit import audit_entries
from fairscreen.ledger.entries import ActorRole, EventType, decode_entry
from fairscreen.services import references
from fairscreen.services.accounts import register_tenant
from fairscreen.services.authorization import revoke_authorization
from fairscreen.services.context import Actor
from fairscreen.services.evaluation import reference_questionnaire
from fairscreen.services.investigation import case_file, run_investigation
from fairscreen.services.review import read_report

REFEREE = {"name": "测试证明人甲", "contact": "referee-a@example.test"}
#: every question answered well, and how the referee knew the candidate
GOOD = {
    "responsibilities": "4",
    "quality_of_work": "5",
    "reliability": "4",
    "reason_for_leaving": "resigned",
    "would_rehire": "yes",
}
PROHIBITED_COMMENT = "他离婚以后经常请病假，身体也不好。"
JOB_COMMENT = "负责产品质量检验与供应商审核。"


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> World:
    return make_world(database_url, tmp_path)


def invite(world: World, case_id: str, **changes: Any) -> tuple[str, str]:
    """Invite a referee; the invitation's id and the token the notifier carried."""
    before = len(world.notifier.sent)
    sent = references.invite_referee(
        world.svc, world.agency, case_id, **({"lang": "zh-Hans"} | REFEREE | changes)
    )
    (note,) = world.notifier.sent[before:]
    assert note.kind == "reference_invitation" and note.fields["invitation"] == sent.id
    link = str(note.fields["link"])
    assert link.startswith("/referee/")
    return sent.id, link.removeprefix("/referee/")


def answer(world: World, token: str, **changes: Any) -> references.Submission:
    arguments: dict[str, Any] = {"relation": "manager", "choices": GOOD, "comments": {}}
    return references.submit_answers(world.svc, token, **(arguments | changes))


def stored_referee_records(world: World, case_id: str) -> list[dict[str, Any]]:
    with world.svc.reader() as uow:
        case = uow.repo.case(case_id)
        assert case is not None
        return [
            r for r in uow.repo.records(case) if r["source"]["id"] == references.REFERENCE_SOURCE
        ]


def finding(report: dict[str, Any], assertion: str) -> dict[str, Any]:
    """The reference finding of the referees' ``assertion`` (named first in its summary,
    in words: the questionnaire's label, never the key)."""
    label = reference_questionnaire().labels[assertion]
    (found,) = [
        f
        for f in report["findings"]
        if references.REFERENCE_SOURCE in f["sources"]
        and all(f["summary"][lang].startswith(f"{label[lang]} — ") for lang in label)
    ]
    return dict(found)


def ledger(world: World) -> list[Any]:
    settle(world)
    with reading(world.svc.engine) as log:
        return [decode_entry(log.entry(i)) for i in range(log.size())]


def test_a_referee_answers_once_and_a_prohibited_comment_is_never_stored(world: World) -> None:
    case_id = order_and_sign(world)
    _, token = invite(world, case_id)
    form = references.open_invitation(world.svc, token)
    assert (
        form.lang == "zh-Hans" and form.employer == "某食品公司" and form.role_title == "质量专员"
    )
    assert form.agency == "某背调机构"

    first = answer(world, token, comments={"reliability": PROHIBITED_COMMENT})
    assert not first.stored
    topic = world.svc.classifier.prohibited_topic(PROHIBITED_COMMENT)
    assert topic is not None  # the filter's own reading, whichever classifier it is
    assert [(d.question, d.topic) for d in first.answers.dropped] == [("reliability", topic)]
    assert stored_referee_records(world, case_id) == []  # nothing kept, not even the answers
    queried = [e for e in ledger(world) if e.type is EventType.SOURCE_QUERIED]

    second = answer(world, token, comments={"responsibilities": JOB_COMMENT})
    assert second.stored and second.answers.dropped == ()
    (record,) = stored_referee_records(world, case_id)
    assert record["source"]["kind"] == "witness" and record["data"]["relation"] == "manager"
    statements = record["data"]["statements"]
    assertions = {s["assertion"]: s["polarity"] for s in statements if s.get("assertion")}
    assert assertions == {
        "responsibilities_exceeded": "positive",
        "quality_of_work_high": "positive",
        "reliability_high": "positive",
        "left_by_resignation": "neutral",
        "would_rehire": "positive",
    }
    assert {"text": JOB_COMMENT, "topic": "job_performance"} in statements
    assert all("离婚" not in str(row) for _, rows in iter_all_tables(world) for row in rows)
    after = [e for e in ledger(world) if e.type is EventType.SOURCE_QUERIED]
    assert len(after) == len(queried) + 1 and after[-1].category == "reference"

    for again in (
        lambda: answer(world, token),
        lambda: references.open_invitation(world.svc, token),
    ):
        with pytest.raises(ReferenceLinkInvalid) as refused:
            again()
        assert refused.value.reason == "used"
    (listed,) = references.list_invitations(world.svc, world.agency, case_id)
    assert listed["state"] == "answered" and listed["name"] == REFEREE["name"]


def test_two_referees_agreeing_verify_the_point_and_the_audit_stays_clean(world: World) -> None:
    case_id = order_and_sign(world)
    concern = GOOD | {"would_rehire": "no"}
    for contact in ("a@example.test", "+86 139 0000 0000"):
        _, token = invite(world, case_id, contact=contact)
        assert answer(world, token, choices=concern).stored
    run_investigation(world.svc, world.agency, case_id)
    report = read_report(world.svc, world.candidate, case_id)["report"]
    concern_found = finding(report, "would_not_rehire")
    assert concern_found["verification"] == "verified"
    assert concern_found["rule"] == "REF_CORROBORATED_CONCERN"
    assert finding(report, "reliability_high")["verification"] == "verified"
    assert report["rating"]["light"] in ("yellow", "red")
    settle(world)
    with reading(world.svc.engine) as log:
        entries = [log.entry(i) for i in range(log.size())]
    assert (
        list(
            audit_entries(enumerate(entries), world.svc.published_rulebooks, as_of=world.clock.now)
        )
        == []
    )
    # the offline evaluation reads the same witness records
    with world.svc.reader() as uow:
        case = uow.repo.case(case_id)
        assert case is not None
        people = {
            r["source"]["person_id"]
            for r in case_file(world.svc, uow, case)["records"]
            if r["source"]["id"] == references.REFERENCE_SOURCE
        }
    assert len(people) == 2


def test_one_referee_alone_verifies_nothing(world: World) -> None:
    case_id = order_and_sign(world)
    _, token = invite(world, case_id)
    assert answer(world, token, choices=GOOD | {"would_rehire": "no"}).stored
    run_investigation(world.svc, world.agency, case_id)
    report = read_report(world.svc, world.candidate, case_id)["report"]
    alone = finding(report, "would_not_rehire")
    assert alone["verification"] == "unverified" and alone["rule"] is None


def test_links_expire_and_never_outlive_the_authorization(world: World) -> None:
    case_id = order_and_sign(world)
    _, token = invite(world, case_id)
    world.clock.advance(days=7, seconds=1)
    with pytest.raises(ReferenceLinkInvalid) as refused:
        references.open_invitation(world.svc, token)
    assert refused.value.reason == "expired"
    # 25 days into a 30-day authorization, a 14-day link ends with the authorization
    world.clock.advance(days=18)
    sent = references.invite_referee(world.svc, world.agency, case_id, **REFEREE, days=14)
    with world.svc.reader() as uow:
        authorization = uow.repo.authorization(case_id)
        assert authorization is not None
    assert sent.expires_at == references._aware(authorization["expires_at"])


def test_invitations_only_within_the_authorization_and_scope(world: World) -> None:
    unsigned = order(world)
    with pytest.raises(InvalidTransition):
        references.invite_referee(world.svc, world.agency, unsigned, **REFEREE)
    without = order(world, requested=[c for c in REQUESTED if c != "reference"])
    from service_fixtures import sign

    sign(world, without)
    with pytest.raises(ScopeViolation):
        references.invite_referee(world.svc, world.agency, without, **REFEREE)
    case_id = order_and_sign(world)
    other_agency = Actor(
        ActorRole.AGENCY, register_tenant(world.svc, OPERATOR, kind="agency", name="别家机构")
    )
    with pytest.raises(NotFound):
        references.invite_referee(world.svc, other_agency, case_id, **REFEREE)
    with pytest.raises(PermissionDenied):
        references.invite_referee(world.svc, world.candidate, case_id, **REFEREE)
    with pytest.raises(PermissionDenied):  # the case's agency asks, not the employer
        references.invite_referee(world.svc, world.employer, case_id, **REFEREE)
    for field, changes in (
        ("contact", {"contact": "not a contact"}),
        ("name", {"name": " "}),
        ("lang", {"lang": "fr"}),
        ("days", {"days": 30}),
    ):
        with pytest.raises(InvalidInput) as refused:
            references.invite_referee(world.svc, world.agency, case_id, **(REFEREE | changes))
        assert refused.value.field == field
    assert references.list_invitations(world.svc, world.agency, case_id) == []
    run_investigation(world.svc, world.agency, case_id)
    with pytest.raises(InvalidTransition):  # rated: the report is the candidate's to review
        references.invite_referee(world.svc, world.agency, case_id, **REFEREE)


def test_answers_are_checked_and_a_bad_one_changes_nothing(world: World) -> None:
    case_id = order_and_sign(world)
    _, token = invite(world, case_id)
    for field, changes in (
        ("relation", {"relation": "neighbour"}),
        ("answers.would_rehire", {"choices": GOOD | {"would_rehire": "maybe"}}),
        ("answers.reliability", {"choices": {k: v for k, v in GOOD.items() if k != "reliability"}}),
        ("answers.hobbies", {"choices": GOOD | {"hobbies": "1"}}),
        ("comments.reliability", {"comments": {"reliability": "很好" * 251}}),
    ):
        with pytest.raises(InvalidInput) as refused:
            answer(world, token, **changes)
        assert refused.value.field == field
    assert stored_referee_records(world, case_id) == []
    assert answer(world, token).stored  # the link was not used up by the refusals


def test_unknown_links_and_a_closed_case(world: World) -> None:
    with pytest.raises(ReferenceLinkInvalid) as refused:
        references.open_invitation(world.svc, "no-such-token")
    assert refused.value.reason == "unknown"
    case_id = order_and_sign(world)
    _, token = invite(world, case_id)
    run_investigation(world.svc, world.agency, case_id)
    with pytest.raises(ReferenceLinkInvalid) as refused:
        answer(world, token)
    assert refused.value.reason == "closed"


def test_the_referee_is_destroyed_with_the_case(world: World) -> None:
    case_id = order_and_sign(world)
    invitation_id, token = invite(world, case_id)
    with world.svc.engine.connect() as connection:
        sealed = connection.execute(
            sa.select(reference_invitations.c.referee_ct).where(
                reference_invitations.c.id == invitation_id
            )
        ).scalar_one()
    assert REFEREE["name"].encode() not in sealed and b"example.test" not in bytes(sealed)
    revoke_authorization(world.svc, world.candidate, case_id)  # before release: destroyed
    with world.svc.engine.connect() as connection:
        left = connection.execute(sa.select(reference_invitations)).all()
    assert left == []
    with pytest.raises(ReferenceLinkInvalid) as refused:
        references.open_invitation(world.svc, token)
    assert refused.value.reason == "unknown"
    with world.svc.uow() as uow, pytest.raises(Exception) as shredded:
        case = uow.repo.case(case_id)
        assert case is not None
        uow.repo.cipher.decrypt(case["pseudonym"], f"referee.{invitation_id}", bytes(sealed))
    assert type(shredded.value).__name__ in ("KeyDestroyed", "DecryptionFailed")
