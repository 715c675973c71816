"""A candidate's dispute evidence as a file (PRODUCT.md P4): the text the service keeps in
a dispute's ``evidence`` field, whether it came from the portal's upload or the API.

A file is kept only if its bytes are what its declared type says: the agency downloads it
as that type, so a label (from a file name, or written into the JSON by an API client) is
never trusted. A file read back that fails the same check is served as opaque bytes.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import os
import re
import struct
import unicodedata
import warnings
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
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


# --- the deep check of an evidence file (issue 16 item 2), run as a background job -------
#
# The request reads only a file's first bytes (``EvidenceUpload.checked``: refused at once
# when they are of no accepted type) and stores it ``pending``; the job
# ``check_evidence_file`` (services/evidence_checks.py) parses the whole file as the type
# those bytes named and marks it ``accepted`` or ``rejected`` with one of the reasons
# below. The agency opens only an accepted file.


class FileCheck(StrEnum):
    """Where an evidence file stands in its content check."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class RejectReason(StrEnum):
    """Why a file was refused after upload: keys ``evidence.reject.<reason>`` of the
    portal's catalogue, shown to the candidate and the agency."""

    #: it does not parse whole as the type its first bytes say (cut short, damaged, or
    #: another kind of file behind a photo's or a PDF's first bytes)
    DAMAGED = "damaged"
    #: a photo of more than MAX_PIXELS pixels (decoding it would take the worker's memory)
    TOO_MANY_PIXELS = "too_many_pixels"


#: 64 megapixels: a phone's photo is 12 to 50; decoded as RGB it is at most 192 MB
MAX_PIXELS = 64_000_000
_PIL_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG"}
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: JPEG frame headers: SOF0-SOF15 but DHT (C4), JPG (C8) and DAC (CC)
_JPEG_FRAMES = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
#: a PDF's trailer: ``startxref``, the offset of the last cross-reference section, ``%%EOF``
_STARTXREF = re.compile(rb"startxref\s+(\d{1,10})\s+%%EOF", re.ASCII)
_PDF_HEADER = re.compile(rb"%PDF-(1\.[0-7]|2\.0)\s", re.ASCII)
_XREF_STREAM = re.compile(rb"\d{1,10}\s+\d{1,5}\s+obj\b", re.ASCII)
#: where a PDF's trailer must be: within its last KiB (ISO 32000-2 §7.5.5 says the last
#: line; scanners and mail clients append a few bytes)
_PDF_TAIL = 1024


def inspect_file(content_type: str, data: bytes) -> RejectReason | None:
    """The deep check of a whole evidence file of ``content_type`` (as ``sniff`` named it):
    None when it is whole and of that type, else why not. Never raises on bad bytes.

    - JPEG: its marker segments (ITU-T T.81 Annex B) from SOI through a frame header and
      at least one scan to EOI; PNG: its chunks (RFC 2083 §3) each with a right CRC,
      ``IHDR`` first and ``IEND`` last, at the file's end. Both then decoded in full by
      Pillow, at most MAX_PIXELS. (The walks catch a file cut short or damaged whatever
      Pillow's ``LOAD_TRUNCATED_IMAGES``, which WeasyPrint turns on for the process.)
    - HEIC: its ISO BMFF boxes (ISO/IEC 14496-12 §4.2) tile the file exactly, ``ftyp``
      first, and its ``meta`` box (ISO/IEC 23008-12 §6.2) has a ``pict`` handler, a
      primary item, item locations and item information. (Pillow cannot decode HEVC.)
    - PDF: a version header, and a trailer in the last KiB whose ``startxref`` points
      inside the file at a cross-reference table or stream that names the ``/Root``
      (ISO 32000-2 §7.5).
    """
    if content_type in _PIL_FORMATS:
        return _inspect_image(_PIL_FORMATS[content_type], data)
    if content_type == "image/heic":
        return None if _heif_whole(data) else RejectReason.DAMAGED
    if content_type == "application/pdf":
        return None if _pdf_whole(data) else RejectReason.DAMAGED
    return RejectReason.DAMAGED


def _inspect_image(image_format: str, data: bytes) -> RejectReason | None:
    from PIL import Image  # only the worker's check decodes images

    whole = _jpeg_whole(data) if image_format == "JPEG" else _png_whole(data)
    if not whole:
        return RejectReason.DAMAGED
    try:
        with warnings.catch_warnings():
            # the pixel count is checked below, before anything is decoded
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[image_format]) as image:
                if image.width * image.height > MAX_PIXELS:
                    return RejectReason.TOO_MANY_PIXELS
                image.load()
    except Image.DecompressionBombError:
        return RejectReason.TOO_MANY_PIXELS
    except MemoryError:
        raise  # the worker's trouble, not the file's: the job is tried again
    except (OSError, SyntaxError, ValueError, EOFError, struct.error):
        # Pillow's ways of saying the bytes are not a whole image of this format
        return RejectReason.DAMAGED
    except Exception:  # noqa: BLE001 - a decoder that trips on crafted bytes in its own way
        # (an IndexError deep in a plugin) says the same; raising would leave the file
        # pending for ever, retried by every sweep
        return RejectReason.DAMAGED
    return None


