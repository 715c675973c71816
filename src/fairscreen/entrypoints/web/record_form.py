"""The agency's correction of a disputed record as a form (issue 14 item 1), never raw
JSON: one field per key of the category's ``data`` shape, read from the published case
schema (``fairscreen/data/schema/case.schema.json``, the shape the service validates),
typed and constrained in the browser as in the schema (required, enum, integer, pattern),
and the source chosen from a list.

The record's identity (the national ID number a source matched on) is never on the form:
the corrected record keeps the held one's, server-side. The service validates the
records it is given exactly as before (``review.resolve_dispute``), so the form is a
convenience over the same rules, not a second set of them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from fairscreen.domain.categories import Category, SourceKind
from fairscreen.domain.errors import InvalidInput

#: The kinds an agency may name as the source of a correction (a candidate's own word is
#: their dispute statement, not a source).
SOURCE_KINDS = (SourceKind.REGISTRY, SourceKind.ISSUER, SourceKind.WITNESS)
STATUSES = ("ok", "not_found")


@dataclass(frozen=True, slots=True)
class DataField:
    name: str
    kind: str  # string, integer, boolean, enum; "kept": a list or object, kept as held
    options: tuple[str, ...] = ()
    required: bool = False
    pattern: str | None = None
    nullable: bool = False

    @property
    def label(self) -> str:
        """The catalogue key of the field's name on the form (``catalogs/verifier.json``)."""
        return f"field.{self.name}"

    def option(self, value: str) -> str:
        """The catalogue key of one of an enum field's values: a degree's as the
        candidate's report names it, an offence group's as a cause group's (one list)."""
        prefix = OPTION_KEYS.get(self.name, f"field.{self.name}.")
        return f"{prefix}{value}"


#: The field a claim-based category's record is matched to its claim on (PRODUCT.md P3,
#: "Matching claims to records": trimmed, case-folded, Unicode NFKC), shown on the form
#: beside the claimed value so a correction is entered to match it.
MATCHED_BY = {
    Category.EDUCATION.value: "institution",
    Category.EMPLOYMENT_HISTORY.value: "employer",
    Category.PROFESSIONAL_LICENSE.value: "number",
}
#: Enum fields whose values share the names of another list's (``DataField.option``).
OPTION_KEYS = {"degree": "degree.", "offence_group": "field.cause_group."}


def _field(name: str, spec: Mapping[str, Any], required: bool) -> DataField:
    variants = spec.get("anyOf") or [spec]
    nullable = any(v.get("type") == "null" for v in variants)
    main: Mapping[str, Any] = next((v for v in variants if v.get("type") != "null"), {})
    if "enum" in main:
        return DataField(name, "enum", tuple(str(o) for o in main["enum"]), required)
    kind = main.get("type", "string")
    if kind in ("array", "object"):
        kind = "kept"  # e.g. a reference's statements: corrected by removing, not editing
    elif kind not in ("string", "integer", "boolean"):
        kind = "string"
    return DataField(name, kind, (), required, main.get("pattern"), nullable)


@cache
def data_fields(category: str) -> tuple[DataField, ...]:
    """The ``data`` fields of ``category`` as case.schema.json defines them (none for a
    category whose data the schema leaves free)."""
    text = resources.files("fairscreen").joinpath("data/schema/case.schema.json").read_text()
    records = json.loads(text)["properties"]["records"]["items"]
    for branch in records.get("allOf", []):
        condition = branch["if"]["properties"]["category"]
        if condition.get("const") != category:
            continue
        data = branch["then"]["properties"]["data"]
        required = set(data.get("required", []))
        return tuple(
            _field(name, spec, name in required) for name, spec in data["properties"].items()
        )
    return ()


def source_options(held: Mapping[str, Any], configured: str | None) -> list[dict[str, str]]:
    """The sources a correction may name: the held record's, then the source the service
    queries for the category, as each kind of source."""
    options = [{"id": str(held["source"]["id"]), "kind": str(held["source"]["kind"])}]
    if configured:
        options += [{"id": configured, "kind": kind.value} for kind in SOURCE_KINDS]
    unique: list[dict[str, str]] = []
    for option in options:
        if option not in unique:
            unique.append(option)
    return unique


def _value(field: DataField, raw: str, where: str) -> Any:
    text = raw.strip()
    if not text:
        if field.required:
            raise InvalidInput("required", field=where, key="input.required")
        return None
    if field.kind == "integer":
        if not text.lstrip("-").isdigit():
            raise InvalidInput("must be a whole number", field=where, key="input.must_whole_number")
        return int(text)
    if field.kind == "boolean":
        if text not in ("true", "false"):
            raise InvalidInput("must be yes or no", field=where, key="input.must_yes_no")
        return text == "true"
    if field.kind == "enum" and text not in field.options:
        raise InvalidInput(
            "must be one of {choices}",
            field=where,
            key="input.must_one_choices",
            choices=", ".join(field.options),
        )
    return text


