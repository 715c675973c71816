"""The witness's HTTP interface (C2SP tlog-witness): a small ASGI app of its own, served
by ``fairscreen witness serve`` apart from the log (a regulator hosts it).

- ``POST /add-checkpoint``: the request body of tlog-witness; 200 with the cosignature
  line(s), or the spec's refusal status: 400, 403, 404, 409 (body: the size last
  cosigned, ``Content-Type: text/x.tlog.size``), 422. A body over 64 KiB is 413.
- ``GET /``: the witness's verifier key and the origins it follows, as text.

The submission and monitoring prefixes are the app's root (mount it under a path
behind a proxy to use another).
"""

from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from fairscreen.ledger.witness import SIZE_CONTENT_TYPE, Witness, WitnessRefusal

MAX_BODY = 64 * 1024
log = logging.getLogger("fairscreen.witness")


def create_witness_app(witness: Witness) -> Starlette:
    async def add_checkpoint(request: Request) -> Response:
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY):
            return PlainTextResponse("request body over 64 KiB\n", status_code=413)
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY:
                return PlainTextResponse("request body over 64 KiB\n", status_code=413)
        try:
            # The state's lock and the disk write are blocking: off the event loop.
            line = await run_in_threadpool(witness.add_checkpoint, body)
        except WitnessRefusal as refusal:
            log.warning("add-checkpoint refused (%d): %s", refusal.status, refusal.message)
            if refusal.status == 409 and refusal.latest_size is not None:
                return Response(
                    f"{refusal.latest_size}\n", status_code=409, media_type=SIZE_CONTENT_TYPE
                )
            return PlainTextResponse(refusal.message + "\n", status_code=refusal.status)
        return PlainTextResponse(line)

    async def about(request: Request) -> Response:
        origins = "".join(f"log {origin}\n" for origin in sorted(witness.logs))
        return PlainTextResponse(f"{witness.cosigner.verifier.vkey}\n{origins}")

    return Starlette(
        routes=[
            Route("/add-checkpoint", add_checkpoint, methods=["POST"]),
            Route("/", about, methods=["GET"]),
        ]
    )
