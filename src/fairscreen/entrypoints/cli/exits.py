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


def run_guarded(app: typer.Typer) -> None:
    """Run the Typer app so that no traceback ever reaches a user."""
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
        print(f"internal error: {type(error).__name__}", file=sys.stderr)
        sys.exit(EXIT_INTERNAL)
