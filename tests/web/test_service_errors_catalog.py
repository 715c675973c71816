"""The error pages' translations of service refusals (``catalogs/service_errors.json``):
complete in every language, never stale, and covering every refusal a person meets on the
way through a case (state machine, authorization, destroyed data, a role profile's scope)
and every refusal a portal page raises itself."""

from __future__ import annotations

import ast
import json
import re
from importlib import resources
from pathlib import Path

import pytest

from fairscreen.entrypoints.web.i18n import LANGUAGES, Translator, service_errors
from fairscreen.services import case_models

SOURCE = Path(__file__).resolve().parents[2] / "src" / "fairscreen"
#: refusals every person can meet in the portals: each must read in their language
MUST_TRANSLATE = {
    "InvalidTransition",
    "AuthorizationRefused",
    "AuthorizationMissing",
    "AuthorizationExpired",
    "AuthorizationRevoked",
    "AuthorizationWrongEmployer",
    "CaseDestroyed",
    "ScopeViolation",
}


def _entries() -> list[dict[str, str]]:
    root = resources.files("fairscreen.entrypoints.web")
    loaded: list[dict[str, str]] = json.loads(
        root.joinpath("catalogs/service_errors.json").read_text("utf-8")
    )
    return loaded


def _raised_messages(classes: set[str] | None = None) -> list[tuple[str, str]]:
    """(where, message) of every ``raise X("...")`` in the source, each f-string part
    written as ``x``."""
    found = []
    for path in sorted(SOURCE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                continue
            call = node.exc
            name = call.func.id if isinstance(call.func, ast.Name) else None
            if name is None or (classes is not None and name not in classes) or not call.args:
                continue
            first = call.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                text = first.value
            elif isinstance(first, ast.JoinedStr):
                text = "".join(
                    part.value if isinstance(part, ast.Constant) else "x" for part in first.values
                )
            else:
                continue
            found.append((f"{path.relative_to(SOURCE)}:{node.lineno}", text))
    return found


def test_every_entry_reads_in_every_language_with_the_same_blanks() -> None:
    for entry in _entries():
        assert set(entry) == set(LANGUAGES), entry["en"]
        blanks = set(re.findall(r"\{(\w+)\}", entry["en"]))
        for lang in LANGUAGES:
            assert entry[lang].strip(), (entry["en"], lang)
            assert set(re.findall(r"\{(\w+)\}", entry[lang])) == blanks, (entry["en"], lang)


def _validation_messages() -> list[str]:
    """What the input validation says (services/case_models.py ``_message``) for the errors a
    portal form can meet."""
    simple = list(case_models._SIMPLE_MESSAGES.values())
    shaped = [
        {"type": "string_too_short", "ctx": {"min_length": 1}},
        {"type": "greater_than_equal", "ctx": {"ge": 0}},
        {"type": "string_pattern_mismatch", "ctx": {"pattern": case_models.MONTH_PATTERN}},
        {"type": "literal_error", "input": "x", "ctx": {"expected": "'a' or 'b'"}},
    ]
    return simple + [case_models._message(error) for error in shaped]


def test_every_entry_still_matches_a_message_the_code_raises() -> None:
    messages = [text for _, text in _raised_messages()] + _validation_messages()
    for pattern, entry in service_errors():
        assert any(pattern.match(text) for text in messages), f"stale entry: {entry['en']}"


@pytest.mark.parametrize("lang", ["zh-Hans", "zh-Hant"])
def test_every_refusal_on_the_way_through_a_case_is_translated(lang: str) -> None:
    refusals = _raised_messages(MUST_TRANSLATE)
    assert len(refusals) >= 10
    translate = Translator(lang)
    missing = [(where, text) for where, text in refusals if translate.detail(text) is None]
    assert missing == []


@pytest.mark.parametrize("lang", ["zh-Hans", "zh-Hant"])
def test_every_refusal_a_portal_page_raises_is_translated(lang: str) -> None:
    refusals = [
        (where, text)
        for where, text in _raised_messages({"InvalidInput", "ScopeViolation"})
        if where.startswith("entrypoints/web/")
    ]
    assert len(refusals) >= 5
    translate = Translator(lang)
    assert [(w, text) for w, text in refusals if translate.detail(text) is None] == []


@pytest.mark.parametrize("lang", ["zh-Hans", "zh-Hant"])
def test_what_a_form_field_is_told_is_translated(lang: str) -> None:
    translate = Translator(lang)
    assert [text for text in _validation_messages() if translate.detail(text) is None] == []
    assert translate.detail("must have at least 1 characters") is not None
    assert translate.detail("not a real calendar date") is not None


def test_a_tier_name_in_a_refusal_reads_as_its_label() -> None:
    text = Translator("zh-Hans").detail("not allowed for tier standard")
    assert text == "“普通”级别的岗位不允许此项。"


def test_a_state_name_in_a_refusal_reads_as_its_label() -> None:
    text = Translator("zh-Hans").detail("a case in state decided cannot move to released")
    assert text is not None and "decided" not in text and "released" not in text
    assert Translator("en").detail("the report is not released yet") == (
        "the report is not released yet"
    )
    assert Translator("zh-Hans").detail("a message nobody wrote down") is None
