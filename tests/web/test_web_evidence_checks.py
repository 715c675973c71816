"""The content check of an evidence file runs in the background (issue 16 item 2): the
request stores the upload ``pending`` after a look at its first bytes, and a job
enqueued with the dispute parses it whole, then marks it ``accepted`` or ``rejected``
(deleted, with a reason both sides see). The agency opens only an accepted file. Run
twice, beside the sweep, or again after a failed try, a check records one result.

On SQLite the jobs run in-process; on PostgreSQL on procrastinate (``fairscreen
worker``)."""

from __future__ import annotations

import asyncio
import re
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from evidence_samples import classic_pdf, jpeg, png, weasyprint_pdf
from fairscreen.adapters.db import case_tables as t
from fairscreen.adapters.jobs import InProcessQueue
from fairscreen.entrypoints.api.scheduler import run_jobs, tick
from fairscreen.entrypoints.worker import run_worker
from fairscreen.services import background, evidence_checks
from fairscreen.services.gauges import read_gauges
from fairscreen.services.jobs import CHECK_EVIDENCE
from web.conftest import Web, case_in_review, run_background_jobs, served_web


def _dispute(web: Web, case_id: str, name: str, data: bytes, kind: str) -> None:
    answer = web.post(
        "candidate",
        f"/candidate/cases/{case_id}/disputes",
        {"finding_id": "LIT-3", "statement": "该判决不是我的案件。"},
        files={"evidence": (name, data, kind)},
    )
    assert answer.status_code == 303, answer.text[:500]


def _file(web: Web, case_id: str) -> dict[str, object]:
    """The case's one evidence file row (no content), and how many chunks it has."""
    with web.api.world.svc.engine.connect() as connection:
        [row] = connection.execute(
            sa.select(t.evidence_files).where(t.evidence_files.c.case_id == case_id)
        ).mappings()
        chunks = connection.execute(
            sa.select(sa.func.count()).where(t.evidence_chunks.c.file_id == row["id"])
        ).scalar_one()
    return {**row, "stored_chunks": chunks}


def _agency_page(web: Web, case_id: str) -> str:
    web.client("agency").cookies.set("fs_lang", "zh-Hans")
    return str(web.get("agency", f"/agency/cases/{case_id}").text)


def _file_url(web: Web, case_id: str) -> str:
    with web.api.world.svc.engine.connect() as connection:
        row = connection.execute(
            sa.select(t.evidence_files.c.id, t.evidence_files.c.dispute_id).where(
                t.evidence_files.c.case_id == case_id
            )
        ).one()
    return f"/agency/cases/{case_id}/disputes/{row.dispute_id}/files/{row.id}"


def _queued_checks(web: Web) -> list[dict[str, str]]:
    """The content checks waiting on the job queue, whichever it is."""
    svc = web.api.world.svc
    if isinstance(svc.jobs, InProcessQueue):
        return [dict(j.args) for j in svc.jobs.waiting() if j.task == CHECK_EVIDENCE]
    with svc.engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT args FROM procrastinate_jobs WHERE task_name = :name"),
            {"name": CHECK_EVIDENCE},
        ).scalars()
        return [dict(args) for args in rows]


def _gauges(web: Web) -> dict[str, float]:
    """What ``/metrics`` reads from the database (no labels here)."""
    return {r.name: r.value for r in read_gauges(web.api.world.svc)}


