"""Shared fixtures.

``database_url`` runs a test once on a fresh SQLite file and once on PostgreSQL (a fresh
schema on the server at ``FAIRSCREEN_TEST_POSTGRES_URL``, default the local ``test``
database). Without a reachable server the PostgreSQL half skips with a one-line reason,
except where ``FAIRSCREEN_REQUIRE_POSTGRES=1`` (CI), where it fails.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get(
    "FAIRSCREEN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


PACKAGE_DATA = REPO_ROOT / "src" / "fairscreen" / "data"


# The `train` extra (make test installs it): without it the tests of training/ skip, as
# on a machine that never trains; in CI (FAIRSCREEN_REQUIRE_TRAIN) a missing package
# stops the run instead, so the training code cannot go untested by accident.
TRAIN_EXTRA = ("numpy", "scipy", "sklearn", "opencc", "threadpoolctl")


def pytest_sessionstart(session: pytest.Session) -> None:
    if os.environ.get("FAIRSCREEN_REQUIRE_TRAIN") != "1":
        return
    missing = []
    for name in TRAIN_EXTRA:  # imported, not only found: a broken install must stop too
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    if missing:
        raise pytest.UsageError(
            f"FAIRSCREEN_REQUIRE_TRAIN is set but {', '.join(missing)} is missing: "
            "install the train extra (pip install -e '.[dev,train]')"
        )


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    """The worked court cases the package carries (``fairscreen/data/examples``)."""
    return PACKAGE_DATA / "examples"


@pytest.fixture(scope="session")
def schema_dir() -> Path:
    """The input and output contracts of ``evaluate`` the package carries."""
    return PACKAGE_DATA / "schema"


def _postgres_reachable() -> str | None:
    """None when reachable, else the reason."""
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(sa.text("select 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return f"PostgreSQL not reachable at {POSTGRES_URL.split('@')[-1]}: {type(exc).__name__}"
    return None


@pytest.fixture(scope="session")
def postgres_base_url() -> str:
    reason = _postgres_reachable()
    if reason:
        if os.environ.get("FAIRSCREEN_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return POSTGRES_URL


@contextlib.contextmanager
def _fresh_schema(postgres_base_url: str) -> Iterator[str]:
    """A URL whose connections see only a fresh, empty schema (dropped afterwards)."""
    import sqlalchemy as sa

    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = sa.create_engine(postgres_base_url)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in postgres_base_url else "?"
    try:
        yield f"{postgres_base_url}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def postgres_url(postgres_base_url: str) -> Iterator[str]:
    """A URL whose connections see only a fresh, empty schema (dropped afterwards)."""
    with _fresh_schema(postgres_base_url) as url:
        yield url


@pytest.fixture
def postgres_key_store_url(postgres_base_url: str) -> Iterator[str]:
    """A second fresh schema, for a key store kept in PostgreSQL as production keeps it."""
    with _fresh_schema(postgres_base_url) as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'fairscreen.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """The same test on a real SQLite file and on a real PostgreSQL schema."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(name))


@pytest.fixture(scope="session")
def report_schema_validator(schema_dir: Path) -> object:
    """A validator for ``report.schema.json`` (the output contract of ``evaluate``)."""
    import json

    from jsonschema import Draft202012Validator

    schema = json.loads((schema_dir / "report.schema.json").read_text("utf-8"))
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@pytest.fixture(scope="session")
def case_schema_validator(schema_dir: Path) -> object:
    """A validator for ``case.schema.json`` (the input contract of ``evaluate``)."""
    import json

    from jsonschema import Draft202012Validator

    schema = json.loads((schema_dir / "case.schema.json").read_text("utf-8"))
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@pytest.fixture(autouse=True)
def _logging_as_it_was() -> Iterator[None]:
    """``serve`` configures logging for its process (one handler on the root logger,
    uvicorn's loggers propagating to it); a test that runs it in-process must not leave
    that to the tests after it."""
    root = logging.getLogger()
    loggers = [logging.getLogger(name) for name in ("uvicorn", "uvicorn.error", "uvicorn.access")]
    saved_root = (list(root.handlers), root.level)
    saved = [(lg, list(lg.handlers), lg.propagate, lg.level, lg.disabled) for lg in loggers]
    yield
    root.handlers[:] = saved_root[0]
    root.setLevel(saved_root[1])
    for logger, handlers, propagate, level, disabled in saved:
        logger.handlers[:] = handlers
        logger.propagate = propagate
        logger.setLevel(level)
        logger.disabled = disabled


@pytest.fixture(autouse=True)
def _error_params_are_codes(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every error any test provokes (raised in the test's process, by any layer) carries
    parameters that are codes and numbers only: they reach pages, problem details and
    logs, so one that holds a name or a contact would leak it (``domain/errors.py``). The
    values are checked when the test ends, so the code under test runs as it would."""
    from error_params import is_code_param, shape
    from fairscreen.domain import errors

    seen: list[tuple[str, str, object]] = []

    def recording(cls: type[Exception]) -> None:
        original = cls.__init__

        def init(self: Exception, message: str, *args: Any, **kwargs: Any) -> None:
            original(self, message, *args, **kwargs)  # type: ignore[misc]
            for name, value in getattr(self, "params", {}).items():
                if not is_code_param(value):
                    seen.append((type(self).__name__, name, shape(value)))

        monkeypatch.setattr(cls, "__init__", init)

    recording(errors.FairscreenError)
    recording(errors.InvalidValue)
    yield
    assert not seen, f"error parameters that are not codes or numbers: {seen}"
