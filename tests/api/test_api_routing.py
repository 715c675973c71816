"""The API's plain (``def``) routes take one trip to the thread pool per request, not two:
the endpoint runs there, its answer is validated against the response model on the
event loop (``entrypoints/api/routing.py``); what FastAPI documents and validates stays
the same."""

from __future__ import annotations

import threading
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query
from fastapi.testclient import TestClient
from pydantic import BaseModel

from fairscreen.entrypoints.api.routing import OneTripRoute


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
