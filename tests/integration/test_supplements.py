"""补充材料 (issue 13 item 9; PRODUCT.md P4): the candidate supplies a document for an
incomplete or unverifiable finding without a dispute, in the review window and in the
pre-adverse wait; the case does not freeze and the clock runs on; the verifier answers
"re-verified" (the dispute's correction path, the case rated again) or "not sufficient"
with a reason; the file is encrypted, logged by digest and size, and destroyed with the
case. On SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import io
import json
from collections import Counter
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from service_fixtures import (
    DIPLOMA,
    World,
    checklist_violations,
    make_world,
    order,
    order_and_sign,
    payload_of,
    public_audit,
    reads_by_reason,
    records_without_the_degree,
    reverify_degree,
    settle,
    sign,
)

from evidence_samples import jpeg
from fairscreen.adapters.db import case_tables as t
from fairscreen.adapters.db.ledger_store import reading
from fairscreen.domain.errors import (
    CaseDestroyed,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
)
from fairscreen.ledger.entries import ActorRole
from fairscreen.services import decision, evidence_checks, supplements, transparency
from fairscreen.services.authorization import revoke_authorization
from fairscreen.services.context import Actor
from fairscreen.services.decision import record_decision, send_pre_adverse_notice
from fairscreen.services.evidence_files import EvidenceUpload
from fairscreen.services.investigation import run_investigation
from fairscreen.services.retention import export_subject_data, request_deletion
from fairscreen.services.review import accept_report, open_dispute, read_report, resolve_dispute

JPEG = jpeg(400, 370)  # a real photo of about 600 KB


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> World:
    return make_world(database_url, tmp_path, records_without_the_degree())


def in_review(world: World) -> str:
    case_id = order_and_sign(world)
    run_investigation(world.svc, world.agency, case_id)
    return case_id


def photo(data: bytes = JPEG, name: str = "毕业证书.jpg") -> EvidenceUpload:
    return EvidenceUpload(name, io.BytesIO(data))


def supply(world: World, case_id: str, finding: str = "EDU-1", **kw: Any) -> str:
    return supplements.supply_document(
        world.svc,
        world.candidate,
        case_id,
        finding_id=finding,
        document=kw.pop("document", photo()),
        note=kw.pop("note", "学位证书照片，请向学校核实。"),
    )


def state(world: World, case_id: str) -> dict[str, Any]:
    """The case's row (state, light, review window) as stored."""
    with world.svc.engine.connect() as connection:
        row = connection.execute(sa.select(t.cases).where(t.cases.c.id == case_id)).mappings()
        return dict(row.one())


def entries(world: World) -> list[dict[str, Any]]:
    settle(world)
    with reading(world.svc.engine) as log:
        return [json.loads(log.entry(i)) for i in range(log.size())]


def stored(world: World, case_id: str) -> tuple[int, int, list[bytes]]:
    with world.svc.engine.connect() as connection:
        rows = connection.execute(
            sa.select(sa.func.count())
            .select_from(t.supplements)
            .where(t.supplements.c.case_id == case_id)
        ).scalar_one()
        files = connection.execute(
            sa.select(sa.func.count())
            .select_from(t.evidence_files)
            .where(t.evidence_files.c.case_id == case_id)
        ).scalar_one()
        chunks = connection.execute(
            sa.select(t.evidence_chunks.c.chunk_ct)
            .join(t.evidence_files, t.evidence_files.c.id == t.evidence_chunks.c.file_id)
            .where(t.evidence_files.c.case_id == case_id)
        ).scalars()
        return int(rows), int(files), [bytes(c) for c in chunks]


