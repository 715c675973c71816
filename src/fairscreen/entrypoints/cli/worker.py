"""``fairscreen worker [--concurrency 2] [--once]``: the background tasks on the job queue
(procrastinate on PostgreSQL; entrypoints/worker.py). Stops cleanly on SIGTERM or
Ctrl-C: the running jobs finish, the long-running loops are told to stop."""

from __future__ import annotations

from typing import Annotated

import typer


def worker(
    concurrency: Annotated[
        int, typer.Option("--concurrency", min=1, max=64, help="jobs run at once")
    ] = 2,
    once: Annotated[
        bool,
        typer.Option("--once", help="run one of every sweep and every due job, then exit"),
    ] = False,
) -> None:
    """Run releases, purges, checkpoints and webhook deliveries from the job queue
    (PostgreSQL). On SQLite ``serve`` runs them itself."""
    import asyncio
    import signal

    from fairscreen.bootstrap import build_services
    from fairscreen.config import Settings
    from fairscreen.domain.errors import InvalidInput
    from fairscreen.entrypoints.api.observability import configure_logging
    from fairscreen.entrypoints.cli.exits import fail
    from fairscreen.entrypoints.worker import run_worker

    settings = Settings()
    if not settings.database_url.startswith("postgresql"):
        fail(
            InvalidInput(
                "the job queue needs PostgreSQL; on SQLite `fairscreen serve` runs the "
                "background tasks itself",
                field="database-url",
            )
        )
    services = build_services(settings, migrate=False, require_schema=True)
    # Once it can run (a refusal above stays one line), the same lines as serve's
    # (FAIRSCREEN_LOG_FORMAT: text or JSON, with the time), not Python's bare last-resort
    # handler, which dropped everything below a warning.
    configure_logging(settings.log_format)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for number in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(number, stop.set)
        await run_worker(services, concurrency=concurrency, once=once, stop=stop)

    try:
        asyncio.run(main())
    finally:
        services.engine.dispose()
    typer.echo("worker stopped")


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)