def test_a_photo_is_pending_until_its_check_accepts_it_and_only_then_opens(
    web_any_db: Web,
) -> None:
    web = web_any_db
    case_id = case_in_review(web)
    photo = jpeg(400, 300)  # about 490 kB: two chunks
    _dispute(web, case_id, "毕业证书.jpg", photo, "image/jpeg")
    stored = _file(web, case_id)
    assert stored["check_status"] == "pending" and stored["stored_chunks"] == 2
    # enqueued with the dispute, in its transaction: ids only
    assert _queued_checks(web) == [{"case_id": case_id, "file_id": stored["id"]}]
    # the agency sees it is being checked, with no link, and cannot open it
    page = _agency_page(web, case_id)
    assert "毕业证书.jpg" in page and "正在检查文件内容" in page
    assert "/files/evf_" not in page
    refused = web.get("agency", _file_url(web, case_id))
    assert refused.status_code == 409 and "仍在检查中" in refused.text
    candidate = web.get("candidate", f"/candidate/cases/{case_id}").text
    assert "您提交的文件" in candidate and "正在检查文件内容" in candidate

    pending = _gauges(web)
    assert pending["fairscreen_evidence_checks_pending_count"] == 1
    assert pending["fairscreen_evidence_checks_pending_oldest_age_seconds"] >= 0
    run_background_jobs(web)
    assert _gauges(web)["fairscreen_evidence_checks_pending_count"] == 0
    stored = _file(web, case_id)
    assert stored["check_status"] == "accepted" and stored["check_reason"] is None
    assert stored["checked_at"] is not None and _queued_checks(web) == []
    page = _agency_page(web, case_id)
    assert re.search(r'href="/agency/cases/[^"]+/files/evf_[^"]+"', page)
    assert "正在检查文件内容" not in page
    download = web.get("agency", _file_url(web, case_id))
    assert download.status_code == 200 and download.content == photo
    # run again, by its job or the sweep: nothing more happens
    svc = web.api.world.svc
    again = {"case_id": case_id, "file_id": str(stored["id"])}
    assert background.run_task(svc, CHECK_EVIDENCE, again) == 0
    assert _file(web, case_id) == stored


@pytest.mark.parametrize("lang", ["zh-Hans", "en"])
def test_a_damaged_file_is_rejected_deleted_and_the_dispute_stays(
    web_any_db: Web, lang: str
) -> None:
    web = web_any_db
    case_id = case_in_review(web)
    pdf = weasyprint_pdf()
    _dispute(web, case_id, "判决书.pdf", pdf[: len(pdf) // 2], "application/pdf")  # cut short
    run_background_jobs(web)
    stored = _file(web, case_id)
    assert stored["check_status"] == "rejected" and stored["check_reason"] == "damaged"
    assert stored["stored_chunks"] == 0 and stored["chunks"] == 0  # its content is gone
    web.client("agency").cookies.set("fs_lang", lang)
    web.client("candidate").cookies.set("fs_lang", lang)
    page = web.get("agency", f"/agency/cases/{case_id}").text
    words = {
        "zh-Hans": "文件未通过检查，已删除：文件已损坏或不完整，与其类型不符",
        "en": "refused after checking, and deleted: the file is damaged, incomplete",
    }[lang]
    assert "判决书.pdf" in page and words in page and "/files/evf_" not in page
    assert "该判决不是我的案件。" in page  # the dispute stands on its statement
    assert web.get("agency", _file_url(web, case_id)).status_code == 404
    candidate = web.get("candidate", f"/candidate/cases/{case_id}").text
    assert words in candidate and "判决书.pdf" in candidate
    state = web.api.call("candidate", "GET", f"/v1/cases/{case_id}").json()["state"]
    assert state == "disputed"
    assert (
        background.run_task(
            web.api.world.svc, CHECK_EVIDENCE, {"case_id": case_id, "file_id": str(stored["id"])}
        )
        == 0
    )
    assert _file(web, case_id) == stored


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("a.png", png(), "image/png"),
        ("scan.pdf", classic_pdf(), "application/pdf"),
        ("scan.pdf", weasyprint_pdf(), "application/pdf"),
    ],
)
def test_whole_files_of_each_kind_are_accepted(web: Web, name: str, data: bytes, kind: str) -> None:
    case_id = case_in_review(web)
    _dispute(web, case_id, name, data, kind)
    run_background_jobs(web)
    assert _file(web, case_id)["check_status"] == "accepted"
    assert web.get("agency", _file_url(web, case_id)).content == data