def test_a_supplied_document_is_kept_encrypted_and_the_case_runs_on(world: World) -> None:
    case_id = in_review(world)
    before = state(world, case_id)
    supplement_id = supply(world, case_id)
    after = state(world, case_id)
    assert after["state"] == "candidate_review"  # no dispute, no freeze
    assert after["window_ends"] == before["window_ends"]  # the clock runs on
    rows, files, chunks = stored(world, case_id)
    assert rows == 1 and files == 1 and chunks
    for chunk in chunks:
        assert JPEG[5000:5064] not in chunk
    with world.svc.engine.connect() as connection:
        raw = connection.execute(sa.select(t.supplements)).mappings().one()
    assert "学位证书".encode() not in bytes(raw["note_ct"])
    [mine] = supplements.candidate_supplements(world.svc, world.candidate, case_id)
    assert mine["id"] == supplement_id and mine["outcome"] is None
    assert mine["note"] == "学位证书照片，请向学校核实。" and mine["files"][0].size == len(JPEG)
    [supplied] = [e for e in entries(world) if e["type"] == "document.supplied"]
    assert set(supplied) <= {"v", "type", "case", "actor", "at", "commitment", "employer"}
    [facts] = payload_of(world, "document.supplied")
    assert facts["sha256"] == hashlib.sha256(JPEG).hexdigest()
    assert facts["size"] == len(JPEG) and facts["finding"] == "EDU-1"
    # the candidate's copy of their data holds it (PIPL art. 45)
    [exported] = [
        c
        for c in export_subject_data(world.svc, world.candidate)["cases"]
        if c["case_id"] == case_id
    ]
    [copied] = exported["supplements"]
    assert copied["note"] == "学位证书照片，请向学校核实。"
    assert copied["files"] == [
        {"filename": "毕业证书.jpg", "content_type": "image/jpeg", "size": len(JPEG)}
    ]
    # the verifier opens the file only once its content check has accepted it, then
    # reads it back whole, as it was supplied
    file_id = mine["files"][0].id
    assert mine["files"][0].check_status == "pending"
    opened = partial(
        evidence_checks.verifier_file,
        world.svc,
        world.agency,
        case_id,
        owner="supplement",
        owner_id=supplement_id,
        file_id=file_id,
    )
    with pytest.raises(InvalidTransition, match="still being checked"):
        opened()
    assert evidence_checks.check_evidence_file(world.svc, case_id, file_id) == 1
    found, back = opened()
    assert b"".join(back) == JPEG and found["content_type"] == "image/jpeg"


def test_refusals_change_nothing(world: World) -> None:
    case_id = in_review(world)
    with pytest.raises(InvalidInput) as verified:
        supply(world, case_id, "LIT-3")  # verified: nothing is missing
    assert verified.value.key == "input.supplement_finding_verified"
    with pytest.raises(InvalidInput) as unknown:
        supply(world, case_id, "EDU-9")
    assert unknown.value.key == "input.no_such_finding_report"
    with pytest.raises(InvalidInput) as not_a_photo:
        supply(world, case_id, document=photo(b"GIF89a" + bytes(100), "a.jpg"))
    assert not_a_photo.value.key == "input.must_photo_jpeg_png_heic"
    with pytest.raises(InvalidInput):
        supply(world, case_id, note="长" * 1001)
    with pytest.raises(PermissionDenied):
        supplements.supply_document(
            world.svc, world.employer, case_id, finding_id="EDU-1", document=photo()
        )
    assert stored(world, case_id)[:2] == (0, 0)
    supply(world, case_id)
    with pytest.raises(InvalidTransition) as twice:
        supply(world, case_id)
    assert twice.value.key == "transition.supplement_already_open"
    world.clock.advance(days=30)  # the window ended: the release is due
    with pytest.raises(InvalidTransition) as late:
        supply(world, case_id, "REF-1")
    assert late.value.key == "transition.supplement_not_now"
    assert stored(world, case_id)[:2] == (1, 1)


def test_refused_once_released_or_after_a_deletion_request(world: World) -> None:
    released = in_review(world)
    accept_report(world.svc, world.candidate, released)
    with pytest.raises(InvalidTransition) as after_release:
        supply(world, released)
    assert after_release.value.key == "transition.supplement_not_now"
    reviewing = in_review(world)
    request_deletion(world.svc, world.candidate)
    with pytest.raises(InvalidTransition) as closing:
        supply(world, reviewing)
    assert closing.value.key == "transition.supplement_case_closing"
    assert stored(world, reviewing)[:2] == (0, 0)


