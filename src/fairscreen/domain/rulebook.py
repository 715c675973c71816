"""The public rulebook (公开模型逻辑, PRODUCT.md §4), parsed from its TOML bytes.

The rulebook is data: each rule's light, legal basis and texts, the exclusion texts, the
cause and offence groups with the tiers they are relevant to, default lookbacks and
tolerances. Conditions are code (``evaluation``); their parameters are here. Every report
records the rulebook's ``version`` and the SHA-256 of its exact bytes, so a rating can be
recomputed by anyone holding the same file. Parsing is pure (``tomllib``, ``hashlib``).
"""

from __future__ import annotations

import hashlib
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any, TypeVar

from fairscreen.domain.bilingual import LANGUAGES
from fairscreen.domain.categories import Category, CauseGroup, Exclusion, Light, RuleId, Tier
from fairscreen.domain.errors import RulebookInvalid

SCHEMA = "fairscreen/rulebook/v1"
REQUIRED_LANGUAGES = ("zh-Hans", "en")

Texts = Mapping[str, str]
E = TypeVar("E", bound=StrEnum)


@dataclass(frozen=True, slots=True)
class Rule:
    id: RuleId
    light: Light
    legal_basis: str
    text: Texts
    category: Category | None = None


@dataclass(frozen=True, slots=True)
class Group:
    id: CauseGroup
    tiers: frozenset[Tier]
    causes: tuple[str, ...]
    label: Texts
    prohibited_topic: Category | None = None


@dataclass(frozen=True, slots=True)
class Rulebook:
    version: str
    sha256: str
    published: str
    rules: Mapping[RuleId, Rule]
    exclusions: Mapping[Exclusion, Texts]
    lights: Mapping[Light, Texts]
    groups: Mapping[CauseGroup, Group]
    default_lookback_years: Mapping[Category, int]
    employment_date_tolerance_months: int
    graduation_year_tolerance_years: int
    title: Texts
    #: the groups each tier may hold relevant, derived from ``groups`` once at parse time
    tier_groups: Mapping[Tier, frozenset[CauseGroup]]
    #: the listed causes by normalised text, derived from ``groups`` once at parse time
    cause_index: _CauseIndex = field(repr=False, compare=False)

    def groups_by_tier(self) -> dict[Tier, frozenset[CauseGroup]]:
        return dict(self.tier_groups)

    def map_cause(self, text: str) -> CauseGroup:
        """The group of a 案由 / offence text: exact text first, then the longest listed
        text it contains, else ``other`` (never relevant)."""
        return self.cause_index.lookup(text)


