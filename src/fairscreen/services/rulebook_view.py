"""The rulebook rendered for people (PRODUCT.md §4 "rendered as a public page").

One source for every rendering: the CLI's ``rulebook show`` and, later, the public model
page. Markdown for reading, JSON for machines; both carry version and SHA-256, so a reader
can check that the rules they read are the rules a report was rated under.
"""

from __future__ import annotations

from typing import Any

from fairscreen.domain.categories import PERMITTED, PROHIBITED, SENSITIVE, Category, Tier
from fairscreen.domain.rulebook import Rulebook

HEADINGS = {
    "zh-Hans": {
        "version": "版本",
        "lights": "灯色",
        "rules": "规则",
        "rule": "规则",
        "light": "灯色",
        "when": "条件",
        "basis": "法律依据",
        "exclusions": "排除代码（带排除代码的发现不影响灯色，也不会呈现给用人单位）",
        "groups": "案由与罪名类别",
        "group": "类别",
        "tiers": "相关岗位等级",
        "causes": "示例",
        "categories": "核查类别",
        "permitted": "允许",
        "sensitive": "敏感（需单独同意，受岗位等级限制）",
        "prohibited": "禁止（任何岗位都不得收集）",
        "none": "无",
    },
    "en": {
        "version": "version",
        "lights": "Lights",
        "rules": "Rules",
        "rule": "rule",
        "light": "light",
        "when": "when",
        "basis": "legal basis",
        "exclusions": "Exclusion codes (a finding with one never affects the light and never "
        "reaches the employer)",
        "groups": "Cause and offence groups",
        "group": "group",
        "tiers": "relevant to tier",
        "causes": "examples",
        "categories": "Categories",
        "permitted": "permitted",
        "sensitive": "sensitive (separate consent, tier-gated)",
        "prohibited": "prohibited (never, for any role)",
        "none": "none",
    },
}
HEADINGS["zh-Hant"] = HEADINGS["zh-Hans"]


def _text(texts: Any, lang: str) -> str:
    return str(texts.get(lang) or texts.get("en"))


def _categories(kind: frozenset[Category]) -> str:
    return ", ".join(f"`{c.value}`" for c in Category if c in kind)


def rulebook_markdown(rulebook: Rulebook, lang: str = "zh-Hans") -> str:
    h = HEADINGS.get(lang, HEADINGS["en"])
    lines = [
        f"# {_text(rulebook.title, lang)}",
        "",
        f"- {h['version']}: `{rulebook.version}` ({rulebook.published})",
        f"- SHA-256: `{rulebook.sha256}`",
        "",
        f"## {h['categories']}",
        "",
        f"- {h['permitted']}: {_categories(PERMITTED)}",
        f"- {h['sensitive']}: {_categories(SENSITIVE)}",
        f"- {h['prohibited']}: {_categories(PROHIBITED)}",
        "",
        f"## {h['lights']}",
        "",
    ]
    lines += [f"- {_text(texts, lang)}" for texts in rulebook.lights.values()]
    lines += [
        "",
        f"## {h['rules']}",
        "",
        f"| {h['rule']} | {h['light']} | {h['when']} | {h['basis']} |",
    ]
    lines.append("|---|---|---|---|")
    for rule in rulebook.rules.values():
        when = _text(rule.text, lang)
        lines.append(f"| `{rule.id.value}` | {rule.light.value} | {when} | {rule.legal_basis} |")
    lines += ["", f"## {h['exclusions']}", ""]
    lines += [
        f"- `{code.value}`: {_text(texts, lang)}" for code, texts in rulebook.exclusions.items()
    ]
    lines += ["", f"## {h['groups']}", "", f"| {h['group']} | {h['tiers']} | {h['causes']} |"]
    lines.append("|---|---|---|")
    for group in rulebook.groups.values():
        tiers = ", ".join(t.value for t in Tier if t in group.tiers) or h["none"]
        label = _text(group.label, lang)
        causes = "、".join(group.causes)
        lines.append(f"| `{group.id.value}` {label} | {tiers} | {causes} |")
    return "\n".join(lines) + "\n"


def rulebook_document(rulebook: Rulebook) -> dict[str, Any]:
    return {
        "version": rulebook.version,
        "sha256": rulebook.sha256,
        "published": rulebook.published,
        "title": dict(rulebook.title),
        "categories": {
            "permitted": [c.value for c in Category if c in PERMITTED],
            "sensitive": [c.value for c in Category if c in SENSITIVE],
            "prohibited": [c.value for c in Category if c in PROHIBITED],
        },
        "lights": {light.value: dict(texts) for light, texts in rulebook.lights.items()},
        "rules": [
            {
                "id": rule.id.value,
                "light": rule.light.value,
                "category": rule.category.value if rule.category else None,
                "legal_basis": rule.legal_basis,
                "text": dict(rule.text),
            }
            for rule in rulebook.rules.values()
        ],
        "exclusions": [
            {"code": code.value, "text": dict(texts)} for code, texts in rulebook.exclusions.items()
        ],
        "groups": [
            {
                "id": group.id.value,
                "tiers": [t.value for t in Tier if t in group.tiers],
                "causes": list(group.causes),
                "label": dict(group.label),
            }
            for group in rulebook.groups.values()
        ],
        "parameters": {
            "default_lookback_years": {
                c.value: years for c, years in rulebook.default_lookback_years.items()
            },
            "employment_date_tolerance_months": rulebook.employment_date_tolerance_months,
            "graduation_year_tolerance_years": rulebook.graduation_year_tolerance_years,
        },
    }
