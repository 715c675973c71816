"""Public routes, no token: health, the C2SP tlog-tiles read API, proofs, the published
rulebooks and aggregate statistics (PRODUCT.md §6; issue 5 item 2).

The tlog-tiles resources follow https://c2sp.org/tlog-tiles to the letter:

- ``/checkpoint`` is ``text/plain; charset=utf-8`` and mutable (``no-store``);
- every tile and entry bundle, full *or partial*, is immutable: a partial tile
  ``.p/W`` is the first W hashes of its tile, which never change once written, so it is
  cached as long as a full one;
- entry bundles are sent gzip-compressed (``Content-Encoding: gzip``, ``Vary:
  Accept-Encoding``) when the request's ``Accept-Encoding`` accepts gzip, as the spec
  recommends; tiles are hashes, which do not compress, and go as they are;
- ``HEAD`` is answered on all three, with the headers a ``GET`` would have.
"""

from __future__ import annotations

import gzip
import re
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from fairscreen.domain.errors import NotFound
from fairscreen.entrypoints.api.deps import ServicesDep
from fairscreen.entrypoints.api.routing import OneTripRoute
from fairscreen.entrypoints.api.schemas import (
    ConsistencyProofOut,
    InclusionProofOut,
    PendingEntryOut,
    RulebookOut,
    StatsOut,
)
from fairscreen.entrypoints.http_headers import weighted
from fairscreen.services import stats, transparency

router = APIRouter(tags=["transparency"], route_class=OneTripRoute)

_LEVEL = re.compile(r"^(0|[1-9][0-9]?)$")
IMMUTABLE = "public, max-age=31536000, immutable"


def _binary(description: str) -> dict[int | str, dict[str, object]]:
    return {
        200: {
            "description": description,
            "content": {"application/octet-stream": {"schema": {"type": "string"}}},
        }
    }


def _text(description: str, media: str = "text/plain") -> dict[int | str, dict[str, object]]:
    return {200: {"description": description, "content": {media: {"schema": {"type": "string"}}}}}


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether an ``Accept-Encoding`` header (RFC 9110 §12.5.3) accepts gzip: named, or
    ``*``, with a quality above zero (``gzip;q=0`` refuses it)."""
    if not accept_encoding:
        return False
    qualities = dict(weighted(accept_encoding, limit=len(accept_encoding)))
    return qualities.get("gzip", qualities.get("x-gzip", qualities.get("*", 0.0))) > 0


def _tile_response(content: bytes, *, compress: bool = False) -> Response:
    """A tile or bundle, full or partial, never changes: cached for a year."""
    headers = {"Cache-Control": IMMUTABLE}
    if compress:
        # mtime=0: the same bundle compresses to the same bytes every time.
        content = gzip.compress(content, compresslevel=6, mtime=0)
        headers["Content-Encoding"] = "gzip"
    return Response(content, media_type="application/octet-stream", headers=headers)


def _bundle_response(content: bytes, request: Request) -> Response:
    response = _tile_response(
        content, compress=accepts_gzip(request.headers.get("accept-encoding"))
    )
    response.headers["Vary"] = "Accept-Encoding"
    return response


def _head(response: Response) -> Response:
    """The ``GET`` response's status and headers (its Content-Length too), no body."""
    return Response(b"", status_code=response.status_code, headers=dict(response.headers))


@router.get("/healthz", tags=["health"], response_class=Response, responses=_text("ok"))
async def healthz() -> Response:
    """Liveness: the process answers (no database round trip)."""
    return Response("ok\n", media_type="text/plain")


@router.get(
    "/checkpoint",
    response_class=Response,
    responses=_text("The latest signed checkpoint (C2SP tlog-checkpoint, signed note)."),
)
def checkpoint(svc: ServicesDep) -> Response:
    note = transparency.latest_checkpoint(svc)
    return Response(
        note, media_type="text/plain; charset=utf-8", headers={"Cache-Control": "no-store"}
    )


@router.head("/checkpoint", response_class=Response)
def checkpoint_head(svc: ServicesDep) -> Response:
    """The checkpoint's headers (C2SP tlog-tiles), without the note."""
    return _head(checkpoint(svc))


@router.get(
    "/tile/entries/{path:path}",
    response_class=Response,
    responses=_binary("An entry bundle: each entry as a big-endian uint16 length and its bytes."),
)
def entry_bundle(
    svc: ServicesDep,
    request: Request,
    path: Annotated[str, Path(max_length=64, description="x001/234[.p/W]")],
) -> Response:
    return _bundle_response(transparency.entry_bundle(svc, path), request)


