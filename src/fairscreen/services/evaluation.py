"""The offline evaluation (``fairscreen evaluate``), PRODUCT.md §5.

Reads a case file, runs P2-P3 and the rating through the pure domain with no network and
no database, and returns the report document. The output is deterministic: the same file
and rulebook give byte-identical JSON (:func:`render_report`).
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import orjson
from pydantic import ValidationError

from fairscreen.domain.categories import RefusalCode
from fairscreen.domain.errors import AuthorizationRefused, InvalidInput
from fairscreen.domain.evaluation import evaluate, published_model
from fairscreen.domain.model import RoleProfile
from fairscreen.domain.profiles import validate_profile
from fairscreen.domain.questionnaire import Questionnaire, parse_questionnaire
from fairscreen.domain.report import RulebookRef, refused_document
from fairscreen.domain.rulebook import Rulebook, parse_rulebook
from fairscreen.domain.topics import TopicClassifier, default_classifier
from fairscreen.services.case_file import parse_case, role_profile_from
from fairscreen.services.case_models import RoleIn, invalid_input

CURRENT_RULEBOOK = "v1.1.toml"


def rulebook_bytes(name: str = CURRENT_RULEBOOK) -> bytes:
    return resources.files("fairscreen.rulebook").joinpath(name).read_bytes()


def _release_order(name: str) -> tuple[int, ...]:
    """``v1.toml`` < ``v1.1.toml`` < ``v1.10.toml`` < ``v2.toml``: the version in the
    file name, compared as numbers (as text, ``v1.1.toml`` would sort before ``v1.toml``)."""
    return tuple(int(part) for part in name.removeprefix("v").removesuffix(".toml").split("."))


@cache
def shipped_rulebook_files() -> tuple[tuple[str, bytes], ...]:
    """Every rulebook file this release ships (``fairscreen/rulebook/v*.toml``) with its
    bytes, by the version in its file name, oldest first: read once per process. A change
    of meaning is a new file beside the old ones, so every past rating stays recomputable."""
    folder = resources.files("fairscreen.rulebook")
    shipped = [
        entry
        for entry in folder.iterdir()
        if entry.name.startswith("v") and entry.name.endswith(".toml")
    ]
    return tuple(
        (entry.name, entry.read_bytes())
        for entry in sorted(shipped, key=lambda item: _release_order(item.name))
    )


@cache
def published_rulebook_digests() -> frozenset[str]:
    """SHA-256 of every rulebook file this release ships: the published set a compliance
    audit accepts in ``report.rated`` entries."""
    return frozenset(hashlib.sha256(content).hexdigest() for _, content in shipped_rulebook_files())


@cache
def current_rulebook() -> Rulebook:
    """The rulebook shipped with this release."""
    return parse_rulebook(rulebook_bytes())


def load_rulebook(path: Path | None) -> Rulebook:
    if path is None:
        return current_rulebook()
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path.name} ({exc.strerror})", field="--rulebook") from exc
    return parse_rulebook(content)


@cache
def builtin_profiles() -> Mapping[str, RoleProfile]:
    """The built-in role profiles, each checked against its tier like any other."""
    raw = tomllib.loads(rulebook_bytes("profiles.toml").decode("utf-8"))["profiles"]
    groups = current_rulebook().groups_by_tier()
    profiles: dict[str, RoleProfile] = {}
    for profile_id, body in raw.items():
        try:
            role = RoleIn.model_validate({"id": profile_id, **body})
        except ValidationError as exc:
            raise invalid_input(exc, ("profiles", profile_id)) from exc
        profiles[profile_id] = validate_profile(
            role_profile_from(role), groups, path=f"profiles.{profile_id}"
        )
    return profiles


QUESTIONNAIRE_RESOURCE = ("data", "questionnaires", "reference.toml")


@cache
def reference_questionnaire() -> Questionnaire:
    """The reviewed reference questionnaire (package data), parsed once: what referees
    are asked (``services/references.py``) and what each answer's assertion key means in
    a report's findings (``evaluate_case``)."""
    path = resources.files("fairscreen").joinpath(*QUESTIONNAIRE_RESOURCE)
    return parse_questionnaire(path.read_text("utf-8"))


@dataclass(frozen=True, slots=True)
class Outcome:
    """A report document, and whether the check ran (``completed``) or was refused; a
    refusal keeps its error (its message key and parameters) for a portal to explain."""

    document: dict[str, Any]
    refused: bool
    refusal: AuthorizationRefused | None = None


def evaluate_case(
    content: bytes | str,
    rulebook: Rulebook | None = None,
    classifier: TopicClassifier | None = None,
) -> Outcome:
    """Evaluate one case file. Raises ``InvalidInput`` (exit 2) for a bad input; a missing,
    expired, revoked or wrong-employer authorization gives a ``refused`` report (exit 3)."""
    rulebook = rulebook or current_rulebook()
    classifier = classifier or default_classifier()
    case = parse_case(content, builtin_profiles())
    try:
        report = evaluate(case, rulebook, classifier, labels=reference_questionnaire().labels)
    except AuthorizationRefused as refusal:
        return Outcome(
            refused_document(
                case_id=case.case_id,
                as_of=case.as_of.isoformat(),
                rulebook=RulebookRef(rulebook.version, rulebook.sha256),
                code=RefusalCode(refusal.code),
                message=refusal.message,
                topic_model=published_model(classifier),
            ),
            refused=True,
            refusal=refusal,
        )
    return Outcome(report, refused=False)


def render_report(document: Mapping[str, Any]) -> str:
    """Canonical text of a report: UTF-8 JSON, fixed key order, two-space indent.

    orjson rather than ``json``: with an indent the standard library falls back to its
    pure-Python encoder, which cost more than the whole evaluation (bench/evaluate.py)."""
    return orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE).decode()
