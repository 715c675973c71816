"""The API's plain (``def``) routes take one trip to the thread pool per request, not two:
the endpoint runs there, its answer is validated against the response model on the
event loop (``entrypoints/api/routing.py``); what FastAPI documents and validates stays
the same. The API's routes are the app's own, so a request tries each route once, and
each reaches the policy check in one dependency link."""

from __future__ import annotations

import inspect
import re
import threading
from typing import Annotated, Any, get_args

import pytest
from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request, params
from fastapi.datastructures import DefaultPlaceholder
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import get_typed_signature
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import BaseModel

from api.conftest import Api
from fairscreen.entrypoints.api.app import api_routes
from fairscreen.entrypoints.api.deps import TAKEN_FROM_REQUEST
from fairscreen.entrypoints.api.policy import (
    PUBLIC,
    ROUTE_ROLES,
    bearer_token,
    enforce,
    services_of,
)
from fairscreen.entrypoints.api.routing import OneTripRoute, include_routes


class Answer(BaseModel):
    value: int
    thread: str


def _app(route_class: type[Any] | None) -> FastAPI:
    router = APIRouter(route_class=route_class) if route_class else APIRouter()

    @router.get("/double")
    def double(n: Annotated[int, Query(ge=0, description="a number")]) -> Answer:
        """Twice ``n``."""
        return Answer(value=2 * n, thread=threading.current_thread().name)

    app = FastAPI()
    app.include_router(router)
    return app


def test_a_plain_route_with_a_response_model_takes_one_trip(trips: list[str]) -> None:
    with TestClient(_app(OneTripRoute)) as client:
        trips.clear()
        answer = client.get("/double", params={"n": 21})
    assert answer.status_code == 200 and answer.json()["value"] == 42
    assert answer.json()["thread"] != threading.main_thread().name  # not on the loop
    assert len(trips) == 1, trips


def test_fastapis_own_route_takes_two(trips: list[str]) -> None:
    """What OneTripRoute saves: FastAPI validates a plain route's answer in a second trip."""
    with TestClient(_app(None)) as client:
        trips.clear()
        assert client.get("/double", params={"n": 21}).status_code == 200
    assert len(trips) == 2, trips


def test_the_route_is_documented_and_validated_as_before() -> None:
    plain, one_trip = TestClient(_app(None)), TestClient(_app(OneTripRoute))
    assert one_trip.get("/openapi.json").json() == plain.get("/openapi.json").json()
    refused = one_trip.get("/double", params={"n": -1})
    assert refused.status_code == 422
    assert refused.json() == plain.get("/double", params={"n": -1}).json()


# --- the app's routes are its own: each tried once per request --------------------------------


