"""What the portals' main pages weigh on the wire (issue 13 item 14), on the served demo.

For each page: the HTML, and the HTML plus every script and stylesheet it links (what a
first visit with an empty cache downloads), each as sent to a client that accepts gzip
and to one that does not. Counted in bytes as they leave the server (``Content-Length``
of the encoded body), over the app in-process (no network); sizes, not times, so a loaded
machine does not change them.

    .venv/bin/python bench/page_weight.py [--json]

To compare with another revision, run it with that revision's ``src`` first on
``PYTHONPATH`` (the table's columns are the same).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

#: the pages a person walks through first, by who opens them
PAGES = [
    ("anonymous", "/"),
    ("anonymous", "/sign-in"),
    ("anonymous", "/candidate/sign-in"),
    ("anonymous", "/rulebook"),
    ("employer", "/employer"),
    ("employer", "/employer/cases/new"),
    ("employer", "/employer/profiles"),
    ("employer", "/employer/cases/{released}"),
    ("candidate", "/candidate"),
    ("candidate", "/candidate/cases/{ordered}/authorization"),
    ("agency", "/agency"),
    ("regulator", "/regulator"),
]
_ASSET = re.compile(r'<(?:script[^>]*\bsrc|link[^>]*\bhref)="(/static/[^"]+\.(?:js|css))"')


class _Codes:
    """A notifier keeping the latest sign-in code per recipient."""

    def __init__(self) -> None:
        self.codes: dict[str, str] = {}

    def send(self, notification: Any) -> None:
        if notification.kind == "sign_in":
            self.codes[notification.recipient] = str(notification.fields["code"])


def _world(folder: Path) -> tuple[Any, dict[str, str], dict[str, str]]:
    from fairscreen.bootstrap import build_services
    from fairscreen.config import Settings
    from fairscreen.services import accounts
    from fairscreen.services.demo_seed import seed_demo
    from fairscreen.services.worked_examples import worked_examples

    settings = Settings(
        environment="development",
        database_url=f"sqlite:///{folder / 'weight.db'}",
        data_dir=folder,
    )
    notifier = _Codes()
    seed = seed_demo(
        lambda clock, sources: build_services(
            settings, sources=sources, clock=clock, notifier=notifier
        ),
        worked_examples(None),
    )
    svc = seed.services
    sessions: dict[str, str] = {}
    for role in ("employer", "agency", "regulator"):
        _, session = accounts.start_portal_session(svc, seed.tokens[role])
        sessions[role] = session.token
    # the candidate of the "ordered" case signs in with a one-time code
    subject = next(iter(seed.candidates.values()))
    code_session = accounts.request_sign_in_code(svc, subject, requester="bench")
    code = notifier.codes[svc.pseudonym("subj", subject)]
    sessions["candidate"] = accounts.exchange_sign_in_code(svc, subject, code_session, code).token
    return svc, sessions, seed.cases


def measure() -> list[dict[str, Any]]:
    from fastapi.testclient import TestClient

    from fairscreen.entrypoints.api import create_app

    with tempfile.TemporaryDirectory() as folder:
        svc, sessions, cases = _world(Path(folder))
        app = create_app(svc)
        rows = []
        for who, template in PAGES:
            path = template.format(**cases)
            client = TestClient(app, follow_redirects=False)
            if who != "anonymous":
                client.cookies.set("fs_session", sessions[who])
            row: dict[str, Any] = {"page": template, "who": who}
            for label, encoding in (("identity", "identity"), ("gzip", "gzip")):
                headers = {"Accept-Encoding": encoding}
                page = _wire(client, path, headers)
                assets = _ASSET.findall(page["text"])
                row[f"html_{label}"] = page["bytes"]
                row[f"total_{label}"] = page["bytes"] + sum(
                    _wire(client, asset, headers)["bytes"] for asset in assets
                )
                row["assets"] = ", ".join(a.rsplit("/", 1)[1] for a in assets)
                row["status"] = page["status"]
            rows.append(row)
        return rows


def _wire(client: Any, path: str, headers: dict[str, str]) -> dict[str, Any]:
    """The encoded body's size as sent (TestClient decodes gzip; the raw stream does not)."""
    with client.stream("GET", path, headers=headers) as response:
        raw = b"".join(response.iter_raw())
        text = ""
        if response.headers.get("content-type", "").startswith("text/html"):
            import gzip

            body = gzip.decompress(raw) if response.headers.get("content-encoding") else raw
            text = body.decode("utf-8")
    return {"bytes": len(raw), "text": text, "status": response.status_code}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="rows as JSON")
    args = parser.parse_args(argv)
    rows = measure()
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    print(
        f"{'page':<42} {'who':<10} {'HTML':>7} {'HTML gz':>8} {'total':>8} {'total gz':>9}  assets"
    )
    for r in rows:
        print(
            f"{r['page']:<42} {r['who']:<10} {r['html_identity']:>7} {r['html_gzip']:>8} "
            f"{r['total_identity']:>8} {r['total_gzip']:>9}  {r['assets']}"
            + ("" if r["status"] == 200 else f"  (HTTP {r['status']})")
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