@router.head("/tile/entries/{path:path}", response_class=Response)
def entry_bundle_head(
    svc: ServicesDep,
    request: Request,
    path: Annotated[str, Path(max_length=64, description="x001/234[.p/W]")],
) -> Response:
    """An entry bundle's headers, without its bytes."""
    return _head(entry_bundle(svc, request, path))


@router.get(
    "/tile/{level}/{path:path}",
    response_class=Response,
    responses=_binary("A tile: up to 256 SHA-256 hashes of one level (C2SP tlog-tiles)."),
)
def tile(
    svc: ServicesDep,
    level: Annotated[str, Path(max_length=2)],
    path: Annotated[str, Path(max_length=64, description="x001/234[.p/W]")],
) -> Response:
    if not _LEVEL.match(level):
        raise NotFound("no such tile", field="level")
    return _tile_response(transparency.tile(svc, int(level), path))


@router.head("/tile/{level}/{path:path}", response_class=Response)
def tile_head(
    svc: ServicesDep,
    level: Annotated[str, Path(max_length=2)],
    path: Annotated[str, Path(max_length=64, description="x001/234[.p/W]")],
) -> Response:
    """A tile's headers, without its hashes."""
    return _head(tile(svc, level, path))


@router.get(
    "/v1/transparency/log-key",
    response_class=Response,
    responses=_text("The log's verifier key (C2SP signed-note vkey)."),
)
def log_key(svc: ServicesDep) -> Response:
    return Response(transparency.log_key(svc) + "\n", media_type="text/plain")


@router.get("/v1/transparency/proofs/inclusion")
def inclusion_proof(
    svc: ServicesDep,
    index: Annotated[int, Query(ge=0, le=2**53)],
    tree_size: Annotated[int | None, Query(ge=1, le=2**53)] = None,
) -> InclusionProofOut:
    """RFC 9162 §2.1.3, hashes in base64; ``tree_size`` defaults to the latest checkpoint."""
    return InclusionProofOut(**transparency.inclusion_proof(svc, index, tree_size))


@router.get("/v1/transparency/pending/{pending_id}")
def pending_entry(
    svc: ServicesDep, pending_id: Annotated[int, Path(ge=1, le=2**53)]
) -> PendingEntryOut:
    """An entry by the pending id its request was given: ``pending`` until the sequencer
    integrates it, then its index, and its inclusion proof once a checkpoint covers it."""
    return PendingEntryOut(**transparency.pending_entry(svc, pending_id))


@router.get("/v1/transparency/proofs/consistency")
def consistency_proof(
    svc: ServicesDep,
    first: Annotated[int, Query(ge=1, le=2**53)],
    second: Annotated[int | None, Query(ge=1, le=2**53)] = None,
) -> ConsistencyProofOut:
    """RFC 9162 §2.1.4, hashes in base64; ``second`` defaults to the log's size."""
    return ConsistencyProofOut(**transparency.consistency_proof(svc, first, second))


@router.get("/v1/transparency/rulebooks")
async def rulebooks() -> list[RulebookOut]:
    """Every published rulebook: version, SHA-256 (what ratings record), file name."""
    return [
        RulebookOut(version=b.version, sha256=b.sha256, file=b.file)
        for b in transparency.published_rulebooks()
    ]


_TOML = _text(
    "The rulebook file, byte for byte (its SHA-256 is the one ratings record).", "application/toml"
)


@router.get("/v1/transparency/rulebooks/sha256/{digest}", response_class=Response, responses=_TOML)
async def rulebook_by_sha256(
    digest: Annotated[str, Path(pattern=r"^[0-9a-fA-F]{64}$")],
) -> Response:
    book = transparency.rulebook_by_sha256(digest)
    return Response(book.content, media_type="application/toml")


@router.get("/v1/transparency/rulebooks/{version}", response_class=Response, responses=_TOML)
async def rulebook_by_version(version: Annotated[str, Path(max_length=40)]) -> Response:
    book = transparency.rulebook_by_version(version)
    return Response(book.content, media_type="application/toml")


@router.get("/v1/transparency/statistics")
def statistics(
    svc: ServicesDep,
    period: Annotated[str, Query(pattern="^(month|year)$")] = "month",
) -> StatsOut:
    """Cases per state and light, per employer pseudonym and period; groups under 10
    suppressed."""
    return StatsOut.model_validate(stats.case_statistics(svc, period=period))
