"""The eight requests of one screening lifecycle, written once for every driver of it.

``lifecycle(world)`` is a generator: it yields each request as a :class:`Request` and
is sent the answer's JSON (None for an empty body), so the next request can use it (the
case id, the notice's hash). A driver sends each request its own way and stops at the
first failure: locust over HTTP (``locustfile.py``, synchronous), ``bench/lifecycle_cpu.py``
through the ASGI app in-process (asynchronous). ``world`` is what ``bench/load.py``'s
``seed`` returns: tokens and ids of synthetic people only.

The steps, as ``tests/api/test_api_journey.py`` drives them:

1. ``order``: the employer orders a check (``POST /v1/cases``);
2. ``notice``: the candidate reads the authorization notice;
3. ``sign``: the candidate signs exactly that text;
4. ``investigate``: the agency runs the sources and the report is rated;
5. ``report``: the candidate reads the report (a logged read);
6. ``accept``: the candidate accepts it, which releases it;
7. ``employer view``: the employer reads the released view (a logged read);
8. ``decision``: the employer records a decision with a reason.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from dataclasses import dataclass
from typing import Any

STEPS = (
    "order",
    "notice",
    "sign",
    "investigate",
    "report",
    "accept",
    "employer view",
    "decision",
)


@dataclass(frozen=True, slots=True)
class Request:
    step: str  # one of STEPS
    method: str
    path: str
    headers: Mapping[str, str]
    body: Any = None
    #: the case the request is about (None for the order, which creates it)
    case_id: str | None = None


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def lifecycle(world: Mapping[str, Any]) -> Generator[Request, Any, None]:
    """One lifecycle's requests in order; send each answer's JSON back."""
    employer, agency = _bearer(world["employer"]), _bearer(world["agency"])
    candidate = _bearer(world["candidate"])
    order = {
        "subject_id": world["candidate_id"],
        "profile_id": world["profile_id"],
        "requested": world["requested"],
        "agency_id": world["agency_id"],
        # one synthetic candidate, ordered again while earlier cases are open
        "confirm_duplicate": True,
    }
    ordered = yield Request("order", "POST", "/v1/cases", employer, order)
    case_id = ordered["id"]
    case = f"/v1/cases/{case_id}"
    notice = yield Request(
        "notice", "GET", f"{case}/authorization?lang=zh-Hans", candidate, case_id=case_id
    )
    signature = {
        "text_sha256": notice["sha256"],
        "lang": "zh-Hans",
        "categories": notice["categories"],
        "claims": world["claims"],
    }
    yield Request("sign", "POST", f"{case}/authorization", candidate, signature, case_id)
    yield Request("investigate", "POST", f"{case}/investigation", agency, case_id=case_id)
    yield Request("report", "GET", f"{case}/report", candidate, case_id=case_id)
    yield Request("accept", "POST", f"{case}/acceptance", candidate, {}, case_id)
    yield Request("employer view", "GET", f"{case}/employer-view", employer, case_id=case_id)
    decision = {"outcome": "hired", "reason": "面试与报告均符合岗位要求"}
    yield Request("decision", "POST", f"{case}/decision", employer, decision, case_id)