def test_a_check_that_failed_midway_leaves_the_file_pending_and_runs_again(
    web_any_db: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A try that dies before it recorded its verdict (a worker killed, a crash) changes
    nothing; the queue's retry records it."""
    web = web_any_db
    svc = web.api.world.svc
    case_id = case_in_review(web)
    _dispute(web, case_id, "photo.jpg", jpeg(), "image/jpeg")
    tries: list[int] = []
    real = evidence_checks.inspect_file

    def dies_once(content_type: str, data: bytes):  # type: ignore[no-untyped-def]
        tries.append(len(data))
        if len(tries) == 1:
            raise MemoryError("the worker died mid-check")
        return real(content_type, data)

    monkeypatch.setattr(evidence_checks, "inspect_file", dies_once)
    if isinstance(svc.jobs, InProcessQueue):
        assert run_jobs(svc) == 0
        [retry] = [job for job in svc.jobs.waiting() if job.task == CHECK_EVIDENCE]
        assert retry.attempt == 1
        assert _file(web, case_id)["check_status"] == "pending"
        web.api.world.clock.advance(seconds=5)  # its backoff (2 s) has passed
        assert run_jobs(svc) == 1
    else:
        asyncio.run(run_worker(svc, once=True, loops=()))
        assert _file(web, case_id)["check_status"] == "pending"
        with svc.engine.begin() as connection:  # failed once, waits for its retry
            status = connection.execute(
                sa.text("SELECT status, attempts FROM procrastinate_jobs WHERE task_name = :n"),
                {"n": CHECK_EVIDENCE},
            ).one()
            assert tuple(status) == ("todo", 1)
            connection.execute(sa.text("UPDATE procrastinate_jobs SET scheduled_at = now()"))
        asyncio.run(run_worker(svc, once=True, loops=()))
    assert len(tries) == 2 and _file(web, case_id)["check_status"] == "accepted"


def test_a_lost_check_job_is_done_by_the_sweep(web: Web) -> None:
    """On SQLite the queue is in memory: a job lost with its process is the sweep's,
    once the file has waited SWEEP_AFTER."""
    svc = web.api.world.svc
    case_id = case_in_review(web)
    _dispute(web, case_id, "photo.png", png(), "image/png")
    assert isinstance(svc.jobs, InProcessQueue)
    svc.jobs.take_due(svc.now())  # the process died with its queue
    assert tick(svc).failed_steps == ()
    assert _file(web, case_id)["check_status"] == "pending"  # too recent for the sweep
    web.api.world.clock.advance(seconds=evidence_checks.SWEEP_AFTER.total_seconds() + 1)
    assert tick(svc).failed_steps == ()
    assert _file(web, case_id)["check_status"] == "accepted"


def test_checks_racing_record_one_verdict(web_any_db: Web) -> None:
    """Workers (or a worker and the sweep) checking one file at once: one records it,
    the others find it done."""
    web = web_any_db
    svc = web.api.world.svc
    case_id = case_in_review(web)
    _dispute(web, case_id, "photo.jpg", jpeg(800, 600), "image/jpeg")
    file_id = str(_file(web, case_id)["id"])
    barrier = threading.Barrier(4)
    results: list[int] = []

    def check() -> None:
        barrier.wait()
        results.append(evidence_checks.check_evidence_file(svc, case_id, file_id))

    threads = [threading.Thread(target=check) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results) == [0, 0, 0, 1]
    assert _file(web, case_id)["check_status"] == "accepted"


@pytest.mark.postgres
def test_a_check_of_a_killed_worker_runs_again(postgres_url: str, tmp_path: Path) -> None:
    """A worker killed (kill -9) while checking leaves the job ``doing`` and the file
    pending (its verdict commits in one transaction, or not at all); once the worker is
    known dead, the upkeep puts the job back and a live worker records the verdict."""
    with served_web(postgres_url, tmp_path) as web:
        svc = web.api.world.svc
        case_id = case_in_review(web)
        _dispute(web, case_id, "photo.jpg", jpeg(), "image/jpeg")
        with svc.engine.begin() as connection:
            worker_id = connection.execute(
                sa.text(
                    "INSERT INTO procrastinate_workers (last_heartbeat) "
                    "VALUES (now() - interval '1 hour') RETURNING id"
                )
            ).scalar_one()
            connection.execute(
                sa.text(
                    "UPDATE procrastinate_jobs SET status = 'doing', worker_id = :worker "
                    "WHERE task_name = :name"
                ),
                {"worker": worker_id, "name": CHECK_EVIDENCE},
            )
        assert _file(web, case_id)["check_status"] == "pending"
        asyncio.run(run_worker(svc, once=True, loops=()))
        assert _file(web, case_id)["check_status"] == "accepted"
        assert _queued_checks(web) == []