def corrected_records(
    form: Callable[[str], str],
    held: Sequence[Mapping[str, Any]],
    sources: Mapping[str, list[dict[str, str]]],
) -> list[dict[str, Any]]:
    """The records the form describes: for each held record (by its position), its
    status, its source (one of ``sources[record id]``) and its data fields; identity and
    everything else not on the form is the held record's."""
    records = []
    for position, record in enumerate(held):
        prefix = f"rec-{position}"
        where = f"corrected_records[{position}]"
        if form(f"{prefix}-id") != record["id"]:
            raise InvalidInput(
                "the form does not match the records held",
                field=where,
                key="input.form_does_not_match_records",
            )
        status = form(f"{prefix}-status") or "ok"
        if status not in STATUSES:
            raise InvalidInput(
                "must be ok or not_found", field=f"{where}.status", key="input.must_ok_not_found"
            )
        choice = form(f"{prefix}-source")
        offered = {f"{o['id']}|{o['kind']}": o for o in sources[record["id"]]}
        if choice not in offered:
            raise InvalidInput(
                "must be one of the sources listed",
                field=f"{where}.source",
                key="input.must_one_sources_listed",
            )
        corrected = {
            k: v for k, v in record.items() if k not in ("data", "status", "source", "new")
        }
        source = dict(record["source"]) if offered[choice] == sources[record["id"]][0] else {}
        source.update(offered[choice])
        corrected["source"] = source
        corrected["status"] = status
        fields = data_fields(str(record["category"]))
        if status == "ok" and fields:
            data = {}
            held_data = record.get("data") or {}
            for field in fields:
                if field.kind == "kept":
                    if field.name in held_data:
                        data[field.name] = held_data[field.name]
                    continue
                named = f"{where}.data.{field.name}"
                value = _value(field, form(f"{prefix}-data-{field.name}"), named)
                if value is not None or field.nullable:
                    data[field.name] = value
            corrected["data"] = data
        elif status == "ok":  # a shape the schema leaves free: kept as held
            corrected["data"] = record.get("data", {})
        records.append(corrected)
    return records


def new_record(
    finding: Mapping[str, Any], claim: Mapping[str, Any] | None, configured: str | None
) -> dict[str, Any]:
    """The record a correction offers for a finding that has none held (a claimed spell of
    employment nobody confirmed): of the finding's category, from the source the service
    queries for it (the verifier chooses its kind), its data prefilled from the
    candidate's claim where a field of the record's shape has the claim's name (employer,
    institution, title, dates, licence number) so that, entered unchanged, it matches the
    claim (PRODUCT.md P3, "Matching claims to records"). Its id is the finding's, marked
    new; the service binds it to the candidate (``review.bound_to_candidate``)."""
    category = str(finding["category"])
    names = {f.name for f in data_fields(category) if f.kind != "kept"}
    data = {k: v for k, v in (claim or {}).items() if k in names and v is not None}
    return {
        "id": f"{finding['id']}-new",
        "category": category,
        "source": {"id": configured or "verifier", "kind": SourceKind.ISSUER.value},
        "status": "ok",
        "data": data,
        "new": True,
    }


def form_records(
    held: Sequence[Mapping[str, Any]],
    finding: Mapping[str, Any] | None,
    claim: Mapping[str, Any] | None,
    configured: Callable[[str], str | None],
) -> list[dict[str, Any]]:
    """The records a correction form shows for a finding: those held, a held one without
    data (a source that found nothing) filled from the claim as a new one would be; or,
    when none is held, one new record of its category (``new_record``); none without a
    finding."""
    if not finding:
        return [dict(r) for r in held]
    if not held:
        return [new_record(finding, claim, configured(str(finding["category"])))]
    filled = new_record(finding, claim, None)["data"]
    return [dict(r) if r.get("data") else {**dict(r), "data": filled} for r in held]


def record_sources(
    held: Sequence[Mapping[str, Any]], configured: Callable[[str], str | None]
) -> dict[str, list[dict[str, str]]]:
    """Per held record id, the sources its correction may name."""
    return {
        str(record["id"]): source_options(record, configured(str(record["category"])))
        for record in held
    }


def configured_source(sources: Mapping[Category, Any]) -> Callable[[str], str | None]:
    """The id of the source the service queries for a category (None: none configured)."""

    def lookup(category: str) -> str | None:
        try:
            port = sources.get(Category(category))
        except ValueError:
            return None
        return str(port.source_id) if port is not None else None

    return lookup