def test_reverified_corrects_the_finding_and_rates_the_case_again(world: World) -> None:
    case_id = in_review(world)
    window = state(world, case_id)["window_ends"]
    supplement_id = supply(world, case_id)
    with pytest.raises(InvalidInput):  # re-verified needs the corrected records
        supplements.answer_supplement(
            world.svc, world.agency, case_id, supplement_id, outcome="reverified", answer="x"
        )
    reverify_degree(world, case_id, supplement_id, world.agency, "已向学校核实，学位属实。")
    report = read_report(world.svc, world.candidate, case_id)["report"]
    [degree] = [f for f in report["findings"] if f["category"] == "education"]
    assert degree["verification"] == "verified" and degree["light"] is None
    assert "EDU_UNVERIFIABLE" not in {r["rule"] for r in report["rating"]["reasons"]}
    after = state(world, case_id)
    assert after["state"] == "candidate_review" and after["window_ends"] == window
    [mine] = supplements.candidate_supplements(world.svc, world.candidate, case_id)
    assert mine["outcome"] == "reverified" and mine["answer"] == "已向学校核实，学位属实。"
    types = [e["type"] for e in entries(world) if e["type"] != "report.read"]
    tail = types[types.index("document.supplied") :]
    assert tail == ["document.supplied", "source.queried", "report.rated", "document.answered"]
    [queried] = [p for p in payload_of(world, "source.queried") if "supplement" in p]
    assert queried["supplement"] == supplement_id
    with pytest.raises(InvalidTransition) as again:
        supplements.answer_supplement(
            world.svc, world.agency, case_id, supplement_id, outcome="not_sufficient", answer="x"
        )
    assert again.value.key == "transition.supplement_already_answered"


def test_an_answer_comes_too_late_once_the_case_moved_on(world: World) -> None:
    """P4: a supplement is answered while the candidate reviews (or waits on a notice);
    once the report is released the case no longer waits for it, and nothing changes."""
    case_id = in_review(world)
    supplement_id = supply(world, case_id)
    accept_report(world.svc, world.candidate, case_id)
    before = state(world, case_id)
    with pytest.raises(InvalidTransition) as late:
        reverify_degree(world, case_id, supplement_id, world.agency)
    assert late.value.key == "transition.supplement_case_moved_on"
    assert state(world, case_id) == before
    [mine] = supplements.candidate_supplements(world.svc, world.candidate, case_id)
    assert mine["outcome"] is None


def test_a_finding_rated_again_since_the_document_cannot_be_reverified(world: World) -> None:
    """The candidate supplies the degree, then disputes the same finding, and the agency
    removes it (it could not be re-verified): the case is rated again without it, so a
    re-verification aimed at the finding as it stood is refused, nothing changed."""
    case_id = in_review(world)
    supplement_id = supply(world, case_id)
    [dispute_id] = open_dispute(
        world.svc, world.candidate, case_id, finding_ids=["EDU-1"], statement="学位属实"
    )
    resolve_dispute(
        world.svc, world.agency, case_id, dispute_id, outcome="removed", answer="无法核实"
    )
    assert state(world, case_id)["state"] == "candidate_review"
    report = read_report(world.svc, world.candidate, case_id)["report"]
    assert "EDU-1" not in {f["id"] for f in report["findings"]}
    held = [s for s in supplements.verifier_supplements(world.svc, world.agency, case_id)]
    assert [s["id"] for s in held if s["outcome"] is None] == [supplement_id]
    with pytest.raises(InvalidTransition) as changed:
        supplements.answer_supplement(
            world.svc,
            world.agency,
            case_id,
            supplement_id,
            outcome="reverified",
            answer="已核实",
            corrected_records=[
                {
                    "id": "edu-1",
                    "category": "education",
                    "status": "ok",
                    "source": {"id": "education-source", "kind": "issuer"},
                    "data": DIPLOMA,
                }
            ],
        )
    assert changed.value.key == "transition.supplement_finding_changed"
    assert read_report(world.svc, world.candidate, case_id)["report"] == report


