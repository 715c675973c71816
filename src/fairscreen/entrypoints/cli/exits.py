"""Exit codes for the CLI, mapped from the error family in one place.

0 success · 1 a check found problems (verify, audit) · 2 invalid input · 3 the check may
not run (no valid authorization) · 70 an internal error (no traceback reaches the user).
"""

from __future__ import annotations

import sys
from typing import NoReturn

import typer
from alembic.util.exc import CommandError
from pydantic import ValidationError
from sqlalchemy.exc import ArgumentError, OperationalError

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


def _setting(error: ValidationError) -> str:
    """A settings error as the environment variable it came from, never its value."""
    first = error.errors(include_url=False)[0]
    name = "_".join(str(part) for part in first["loc"]).upper()
    return f"FAIRSCREEN_{name}: {first['msg']}"


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
    except ValidationError as error:  # the settings (environment), read at start-up
        print(f"error: {_setting(error)}", file=sys.stderr)
        sys.exit(EXIT_INVALID)
    except ArgumentError:
        print("error: database-url: is not a usable SQLAlchemy URL", file=sys.stderr)
        sys.exit(EXIT_INVALID)
    except OperationalError as error:
        # the driver's first line says why (host, port, file), never a password
        cause = str(getattr(error, "orig", None) or error).strip().splitlines()
        print(
            f"error: the database could not be used: {cause[0] if cause else ''}".rstrip(": "),
            file=sys.stderr,
        )
        sys.exit(EXIT_FINDINGS)
    except CommandError as error:  # alembic: an unknown revision and the like
        print(f"error: revision: {error}", file=sys.stderr)
        sys.exit(EXIT_INVALID)
    except Exception as error:  # noqa: BLE001 - the last guard: report, never a traceback
        print(f"internal error: {type(error).__name__}", file=sys.stderr)
        sys.exit(EXIT_INTERNAL)
