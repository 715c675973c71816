"""Real evidence files for tests (services/evidence_files.py): photos made by Pillow, a
PDF by WeasyPrint or by hand, a HEIF's box structure; and broken ones. Synthetic only."""

from __future__ import annotations

import functools
import hashlib
import io

from PIL import Image


def _noise(width: int, height: int) -> Image.Image:
    """Pixels that vary (a stored copy could not hide in a repeated pattern)."""
    raw = hashlib.shake_256(b"synthetic photo %d" % width).digest(width * height * 3)
    return Image.frombytes("RGB", (width, height), raw)


@functools.cache
def jpeg(width: int = 64, height: int = 48) -> bytes:
    """A JPEG photo; at quality 100 noise takes about 4.1 bytes a pixel (1600 × 1500:
    about 9.9 MB)."""
    out = io.BytesIO()
    _noise(width, height).save(out, "JPEG", quality=100, subsampling=0)
    return out.getvalue()


@functools.cache
def png(width: int = 64, height: int = 48) -> bytes:
    out = io.BytesIO()
    _noise(width, height).save(out, "PNG")
    return out.getvalue()


@functools.cache
def huge_png() -> bytes:
    """A PNG of 8,001 × 8,001 one-bit pixels: 64,016,001 pixels, a few kB on disk."""
    out = io.BytesIO()
    Image.new("1", (8001, 8001)).save(out, "PNG")
    return out.getvalue()


def _box(kind: bytes, body: bytes, *, full: bool = False) -> bytes:
    payload = (b"\x00\x00\x00\x00" if full else b"") + body
    return (8 + len(payload)).to_bytes(4, "big") + kind + payload


def heic(image_bytes: int = 20_000) -> bytes:
    """A HEIF file's structure as a phone writes it (ISO/IEC 23008-12): ``ftyp`` with
    the ``heic`` brand, a ``meta`` box with a ``pict`` handler, primary item, item
    locations and information, and the coded image in ``mdat``."""
    meta = _box(
        b"meta",
        _box(b"hdlr", b"\x00\x00\x00\x00pict" + bytes(12) + b"\x00", full=True)
        + _box(b"pitm", b"\x00\x01", full=True)
        + _box(b"iloc", b"\x44\x00\x00\x01\x00\x01\x00\x00\x00\x01" + bytes(8), full=True)
        + _box(
            b"iinf", b"\x00\x01" + _box(b"infe", b"\x00\x01\x00\x00hvc1\x00", full=True), full=True
        ),
        full=True,
    )
    coded = hashlib.shake_256(b"synthetic hevc").digest(image_bytes)
    return _box(b"ftyp", b"heic\x00\x00\x00\x00mif1heic") + meta + _box(b"mdat", coded)


@functools.cache
def weasyprint_pdf() -> bytes:
    """A PDF as WeasyPrint writes it (a cross-reference stream)."""
    import weasyprint

    return weasyprint.HTML(string="<p>毕业证书 (synthetic)</p>").write_pdf()  # type: ignore[no-any-return]


def classic_pdf() -> bytes:
    """A one-page PDF with a classic cross-reference table (ISO 32000-2 §7.5.4)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
