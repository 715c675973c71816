"""A NUL character anywhere a field comes from is refused with 422 naming the field, on
every route, before anything reaches the database (issue 12 item 9: PostgreSQL's text
cannot hold U+0000, and it answered 500 on 14 routes, two of them public)."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from api.conftest import Api, caller_for
from fairscreen.entrypoints.api import create_app
from fairscreen.entrypoints.api.app import api_routes


def _assert_refused(answer: Any, field: str) -> None:
    assert answer.status_code == 422, answer.text
    if answer.request.method == "HEAD":
        return  # the same refusal, without its body
    problem = answer.json()
    assert problem["code"] == "INVALID_INPUT" and problem["field"] == field
    assert "\x00" not in answer.text and "\\u0000" not in answer.text


def test_a_nul_in_the_path_query_or_body_is_refused_on_every_route(api: Api) -> None:
    for method, path in api_routes():
        who = caller_for(method, path)
        if "{" in path:
            url = re.sub(r"\{[^}]+\}", "x%00y", path)
            _assert_refused(api.call(who, method, url), "path")
        else:
            _assert_refused(api.call(who, method, path + "?limit=5&cursor=a%00"), "cursor")
        if method in ("POST", "PUT"):
            body = {"candidate_id": "a\x00b", "claims": {"name": "测试\x00"}}
            answer = api.call(who, method, re.sub(r"\{[^}]+\}", "x", path), json=body)
            assert answer.status_code == 422, (method, path, answer.text)
            assert answer.json()["field"] in ("candidate_id", "claims.name")


def test_the_portal_sign_in_refuses_a_nul(api: Api) -> None:
    client = TestClient(create_app(api.world.svc), follow_redirects=False)
    for form_page, action, fields in (
        ("/sign-in", "/sign-in", {"token": "fs_\x00"}),
        ("/candidate/sign-in", "/candidate/sign-in/code", {"candidate_id": "subj\x00"}),
    ):
        page = client.get(form_page)
        csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        answer = client.post(action, data={"csrf": csrf, **fields})
        assert answer.status_code == 422, answer.text
        assert "\x00" not in answer.text
    # a multipart form's text fields too
    page = client.get("/candidate/sign-in")
    csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    answer = client.post(
        "/candidate/sign-in/code",
        data={"csrf": csrf, "candidate_id": "subj\x00"},
        files={"unused": ("a.bin", b"\x00\x01", "application/octet-stream")},
    )
    assert answer.status_code == 422
