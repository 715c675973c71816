"""Run case after case through the service until killed; print ``ack <case> <step>``
after every committed step (used by test_service_crash.py)."""

from __future__ import annotations

import sys
from pathlib import Path

from service_fixtures import make_world, order_and_sign

from fairscreen.services.decision import record_decision
from fairscreen.services.investigation import run_investigation
from fairscreen.services.review import accept_report


def main() -> None:
    database_url, data_dir = sys.argv[1], Path(sys.argv[2])
    world = make_world(database_url, data_dir)
    print("ready", flush=True)
    while True:
        case_id = order_and_sign(world)
        print(f"ack {case_id} scoped", flush=True)
        run_investigation(world.svc, world.agency, case_id)
        print(f"ack {case_id} candidate_review", flush=True)
        accept_report(world.svc, world.candidate, case_id)
        print(f"ack {case_id} released", flush=True)
        record_decision(world.svc, world.employer, case_id, outcome="hired", reason="ok")
        print(f"ack {case_id} decided", flush=True)


if __name__ == "__main__":
    main()