def test_not_sufficient_keeps_the_finding_and_tells_the_candidate_why(world: World) -> None:
    case_id = in_review(world)
    supplement_id = supply(world, case_id)
    light = state(world, case_id)["light"]
    with pytest.raises(PermissionDenied):  # the employer of an agency's case
        supplements.answer_supplement(
            world.svc, world.employer, case_id, supplement_id, outcome="not_sufficient", answer="x"
        )
    other = Actor(ActorRole.AGENCY, "agency-elsewhere")
    with pytest.raises(NotFound):
        supplements.answer_supplement(
            world.svc, other, case_id, supplement_id, outcome="not_sufficient", answer="x"
        )
    with pytest.raises(InvalidInput):
        supplements.answer_supplement(
            world.svc, world.agency, case_id, supplement_id, outcome="maybe", answer="x"
        )
    supplements.answer_supplement(
        world.svc,
        world.agency,
        case_id,
        supplement_id,
        outcome="not_sufficient",
        answer="照片看不清证书编号，请上传更清晰的照片。",
    )
    [mine] = supplements.candidate_supplements(world.svc, world.candidate, case_id)
    assert mine["outcome"] == "not_sufficient" and "证书编号" in mine["answer"]
    assert state(world, case_id)["light"] == light
    supply(world, case_id)  # a new, clearer photo may follow


def test_the_employer_answers_on_a_case_it_checks_itself(world: World) -> None:
    case_id = order(world, agency_id=None)
    sign(world, case_id)
    run_investigation(world.svc, world.employer, case_id)
    supplement_id = supply(world, case_id)
    reverify_degree(world, case_id, supplement_id, world.employer, "已核实")
    [mine] = supplements.candidate_supplements(world.svc, world.candidate, case_id)
    assert mine["outcome"] == "reverified"


def in_the_wait(world: World) -> str:
    """A case released yellow (LIT-3), its degree unverifiable (EDU-1, blue), and the
    employer's pre-adverse notice sent."""
    case_id = in_review(world)
    accept_report(world.svc, world.candidate, case_id)
    send_pre_adverse_notice(
        world.svc, world.employer, case_id, reason="诉讼记录与岗位相关", cites_report=True
    )
    return case_id


def final_not_hire(world: World, case_id: str) -> None:
    """The final adverse decision, the wait's end left to the test."""
    record_decision(
        world.svc,
        world.employer,
        case_id,
        outcome="not_hired",
        reason="诉讼记录与岗位相关",
        cites_report=True,
    )


def test_in_the_pre_adverse_wait_no_public_entry_tells_of_the_notice(world: World) -> None:
    """Only a case with a pre-adverse notice is in its wait: a public ``document.*``
    entry then would tell an outsider so; the decision's payload counts them instead."""
    case_id = in_the_wait(world)
    supplement_id = supply(world, case_id)
    supplements.answer_supplement(
        world.svc, world.agency, case_id, supplement_id, outcome="not_sufficient", answer="无法核实"
    )
    assert not [e for e in entries(world) if e["type"].startswith("document.")]
    world.clock.advance(days=10)
    final_not_hire(world, case_id)
    [decided] = payload_of(world, "decision.recorded")
    assert decided["pre_adverse"]["supplements"] == 1
    # the employer's view never mentions it (P4: nothing unverified, not even a count)
    view = read_report(world.svc, world.employer, case_id)["employer_view"]
    assert "supplement" not in json.dumps(view) and "EDU-1" not in json.dumps(view)


def test_the_final_decision_waits_for_the_verifiers_answer(world: World) -> None:
    """P4: the candidate may "respond or supply what was missing. Only then the final
    decision": a document supplied in the wait holds the final adverse decision until the
    verifier answers it, however long the wait has been over; a hire is not held."""
    case_id = in_the_wait(world)
    assert not decision.supplement_with_verifier(world.svc, world.employer, case_id)
    supplement_id = supply(world, case_id)
    world.clock.advance(days=10)
    for actor in (world.employer, world.candidate):
        assert decision.supplement_with_verifier(world.svc, actor, case_id)
    with pytest.raises(PermissionDenied):
        decision.supplement_with_verifier(world.svc, world.agency, case_id)
    before = (state(world, case_id), len(entries(world)))
    with pytest.raises(InvalidTransition) as held:
        final_not_hire(world, case_id)
    assert held.value.key == "transition.decision_awaits_supplement"
    with pytest.raises(InvalidTransition) as planned:
        decision.plan_decision(
            world.svc, world.employer, case_id, outcome="not_hired", reason="x", cites_report=True
        )
    assert planned.value.key == "transition.decision_awaits_supplement"
    hire = decision.plan_decision(world.svc, world.employer, case_id, outcome="hired", reason="好")
    assert hire["step"] == "final" and hire["adverse"] is False
    assert (state(world, case_id), len(entries(world))) == before
    supplements.answer_supplement(
        world.svc, world.agency, case_id, supplement_id, outcome="not_sufficient", answer="无法核实"
    )
    assert not decision.supplement_with_verifier(world.svc, world.candidate, case_id)
    final_not_hire(world, case_id)
    assert state(world, case_id)["state"] == "decided"


