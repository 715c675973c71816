"""schemathesis against the OpenAPI document: generated requests to every operation, each
with a token of a role the operation allows, must never get a 5xx and every response must
match the document (status, content type, schema). Bounded and deterministic
(``derandomize``), valid and invalid requests, on one SQLite database holding a
released case."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from api.conftest import Api, build_api, released_case

EXAMPLES = 12
#: valid requests (they must pass validation) and invalid ones (they must be refused
#: with a documented problem, never a 5xx)
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
WHO_FOR_ROLE = {
    "operator": "operator",
    "employer": "employer",
    "agency": "agency",
    "candidate": "candidate",
    "regulator": "regulator",
}


@pytest.fixture(scope="module")
def fuzz_api(tmp_path_factory: pytest.TempPathFactory) -> Api:
    folder: Path = tmp_path_factory.mktemp("fuzz")
    built = build_api(f"sqlite:///{folder / 'fuzz.db'}", folder)
    released_case(built)
    return built


def test_no_5xx_and_every_response_matches_the_document(fuzz_api: Api) -> None:
    loaded = schemathesis.openapi.from_asgi("/openapi.json", fuzz_api.client.app)
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]
    fuzzed = []
    operations = [result.ok() for result in loaded.get_all_operations()]
    for operation, mode in itertools.product(operations, MODES):
        if (operation.method.upper(), operation.path) == ("DELETE", "/v1/auth/token"):
            continue  # signing out would revoke the token the rest of the run uses
        roles = operation.definition.raw.get("x-roles", [])
        headers = fuzz_api.h(WHO_FOR_ROLE[roles[0]]) if roles else {}

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.explicit, Phase.generate],
        )
        def fuzz(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=checks)  # noqa: B023 - run at once

        try:
            fuzz()
        except Unsatisfiable:
            # Nothing to get wrong: an operation without parameters or body has no
            # invalid request to generate.
            assert mode is GenerationMode.NEGATIVE
            continue
        fuzzed.append(operation.label)
    assert len(set(fuzzed)) >= 40
