"""``fairscreen serve [--demo] [--host 127.0.0.1] [--port 8000]``: the HTTP API (and the
web portals, once they exist) under uvicorn, with the scheduler in the background.

``--demo`` seeds a database with the worked cases and cases in every state a person walks
through, and prints where it went, sign-in tokens and candidates' one-time codes: demo
only, never in production. The database is ``--database-url`` or ``FAIRSCREEN_DATABASE_URL``
when one is given, and must then be empty (the demo never writes into a database that
holds anything); otherwise a fresh SQLite file ``<data dir>/demo.db``, replaced each time.
FastAPI, uvicorn and SQLAlchemy are imported inside the command, so other commands start
as fast as before.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table


class _DemoNotifier:
    """The console notifier, keeping the latest sign-in code per recipient and the
    referees' questionnaire links to print."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.codes: dict[str, str] = {}
        self.referee_links: list[str] = []
        self._lock = threading.Lock()

    def send(self, notification: Any) -> None:
        with self._lock:
            if notification.kind == "sign_in":
                self.codes[notification.recipient] = str(notification.fields["code"])
            elif notification.kind == "reference_invitation":
                self.referee_links.append(str(notification.fields["link"]))
        self._inner.send(notification)


def serve(
    demo: Annotated[
        bool, typer.Option("--demo", help="a fresh demo database with accounts and cases")
    ] = False,
    host: Annotated[str, typer.Option("--host", help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="port to listen on")] = 8000,
    scheduler_interval: Annotated[
        float,
        typer.Option(
            "--scheduler-interval",
            help="SQLite: seconds between the in-process runner's rounds; 0 off "
            "(PostgreSQL: `fairscreen worker` runs them)",
        ),
    ] = 30.0,
    sequencer_interval: Annotated[
        float | None,
        typer.Option(
            "--sequencer-interval",
            min=0,
            help="seconds between the ledger sequencer's rounds in this process (pending "
            "entries into the tree, checkpoints); 0 off. Default: "
            "FAIRSCREEN_SERVE_SEQUENCER_INTERVAL, else 0.2 on SQLite and off on PostgreSQL "
            "(`fairscreen worker` runs it)",
        ),
    ] = None,
    examples: Annotated[
        Path | None,
        typer.Option("--examples", help="a folder with the three worked cases (default: bundled)"),
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url", help="the database (default: FAIRSCREEN_DATABASE_URL, see --demo)"
        ),
    ] = None,
) -> None:
    """Serve the HTTP API (OpenAPI at /docs) with the release/purge/webhook scheduler."""
    from fairscreen.bootstrap import build_services
    from fairscreen.config import Settings
    from fairscreen.entrypoints.api import create_app, server

    settings = Settings() if database_url is None else Settings(database_url=database_url)
    refusal = None if demo else settings.sms_refusal()
    if refusal is not None:  # codes must reach candidates, not an outbox nobody reads
        from fairscreen.domain.errors import InvalidInput

        raise InvalidInput(refusal, field="sms_gateway_url")
    console = Console()
    base = f"http://{host}:{port}"
    # Only the demo migrates (its database is fresh): a production database is brought up
    # to date once, by `fairscreen db upgrade`, not by every process that starts.
    services = (
        _demo(settings, examples, console, base)
        if demo
        else build_services(settings, migrate=False, require_schema=True)
    )
    _refuse_a_log_gone_back(services)
    from fairscreen.adapters.jobs import InProcessQueue

    in_process = isinstance(services.jobs, InProcessQueue)
    if not in_process:  # PostgreSQL: the job queue's workers do the background work
        console.print(
            "background tasks and the ledger's sequencer: "
            "run `fairscreen worker` beside this server"
        )
    app = create_app(
        services,
        scheduler_interval=(scheduler_interval or None) if in_process else None,
        sequencer_interval=serve_sequencer_interval(
            sequencer_interval, settings.serve_sequencer_interval, in_process=in_process
        ),
        trusted_proxies=settings.trusted_proxy_list,
        metrics_allow=settings.metrics_allow_list,
        token_reads_on_loop=True,
    )
    console.print(f"fairscreen on {base}: web portals at {base}/ · API at {base}/docs")
    server.run(app, host=host, port=port, log_format=settings.log_format)


#: Seconds between the sequencer's rounds in ``serve`` on SQLite, where no worker runs.
SQLITE_SEQUENCER_INTERVAL = 0.2


def serve_sequencer_interval(
    option: float | None, setting: float | None, *, in_process: bool
) -> float | None:
    """Seconds between the rounds of ``serve``'s own sequencer thread; None: no thread.
    ``--sequencer-interval`` first, then ``FAIRSCREEN_SERVE_SEQUENCER_INTERVAL``, else: on
    SQLite (background work ``in_process``) every 0.2 s; on PostgreSQL none, as
    ``fairscreen worker`` runs the sequencer. There a thread in every ``serve`` only
    polled the lease five times a second beside the worker's (one sequencer works at a
    time), and, when it won the lease, integrated and published on a request-serving
    process's CPU (docs/operations.md, 'Where a lifecycle's server CPU goes')."""
    for chosen in (option, setting):
        if chosen is not None:
            return chosen or None
    return SQLITE_SEQUENCER_INTERVAL if in_process else None


