"""Dispute evidence is what its declared type says (services/portal_queries.py): the
agency opens the file as that type, so a browser's label is checked against the bytes."""

from __future__ import annotations

import pytest

from fairscreen.domain.errors import InvalidInput
from fairscreen.services.portal_queries import pack_evidence

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