def test_a_reverification_in_the_wait_is_held_for_the_decision(world: World) -> None:
    """A document re-verified in the wait leaves no public entry (its source query, its
    re-rating and the verifier's reads would tell an outsider that the case had a
    pre-adverse notice, PRODUCT.md §6): their facts go into the decision's committed
    payload, which the regulator's checklist checks; ``ledger verify`` and ``ledger
    audit`` stay clean."""
    case_id = in_the_wait(world)
    size = len(entries(world))
    supplement_id = supply(world, case_id)
    reverify_degree(world, case_id, supplement_id, world.agency, "已向学校核实，学位属实。")
    report = read_report(world.svc, world.candidate, case_id)["report"]
    [degree] = [f for f in report["findings"] if f["category"] == "education"]
    assert degree["verification"] == "verified"
    light = state(world, case_id)["light"]
    assert light == report["rating"]["light"] == "yellow"  # LIT-3 still decides it
    assert [e["type"] for e in entries(world)[size:] if e["type"] != "report.read"] == []
    assert [e.get("reason") for e in entries(world)[size:]] == [
        "candidate_review"
    ]  # the read above
    world.clock.advance(days=10)
    final_not_hire(world, case_id)
    assert [e["type"] for e in entries(world)[size + 1 :]] == ["decision.recorded"]
    [decided] = payload_of(world, "decision.recorded")
    assert decided["light"] == light and decided["adverse"] is True
    held = decided["pre_adverse"]["held"]
    assert [h["type"] for h in held] == ["report.read", "source.queried", "report.rated"]
    read, queried, rated = held
    assert read["reason"] == "dispute" and read["payload"] == {"reason": "supplement_records"}
    assert queried["category"] == "education" and queried["reason"] == "dispute"
    assert queried["payload"] == {"source": ["education-source"], "supplement": supplement_id}
    assert rated["rulebook_sha256"] == world.svc.rulebook.sha256
    assert rated["payload"]["light"] == light
    assert [r["rule"] for r in report["rating"]["reasons"]] == rated["payload"]["reasons"]
    assert all(h["actor"]["role"] == "agency" and "at" in h for h in held)
    assert "case" not in json.dumps(held) and "EDU-1" not in json.dumps(held)
    assert public_audit(world) == [] and checklist_violations(world) == []
    assert transparency.ledger_status(world.svc)["verified"] is True


def test_supplements_are_destroyed_with_the_case(world: World) -> None:
    case_id = in_review(world)
    supply(world, case_id)
    assert stored(world, case_id)[:2] == (1, 1)
    revoke_authorization(world.svc, world.candidate, case_id)
    assert state(world, case_id)["state"] == "destroyed"
    assert stored(world, case_id) == (0, 0, [])
    with pytest.raises(CaseDestroyed):
        supplements.candidate_supplements(world.svc, world.candidate, case_id)


def test_a_list_of_answered_supplements_is_still_a_read_of_the_notes(world: World) -> None:
    """P5: the verifier's list decrypts the candidate's notes even when nothing is open:
    one read, naming the notes alone (no record was decrypted for a form)."""
    case_id = in_review(world)
    assert supplements.verifier_supplements(world.svc, world.agency, case_id) == []
    before = reads_by_reason(world)
    supplement_id = supply(world, case_id)
    supplements.answer_supplement(
        world.svc, world.agency, case_id, supplement_id, outcome="not_sufficient", answer="模糊"
    )
    [answered] = supplements.verifier_supplements(world.svc, world.agency, case_id)
    assert answered["note"] == "学位证书照片，请向学校核实。" and answered["records"] == []
    assert reads_by_reason(world) - before == Counter({"supplements": 1})