def _refuse_a_log_gone_back(services: Any) -> None:
    """Serve nothing from a database older than the log it replaced (a restore of an old
    backup): it would revive revoked cases and hand out receipts for indices the newer log
    already signed. One line says how to recover (docs/operations.md, 'Restoring')."""
    from fairscreen.domain.errors import LogRolledBack
    from fairscreen.entrypoints.cli.exits import fail
    from fairscreen.services.transparency import follow_high_water

    try:
        follow_high_water(services)
    except LogRolledBack as error:
        services.engine.dispose()
        fail(error)


def _demo(settings: Any, examples: Path | None, console: Console, base: str) -> Any:
    import dataclasses

    from fairscreen.adapters.high_water import FileMarkStore, mark_path
    from fairscreen.adapters.notify import ConsoleFileNotifier
    from fairscreen.adapters.secret_files import private_directory
    from fairscreen.bootstrap import build_services
    from fairscreen.config import Settings
    from fairscreen.services.demo_seed import fresh_sign_in_codes, seed_demo
    from fairscreen.services.worked_examples import worked_examples

    data_dir: Path = settings.data_dir
    private_directory(data_dir)
    database_url = _demo_database(settings)
    if "database_url" not in settings.model_fields_set:
        # demo.db was just replaced by an empty one on purpose: its old mark goes with it
        FileMarkStore(mark_path(data_dir, settings.ledger_origin, database_url)).forget()
    demo_settings = Settings(
        environment="development", database_url=database_url, data_dir=data_dir, public_url=base
    )
    notifier = _DemoNotifier(ConsoleFileNotifier(data_dir / "notifications.jsonl", echo=False))
    paths = worked_examples(examples)
    seed = seed_demo(
        lambda clock, sources: build_services(
            demo_settings, sources=sources, clock=clock, notifier=notifier
        ),
        paths,
    )
    svc = seed.services
    # the demo's development outbox page exists for this service only (adapters/messages.py)
    svc.config = dataclasses.replace(svc.config, demo=True)
    sessions = fresh_sign_in_codes(svc, seed.candidates)

    import sqlalchemy as sa

    shown = sa.make_url(database_url).render_as_string(hide_password=True)
    console.print(f"[bold]demo database[/bold]: {shown} (demo only: tokens below are real)")
    # Plain lines, not a table: tokens and links must be copyable whole at any width.
    typer.echo("sign in (the token rides in the URL fragment: the browser never sends it):")
    for role, token in seed.tokens.items():
        link = f"{base}/sign-in#token={token}" if role != "operator" else "(API only)"
        typer.echo(f"  {role:<10} {link}")
        typer.echo(f"  {'':<10} API: Authorization: Bearer {token}")
    typer.echo("candidates (each code works with its link only, for 10 minutes):")
    for label, candidate_id in seed.candidates.items():
        code = notifier.codes.get(svc.pseudonym("subj", candidate_id), "-")
        link = (
            f"{base}/candidate/sign-in#candidate_id={candidate_id}"
            f"&code_session={sessions[candidate_id]}"
        )
        typer.echo(f"  {label:<10} {link}  code {code}")
    typer.echo("  new codes: POST /v1/auth/candidate/code (written to notifications.jsonl)")
    typer.echo(
        f"development outbox (the invited candidate's SMS: open its link): {base}/dev/outbox"
    )
    for link in notifier.referee_links:
        typer.echo(f"referee's questionnaire (single use, from notifications.jsonl): {base}{link}")
    cases = Table("state", "case_id")
    for state, case_id in seed.cases.items():
        cases.add_row(state, case_id)
    console.print(cases)
    return svc


def _demo_database(settings: Any) -> str:
    """The URL the demo seeds: the one named (``--database-url`` or the variable), which
    must hold nothing yet, or a fresh ``<data dir>/demo.db``."""
    from fairscreen.adapters.db.engine import holds_tables
    from fairscreen.domain.errors import InvalidInput

    if "database_url" in settings.model_fields_set:
        if holds_tables(settings.database_url):
            raise InvalidInput(
                "already holds tables; the demo seeds only an empty database (name a new "
                "one, or leave FAIRSCREEN_DATABASE_URL unset for a fresh <data dir>/demo.db)",
                field="database-url",
            )
        return str(settings.database_url)
    database = settings.data_dir / "demo.db"
    for leftover in (
        database,
        database.with_name("demo.db-wal"),
        database.with_name("demo.db-shm"),
    ):
        leftover.unlink(missing_ok=True)
    return f"sqlite:///{database}"


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
