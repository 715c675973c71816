"""What each reader gets over the API: the employer view never holds anything excluded
or unverified; the regulator's answers hold no personal data; summaries hide the light
until release; problems and limits."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from api.conftest import Api, order_over_api, released_case, sign_over_api
from factories import SUBJECT
from fairscreen.entrypoints.api.policy import PUBLIC, REGULATOR, ROUTE_ROLES
from fairscreen.entrypoints.api.scheduler import tick
from fairscreen.entrypoints.web.i18n import service_errors


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def test_the_employer_view_holds_nothing_excluded_or_unverified(api: Api) -> None:
    case_id = released_case(api)
    full = api.call("candidate", "GET", f"/v1/cases/{case_id}/report").json()["report"]
    view = api.call("employer", "GET", f"/v1/cases/{case_id}/employer-view")
    assert view.status_code == 200
    text = json.dumps(view.json(), ensure_ascii=False)

    hidden = [
        f
        for f in full["findings"]
        if f["disposition"] == "excluded" or f["verification"] != "verified"
    ]
    # The fixture has both kinds: excluded litigation and an unverified reference.
    assert {f["exclusion"] for f in hidden} >= {"NOT_JOB_RELATED", "UNVERIFIED"}
    for finding in hidden:
        assert f'"{finding["id"]}"' not in text
        for record in finding["records"]:
            assert f'"{record}"' not in text
        for summary in _strings(finding["summary"]):
            assert summary not in text
        assert finding["exclusion"] not in text
    for discarded in full["discarded"]:
        assert f'"{discarded["record"]}"' not in text
    assert "生活作风" not in text  # the prohibited witness statement, dropped before storing
    # What the employer does see: the light and the reasons of verified adverse findings.
    shown = {r["rule"] for r in view.json()["employer_view"]["reasons"]}
    assert shown == {r["rule"] for r in full["rating"]["reasons"]}
    assert set(view.json()["employer_view"]) == {
        "light",
        "reasons",
        "checks",
        "statement",
        "not_checked",
    }
    assert view.headers["cache-control"] == "no-store"


def test_the_regulators_answers_hold_no_personal_data(api: Api) -> None:
    """PRODUCT.md §2: the regulator reads the ledger, checkpoints, proofs, the audit and
    aggregate statistics, never personal data: every GET the regulator may call without
    an id, and every entry of the log, is free of the subject's name, ID number and
    birth date."""
    case_id = released_case(api)
    decided = api.call(
        "employer",
        "POST",
        f"/v1/cases/{case_id}/decision",
        json={"outcome": "hired", "reason": "the checks are in order", "cites_report": True},
    )
    assert decided.status_code == 204, decided.text
    # a checkpoint published, as the scheduler would
    assert tick(api.world.svc).failed_steps == ()
    queries = {
        "/v1/transparency/proofs/inclusion": {"index": 0},
        "/v1/transparency/proofs/consistency": {"first": 1},
    }
    paths = sorted(
        template
        for (method, template), roles in ROUTE_ROLES.items()
        if method == "GET" and (roles is PUBLIC or REGULATOR in roles) and "{" not in template
    )
    assert {"/v1/ledger/audit", "/v1/ledger/status", "/v1/fairness"} <= set(paths)
    size = api.call("regulator", "GET", "/v1/ledger/status").json()["size"]
    assert size > 0
    bundles = [
        f"/tile/entries/{n:03d}" + ("" if size - n * 256 >= 256 else f".p/{size - n * 256}")
        for n in range((size + 255) // 256)
    ]
    for path in [*paths, *bundles]:
        answer = api.call("regulator", "GET", path, params=queries.get(path))
        assert answer.status_code == 200, (path, answer.text)
        text = answer.content.decode("utf-8", errors="replace")
        if answer.headers["content-type"].startswith("application/json"):
            text = json.dumps(answer.json(), ensure_ascii=False)
        for value in SUBJECT.values():
            assert value not in text, path


def test_the_light_is_hidden_from_the_employer_until_release(api: Api) -> None:
    case_id = order_over_api(api)
    sign_over_api(api, case_id)
    api.call("agency", "POST", f"/v1/cases/{case_id}/investigation")
    assert api.call("employer", "GET", f"/v1/cases/{case_id}").json()["light"] is None
    assert api.call("candidate", "GET", f"/v1/cases/{case_id}").json()["light"] == "yellow"
    assert api.call("operator", "GET", f"/v1/cases/{case_id}").json()["light"] is None
    listed = api.call("employer", "GET", "/v1/cases").json()["items"]
    assert [c["light"] for c in listed] == [None]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_refusal_problem_keeps_its_english_detail_and_gains_its_key(api: Api) -> None:
    case_id = order_over_api(api)
    sign_over_api(api, case_id)
    api.call("agency", "POST", f"/v1/cases/{case_id}/investigation")
    early = api.call("employer", "GET", f"/v1/cases/{case_id}/employer-view")
    assert early.status_code == 409
    assert early.json() == {
        "type": "https://fairscreen.example/problems/invalid-transition",
        "title": early.json()["title"],
        "status": 409,
        "detail": "the report is not released yet",
        "code": "INVALID_TRANSITION",
        "field": "case_id",
        "key": "transition.report_not_released_yet",
        "params": {},
    }
    # an error without a key (here an unknown route) says so with a null key
    unknown = api.call("employer", "GET", "/v1/no-such-route")
    assert unknown.status_code == 404 and unknown.json()["key"] is None


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_problems_are_rfc9457_and_name_the_field(api: Api) -> None:
    bad = api.call("employer", "POST", "/v1/cases", json={"subject_id": "x", "requested": []})
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    body = bad.json()
    assert set(body) == {"type", "title", "status", "detail", "code", "field", "key", "params"}
    assert body["status"] == 422 and body["code"] == "INVALID_INPUT"
    assert body["field"] in ("profile_id", "requested")
    assert body["key"] is None  # the framework's own request validation: no message key

    extra = api.call("employer", "POST", "/v1/webhooks", json={"url": "http://x.test/", "y": 1})
    assert extra.status_code == 422 and extra.json()["field"] == "y"
    malformed = api.call("employer", "POST", "/v1/webhooks", content=b"{not json")
    assert malformed.status_code == 422

    beyond_tier = {
        "id": "cashier",
        "tier": "standard",
        "categories": {"credit": {"justification": "handles the till every day"}},
    }
    domain = api.call("employer", "POST", "/v1/profiles", json=beyond_tier)
    assert domain.status_code == 422, domain.text
    assert domain.json()["code"] == "SCOPE_VIOLATION"
    assert domain.json()["field"].startswith("role.categories")
    # a domain refusal names its catalogue entry; the detail stays the English it renders
    assert domain.json()["key"] == "scope.not_allowed_for_tier"
    assert domain.json()["detail"] == "not allowed for tier standard"
    assert "{tier}" in service_errors()["scope.not_allowed_for_tier"]["en"]

    unknown = api.client.get("/v1/nowhere")
    assert unknown.status_code == 404 and unknown.json()["code"] == "NOT_FOUND"
    wrong_method = api.client.put("/checkpoint")
    assert wrong_method.status_code == 405 and wrong_method.json()["code"] == "METHOD_NOT_ALLOWED"

    too_big = api.call("employer", "POST", "/v1/webhooks", content=b"x" * (1024 * 1024 + 1))
    assert too_big.status_code == 413 and too_big.json()["code"] == "REQUEST_TOO_LARGE"

    def chunks() -> Any:
        for _ in range(40):
            yield b" " * 32768

    streamed = api.client.post(
        "/v1/webhooks",
        content=chunks(),
        headers={**api.h("employer"), "content-type": "application/json"},
    )
    assert streamed.status_code == 413


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_unexpected_error_is_a_500_problem_with_nothing_inside(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from fairscreen.services import case_queries

    secret = "测试甲 99999919900101001X"

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(secret)

    monkeypatch.setattr(case_queries, "list_cases", broken)
    with caplog.at_level(logging.DEBUG):
        answer = api.call("employer", "GET", "/v1/cases")
    assert answer.status_code == 500
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == "INTERNAL_ERROR"
    assert secret not in answer.text and "Traceback" not in answer.text
    assert "RuntimeError" in caplog.text
    assert secret not in caplog.text
    assert all(record.exc_info is None for record in caplog.records)
