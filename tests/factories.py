"""Synthetic case files for tests: one fictional subject, helpers for every record kind.

Nobody here is real: the ID numbers use the 999999 area code that no region has.
"""

from __future__ import annotations

import copy
import json
from typing import Any

SUBJECT = {"name": "测试甲", "national_id": "99999919900101001X", "birth_date": "1990-01-01"}
OTHER_ID = "999999198502020028"
STRONG = {"national_id": SUBJECT["national_id"], "name": SUBJECT["name"]}
WEAK = {"name": SUBJECT["name"], "birth_date": SUBJECT["birth_date"]}
UNMATCHED = {"national_id": OTHER_ID, "name": SUBJECT["name"]}

JUSTIFY = "the role needs this check for the labour contract"
ALL_PERMITTED = [
    "identity",
    "education",
    "employment_history",
    "professional_license",
    "litigation",
    "enforcement",
    "reference",
]


def role(
    tier: str = "standard", categories: list[str] | None = None, **extra: Any
) -> dict[str, Any]:
    chosen = categories if categories is not None else ALL_PERMITTED
    body: dict[str, Any] = {}
    for category in chosen:
        body[category] = {"justification": JUSTIFY}
        if category in ("criminal_record", "health_certificate"):
            body[category]["legal_basis"] = "a law that requires this check for the job"
    return {"id": "test-role", "title": "test role", "tier": tier, "categories": body, **extra}


def authorization(categories: list[str], **extra: Any) -> dict[str, Any]:
    sensitive = [c for c in categories if c in ("criminal_record", "credit", "health_certificate")]
    return {
        "employer_id": "emp-co",
        "purpose": "pre-employment screening for the offered role",
        "categories": categories,
        "sensitive_categories_consented": sensitive,
        "signed_at": "2024-03-01T09:00:00+08:00",
        "expires_at": "2024-03-31T09:00:00+08:00",
        "revoked_at": None,
        **extra,
    }


def case(
    records: list[dict[str, Any]] | None = None,
    *,
    tier: str = "standard",
    categories: list[str] | None = None,
    claims: dict[str, Any] | None = None,
    as_of: str = "2024-03-15",
    **extra: Any,
) -> dict[str, Any]:
    chosen = categories if categories is not None else ALL_PERMITTED
    document: dict[str, Any] = {
        "schema": "fairscreen/case/v1",
        "case_id": "test-case",
        "as_of": as_of,
        "employer": {"id": "emp-co", "name": "测试公司"},
        "role": role(tier, chosen),
        "subject": dict(SUBJECT),
        "claims": claims or {},
        "authorization": authorization(chosen),
        "requested_categories": list(chosen),
        "records": records or [],
    }
    document.update(extra)
    return document


def record(
    rid: str,
    category: str,
    data: dict[str, Any] | None = None,
    *,
    kind: str = "registry",
    identity: dict[str, Any] | None = None,
    status: str | None = None,
    person: str | None = None,
    source_id: str | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": rid,
        "category": category,
        "source": {"id": source_id or f"{category}-source", "kind": kind},
        "identity": dict(STRONG if identity is None else identity),
    }
    if person is not None:
        body["source"]["person_id"] = person
    if status is not None:
        body["status"] = status
    if data is not None:
        body["data"] = data
    return body


def identity_ok(rid: str = "id-1", result: str = "match") -> dict[str, Any]:
    return record(rid, "identity", {"result": result})


def litigation(
    rid: str = "lit-1",
    *,
    cause: str = "合同诈骗罪",
    party_role: str = "defendant",
    outcome: str = "judgment_against",
    case_type: str = "civil",
    decided_on: str | None = "2022-06-01",
    **extra: Any,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "case_no": f"(2022)测0000民初{abs(hash(rid)) % 10000}号",
        "case_type": case_type,
        "cause": cause,
        "party_role": party_role,
        "outcome": outcome,
        **extra,
    }
    if decided_on:
        data["decided_on"] = decided_on
    return record(rid, "litigation", data)


def statement(
    text: str, assertion: str | None = None, polarity: str = "negative"
) -> dict[str, Any]:
    body: dict[str, Any] = {"text": text, "polarity": polarity}
    if assertion:
        body["assertion"] = assertion
    return body


def witness(rid: str, person: str, *statements: dict[str, Any]) -> dict[str, Any]:
    return record(
        rid,
        "reference",
        {"relation": "former colleague", "statements": list(statements)},
        kind="witness",
        person=person,
    )


def dumps(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def with_changes(document: dict[str, Any], **changes: Any) -> dict[str, Any]:
    copied = copy.deepcopy(document)
    copied.update(changes)
    return copied
