"""Locust users that each drive whole screening lifecycles over HTTP, back to back.

One lifecycle is eight requests, each its own step (the names in the table of
``bench/load.py``), as ``tests/api/test_api_journey.py`` drives them:

1. ``order``: the employer orders a check (``POST /v1/cases``);
2. ``notice``: the candidate reads the authorization notice;
3. ``sign``: the candidate signs exactly that text;
4. ``investigate``: the agency runs the sources and the report is rated;
5. ``report``: the candidate reads the report (a logged read);
6. ``accept``: the candidate accepts it, which releases it;
7. ``employer view``: the employer reads the released view (a logged read);
8. ``decision``: the employer records a decision with a reason.

Run by ``bench/load.py``, which seeds the world and writes it as JSON to the file named by
``FAIRSCREEN_LOAD_WORLD`` (tokens, ids, the servers' base URLs). Users are spread over the
servers round robin (``hosts``): locust's host list, one ``serve`` process each. Every
response time, error and completed lifecycle is kept in this process and written at exit
to ``FAIRSCREEN_LOAD_OUT`` (exact percentiles, not locust's rounded ones).
"""

from __future__ import annotations

import itertools
import json
import os
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from locust import FastHttpUser, constant, events, task
from locust.exception import RescheduleTask

WORLD: dict[str, Any] = json.loads(Path(os.environ["FAIRSCREEN_LOAD_WORLD"]).read_text("utf-8"))
_HOSTS = itertools.cycle(WORLD["hosts"])

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
times: dict[str, list[float]] = defaultdict(list)
errors: dict[str, int] = defaultdict(int)
completed: list[float] = []  # the moment each lifecycle ended (time.time())
#: each case's last step the server acknowledged (2xx): what a failure drill
#: (``bench/drill.py``) then finds done in the database, whatever was killed meanwhile
acknowledged: dict[str, str] = {}
started_at = time.time()


@events.request.add_listener
def _record(name: str, response_time: float, exception: Any, **_: Any) -> None:
    if exception is None:
        times[name].append(response_time)
    else:
        errors[name] += 1


@events.quitting.add_listener
def _write(**_: Any) -> None:
    out = {
        "times": times,
        "errors": errors,
        "completed": completed,
        "acknowledged": acknowledged,
        "started": started_at,
    }
    Path(os.environ["FAIRSCREEN_LOAD_OUT"]).write_text(json.dumps(out), "utf-8")


class Lifecycle(FastHttpUser):
    wait_time = constant(0)  # closed loop: each user starts the next lifecycle at once

    def __init__(self, environment: Any) -> None:
        self.host = next(_HOSTS)
        super().__init__(environment)
        self.employer = {"Authorization": f"Bearer {WORLD['employer']}"}
        self.agency = {"Authorization": f"Bearer {WORLD['agency']}"}
        self.candidate = {"Authorization": f"Bearer {WORLD['candidate']}"}

    def _call(
        self,
        step: str,
        method: str,
        path: str,
        headers: dict[str, str],
        body: Any = None,
        *,
        case_id: str | None = None,
    ) -> Any:
        with self.client.request(
            method, path, name=step, headers=headers, json=body, catch_response=True
        ) as answer:
            if answer.status_code >= 300:
                answer.failure(f"{answer.status_code}")
                raise RescheduleTask()  # the lifecycle stops here; the next one starts
            answer.success()
            found = answer.json() if answer.content else None
        acknowledged[case_id or found["id"]] = step
        return found

    @task
    def lifecycle(self) -> None:
        ordered = self._call(
            "order",
            "POST",
            "/v1/cases",
            self.employer,
            {
                "subject_id": WORLD["candidate_id"],
                "profile_id": WORLD["profile_id"],
                "requested": WORLD["requested"],
                "agency_id": WORLD["agency_id"],
                # one synthetic candidate, ordered again while earlier cases are open
                "confirm_duplicate": True,
            },
        )
        case_id = ordered["id"]
        case = f"/v1/cases/{case_id}"
        notice = self._call(
            "notice", "GET", f"{case}/authorization?lang=zh-Hans", self.candidate, case_id=case_id
        )
        self._call(
            "sign",
            "POST",
            f"{case}/authorization",
            self.candidate,
            {
                "text_sha256": notice["sha256"],
                "lang": "zh-Hans",
                "categories": notice["categories"],
                "claims": WORLD["claims"],
            },
            case_id=case_id,
        )
        self._call("investigate", "POST", f"{case}/investigation", self.agency, case_id=case_id)
        self._call("report", "GET", f"{case}/report", self.candidate, case_id=case_id)
        self._call("accept", "POST", f"{case}/acceptance", self.candidate, {}, case_id=case_id)
        self._call("employer view", "GET", f"{case}/employer-view", self.employer, case_id=case_id)
        self._call(
            "decision",
            "POST",
            f"{case}/decision",
            self.employer,
            {"outcome": "hired", "reason": "面试与报告均符合岗位要求"},
            case_id=case_id,
        )
        completed.append(time.time())
