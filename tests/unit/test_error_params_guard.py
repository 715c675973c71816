"""The guard every test runs under (``conftest._error_params_are_codes``) tells codes from
personal data, and reports a value by its shape only."""

from __future__ import annotations

import uuid

import pytest

from error_params import is_code_param, shape


@pytest.mark.parametrize(
    "value",
    [
        "pre_adverse_wait",
        "criminal_record",
        "records[3].data.cause",
        "2026-12-05",
        "case-7f3a",
        str(uuid.UUID(int=0x12345678_1234_1234_1234_123456789012)),
        "L3",
        "'criminal_record', 'credit' or 'education'",
        "zh-Hans, en, zh-Hant",
        "HTTP 503, after 3 attempts",
        "could not connect (ConnectError)",
        "",
        42,
        0,
    ],
)
def test_codes_ids_paths_dates_and_numbers_pass(value: object) -> None:
    assert is_code_param(value)


@pytest.mark.parametrize(
    "value",
    [
        "测试甲",  # a name
        "Test Person",  # a name with a space
        "someone@example.test",  # an e-mail
        "13800000000",  # a mobile number
        "99999919900101001X",  # an ID number
        "+86 10 0000 0000",  # a phone written in groups
        "call 13800000000 after 3 attempts",  # a mobile number among words
        "Person",  # a capitalised name
        None,
        3.5,
    ],
)
def test_names_contacts_and_id_numbers_fail(value: object) -> None:
    assert not is_code_param(value)


def test_a_failing_value_is_reported_by_its_shape_only() -> None:
    assert shape("测试甲 x@y.z 138") == "字字字 a@a.a 999"
