"""Evidence files up to 10 MB (issue 13 item 9): a photo (JPEG, PNG, HEIC) or a PDF,
checked by its content (its first bytes at once, the whole file by a background job:
test_web_evidence_checks.py), kept encrypted in chunks, sent to the agency as it was; too
large or of the wrong kind, refused beside the field in the reader's language with
nothing kept; never held whole in memory twice; destroyed with the case."""

from __future__ import annotations

import hashlib
import io
import re
import tracemalloc

import pytest
import sqlalchemy as sa

from evidence_samples import heic, jpeg, png
from fairscreen.adapters.db import case_tables as t
from fairscreen.services import review
from fairscreen.services.context import Actor
from fairscreen.services.evidence_files import CHUNK_BYTES, EvidenceUpload, sniff
from web.conftest import Web, case_in_review, run_background_jobs

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"


def _photo(size: int, head: bytes = JPEG) -> bytes:
    """A file of ``size`` bytes that starts as ``head`` says; the rest varies, so a
    stored copy could not hide in a repeated pattern."""
    body = hashlib.shake_256(b"synthetic photo").digest(size - len(head))
    return head + body


def _dispute(web: Web, case_id: str, name: str, data: bytes, kind: str, lang: str = "zh-Hans"):  # type: ignore[no-untyped-def]
    web.client("candidate").cookies.set("fs_lang", lang)
    return web.post(
        "candidate",
        f"/candidate/cases/{case_id}/disputes",
        {"finding_id": "LIT-3", "statement": "该判决不是我的案件。"},
        files={"evidence": (name, data, kind)},
    )


def _stored(web: Web, case_id: str) -> tuple[int, list[bytes]]:
    with web.api.world.svc.engine.connect() as connection:
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
        return int(files), [bytes(c) for c in chunks]


