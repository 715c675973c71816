"""A candidate's dispute evidence as a file (PRODUCT.md P4): the text the service keeps in
a dispute's ``evidence`` field, whether it came from the portal's upload or the API.

A file is kept only if its bytes are what its declared type says: the agency downloads it
as that type, so a label (from a file name, or written into the JSON by an API client) is
never trusted. A file read back that fails the same check is served as opaque bytes.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from fairscreen.domain.errors import InvalidInput

KIND = "fairscreen/evidence/v1"
EVIDENCE_TYPES = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "text/plain": ".txt",
}
#: a file packed into the evidence *text* (the API's ``evidence`` field, at most 100,000
#: characters; base64 grows 4/3); a file uploaded on the portal is an evidence file
EVIDENCE_MAX_BYTES = 64 * 1024
OPAQUE = "application/octet-stream"
_TEXT_ENCODINGS = ("utf-8-sig", "gb18030")  # Notepad's UTF-8 with BOM; Chinese Windows


def matches_type(content_type: str, data: bytes) -> bool:
    """Whether ``data`` is a file of ``content_type``, by its first bytes (plain text:
    UTF-8, with or without a BOM, or GB18030, without control characters other than
    tab, line breaks and form feed)."""
    if content_type == "application/pdf":
        return data.startswith(b"%PDF-")
    if content_type == "image/png":
        return data.startswith(b"\x89PNG\r\n\x1a\n")
    if content_type == "image/jpeg":
        return data.startswith(b"\xff\xd8\xff")
    if content_type != "text/plain":
        return False
    for encoding in _TEXT_ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return all(unicodedata.category(ch) != "Cc" or ch in "\t\n\r\f" for ch in text)
    return False


def pack_evidence(filename: str, content_type: str, data: bytes, note: str = "") -> str:
    """An uploaded file as the text the service keeps in a dispute's evidence field."""
    _check_file(content_type, data)
    safe_name = "".join(ch for ch in filename[-80:] if ch.isprintable() and ch not in '\\/"')
    return json.dumps(
        {
            "kind": KIND,
            "filename": safe_name or "evidence",
            "content_type": content_type,
            "size": len(data),
            "note": note,
            "data": base64.b64encode(data).decode("ascii"),
        },
        ensure_ascii=False,
    )


def _check_file(content_type: str, data: bytes) -> None:
    if content_type not in EVIDENCE_TYPES:
        raise InvalidInput(
            "must be a PDF, PNG, JPEG or plain text file",
            field="evidence",
            key="input.must_pdf_png_jpeg_plain",
        )
    if not data:
        raise InvalidInput("the file is empty", field="evidence", key="input.file_empty")
    if len(data) > EVIDENCE_MAX_BYTES:
        raise InvalidInput(
            "at most {size} KiB",
            field="evidence",
            key="input.most_size_kib",
            size=EVIDENCE_MAX_BYTES // 1024,
        )
    if not matches_type(content_type, data):
        raise InvalidInput(
            "the file's content is not of its declared type",
            field="evidence",
            key="input.file_content_not_declared_type",
        )


def _packed(text: str) -> dict[str, Any] | None:
    """The packed file in ``text`` (``data`` as bytes), or None for a plain note."""
    try:
        packed = json.loads(text)
    except ValueError:
        return None
    if not (isinstance(packed, dict) and packed.get("kind") == KIND):
        return None
    try:
        packed["data"] = base64.b64decode(packed["data"], validate=True)
    except (KeyError, TypeError, ValueError, binascii.Error):
        packed["data"] = None
    return packed


def check_evidence(text: str) -> None:
    """Refuse evidence that claims to be a file and is not the file it says (an API
    client can write the JSON of a packed file itself); a plain note passes."""
    packed = _packed(text)
    if packed is None:
        return
    data, content_type = packed["data"], packed.get("content_type")
    if not isinstance(data, bytes) or not isinstance(content_type, str):
        raise InvalidInput("a packed file needs base64 data and a content_type", field="evidence")
    _check_file(content_type, data)


def parse_evidence(text: str | None) -> dict[str, Any] | None:
    """The evidence of a dispute as a file (``data`` as bytes), or a plain note. A stored
    file that is not what it says (kept before the check existed) comes back as opaque
    bytes, so no browser opens it as the type it claims."""
    if not text:
        return None
    packed = _packed(text)
    if packed is None or packed["data"] is None:
        return {"filename": None, "content_type": "text/plain", "note": text, "data": b""}
    content_type = packed.get("content_type")
    if content_type not in EVIDENCE_TYPES or not matches_type(content_type, packed["data"]):
        packed["content_type"] = OPAQUE
    return packed


# --- evidence files (issue 13 item 9): photos and PDFs up to 10 MB, stored in chunks --------

#: what a portal upload may be, by its content (never its name or declared type)
FILE_TYPES = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/heic": ".heic",
}
#: 10 MB, decimal (a phone's photo of a certificate is 0.5 to 5 MB)
FILE_MAX_BYTES = 10_000_000
#: the unit of encryption and storage: what is held in memory besides the upload itself
CHUNK_BYTES = 256 * 1024
#: ISO/IEC 23008-12 (HEIF) major brands an iPhone or Android camera writes
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}


def sniff(head: bytes) -> str | None:
    """A file's type by its first bytes (at least 12), or None: PDF (``%PDF-``), PNG
    (its 8-byte signature), JPEG (SOI + a marker), HEIC/HEIF (an ISO BMFF ``ftyp`` box
    whose major brand is HEIF's)."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "image/heic"
    return None


@dataclass(frozen=True, slots=True)
class EvidenceUpload:
    """A file a candidate uploads: its name as sent and its bytes, readable once from the
    start. The portal hands over the upload's own buffer (held in memory, never spooled
    to an unencrypted file on disk: ``entrypoints/web/policy.py``)."""

    filename: str
    stream: BinaryIO

    def checked(self) -> tuple[str, int]:
        """Its type by content and its size, or a refusal naming the field: empty, too
        large (more than 10 MB), or not a photo or a PDF. Reads only the first bytes."""
        self.stream.seek(0, os.SEEK_END)
        size = self.stream.tell()
        self.stream.seek(0)
        if size == 0:
            raise InvalidInput("the file is empty", field="evidence", key="input.file_empty")
        if size > FILE_MAX_BYTES:
            raise InvalidInput("at most 10 MB", field="evidence", key="input.most_10_mb")
        content_type = sniff(self.stream.read(16))
        self.stream.seek(0)
        if content_type is None:
            raise InvalidInput(
                "must be a photo (JPEG, PNG or HEIC) or a PDF",
                field="evidence",
                key="input.must_photo_jpeg_png_heic",
            )
        return content_type, size

    def chunks(self) -> Iterator[bytes]:
        """The bytes, CHUNK_BYTES at a time."""
        self.stream.seek(0)
        while chunk := self.stream.read(CHUNK_BYTES):
            yield chunk

    @property
    def safe_name(self) -> str:
        """The name shown to the agency: printable, no path, at most 80 characters."""
        name = "".join(ch for ch in self.filename[-80:] if ch.isprintable() and ch not in '\\/"')
        return name or "evidence"
