"""What a page costs on the wire (issue 13 item 14): responses of 1 KiB or more are
gzip-compressed for a client that accepts it, never twice and never a PDF or an image;
htmx is loaded only by the pages that use it; and the form token, which a compressed page
would otherwise leak to a length-measuring attacker (BREACH), reads differently on every
page while each reading is accepted."""

from __future__ import annotations

import gzip
import re

import pytest

from api.conftest import order_over_api, sign_over_api
from fairscreen.entrypoints.web.policy import csrf_matches, csrf_token, masked_csrf
from web.conftest import Web, csrf_of

GZIP = {"Accept-Encoding": "gzip"}
IDENTITY = {"Accept-Encoding": "identity"}


@pytest.mark.parametrize(
    ("who", "path"),
    [("anonymous", "/"), ("anonymous", "/rulebook"), ("employer", "/employer/cases/new")],
)
def test_a_page_is_gzipped_for_a_client_that_accepts_it(web: Web, who: str, path: str) -> None:
    plain = web.client(who).get(path, headers=IDENTITY)
    assert plain.status_code == 200
    assert "content-encoding" not in plain.headers
    packed = web.client(who).get(path, headers=GZIP)
    assert packed.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["vary"]
    # httpx decodes it; the text is the page (the form token is masked afresh each time)
    squash = re.compile(r'value="[0-9a-f]{128}"')
    assert squash.sub("", packed.text) == squash.sub("", plain.text)
    wire = int(packed.headers["content-length"])
    assert wire < len(plain.content) / 2, (path, wire, len(plain.content))


def test_a_small_answer_and_a_pdf_are_not_compressed(web: Web) -> None:
    health = web.client("anonymous").get("/healthz", headers=GZIP)
    assert health.status_code == 200 and "content-encoding" not in health.headers
    api = web.api
    case_id = order_over_api(api)
    sign_over_api(api, case_id)
    web.refresh_candidates()
    pdf = web.client("candidate").get(f"/candidate/cases/{case_id}/authorization.pdf", headers=GZIP)
    assert pdf.status_code == 200, pdf.text[:300]
    assert pdf.headers["content-type"] == "application/pdf"
    assert "content-encoding" not in pdf.headers
    assert pdf.content.startswith(b"%PDF-")


def test_an_entry_bundle_gzipped_by_its_route_is_not_gzipped_again(web: Web) -> None:
    from api.conftest import released_case
    from api.test_api_transparency import _publish

    released_case(web.api)
    _publish(web.api)
    client = web.client("anonymous")
    with client.stream("GET", "/tile/entries/000.p/1", headers=GZIP) as answer:
        wire = b"".join(answer.iter_raw())
    assert answer.status_code == 200
    assert answer.headers["content-encoding"] == "gzip"  # one layer: gunzip once, done
    assert not gzip.decompress(wire).startswith(b"\x1f\x8b")


def test_htmx_loads_only_on_the_pages_that_use_it(web: Web) -> None:
    for who, path in [
        ("anonymous", "/"),
        ("anonymous", "/sign-in"),
        ("anonymous", "/rulebook"),
        ("candidate", "/candidate"),
        ("employer", "/employer"),
        ("agency", "/agency"),
    ]:
        html = web.get(who, path).text
        assert "htmx" not in html, path
    for path in ["/employer/cases/new", "/employer/profiles"]:
        html = web.get("employer", path).text
        assert 'src="/static/htmx.min.js"' in html and 'name="htmx-config"' in html, path
        assert "hx-get=" in html, path


def test_the_form_token_reads_differently_on_every_page_and_each_is_accepted(
    web: Web,
) -> None:
    client = web.client("employer")
    first = csrf_of(client.get("/sign-in").text)
    second = csrf_of(client.get("/sign-in").text)
    assert first != second
    sid = client.cookies.get("fs_sid") or ""
    assert sid, client.cookies
    token = csrf_token(web.api.world.svc, sid)
    assert token not in first and token not in second
    assert csrf_matches(first, token) and csrf_matches(second, token)
    assert csrf_matches(masked_csrf(token), token)
    assert not csrf_matches(token, token)  # the bare token is not a masked one
    assert not csrf_matches("zz" * 64, token)
    assert not csrf_matches(first[:-2] + ("00" if first[-2:] != "00" else "11"), token)
    refused = client.post("/sign-out", data={"csrf": token})
    assert refused.status_code == 403
    # the older reading still works after a newer page was shown
    answer = client.post("/sign-out", data={"csrf": first})
    assert answer.status_code in (302, 303), answer.text[:300]
