"""Exit codes for the CLI, mapped from the error family in one place.

0 success · 1 a check found problems (verify, audit) · 2 invalid input · 3 the check may
not run (no valid authorization) · 70 an internal error (no traceback reaches the user).
"""

from __future__ import annotations

import sys
from typing import NoReturn

import typer

from fairscreen.domain.errors import (
    AuthorizationRefused,
    FairscreenError,
    InvalidInput,
    LedgerError,
    NotFound,
    PermissionDenied,
)

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_INVALID = 2
EXIT_REFUSED = 3
EXIT_INTERNAL = 70


def exit_code_for(error: FairscreenError) -> int:
    if isinstance(error, InvalidInput | NotFound | PermissionDenied):
        return EXIT_INVALID
    if isinstance(error, AuthorizationRefused):
        return EXIT_REFUSED
    if isinstance(error, LedgerError):
        return EXIT_FINDINGS
    return EXIT_FINDINGS


def fail(error: FairscreenError) -> NoReturn:
    """Print one line naming the field or rule, then exit with the mapped code."""
    typer.echo(f"error: {error}", err=True)
    raise typer.Exit(exit_code_for(error))


def _imported(module: str, name: str) -> type[BaseException] | None:
    """An exception class of a library, only if the library is loaded already: an error
    of a library nobody imported cannot have happened, and importing SQLAlchemy and
    Alembic here would cost every command (``evaluate`` among them) ~0.25 s."""
    loaded = sys.modules.get(module)
    found = getattr(loaded, name, None) if loaded is not None else None
    return found if isinstance(found, type) and issubclass(found, BaseException) else None


def _known(error: Exception) -> tuple[str, int] | None:
    """A one-line message and exit code for the library errors a user can cause: a bad
    FAIRSCREEN_* setting, an unusable or unreachable database URL, an unknown revision."""
    settings = _imported("pydantic", "ValidationError")
    if settings is not None and isinstance(error, settings):
        first = error.errors(include_url=False)[0]  # type: ignore[attr-defined]
        name = "_".join(str(part) for part in first["loc"]).upper()
        return f"FAIRSCREEN_{name}: {first['msg']}", EXIT_INVALID
    argument = _imported("sqlalchemy.exc", "ArgumentError")
    if argument is not None and isinstance(error, argument):
        return "database-url: is not a usable SQLAlchemy URL", EXIT_INVALID
    driver = _imported("sqlalchemy.exc", "DBAPIError")
    if driver is not None and isinstance(error, driver):
        from fairscreen.adapters.db.engine import storage_problem

        problem = storage_problem(error)
        if problem is not None:  # disk full, read-only: the cause and the remedy
            return str(problem), EXIT_FINDINGS
    operational = _imported("sqlalchemy.exc", "OperationalError")
    if operational is not None and isinstance(error, operational):
        # the driver's first line says why (host, port, file), never a password
        cause = str(getattr(error, "orig", None) or error).strip().splitlines()
        return f"the database could not be used: {cause[0] if cause else ''}".rstrip(
            ": "
        ), EXIT_FINDINGS
    revision = _imported("alembic.util.exc", "CommandError")
    if revision is not None and isinstance(error, revision):
        return f"revision: {error}", EXIT_INVALID
    return None


def run_guarded(app: typer.Typer) -> None:
    """Run the Typer app so that no traceback ever reaches a user: a bad setting, database
    URL or revision is named in one line (exit 2), an unreachable database too (exit 1)."""
    try:
        app(standalone_mode=True)
    except FairscreenError as error:
        fail_code = exit_code_for(error)
        print(f"error: {error}", file=sys.stderr)
        sys.exit(fail_code)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    except Exception as error:  # noqa: BLE001 - the last guard: report, never a traceback
        known = _known(error)
        if known is not None:
            print(f"error: {known[0]}", file=sys.stderr)
            sys.exit(known[1])
        print(f"internal error: {type(error).__name__}", file=sys.stderr)
        sys.exit(EXIT_INTERNAL)