class CountedPattern:
    """A route's compiled path pattern that counts the paths it is tried on."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.tried = 0

    def match(self, path: str) -> re.Match[str] | None:
        self.tried += 1
        return self.pattern.match(path)


def test_a_request_tries_the_route_that_answers_it_once(api: Api) -> None:
    """FastAPI tried an included router's routes twice (once to find the branch, once to
    handle it); the API's routes are the app's own (routing.include_routes)."""
    app = api.client.app
    assert isinstance(app, FastAPI)
    own = {
        (method, route.path): route
        for route in app.router.routes
        if isinstance(route, APIRoute)
        for method in route.methods
    }
    assert set(api_routes()) <= set(own)  # every API route, none behind a branch
    route = own[("GET", "/v1/cases/{case_id}")]
    counted = CountedPattern(route.path_regex)
    route.path_regex = counted  # type: ignore[assignment]
    answer = api.client.get(
        "/v1/cases/case_00000000000000000000000000000000", headers=api.h("employer")
    )
    assert answer.status_code == 404, answer.status_code  # it answered: no such case
    assert counted.tried == 1


def test_a_request_tries_no_pattern_of_a_route_whose_literal_text_it_lacks(api: Api) -> None:
    """The app's router tries its routes in order (some 45 before a case's); a route
    added by include_routes answers "no match" for a path without its literal prefix or
    its literal suffix before any regular expression, and tries its pattern on any other
    path."""
    app = api.client.app
    assert isinstance(app, FastAPI)
    counted: dict[str, CountedPattern] = {}
    for route in app.router.routes:
        if isinstance(route, OneTripRoute) and route.path in (
            "/v1/accounts/{account_id}",
            "/v1/cases/{case_id}",
            "/v1/cases/{case_id}/report",
            "/v1/cases/{case_id}/decision",
        ):
            assert route.literal_prefix == route.path.split("{")[0]
            assert route.literal_suffix == route.path.split("}")[-1]
            counted[route.path] = CountedPattern(route.path_regex)
            route.path_regex = counted[route.path]  # type: ignore[assignment]
    answer = api.client.get(
        "/v1/cases/case_00000000000000000000000000000000/report", headers=api.h("agency")
    )
    assert answer.status_code == 404, answer.status_code  # it answered: no such case
    tried = {path: pattern.tried for path, pattern in counted.items()}
    assert tried == {
        "/v1/accounts/{account_id}": 0,  # another prefix: not tried
        "/v1/cases/{case_id}": 1,  # the prefix and the (empty) suffix, not the path
        "/v1/cases/{case_id}/report": 1,
        "/v1/cases/{case_id}/decision": 0,  # the prefix, another suffix: not tried
    }


def test_routes_added_by_include_routes_answer_any_path_as_fastapis_own() -> None:
    """Paths no route has, a trailing slash (FastAPI's redirect), another method, a
    mounted app's root path: include_routes' routes answer each as FastAPI's
    include_router does."""

    def build(include: Any, root_path: str) -> TestClient:
        router = APIRouter(prefix="/v1", route_class=OneTripRoute)

        @router.get("/numbers/{n}")
        def number(n: int) -> dict[str, int]:
            return {"n": n}

        @router.get("/numbers/{n}/double")
        def double(n: int) -> dict[str, int]:
            return {"n": 2 * n}

        @router.post("/letters")
        def letters() -> dict[str, str]:
            return {"letters": "ab"}

        app = FastAPI()
        include(app, router)
        return TestClient(app, root_path=root_path)

    paths = (
        ("GET", "/v1/numbers/3"),
        ("GET", "/v1/numbers/3/double"),
        ("GET", "/v1/numbers/3/double/"),
        # a final newline: the pattern's ``$`` matches before it
        ("GET", "/v1/numbers/3/double%0A"),
        ("GET", "/v1/numbers/3/double%0A/"),
        ("GET", "/v1/numbers/3%0A"),
        ("POST", "/v1/numbers/3/double"),
        ("GET", "/v1/numbers/3/triple"),
        ("GET", "/v1/numbers/3/"),
        ("GET", "/v1/numbers/"),
        ("GET", "/v1/numbers"),
        ("GET", "/v1/letters"),
        ("POST", "/v1/letters/"),
        ("GET", "/v2/numbers/3"),
        ("GET", "/"),
        ("GET", ""),
    )
    for root_path in ("", "/mounted"):
        ours = build(lambda app, router: include_routes(app, router), root_path)
        theirs = build(lambda app, router: app.include_router(router), root_path)
        for method, path in paths:
            mine = ours.request(method, path, follow_redirects=False)
            fastapis = theirs.request(method, path, follow_redirects=False)
            assert (mine.status_code, mine.headers.get("location"), mine.content) == (
                fastapis.status_code,
                fastapis.headers.get("location"),
                fastapis.content,
            ), (root_path, method, path)


def test_included_routes_are_documented_guarded_and_refused_as_before() -> None:
    """include_routes against FastAPI's include_router on the same router: the same
    OpenAPI document, the app's dependency first (before the route's parameters are
    validated), the same 405 and 422 answers."""

    def build(include: Any) -> tuple[FastAPI, list[str]]:
        ran: list[str] = []

        async def guard() -> None:
            ran.append("guard")

        router = APIRouter(prefix="/v1", tags=["numbers"], route_class=OneTripRoute)

        @router.get("/double/{n}", summary="Twice n")
        def double(n: Annotated[int, Path(ge=0)], q: Annotated[int, Query()] = 0) -> Answer:
            """Twice ``n``."""
            ran.append("route")
            return Answer(value=2 * n + q, thread=threading.current_thread().name)

        app = FastAPI()
        include(app, router, [Depends(guard)])
        return app, ran

    routed, ran = build(include_routes)
    included, ran_included = build(
        lambda app, router, dependencies: app.include_router(router, dependencies=dependencies)
    )
    ours, theirs = TestClient(routed), TestClient(included)
    assert ours.get("/openapi.json").json() == theirs.get("/openapi.json").json()
    assert ours.get("/v1/double/4").json()["value"] == 8
    assert ran == ["guard", "route"]
    for method, path in (("POST", "/v1/double/4"), ("GET", "/v1/double/-1")):
        mine, fastapis = ours.request(method, path), theirs.request(method, path)
        assert (mine.status_code, mine.json()) == (fastapis.status_code, fastapis.json())
        assert mine.status_code in (405, 422)
    assert ran[2:] == ran_included  # each refusal ran the guard first, and no route


def test_include_routes_refuses_what_it_cannot_copy() -> None:
    router = APIRouter()
    router.add_route("/plain", lambda request: None)
    with pytest.raises(TypeError, match="API routes only"):
        include_routes(FastAPI(), router)


def _effective(setting: Any) -> Any:
    """A setting as it acts: FastAPI resolves a default it was not given (a placeholder)
    to its value when the route is added to a router."""
    return setting.value if isinstance(setting, DefaultPlaceholder) else setting


def test_include_routes_copies_every_setting_of_a_route() -> None:
    """Every parameter of ``add_api_route`` that include_routes does not set itself is
    copied from the route, read off FastAPI's own signature: a route with a non-default
    value for each setting arrives with the same value."""
    router = APIRouter(prefix="/v1", tags=["numbers"], route_class=OneTripRoute)
    router.add_api_route(
        "/double/{n}",
        lambda n: Answer(value=2 * n, thread=""),
        response_model=Answer,
        status_code=202,
        tags=["extra"],
        summary="Twice n",
        description="Doubles n.",
        response_description="The double",
        responses={409: {"description": "conflict"}},
        deprecated=True,
        methods=["PUT"],
        operation_id="double_it",
        response_model_exclude_none=True,
        include_in_schema=False,
        name="double_it",
        openapi_extra={"x-kind": "arithmetic"},
        max_body_size=1024,
        form_limits={"max_files": 1},  # new in FastAPI 0.16x: a hand-written list missed it
    )
    app = FastAPI()
    include_routes(app, router)
    (original,) = router.routes
    (copied,) = [route for route in app.routes if getattr(route, "name", "") == "double_it"]
    assert isinstance(original, APIRoute) and isinstance(copied, OneTripRoute)
    settings = set(inspect.signature(APIRouter.add_api_route).parameters)
    settings -= {"self", "path", "endpoint", "dependencies", "route_class_override"}
    assert len(settings) >= 25, settings  # FastAPI's, not a list of ours
    differing = [
        name
        for name in sorted(settings)
        if _effective(getattr(copied, name)) != _effective(getattr(original, name))
    ]
    assert differing == []
    assert (copied.path, copied.status_code, copied.deprecated) == ("/v1/double/{n}", 202, True)


def test_include_routes_refuses_a_route_without_a_setting() -> None:
    """A setting of ``add_api_route`` the route has no attribute for (as after a FastAPI
    upgrade that named one differently) stops the app from being built, naming it."""

    class Forgetful(APIRoute):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            del self.openapi_extra

    router = APIRouter(route_class=Forgetful)
    router.add_api_route("/forgetful", lambda: None)
    with pytest.raises(TypeError, match="cannot copy openapi_extra of route"):
        include_routes(FastAPI(), router)


# --- the policy check: the caller in one walk of FastAPI's solver ----------------------------


def _depth_to(dependant: Dependant, call: Any) -> int | None:
    """How many dependency links down ``call`` first is (1: a direct dependency)."""
    depths = []
    for sub in dependant.dependencies:
        if sub.call is call:
            depths.append(1)
        elif (below := _depth_to(sub, call)) is not None:
            depths.append(below + 1)
    return min(depths, default=None)


def test_every_route_reaches_the_policy_check_directly(api: Api) -> None:
    """FastAPI walks a dependency's whole tree on every request, cached answer or not: the
    caller (ActorDep, PrincipalDep) is one link from the policy check, which has no
    dependency of its own (it reads the bearer token itself)."""
    app = api.client.app
    assert isinstance(app, FastAPI)
    for route in app.router.routes:
        if not isinstance(route, APIRoute) or route.path.startswith("/docs"):
            continue
        checks = [sub for sub in route.dependant.dependencies if sub.call is enforce]
        assert checks and route.dependant.dependencies[0] is checks[0], route.path  # first
        assert checks[0].dependencies == [], route.path
        for sub in route.dependant.dependencies[1:]:
            depth = _depth_to(sub, enforce)
            assert depth in (None, 1), (route.path, sub.call)


def test_an_api_route_takes_its_services_and_caller_from_the_request(api: Api) -> None:
    """ServicesDep, ActorDep and PrincipalDep are no dependencies FastAPI walks on an API
    route (routing.taking_from_request): the endpoint gets the app's services and the
    caller the policy check let through, and the check still refuses before validation."""
    app = api.client.app
    assert isinstance(app, FastAPI)
    taken = set(TAKEN_FROM_REQUEST)
    callers = taken - {services_of}
    for route in app.router.routes:
        if isinstance(route, OneTripRoute):
            calls = {sub.call for sub in route.dependant.dependencies}
            assert not calls & taken, route.path
            # a route without a checked caller asks for none (its 401 would follow a 422)
            if any(ROUTE_ROLES.get((m, route.path)) is PUBLIC for m in route.methods):
                own = get_typed_signature(inspect.unwrap(route.endpoint)).parameters.values()
                asked = {
                    extra.dependency
                    for parameter in own
                    for extra in get_args(parameter.annotation)[1:]
                    if isinstance(extra, params.Depends)
                }
                assert not asked & callers, route.path
    me = api.client.get("/v1/auth/me", headers=api.h("employer"))  # PrincipalDep
    assert me.status_code == 200 and me.json()["role"] == "employer", me.text
    made = api.call("employer", "POST", "/v1/candidates", json={"nonsense": 1})  # ServicesDep,
    assert made.status_code == 422  # ActorDep and a body: a valid caller learns what is wrong
    assert api.client.post("/v1/candidates", json={"nonsense": 1}).status_code == 401
    assert api.call("agency", "POST", "/v1/candidates", json={"nonsense": 1}).status_code == 403


@pytest.mark.parametrize(
    ("header", "token"),
    [
        ("Bearer fs_abc", "fs_abc"),
        ("bearer fs_abc ", "fs_abc"),
        ("BEARER fs_abc", "fs_abc"),
        ("Bearer", None),
        ("Bearer ", None),
        ("Basic fs_abc", None),
        ("fs_abc", None),
        ("", None),
        (None, None),
    ],
)
def test_bearer_token(header: str | None, token: str | None) -> None:
    headers = [] if header is None else [(b"authorization", header.encode())]
    request = Request({"type": "http", "method": "GET", "path": "/", "headers": headers})
    assert bearer_token(request) == token
