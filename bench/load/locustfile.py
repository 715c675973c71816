"""Locust users that each drive whole screening lifecycles over HTTP, back to back.

One lifecycle is the eight requests of ``lifecycle_steps.py`` (the steps of the table of
``bench/load.py``), each its own locust request name.

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

# locust puts this folder on sys.path while it imports the locustfile
from lifecycle_steps import Request, lifecycle
from locust import FastHttpUser, constant, events, task
from locust.exception import RescheduleTask

WORLD: dict[str, Any] = json.loads(Path(os.environ["FAIRSCREEN_LOAD_WORLD"]).read_text("utf-8"))
_HOSTS = itertools.cycle(WORLD["hosts"])

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

    def _call(self, request: Request) -> Any:
        with self.client.request(
            request.method,
            request.path,
            name=request.step,
            headers=dict(request.headers),
            json=request.body,
            catch_response=True,
        ) as answer:
            # A request that got no answer (a connection reset, a timeout) has status 0
            # and was not acknowledged: it may or may not have been done.
            error = getattr(answer, "error", None)  # set on a failed request only
            if error is not None or not 200 <= answer.status_code < 300:
                answer.failure(f"{answer.status_code or type(error).__name__}")
                raise RescheduleTask()  # the lifecycle stops here; the next one starts
            answer.success()
            found = answer.json() if answer.content else None
        acknowledged[request.case_id or found["id"]] = request.step
        return found

    @task
    def run_lifecycle(self) -> None:
        steps = lifecycle(WORLD)
        answer = None
        try:
            while True:
                answer = self._call(steps.send(answer))
        except StopIteration:
            completed.append(time.time())
