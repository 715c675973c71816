"""Authorization: the one route → roles table covers every route, and every route ×
every role gets exactly what the table says (deny by default); then isolation: every
route × every role of another tenant × this tenant's ids leaks nothing, not even whether
an id exists (the same problem as for an id that was never issued)."""

from __future__ import annotations

import re
import uuid
from typing import Any

from api.conftest import IDENTITIES, ROLE_OF, Api, released_case
from fairscreen.entrypoints.api.app import api_routes
from fairscreen.entrypoints.api.policy import PUBLIC, ROUTE_ROLES

DUMMY = {
    "case_id": "case_00000000000000000000000000000000",
    "dispute_id": "dsp_00000000000000000000000000000000",
    "supplement_id": "sup_00000000000000000000000000000000",
    "endpoint_id": "whk_00000000000000000000000000000000",
    "account_id": "acc_00000000000000000000000000000000",
    "token_id": "tok_00000000000000000000000000000000",
    "path": "000",
    "level": "0",
    "digest": "0" * 64,
    "version": "0.0.0",
    "index": "0",
    "pending_id": "1",
}


def _routes(api: Api) -> list[tuple[str, str]]:
    return api_routes()


def _fill(template: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)(?::path)?\}", lambda m: values[m.group(1)], template)


def test_the_table_covers_every_route_and_nothing_else(api: Api) -> None:
    assert set(_routes(api)) == set(ROUTE_ROLES)
    # The app as served (its OpenAPI document) has exactly these operations.
    document = api.client.get("/openapi.json").json()
    served = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
    }
    assert served == {(m, p.replace(":path", "")) for m, p in ROUTE_ROLES}
    for path, operations in document["paths"].items():
        for operation in operations.values():
            assert "nobody" not in operation["x-roles"], path


def test_every_route_times_every_role(api: Api) -> None:
    routes = sorted(_routes(api), key=lambda r: r == ("DELETE", "/v1/auth/token"))  # last
    for method, template in routes:
        allowed = {role.value for role in ROUTE_ROLES[(method, template)]}
        path = _fill(template, DUMMY)
        for who in IDENTITIES:
            kwargs: dict[str, Any] = {"json": {}} if method in ("POST", "PUT") else {}
            answer = api.call(who, method, path, **kwargs)
            where = f"{method} {template} as {who}: {answer.status_code} {answer.text[:200]}"
            assert answer.status_code < 500, where
            if ROUTE_ROLES[(method, template)] is PUBLIC:
                assert answer.status_code not in (401, 403), where
            elif who == "anonymous":
                assert answer.status_code == 401, where
                assert answer.json()["code"] == "UNAUTHENTICATED", where
                assert answer.headers["www-authenticate"] == "Bearer"
            elif ROLE_OF[who] not in allowed:
                assert answer.status_code == 403, where
                assert answer.json()["code"] == "PERMISSION_DENIED", where
            else:
                assert answer.status_code not in (401, 403), where
            if answer.status_code >= 400:
                assert answer.headers["content-type"] == "application/problem+json", where


# --- isolation ------------------------------------------------------------------------------------

#: a route that takes a multipart upload, with a valid one (the ids are what is tested)
UPLOADS: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/v1/cases/{case_id}/supplements"): {
        "data": {"finding_id": "EDU-1"},
        "files": {"document": ("a.jpg", b"\xff\xd8\xff\xe0" + bytes(100), "image/jpeg")},
    },
}
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/v1/cases/{case_id}/authorization"): {
        "text_sha256": "0" * 64,
        "lang": "zh-Hans",
        "categories": ["identity"],
    },
    ("POST", "/v1/cases/{case_id}/acceptance"): {},
    ("POST", "/v1/cases/{case_id}/disputes"): {"finding_ids": ["LIT-3"], "statement": "不对"},
    ("POST", "/v1/cases/{case_id}/disputes/{dispute_id}/resolution"): {
        "outcome": "upheld",
        "answer": "维持",
    },
    ("POST", "/v1/cases/{case_id}/supplements/{supplement_id}/answer"): {
        "outcome": "not_sufficient",
        "answer": "不足",
    },
    ("POST", "/v1/cases/{case_id}/decision"): {"outcome": "not_hired", "reason": "理由"},
    ("POST", "/v1/cases/{case_id}/pre-adverse-notice"): {"reason": "理由", "cites_report": True},
    ("POST", "/v1/cases/{case_id}/adverse-response"): {"statement": "说明"},
    ("PUT", "/v1/cases/{case_id}/legal-hold"): {"hold": True},
    ("POST", "/v1/cases/{case_id}/referees"): {"name": "某人", "contact": "r@example.test"},
}


