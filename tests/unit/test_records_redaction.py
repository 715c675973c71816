"""What of a source's answer is stored (services/records.py, PRODUCT.md P3): the same drops
as the offline evaluation, made before anything is written."""

from __future__ import annotations

from typing import Any

from fairscreen.domain.topics import default_classifier
from fairscreen.services.records import redact_for_storage


def reference(*statements: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "ref-1",
        "category": "reference",
        "source": {"id": "interview", "kind": "witness", "person_id": "p-1"},
        "data": {"relation": "former colleague", "statements": list(statements)},
    }


def test_statements_on_a_prohibited_topic_lose_their_text_before_storage() -> None:
    original = reference(
        {"text": "多次未按期交付项目。", "topic": "job_performance", "assertion": "late"},
        {"text": "她最近在备孕。", "topic": "job_performance"},
        {"text": "He is a terrible golfer.", "topic": "Hobbies", "polarity": "negative"},
        {"text": "表现一般。", "topic": "marital_status"},
    )
    [stored] = redact_for_storage([original], {"reference"}, default_classifier())
    assert stored["data"]["statements"] == [
        {"text": "多次未按期交付项目。", "topic": "job_performance", "assertion": "late"},
        {"text": "", "topic": "pregnancy_or_fertility"},
        {"text": "", "topic": "private_life"},
        {"text": "", "topic": "marital_status"},
    ]
    assert original["data"]["statements"][2]["text"] == "He is a terrible golfer."  # a copy


def test_out_of_scope_and_prohibited_records_are_not_stored_and_health_fields_are_blanked() -> None:
    health = {
        "id": "hc-1",
        "category": "health_certificate",
        "source": {"id": "cdc", "kind": "registry"},
        "data": {"certificate_no": "HC-1", "valid_until": "2030-01-01", "diagnosis": "x"},
    }
    religion = {"id": "rel-1", "category": "religion", "source": {"id": "s", "kind": "witness"}}
    stored = redact_for_storage(
        [reference(), religion, health], {"health_certificate", "religion"}, default_classifier()
    )
    assert [r["id"] for r in stored] == ["hc-1"]
    assert stored[0]["data"] == {
        "certificate_no": "HC-1",
        "valid_until": "2030-01-01",
        "diagnosis": None,
    }