def test_a_9_9_mb_photo_is_kept_encrypted_and_reaches_the_agency_as_sent(web: Web) -> None:
    case_id = case_in_review(web)
    photo = jpeg(1600, 1500)  # a real photo, which its content check accepts
    assert 9_800_000 < len(photo) < 10_000_000
    answer = _dispute(web, case_id, "毕业证书.jpg", photo, "image/jpeg")
    assert answer.status_code == 303, answer.text[:500]
    files, chunks = _stored(web, case_id)
    assert files == 1 and len(chunks) == -(-len(photo) // CHUNK_BYTES)
    for chunk in chunks:  # ciphertext only: no 64-byte stretch of the photo is in any row
        assert photo[5000:5064] not in chunk and photo[-64:] not in chunk
    run_background_jobs(web)
    page = web.get("agency", f"/agency/cases/{case_id}").text
    link = re.search(r'href="(/agency/cases/[^"]+/files/(evf_[^"]+))"', page)
    kb = f"{round(len(photo) / 1000, 1)} KB"
    assert link and "毕业证书.jpg" in page and kb in page
    download = web.get("agency", link.group(1))
    assert download.status_code == 200
    assert download.headers["content-type"] == "image/jpeg"
    assert download.headers["content-disposition"] == 'attachment; filename="evidence.jpg"'
    assert int(download.headers["content-length"]) == len(photo)
    assert "content-encoding" not in download.headers  # a photo is not gzipped again
    assert hashlib.sha256(download.content).digest() == hashlib.sha256(photo).digest()
    assert web.get("agency_b", link.group(1)).status_code == 404  # another agency
    assert web.get("candidate", link.group(1)).status_code == 403
    other = link.group(1).replace(link.group(2), "evf_0000")
    assert web.get("agency", other).status_code == 404


@pytest.mark.parametrize(
    ("lang", "words"), [("zh-Hans", "文件过大：最大 10 MB"), ("zh-Hant", "檔案過大：最大 10 MB")]
)
def test_a_10_1_mb_photo_is_refused_beside_the_field_and_nothing_is_kept(
    web: Web, lang: str, words: str
) -> None:
    case_id = case_in_review(web)
    answer = _dispute(web, case_id, "photo.jpg", _photo(10_100_000), "image/jpeg", lang)
    assert answer.status_code == 422
    form = answer.text.split('id="finding-LIT-3"', 1)[1]
    error = form.split('id="evidence-LIT-3-error"', 1)[1].split("</p>", 1)[0]
    assert words in error and 'lang="en"' not in error
    assert form.index('id="evidence-LIT-3"') < form.index('id="evidence-LIT-3-error"')
    assert "该判决不是我的案件。</textarea>" in form  # the statement as typed
    assert '<details class="dispute" open>' in form
    assert _stored(web, case_id) == (0, [])
    state = web.api.call("candidate", "GET", f"/v1/cases/{case_id}").json()["state"]
    assert state == "candidate_review"


def test_a_file_of_the_wrong_kind_is_refused_whatever_its_name_says(web: Web) -> None:
    case_id = case_in_review(web)
    gif = b"GIF89a" + bytes(2000)
    answer = _dispute(web, case_id, "photo.jpg", gif, "image/jpeg")
    assert answer.status_code == 422
    error = answer.text.split('id="evidence-LIT-3-error"', 1)[1].split("</p>", 1)[0]
    assert "文件类型不对" in error and "照片（JPEG、PNG 或 HEIC）或 PDF" in error
    english = _dispute(
        web, case_id, "scan.pdf", b"MZ\x90\x00" + bytes(500), "application/pdf", "en"
    )
    assert english.status_code == 422
    assert "must be a photo (JPEG, PNG or HEIC) or a PDF" in english.text
    assert _stored(web, case_id) == (0, [])
    assert [j.task for j in web.api.world.svc.jobs.waiting()] == ["release_case"]  # no check


def test_a_heic_photo_from_a_phone_is_accepted(web: Web) -> None:
    assert sniff(HEIC) == "image/heic"
    assert sniff(b"\x00\x00\x00\x18ftypisom\x00\x00") is None  # an MP4 video is no photo
    case_id = case_in_review(web)
    answer = _dispute(web, case_id, "IMG_0042.HEIC", heic(481_000), "image/heic")
    assert answer.status_code == 303, answer.text[:500]
    run_background_jobs(web)
    page = web.get("agency", f"/agency/cases/{case_id}").text
    assert "IMG_0042.HEIC" in page and "image/heic" in page
    assert re.search(r'href="/agency/cases/[^"]+/files/evf_[^"]+"', page)  # accepted


def test_a_file_is_never_held_whole_in_memory_twice(web: Web) -> None:
    """Storing a 9.9 MB file allocates at most a few chunks' worth beyond the upload
    itself (256 KiB plaintext and its ciphertext at a time), not another copy."""
    case_id = case_in_review(web)
    upload = EvidenceUpload("scan.pdf", io.BytesIO(_photo(9_900_000, b"%PDF-1.7\n")))
    candidate = Actor(web.api.world.candidate.role, web.api.ids["candidate"])
    svc = web.api.world.svc
    tracemalloc.start()
    try:
        review.open_dispute(
            svc,
            candidate,
            case_id,
            finding_ids=["LIT-3"],
            statement="附法院证明。",
            evidence_file=upload,
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * 1024 * 1024, f"storing allocated {peak} bytes at its peak"
    assert _stored(web, case_id)[0] == 1


def test_evidence_files_are_destroyed_with_the_case(web_any_db: Web) -> None:
    """On SQLite and PostgreSQL: stored, read back whole, and gone with the case."""
    web = web_any_db
    case_id = case_in_review(web)
    assert _dispute(web, case_id, "a.png", png(), "image/png").status_code == 303
    assert _stored(web, case_id)[0] == 1
    run_background_jobs(web)
    page = web.get("agency", f"/agency/cases/{case_id}").text
    link = re.search(r'href="(/agency/cases/[^"]+/files/evf_[^"]+)"', page)
    assert link and web.get("agency", link.group(1)).content == png()
    revoked = web.api.call("candidate", "POST", f"/v1/cases/{case_id}/authorization/revocation")
    assert revoked.status_code in (200, 204), revoked.text
    assert _stored(web, case_id) == (0, [])