def normalize_cause(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


#: The group of an unlisted cause, bound once: a member read off its Enum class goes through
#: ``EnumType.__getattr__``'s lookup hook on CPython 3.11 (every record of an unlisted cause).
_OTHER = CauseGroup.OTHER


@dataclass(frozen=True, slots=True)
class _CauseIndex:
    exact: Mapping[str, CauseGroup]
    by_length: tuple[tuple[str, CauseGroup], ...]
    #: the listed causes that ``normalize_cause`` leaves as they are: a text written
    #: exactly so needs no normalising (most records name a listed cause verbatim)
    verbatim: Mapping[str, CauseGroup] = field(default_factory=dict)

    def lookup(self, text: str) -> CauseGroup:
        found = self.verbatim.get(text)
        if found is not None:
            return found
        key = normalize_cause(text)
        found = self.exact.get(key)
        if found is not None:
            return found
        for cause, group in self.by_length:
            if cause in key:
                return group
        return _OTHER


def _index_causes(groups: Mapping[CauseGroup, Group]) -> _CauseIndex:
    pairs = [
        (normalize_cause(cause), group.id) for group in groups.values() for cause in group.causes
    ]
    exact = dict(pairs)
    return _CauseIndex(
        exact=MappingProxyType(exact),
        by_length=tuple(sorted(pairs, key=lambda pair: (-len(pair[0]), pair[0]))),
        verbatim=MappingProxyType(
            {cause: group for cause, group in exact.items() if normalize_cause(cause) == cause}
        ),
    )


# --- parsing -------------------------------------------------------------------------------


def _texts(table: Mapping[str, Any], path: str) -> Texts:
    for language in REQUIRED_LANGUAGES:
        value = table.get(language)
        if not isinstance(value, str) or not value.strip():
            raise RulebookInvalid(f"a text in {language} is required", field=f"{path}.{language}")
    return MappingProxyType(
        {lang: table[lang] for lang in LANGUAGES if isinstance(table.get(lang), str)}
    )


def _table(parent: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any]:
    value = parent.get(key)
    if not isinstance(value, dict):
        raise RulebookInvalid("a table is required", field=f"{path}.{key}" if path else key)
    return value


def _enum(kind: type[E], value: object, path: str) -> E:
    try:
        return kind(str(value))
    except ValueError as exc:
        raise RulebookInvalid(f"unknown value {value!r}", field=path) from exc


def _int(table: Mapping[str, Any], key: str, path: str) -> int:
    value = table.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise RulebookInvalid("a whole number ≥ 0 is required", field=f"{path}.{key}")
    return value


def parse_rulebook(content: bytes) -> Rulebook:
    """Parse and check a rulebook file; every rule, exclusion, light and group of the
    product contract must be present, with texts in zh-Hans and en."""
    try:
        document = tomllib.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RulebookInvalid(f"not a UTF-8 TOML file ({exc})", field="rulebook") from exc
    if document.get("schema") != SCHEMA:
        raise RulebookInvalid(f"must be {SCHEMA!r}", field="rulebook.schema")
    version = document.get("version")
    if not isinstance(version, str) or not version:
        raise RulebookInvalid("a version string is required", field="rulebook.version")

    rules_table = _table(document, "rules", "rulebook")
    rules: dict[RuleId, Rule] = {}
    for rule_id in RuleId:
        path = f"rulebook.rules.{rule_id.value}"
        entry = _table(rules_table, rule_id.value, "rulebook.rules")
        category = entry.get("category")
        rules[rule_id] = Rule(
            id=rule_id,
            light=_enum(Light, entry.get("light"), f"{path}.light"),
            legal_basis=str(entry.get("legal_basis", "")),
            text=_texts(entry, path),
            category=None if category is None else _enum(Category, category, f"{path}.category"),
        )
    for unknown in sorted(set(rules_table) - {r.value for r in RuleId}):
        raise RulebookInvalid(
            "not a rule of this rulebook schema", field=f"rulebook.rules.{unknown}"
        )

    exclusions_table = _table(document, "exclusions", "rulebook")
    exclusions = {
        code: _texts(
            _table(exclusions_table, code.value, "rulebook.exclusions"),
            f"rulebook.exclusions.{code.value}",
        )
        for code in Exclusion
    }
    lights_table = _table(document, "lights", "rulebook")
    lights = {
        light: _texts(
            _table(lights_table, light.value, "rulebook.lights"), f"rulebook.lights.{light.value}"
        )
        for light in Light
    }

    groups_table = _table(document, "groups", "rulebook")
    groups: dict[CauseGroup, Group] = {}
    for group_id in CauseGroup:
        path = f"rulebook.groups.{group_id.value}"
        entry = _table(groups_table, group_id.value, "rulebook.groups")
        tiers = entry.get("tiers", [])
        causes = entry.get("causes", [])
        if not isinstance(tiers, list) or not isinstance(causes, list):
            raise RulebookInvalid("tiers and causes must be lists", field=path)
        topic = entry.get("prohibited_topic")
        groups[group_id] = Group(
            id=group_id,
            tiers=frozenset(_enum(Tier, t, f"{path}.tiers") for t in tiers),
            causes=tuple(str(c) for c in causes),
            label=_texts(entry, path),
            prohibited_topic=None
            if topic is None
            else _enum(Category, topic, f"{path}.prohibited_topic"),
        )
    if groups[CauseGroup.OTHER].tiers:
        raise RulebookInvalid("`other` is never relevant", field="rulebook.groups.other.tiers")

    parameters = _table(document, "parameters", "rulebook")
    lookbacks = _table(parameters, "default_lookback_years", "rulebook.parameters")
    default_lookback = {
        _enum(Category, key, f"rulebook.parameters.default_lookback_years.{key}"): _int(
            lookbacks, key, "rulebook.parameters.default_lookback_years"
        )
        for key in lookbacks
    }
    return Rulebook(
        version=version,
        sha256=hashlib.sha256(content).hexdigest(),
        published=str(document.get("published", "")),
        rules=MappingProxyType(rules),
        exclusions=MappingProxyType(exclusions),
        lights=MappingProxyType(lights),
        groups=MappingProxyType(groups),
        default_lookback_years=MappingProxyType(default_lookback),
        employment_date_tolerance_months=_int(
            parameters, "employment_date_tolerance_months", "rulebook.parameters"
        ),
        graduation_year_tolerance_years=_int(
            parameters, "graduation_year_tolerance_years", "rulebook.parameters"
        ),
        title=_texts(_table(document, "title", "rulebook"), "rulebook.title"),
        tier_groups=MappingProxyType(
            {tier: frozenset(g.id for g in groups.values() if tier in g.tiers) for tier in Tier}
        ),
        cause_index=_index_causes(groups),
    )
