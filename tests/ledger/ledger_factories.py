"""Factories of the ledger tests: pseudonyms, times and guarded entries."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from fairscreen.ledger.entries import encode_entry

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def pseudonym(prefix: str, name: str) -> str:
    return f"{prefix}_{hashlib.sha256(name.encode()).hexdigest()[:32]}"


def at(days: float = 0, hours: float = 0) -> str:
    moment = T0 + timedelta(days=days, hours=hours)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def entry(
    type_: str,
    case: str = "a",
    *,
    role: str = "agency",
    actor: str = "usr_agent",
    when: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    prefix, _, name = actor.partition("_")
    return {
        "v": 1,
        "type": type_,
        "case": pseudonym("case", case),
        "actor": {"role": role, "pseudonym": pseudonym(prefix, name)},
        "at": when or at(),
        "digest": hashlib.sha256(f"{type_}{case}{when}".encode()).hexdigest(),
        **fields,
    }


def encoded(mapping: dict[str, Any]) -> bytes:
    return encode_entry(mapping)
