"""Dispute evidence is what its declared type says (services/evidence_files.py): the
agency opens the file as that type, so a browser's label is checked against the bytes."""

from __future__ import annotations

import base64
import json

import pytest

from fairscreen.domain.errors import InvalidInput
from fairscreen.services.evidence_files import (
    MAX_PIXELS,
    RejectReason,
    check_evidence,
    inspect_file,
    matches_type,
    pack_evidence,
    parse_evidence,
    sniff,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 16
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"


@pytest.mark.parametrize(
    ("content_type", "data"),
    [
        ("image/png", PNG),
        ("image/jpeg", JPEG),
        ("application/pdf", PDF),
        ("text/plain", "我没有在该公司工作过。\nNever worked there.\n".encode()),
    ],
)
def test_a_file_of_its_declared_type_is_kept(content_type: str, data: bytes) -> None:
    assert '"kind": "fairscreen/evidence/v1"' in pack_evidence("f", content_type, data)


@pytest.mark.parametrize(
    ("content_type", "data"),
    [
        ("image/png", b"just some text, renamed fake.png"),
        ("image/png", JPEG),
        ("image/jpeg", PNG),
        ("application/pdf", b"<html><script>alert(1)</script></html>"),
        ("text/plain", b"MZ\x90\x00\x03\x00\x00\x00"),  # a Windows executable
        ("text/plain", b"\xff\xfe\x00broken utf-8"),
    ],
)
def test_a_file_whose_bytes_are_not_its_declared_type_is_refused(
    content_type: str, data: bytes
) -> None:
    with pytest.raises(InvalidInput) as refused:
        pack_evidence("fake", content_type, data)
    assert refused.value.field == "evidence"


@pytest.mark.parametrize(
    "data",
    [
        "\ufeff我没有在该公司工作过。\n".encode(),  # UTF-8 with a BOM (Notepad)
        "　　第一段：我从未在该公司任职。\u00a0".encode(),  # ideographic space, NBSP
        "我没有在该公司工作过。\r\n".encode("gb18030"),  # the default on Chinese Windows
        b"page one\fpage two",
    ],
)
def test_ordinary_chinese_text_files_are_plain_text(data: bytes) -> None:
    assert matches_type("text/plain", data)


def test_the_service_refuses_a_packed_file_that_is_not_what_it_says() -> None:
    """An API client can write the packed JSON itself: the dispute service checks it too."""
    honest = pack_evidence("scan.png", "image/png", PNG)
    check_evidence(honest)
    check_evidence("我从未在该公司任职，附劳动合同编号。")  # a plain note
    forged = json.loads(honest) | {"data": base64.b64encode(b"not a png").decode()}
    with pytest.raises(InvalidInput) as refused:
        check_evidence(json.dumps(forged))
    assert refused.value.field == "evidence"
    broken = json.loads(honest) | {"data": "***"}
    with pytest.raises(InvalidInput):
        check_evidence(json.dumps(broken))


def test_a_stored_file_that_is_not_what_it_says_is_read_back_as_opaque_bytes() -> None:
    forged = json.loads(pack_evidence("scan.png", "image/png", PNG))
    forged["data"] = base64.b64encode(b"<script>alert(1)</script>").decode()
    parsed = parse_evidence(json.dumps(forged))
    assert parsed is not None and parsed["content_type"] == "application/octet-stream"
    assert parse_evidence(pack_evidence("scan.png", "image/png", PNG))["content_type"] == (
        "image/png"
    )


# --- the deep check the background job runs (issue 16 item 2) -----------------------------


def _whole_files() -> list[tuple[str, bytes]]:
    from evidence_samples import classic_pdf, heic, jpeg, png, weasyprint_pdf

    return [
        ("image/jpeg", jpeg()),
        ("image/png", png()),
        ("image/heic", heic()),
        ("application/pdf", classic_pdf()),
        ("application/pdf", weasyprint_pdf()),
    ]


def test_whole_files_of_each_type_pass_the_deep_check() -> None:
    for content_type, data in _whole_files():
        assert sniff(data[:16]) == content_type
        assert inspect_file(content_type, data) is None, content_type


def test_a_file_cut_short_anywhere_is_damaged() -> None:
    """Whatever Pillow's LOAD_TRUNCATED_IMAGES says: WeasyPrint (imported above for the
    PDF) turns it on for the whole process."""
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES  # the test is of the hard case
    for content_type, data in _whole_files():
        for cut in range(1, 40):
            short = data[: len(data) * cut // 40]
            assert inspect_file(content_type, short) is RejectReason.DAMAGED, (content_type, cut)


def test_a_damaged_or_disguised_file_is_refused() -> None:
    from evidence_samples import classic_pdf, heic, png

    flipped = bytearray(png())
    flipped[len(flipped) // 2] ^= 0x01  # one bit of the image data: its chunk's CRC fails
    assert inspect_file("image/png", bytes(flipped)) is RejectReason.DAMAGED
    assert inspect_file("image/png", png() + b"<script>") is RejectReason.DAMAGED
    # only the first bytes of the type: the rest noise, or another file entirely
    assert inspect_file("image/jpeg", JPEG + bytes(5000)) is RejectReason.DAMAGED
    assert inspect_file("application/pdf", PDF + b"MZ" + bytes(5000)) is RejectReason.DAMAGED
    moved = classic_pdf().replace(b"startxref\n192", b"startxref\n100")  # not at its xref
    assert inspect_file("application/pdf", moved) is RejectReason.DAMAGED
    no_root = classic_pdf().replace(b"/Root 1 0 R", b"/Info 1 0 R")
    assert inspect_file("application/pdf", no_root) is RejectReason.DAMAGED
    video = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(4000)  # no meta
    assert inspect_file("image/heic", video) is RejectReason.DAMAGED
    not_a_picture = heic().replace(b"pict", b"vide")
    assert inspect_file("image/heic", not_a_picture) is RejectReason.DAMAGED
    assert inspect_file("text/plain", b"hello") is RejectReason.DAMAGED


def test_a_photo_of_too_many_pixels_is_refused_before_it_is_decoded() -> None:
    from evidence_samples import huge_png

    assert MAX_PIXELS < 8001 * 8001
    assert inspect_file("image/png", huge_png()) is RejectReason.TOO_MANY_PIXELS


def test_a_decoder_tripping_on_crafted_bytes_rejects_the_file_and_a_worker_short_of_memory_does_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from PIL import Image

    from evidence_samples import png

    def trips(*args: object, **kwargs: object) -> None:
        raise IndexError("a plugin's own way of failing")

    monkeypatch.setattr(Image.Image, "load", trips)
    assert inspect_file("image/png", png()) is RejectReason.DAMAGED

    def short_of_memory(*args: object, **kwargs: object) -> None:
        raise MemoryError

    monkeypatch.setattr(Image.Image, "load", short_of_memory)
    with pytest.raises(MemoryError):  # the job fails and is tried again; no verdict
        inspect_file("image/png", png())
