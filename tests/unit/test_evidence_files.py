"""Dispute evidence is what its declared type says (services/evidence_files.py): the
agency opens the file as that type, so a browser's label is checked against the bytes."""

from __future__ import annotations

import base64
import json

import pytest

from fairscreen.domain.errors import InvalidInput
from fairscreen.services.evidence_files import (
    check_evidence,
    matches_type,
    pack_evidence,
    parse_evidence,
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