def case_rows(world: World, case_id: str) -> dict[str, int]:
    """How many rows of each of the case's content tables remain."""
    with world.svc.engine.connect() as connection:
        return {
            table.name: int(
                connection.execute(
                    sa.select(sa.func.count()).select_from(table).where(table.c.case_id == case_id)
                ).scalar_one()
            )
            for table in (t.supplements, t.evidence_files, t.notices, t.records, t.reports)
        }


def test_a_revocation_in_the_wait_ends_the_case_and_destroys_what_the_wait_held(
    world: World,
) -> None:
    """PRODUCT.md P1: revocation takes effect at once, and a case not yet decided has its
    data destroyed; in the pre-adverse wait that is the supplement, its file (its content
    check still queued), and the entries held for a decision that will never come
    (docs/ledger.md): destroyed with the case, never published, so no public entry tells
    of the notice (§6). Nothing can be supplied, answered, read or decided after it."""
    case_id = in_the_wait(world)
    supplement_id = supply(world, case_id)
    [supplied] = supplements.candidate_supplements(world.svc, world.candidate, case_id)
    file_id = supplied["files"][0].id
    reverify_degree(world, case_id, supplement_id, world.agency)  # three entries held
    size = len(entries(world))
    assert case_rows(world, case_id)["notices"] >= 4  # the notice and the held entries
    assert case_rows(world, case_id)["supplements"] == case_rows(world, case_id)["evidence_files"]
    pseudonym = state(world, case_id)["pseudonym"]

    revoke_authorization(world.svc, world.candidate, case_id)

    assert state(world, case_id)["state"] == "destroyed"
    assert case_rows(world, case_id) == dict.fromkeys(case_rows(world, case_id), 0)
    assert stored(world, case_id) == (0, 0, [])
    assert [p for p in payload_of(world, "report.read") if p["case"] == pseudonym] == []
    added = [e["type"] for e in entries(world)[size:]]
    assert added[0] == "authorization.revoked" and added[-1] == "data.destroyed"
    assert not {"source.queried", "report.rated", "report.read"} & set(added)
    assert not [e for e in entries(world) if e["type"].startswith(("document.", "notice."))]
    assert public_audit(world) == [] and checklist_violations(world) == []
    # the queued content check finds nothing to check
    assert evidence_checks.check_evidence_file(world.svc, case_id, file_id) == 0
    for closed in (
        lambda: supply(world, case_id),
        lambda: supplements.candidate_supplements(world.svc, world.candidate, case_id),
        lambda: supplements.verifier_supplements(world.svc, world.agency, case_id),
        lambda: evidence_checks.verifier_file(
            world.svc,
            world.agency,
            case_id,
            owner="supplement",
            owner_id=supplement_id,
            file_id=file_id,
        ),
        lambda: supplements.answer_supplement(
            world.svc, world.agency, case_id, supplement_id, outcome="not_sufficient", answer="x"
        ),
        lambda: final_not_hire(world, case_id),
    ):
        with pytest.raises(CaseDestroyed):
            closed()
    assert len(entries(world)) == size + len(added)


@pytest.mark.parametrize("finding", ["REF-1", "LIT-1", "LIT-2"])
def test_an_excluded_finding_takes_no_supplement(world: World, finding: str) -> None:
    """An excluded finding (a single unverified witness, a matter not related to the job,
    the candidate's own lawsuit) counts for nothing and the employer never sees it (P4):
    there is nothing to supply for it, unverified or not. The refusal says so, keyed, and
    nothing is stored or logged."""
    case_id = in_review(world)
    report = read_report(world.svc, world.candidate, case_id)["report"]
    [excluded] = [f for f in report["findings"] if f["id"] == finding]
    assert excluded["exclusion"] is not None and not supplements.supplementable(excluded)
    size = len(entries(world))
    with pytest.raises(InvalidInput) as refused:
        supply(world, case_id, finding)
    assert refused.value.key == "input.supplement_finding_excluded"
    assert refused.value.field == "finding_id"
    assert stored(world, case_id) == (0, 0, [])
    assert len(entries(world)) == size
    assert supplements.candidate_supplements(world.svc, world.candidate, case_id) == []
