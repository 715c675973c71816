"""Running the app: one uvicorn worker, for ``fairscreen serve`` and the HTTP benchmark.

Before serving, the heap built at start-up (modules, the app and its routes, SQLAlchemy's
metadata, the rulebook, the topic lexicon; ~100,000 objects) is collected once and frozen
(``gc.freeze``): the cyclic garbage collector then never walks it again. Without that,
every full collection walked it all, pausing the one worker for 30–55 ms every few
seconds; at 200 report reads/s each pause left a queue that took ~150 ms to drain, and
those requests made the p99. Objects created while serving are collected as before.
"""

from __future__ import annotations

import gc

from fastapi import FastAPI

from fairscreen.entrypoints.api.observability import LogFormat, configure_logging


def compile_on_start(app: FastAPI) -> None:
    """Compile what the services would otherwise compile on first use (the topic
    lexicon: ~0.4 s), so the first request does not pay it and the compiled patterns are
    part of the frozen heap."""
    services = getattr(app.state, "services", None)
    compile_all = getattr(getattr(services, "classifier", None), "compile_all", None)
    if callable(compile_all):
        compile_all()


def freeze_startup_heap() -> None:
    """Collect once, then move every object alive now out of the collector's reach."""
    gc.collect()
    gc.freeze()


def run(
    app: FastAPI,
    *,
    host: str,
    port: int,
    log_level: str = "info",
    log_format: LogFormat = "text",
) -> None:
    """Serve ``app`` on ``host:port`` in this process (one worker), every log line in
    ``log_format`` (entrypoints/api/observability.py)."""
    import uvicorn

    configure_logging(log_format, log_level)
    compile_on_start(app)
    freeze_startup_heap()
    # proxy_headers=False: uvicorn would otherwise believe X-Forwarded-For from loopback;
    # the app believes it only from the proxies the operator lists (create_app).
    uvicorn.run(
        app,
        host=host,
        port=port,
        workers=1,
        log_level=log_level,
        access_log=False,
        proxy_headers=False,
        log_config=None,  # configure_logging's handler, for uvicorn's loggers too
    )
