"""The portals' translations of service refusals (``catalogs/service_errors.json``), keyed
by the message key each refusal carries (``domain/errors.py``): every key the code uses
has an entry in all three languages, whose English is the raise site's template and whose
placeholders are the raise site's parameters; no entry is stale; and every refusal a
person meets on the way through a case, or that a portal page raises itself, has a key."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from fairscreen.domain.bilingual import LANGUAGES
from fairscreen.domain.errors import InvalidInput, InvalidTransition, ScopeViolation
from fairscreen.entrypoints.web.i18n import Translator, service_errors
from fairscreen.services import case_models

SOURCE = Path(__file__).resolve().parents[2] / "src" / "fairscreen"
#: refusals every person can meet in the portals: each must carry a key wherever raised
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
#: what a portal page raises itself: each must carry a key
PAGE_REFUSALS = {"InvalidInput", "ScopeViolation", "NotFound", "PermissionDenied"}


#: a key passed on from elsewhere (a table, a validator's refusal), checked where it is made
DYNAMIC = "<passed on>"


@dataclass(frozen=True)
class Site:
    where: str
    cls: str
    key: str | None
    template: str | None  # the first argument when a plain string (None: an f-string etc.)
    params: frozenset[str]


def _sites() -> list[Site]:
    """Every ``Name(...)`` call in the source whose name is an error class or that passes
    ``key=``: raises and errors made to be raised later alike."""
    from fairscreen.domain import errors

    classes = {
        name
        for name, value in vars(errors).items()
        if isinstance(value, type) and issubclass(value, (errors.FairscreenError, ValueError))
    }
    found = []
    for path in sorted(SOURCE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            keywords = {k.arg: k.value for k in node.keywords if k.arg is not None}
            if node.func.id not in classes:
                continue
            key_node = keywords.get("key")
            key = None
            if isinstance(key_node, ast.Constant) and isinstance(key_node.value, str):
                key = key_node.value
            elif key_node is not None:
                key = DYNAMIC
            first = node.args[0] if node.args else None
            template = (
                first.value
                if isinstance(first, ast.Constant) and isinstance(first.value, str)
                else None
            )
            found.append(
                Site(
                    where=f"{path.relative_to(SOURCE)}:{node.lineno}",
                    cls=node.func.id,
                    key=key,
                    template=template,
                    params=frozenset(set(keywords) - {"key", "field"}),
                )
            )
    return found


def _keyed() -> list[Site]:
    """The keyed sites, plus the validation messages keyed in a table."""
    simple = [
        Site("services/case_models.py:_SIMPLE_MESSAGES", "InvalidInput", key, text, frozenset())
        for key, text in case_models._SIMPLE_MESSAGES.values()
    ]
    return [site for site in _sites() if site.key not in (None, DYNAMIC)] + simple


def test_a_key_is_a_literal_except_where_validation_passes_one_on() -> None:
    """Only the validation relay (``case_models._message``: its table, and a validator's
    :class:`InvalidValue`) passes a key on; everywhere else the key is written at the
    raise site, so this scan sees it."""
    passed_on = [site.where for site in _sites() if site.key == DYNAMIC]
    assert len(passed_on) == 2
    assert all(where.startswith("services/case_models.py:") for where in passed_on)


def _blanks(text: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", text))


def test_the_sites_are_found() -> None:
    keyed = _keyed()
    assert len(keyed) >= 150
    assert any(site.key == "transition.cannot_move" for site in keyed)


def test_every_key_the_code_uses_reads_in_every_language_as_the_code_says() -> None:
    catalogue = service_errors()
    wrong = []
    for site in _keyed():
        entry = catalogue.get(site.key or "")
        if entry is None:
            wrong.append((site.where, site.key, "not in the catalogue"))
            continue
        if site.template != entry["en"]:
            wrong.append((site.where, site.key, f"English differs: {site.template!r}"))
        for lang in LANGUAGES:
            if not entry.get(lang, "").strip():
                wrong.append((site.where, site.key, f"no {lang} text"))
            elif _blanks(entry[lang]) != site.params:
                wrong.append(
                    (site.where, site.key, f"{lang} placeholders != {sorted(site.params)}")
                )
    assert wrong == []


def test_no_entry_is_stale_and_every_entry_has_exactly_the_three_languages() -> None:
    used = {site.key for site in _keyed()}
    catalogue = service_errors()
    assert sorted(set(catalogue) - used) == []
    assert [key for key, entry in catalogue.items() if set(entry) != set(LANGUAGES)] == []


def test_every_refusal_on_the_way_through_a_case_carries_a_key() -> None:
    refusals = [site for site in _sites() if site.cls in MUST_TRANSLATE]
    assert len(refusals) >= 10
    assert [site.where for site in refusals if site.key is None] == []


def test_every_refusal_a_portal_page_raises_carries_a_key() -> None:
    refusals = [
        site
        for site in _sites()
        if site.cls in PAGE_REFUSALS and site.where.startswith("entrypoints/web/")
    ]
    assert len(refusals) >= 5
    assert [site.where for site in refusals if site.key is None] == []


@pytest.mark.parametrize("lang", ["zh-Hans", "zh-Hant"])
def test_what_a_form_field_is_told_is_translated(lang: str) -> None:
    """The validation errors a portal form can meet come keyed from case_models."""
    translate = Translator(lang)
    errors = [{"type": kind, "loc": ("x",)} for kind in case_models._SIMPLE_MESSAGES] + [
        {"type": "string_too_short", "ctx": {"min_length": 1}},
        {"type": "greater_than_equal", "ctx": {"ge": 0}},
        {"type": "string_pattern_mismatch", "ctx": {"pattern": case_models.MONTH_PATTERN}},
        {"type": "literal_error", "input": "x", "ctx": {"expected": "'a' or 'b'"}},
    ]
    for error in errors:
        refusal = case_models._message(error)
        text = translate.detail(refusal)
        shown = re.sub(r"RFC|YYYY|MM|DD", "", text or "")
        assert text is not None and not re.search(r"[A-Za-z]{3,}", shown), (
            error,
            text,
        )


def test_a_validator_refusal_keeps_its_key_through_pydantic() -> None:
    from pydantic import ValidationError

    try:
        case_models.RecordIdentityIn.model_validate({"birth_date": "2001-02-30"})
    except ValidationError as exc:
        refusal = case_models.invalid_input(exc)
    else:  # pragma: no cover
        raise AssertionError("an impossible date was accepted")
    assert refusal.field and refusal.field.endswith("birth_date")
    assert refusal.key == "input.not_real_calendar_date"
    assert Translator("zh-Hans").detail(refusal) == service_errors()[refusal.key]["zh-Hans"]


def test_code_parameters_read_as_their_labels() -> None:
    tier = ScopeViolation(
        "not allowed for tier {tier}", key="scope.not_allowed_for_tier", tier="standard"
    )
    assert str(tier) == "not allowed for tier standard"
    assert Translator("zh-Hans").detail(tier) == "“普通”级别的岗位不允许此项。"
    moved = InvalidTransition(
        "a case in state {current} cannot move to {target}",
        key="transition.cannot_move",
        current="decided",
        target="released",
    )
    assert moved.message == "a case in state decided cannot move to released"
    for lang in ("zh-Hans", "zh-Hant"):
        text = Translator(lang).detail(moved)
        assert text is not None and "decided" not in text and "released" not in text
    assert Translator("en").detail(moved) is not None


def test_a_refusal_without_a_key_is_left_to_english() -> None:
    assert Translator("zh-Hans").detail(InvalidInput("a message nobody wrote down")) is None


def test_a_value_typed_where_a_code_is_expected_is_never_quoted_back() -> None:
    """A value typed into a code's place may be personal (a gender written out where the
    self-identification form offers codes): the refusal names what is expected, in every
    language and in the API's English, never the value."""
    typed = "synthetic-typed-value"
    refusal = case_models._message(
        {"type": "literal_error", "input": typed, "ctx": {"expected": "'a' or 'b'"}}
    )
    assert refusal.key == "field.value_not_expected" and "'a' or 'b'" in refusal.message
    shown = [refusal.message, *(Translator(lang).detail(refusal) or "" for lang in LANGUAGES)]
    assert all(typed not in text for text in shown) and typed not in str(refusal.params)