def _jpeg_whole(data: bytes) -> bool:
    """SOI, marker segments each within the file, a frame header, and after at least one
    scan (its entropy-coded data runs to the next marker that is not a restart) EOI."""
    if not data.startswith(b"\xff\xd8"):
        return False
    at, framed, scanned = 2, False, False
    while True:
        if at + 2 > len(data) or data[at] != 0xFF:
            return False
        while at + 1 < len(data) and data[at + 1] == 0xFF:  # fill bytes
            at += 1
        if at + 2 > len(data):
            return False
        marker = data[at + 1]
        at += 2
        if marker == 0xD9:  # EOI: what follows (a phone's trailer) is not the image
            return framed and scanned
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            continue  # restart markers and TEM stand alone
        if at + 2 > len(data):
            return False
        length = int.from_bytes(data[at : at + 2], "big")
        if length < 2 or at + length > len(data):
            return False
        at += length
        framed = framed or marker in _JPEG_FRAMES
        if marker == 0xDA:  # SOS: entropy-coded data up to the next real marker
            if not framed:
                return False
            scanned = True
            while True:
                at = data.find(b"\xff", at)
                if at < 0 or at + 1 >= len(data):
                    return False
                following = data[at + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7:
                    at += 2  # a stuffed 0xFF or a restart marker: still the scan
                    continue
                break


def _png_whole(data: bytes) -> bool:
    """The signature, then chunks whose CRCs are right, ``IHDR`` first, at least one
    ``IDAT``, and ``IEND`` ending the file."""
    if not data.startswith(_PNG_SIGNATURE):
        return False
    at, kinds = len(_PNG_SIGNATURE), []
    while at < len(data):
        if at + 12 > len(data):
            return False
        length = int.from_bytes(data[at : at + 4], "big")
        end = at + 12 + length
        if end > len(data):
            return False
        kind_and_body = data[at + 4 : end - 4]
        if zlib.crc32(kind_and_body) != int.from_bytes(data[end - 4 : end], "big"):
            return False
        kinds.append(kind_and_body[:4])
        at = end
        if kinds[-1] == b"IEND":
            break
    return (
        bool(kinds)
        and kinds[0] == b"IHDR"
        and kinds[-1] == b"IEND"
        and b"IDAT" in kinds
        and at == len(data)
    )


def _boxes(data: bytes, start: int, end: int) -> list[tuple[bytes, int, int]] | None:
    """The ISO BMFF boxes from ``start`` to ``end`` as (type, body start, body end), or
    None unless they tile the span exactly (ISO/IEC 14496-12 §4.2: 32-bit size, or 1 and
    a 64-bit size, or 0 for "to the end")."""
    boxes = []
    at = start
    while at < end:
        if at + 8 > end:
            return None
        size = int.from_bytes(data[at : at + 4], "big")
        kind = data[at + 4 : at + 8]
        header = 8
        if size == 1:
            if at + 16 > end:
                return None
            size, header = int.from_bytes(data[at + 8 : at + 16], "big"), 16
        elif size == 0:
            size = end - at
        if not kind.isascii() or not all(32 < c < 127 for c in kind):
            return None
        if size < header or at + size > end:
            return None
        boxes.append((kind, at + header, at + size))
        at += size
    return boxes


def _heif_whole(data: bytes) -> bool:
    top = _boxes(data, 0, len(data))
    if not top or top[0][0] != b"ftyp":
        return False
    meta = next(((s, e) for kind, s, e in top if kind == b"meta"), None)
    if meta is None or meta[1] - meta[0] < 4:
        return False
    inner = _boxes(data, meta[0] + 4, meta[1])  # a full box: version and flags first
    if inner is None:
        return False
    kinds = {kind: (s, e) for kind, s, e in inner}
    handler = kinds.get(b"hdlr")
    if handler is None or data[handler[0] + 8 : handler[0] + 12] != b"pict":
        return False
    return all(kind in kinds for kind in (b"pitm", b"iloc", b"iinf"))


def _pdf_whole(data: bytes) -> bool:
    if not _PDF_HEADER.match(data[:16]):
        return False
    tail_start = max(0, len(data) - _PDF_TAIL)
    trailers = list(_STARTXREF.finditer(data, tail_start))
    if not trailers:
        return False
    offset = int(trailers[-1].group(1))
    if not 0 < offset < len(data):
        return False
    section = data[offset : offset + 32]
    if not (section.startswith(b"xref") or _XREF_STREAM.match(section)):
        return False
    return data.find(b"/Root", offset) != -1
