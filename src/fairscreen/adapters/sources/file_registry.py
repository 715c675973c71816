"""A registry source read from JSON fixture files: the demo's courts, degree registry,
employers, licence and enforcement registers and reference interviews (issue 4 item 3).

One file per register (``courts.json``, ``degrees.json``, …)::

    {
      "schema": "fairscreen/source-fixture/v1",
      "category": "litigation",
      "source": {"id": "court-judgments", "kind": "registry"},
      "synthetic": true,
      "records": [ <case-file records of that category, case.schema.json> ]
    }

The source answers by national ID (normalised as the domain does). Identity matching
proper – strong or weak, PRODUCT.md P3 – stays with the domain; the registry never answers
on name and birth date alone. The identity register is special: its fixture holds ID number
and name, and the answer computes ``match`` / ``mismatch`` against the queried name, as a
real ID-verification service does; on a mismatch the holder's real name is not returned
(data minimisation, PIPL art. 6).

A category with no fixture file answers ``source_unavailable`` (``NOT_COVERED``), never
``not_found``: the rating reads ``not_found`` as "clean".

The shipped fixtures (``fairscreen/data/sources/demo``) describe synthetic people only: their
ID numbers carry the area code 999999, which no region has.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import datetime
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from fairscreen.adapters.sources.port import (
    QueryPermit,
    RecordShapeError,
    SourceAnswer,
    SourceQuery,
    UnavailableReason,
    check_permit,
    check_record,
    unavailable,
    utc_now,
)
from fairscreen.domain.categories import Category, RecordStatus, SourceKind
from fairscreen.domain.errors import InvalidInput
from fairscreen.domain.identity import normalize_id_number, normalize_name

FIXTURE_SCHEMA = "fairscreen/source-fixture/v1"
_ALL_KINDS = frozenset(SourceKind)


def demo_fixtures() -> Traversable:
    """The folder of the shipped synthetic fixtures."""
    return files("fairscreen").joinpath("data", "sources", "demo")


class _Register:
    def __init__(self, source: dict[str, str]) -> None:
        self.source = source
        self.by_id: dict[str, list[dict[str, Any]]] = {}


class FileRegistrySource:
    """:class:`~fairscreen.adapters.sources.port.SourcePort` over a folder of fixtures.

    The folder is read once, at construction: a malformed fixture is a configuration error
    (``INVALID_INPUT`` naming the file and path), raised at start-up rather than mid-case.
    """

    def __init__(
        self,
        directory: Path | Traversable,
        *,
        source_id: str = "file-registry",
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self._source_id = source_id
        self._now = now
        self._registers: dict[Category, _Register] = {}
        for entry in sorted(directory.iterdir(), key=lambda item: item.name):
            if entry.name.endswith(".json") and entry.is_file():
                self._load(entry)

    @classmethod
    def demo(cls, *, now: Callable[[], datetime] = utc_now) -> FileRegistrySource:
        """The registry over the shipped synthetic fixtures."""
        return cls(demo_fixtures(), source_id="demo-registry", now=now)

    @property
    def source_id(self) -> str:
        return self._source_id

    @property
    def categories(self) -> frozenset[Category]:
        return frozenset(self._registers)

    def _load(self, entry: Path | Traversable) -> None:
        name = entry.name
        try:
            document = json.loads(entry.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise InvalidInput("not a readable JSON fixture", field=name) from exc
        if not isinstance(document, dict) or document.get("schema") != FIXTURE_SCHEMA:
            raise InvalidInput(f"schema must be {FIXTURE_SCHEMA}", field=f"{name}:schema")
        try:
            category = Category(str(document.get("category")))
        except ValueError as exc:
            raise InvalidInput("unknown category", field=f"{name}:category") from exc
        source = document.get("source")
        if not (isinstance(source, dict) and isinstance(source.get("id"), str)):
            raise InvalidInput("must name the source id and kind", field=f"{name}:source")
        records = document.get("records")
        if not isinstance(records, list):
            raise InvalidInput("must be a list", field=f"{name}:records")
        register = self._registers.setdefault(category, _Register(dict(source)))
        for index, record in enumerate(records):
            path = f"{name}:records[{index}]"
            if category is Category.IDENTITY and isinstance(record, dict):
                # The identity register computes its answer: a placeholder keeps the
                # shape check honest about everything else.
                record = {**record, "data": {"result": "match"}}
            try:
                checked = check_record(record, path, kinds=_ALL_KINDS)
            except RecordShapeError as exc:
                raise InvalidInput(str(exc).split(": ", 1)[1], field=exc.path) from exc
            if checked["category"] != category:
                raise InvalidInput(f"must be {category}", field=f"{path}.category")
            national_id = checked.get("identity", {}).get("national_id")
            if not national_id:
                raise InvalidInput(
                    "a fixture record needs identity.national_id", field=f"{path}.identity"
                )
            register.by_id.setdefault(normalize_id_number(national_id), []).append(checked)

    def fetch(self, query: SourceQuery, permit: QueryPermit | None) -> SourceAnswer:
        """Records of the queried category held for the subject's national ID."""
        check_permit(permit, query, at=self._now())
        register = self._registers.get(query.category)
        if register is None:
            return unavailable(
                self._source_id, SourceKind.REGISTRY, query.category, UnavailableReason.NOT_COVERED
            )
        kind = SourceKind(register.source.get("kind", SourceKind.REGISTRY))
        held = register.by_id.get(normalize_id_number(query.subject.national_id), [])
        if not held:
            return SourceAnswer(
                register.source["id"], kind, query.category, RecordStatus.NOT_FOUND, attempts=1
            )
        if query.category is Category.IDENTITY:
            records = tuple(self._verify_identity(record, query) for record in held)
        else:
            records = tuple(copy.deepcopy(record) for record in held)
        return SourceAnswer(
            register.source["id"], kind, query.category, RecordStatus.OK, records, attempts=1
        )

    @staticmethod
    def _verify_identity(record: dict[str, Any], query: SourceQuery) -> dict[str, Any]:
        held = record["identity"]
        matches = normalize_name(held.get("name", "")) == normalize_name(query.subject.name)
        identity = {"national_id": held["national_id"]}
        if matches:
            identity["name"] = held["name"]
        return {
            "id": record["id"],
            "category": record["category"],
            "source": dict(record["source"]),
            "identity": identity,
            "data": {"result": "match" if matches else "mismatch"},
        }
