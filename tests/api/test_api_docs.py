"""``/docs`` loads nothing from elsewhere (issue 12 item 14): Swagger UI's files come from
the installed package, the page forbids inline script and other origins, and a browser
given only this service can draw it."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from api.conftest import Api


def test_the_docs_page_loads_only_its_own_files_under_a_strict_policy(api: Api) -> None:
    client: TestClient = api.client
    page = client.get("/docs")
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "default-src 'none'" in policy
    assert "unsafe-inline" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    assert "<script>" not in page.text  # no inline script: every script is a file
    references = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert references and all(ref.startswith("/docs/assets/") for ref in references)
    assert "cdn" not in page.text.lower() and "http" not in page.text.lower()
    for ref in references:
        asset = client.get(ref)
        assert asset.status_code == 200, ref
        assert asset.headers["content-type"].startswith(("text/", "image/png"))
        assert len(asset.content) > 100
    bundle = client.get("/docs/assets/swagger-ui-bundle.js").text
    assert "SwaggerUIBundle" in bundle
    assert "/openapi.json" in client.get("/docs/assets/swagger-init.js").text
    assert client.get("/docs/assets/../../etc/passwd").status_code == 404
    assert client.get("/docs/assets/redoc.standalone.js").status_code == 404
