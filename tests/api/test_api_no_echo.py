"""Problem details never echo the input (issue 12 item 14; docs/api.md promises it): a
value sent in any path parameter, query parameter or body field of any route never
comes back in an error answer, whatever the refusal."""

from __future__ import annotations

import re
from typing import Any

from api.conftest import Api, caller_for
from fairscreen.entrypoints.api.policy import ROUTE_ROLES

CANARY = "Zq9canary"


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = document["components"]["schemas"][name]
    return schema


def _filled(document: dict[str, Any], schema: dict[str, Any], depth: int = 0) -> Any:
    """A value of the schema's shape with the canary in every string (and as every key
    of a free mapping)."""
    schema = _resolve(document, schema)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return _filled(document, schema[key][0], depth)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        if depth > 3:
            return {}
        properties = schema.get("properties", {})
        if not properties:
            return {CANARY: CANARY}
        return {name: _filled(document, sub, depth + 1) for name, sub in properties.items()}
    if kind == "array":
        return [_filled(document, schema.get("items", {}), depth + 1)]
    if kind in ("integer", "number", "boolean"):
        return CANARY  # a wrong type: the refusal must not quote it either
    return CANARY + "-1990-01-01"


def _requests(document: dict[str, Any]) -> list[tuple[str, str, str, dict[str, Any]]]:
    found = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            template = path.replace("{path}", "{path:path}")
            if (method.upper(), template) not in ROUTE_ROLES:
                continue
            who = caller_for(method.upper(), template)
            url = re.sub(r"\{[^}]+\}", CANARY, path)
            query = {
                p["name"]: CANARY for p in operation.get("parameters", []) if p["in"] == "query"
            }
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            kwargs: dict[str, Any] = {"params": query}
            if body is not None:
                kwargs["json"] = _filled(document, body["schema"])
            found.append((who, method.upper(), url, kwargs))
    return found


def test_no_error_answer_echoes_its_input(api: Api) -> None:
    document = api.client.get("/openapi.json").json()
    requests = _requests(document)
    assert len(requests) >= 40
    echoed = []
    for who, method, url, kwargs in requests:
        answer = api.call(who, method, url, **kwargs)
        if answer.status_code >= 400 and CANARY in answer.text:
            echoed.append((method, url, answer.status_code, answer.text[:200]))
    assert echoed == [], "\n".join(map(str, echoed))


def test_an_unknown_builtin_profile_is_refused_without_its_name(api: Api) -> None:
    answer = api.call("employer", "POST", "/v1/profiles/builtin", json={"profile": "000" + CANARY})
    assert answer.status_code == 422
    assert answer.json()["field"] == "profile" and CANARY not in answer.text