def _tenant_a_objects(api: Api) -> dict[str, str]:
    """Real ids of tenant A: a case with an open dispute, a webhook endpoint, an
    account, a token."""
    case_id = released_case(api)
    # A second case in dispute, for a real dispute id.
    from api.conftest import order_over_api, sign_over_api

    disputed = order_over_api(api)
    sign_over_api(api, disputed)
    api.call("agency", "POST", f"/v1/cases/{disputed}/investigation")
    opened = api.call(
        "candidate",
        "POST",
        f"/v1/cases/{disputed}/disputes",
        json={"finding_ids": ["LIT-3"], "statement": "不是我"},
    ).json()
    endpoint = api.call(
        "employer", "POST", "/v1/webhooks", json={"url": "http://127.0.0.1:9/hook"}
    ).json()
    me = api.call("employer", "GET", "/v1/auth/me").json()
    accounts = api.call("operator", "GET", "/v1/accounts?limit=100").json()["items"]
    return {
        "case_id": case_id,
        "disputed_case": disputed,
        "dispute_id": opened["dispute_ids"][0],
        "endpoint_id": endpoint["endpoint_id"],
        "account_id": accounts[0]["account_id"],
        "token_id": me["token_id"],
    }


def _random_ids() -> dict[str, str]:
    return {
        key: f"{DUMMY[key].split('_')[0]}_{uuid.uuid4().hex}"
        for key in ("case_id", "dispute_id", "endpoint_id", "account_id", "token_id")
    }


def test_another_tenants_ids_do_not_exist(api: Api) -> None:
    real = _tenant_a_objects(api)
    # The ids are real: tenant A's own parties reach them.
    assert api.call("employer", "GET", f"/v1/cases/{real['case_id']}").status_code == 200
    assert api.call("candidate", "GET", f"/v1/cases/{real['disputed_case']}").status_code == 200

    with_ids = [
        (method, template)
        for method, template in _routes(api)
        if re.search(r"\{(case_id|dispute_id|endpoint_id|account_id|token_id)\}", template)
    ]
    assert len(with_ids) >= 15
    outsiders = ("candidate_b", "employer_b", "agency_b", "regulator", "anonymous")
    for method, template in with_ids:
        body = BODIES.get((method, template))
        kwargs: dict[str, Any] = {"json": body} if body is not None else {}
        kwargs = UPLOADS.get((method, template), kwargs)
        for who in outsiders:
            values = dict(DUMMY)
            values.update(real)
            if "{dispute_id}" in template:
                values["case_id"] = real["disputed_case"]
            fake = dict(DUMMY)
            fake.update(_random_ids())
            theirs = api.call(who, method, _fill(template, values), **kwargs)
            nobodys = api.call(who, method, _fill(template, fake), **kwargs)
            where = f"{method} {template} as {who}"
            assert theirs.status_code == nobodys.status_code, (where, theirs.text, nobodys.text)
            assert theirs.status_code in (401, 403, 404), (where, theirs.text)
            assert theirs.json() == nobodys.json(), where
            for value in real.values():
                assert value not in theirs.text, where

    # Ids in bodies: ordering with tenant A's profile and agency looks like random ids.
    order = {"subject_id": api.ids["candidate"], "requested": ["identity"]}
    mine = api.call(
        "employer_b",
        "POST",
        "/v1/cases",
        json={**order, "profile_id": api.ids["profile"], "agency_id": api.ids["agency"]},
    )
    none = api.call(
        "employer_b",
        "POST",
        "/v1/cases",
        json={**order, "profile_id": "prf_" + uuid.uuid4().hex, "agency_id": api.ids["agency"]},
    )
    assert mine.status_code == none.status_code == 404
    assert mine.json() == none.json()

    # Lists show only one's own.
    for who in ("candidate_b", "employer_b", "agency_b"):
        listed = api.call(who, "GET", "/v1/cases?limit=100").json()
        assert listed == {"items": [], "next_cursor": None}, who
    assert api.call("employer_b", "GET", "/v1/webhooks").json()["items"] == []
    assert api.call("employer_b", "GET", "/v1/profiles").json()["items"] == []


def test_pagination_walks_every_case_once(api: Api) -> None:
    from api.conftest import order_over_api

    made = {order_over_api(api, ["identity"]) for _ in range(5)}
    seen: list[str] = []
    cursor = None
    while True:
        query = "/v1/cases?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = api.call("employer", "GET", query).json()
        seen.extend(item["case_id"] for item in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(made)
    for bad in ("limit=0", "limit=101", "cursor=!!", "state=nonsense"):
        answer = api.call("employer", "GET", f"/v1/cases?{bad}")
        assert answer.status_code == 422, bad
        assert answer.json()["field"] in ("limit", "cursor", "state"), bad
