"""``/docs``: Swagger UI for the API, served from the installed packages alone.

FastAPI's own page loads Swagger UI from a public CDN, with no integrity check and no
Content-Security-Policy: whoever controls that CDN (or the path to it) runs script on a
page where operators paste API tokens, and the page fails on a network without the
internet. Here the assets come from the ``fastapi-offline`` package (Swagger UI 5, MIT /
Apache-2.0 licences in its distribution), the start-up script from this package, and the
page forbids everything else: no inline script, no other origin, no framing.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse

from fairscreen.domain.errors import NotFound

DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
#: Swagger UI sets style attributes on its elements as it draws (hence the one
#: 'unsafe-inline', for styles only); no script runs but the two files below.
HEADERS = {
    "Content-Security-Policy": DOCS_CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>fairscreen API</title>
<link rel="icon" href="/docs/assets/favicon.png">
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/swagger-init.js"></script>
</body>
</html>
"""


def _vendor_file(name: str) -> Path:
    return Path(str(resources.files("fastapi_offline").joinpath("static", name)))


ASSETS: dict[str, tuple[Path, str]] = {
    "swagger-ui-bundle.js": (_vendor_file("swagger-ui-bundle.js"), "text/javascript"),
    "swagger-ui.css": (_vendor_file("swagger-ui.css"), "text/css"),
    "favicon.png": (_vendor_file("favicon.png"), "image/png"),
    "swagger-init.js": (
        Path(str(resources.files(__package__ or "").joinpath("static", "swagger-init.js"))),
        "text/javascript",
    ),
}


def install_docs(app: FastAPI) -> None:
    """Add ``/docs`` and its assets to ``app`` (created with ``docs_url=None``)."""

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(PAGE, headers=HEADERS)

    @app.get("/docs/assets/{name}", include_in_schema=False)
    async def asset(name: str) -> FileResponse:
        found = ASSETS.get(name)
        if found is None:
            raise NotFound("no such file", field="name")
        path, media_type = found
        return FileResponse(path, media_type=media_type, headers=HEADERS)
