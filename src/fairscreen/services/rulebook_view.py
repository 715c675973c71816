"""The rulebook rendered for people (PRODUCT.md §4 "rendered as a public page").

One source for every rendering: the CLI's ``rulebook show`` and, later, the public model
page. Markdown for reading, JSON for machines; both carry version and SHA-256, so a reader
can check that the rules they read are the rules a report was rated under.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from fairscreen.domain.categories import PERMITTED, PROHIBITED, SENSITIVE, Category, Tier
from fairscreen.domain.rulebook import Rulebook, parse_rulebook
from fairscreen.domain.topics import TopicClassifier
from fairscreen.services.evaluation import shipped_rulebook_files
from fairscreen.services.topic_model_card import model_card, model_card_markdown


def rulebook_history() -> list[dict[str, str]]:
    """Every rulebook version this release ships, oldest first, with its SHA-256: a rating
    made under any of them can be recomputed (``fairscreen evaluate --rulebook``)."""
    return [dict(version) for version in _history()]


@cache
def _history() -> tuple[dict[str, str], ...]:
    # Parsed once per process: the public rulebook page renders the history on every request.
    versions = []
    for name, content in shipped_rulebook_files():
        book = parse_rulebook(content)
        versions.append(
            {
                "version": book.version,
                "published": book.published,
                "sha256": book.sha256,
                "file": name,
            }
        )
    return tuple(versions)


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
        "inputs": "输入什么",
        "inputs_text": "一份案例文件：用人单位、岗位配置"
        "（等级、各类别的必要性说明）、候选人的身份（姓名、身份证号、出生日期，"
        "仅用于匹配记录）、候选人的声明（学历、工作经历、执业资格）、签署的授权、"
        "所请求的类别，以及信息来源返回的记录。性别、年龄、婚姻、民族等受保护属性"
        "在数据模型中不存在，带有这些字段的输入会被拒绝。",
        "history": "版本历史",
        "recompute": "如何自行复核",
        "recompute_text": "任何人都可以用同一份案例文件和同一版本的规则重新计算评级，"
        "结果逐字节一致：",
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
        "inputs": "What goes in",
        "inputs_text": "One case file (case.schema.json): the employer, the role profile "
        "(tier and a necessity justification per category), the candidate's identity "
        "(name, ID number, "
        "birth date — used only to match records), the candidate's claims (degrees, "
        "employment, licences), the signed authorization, the categories requested, and "
        "the records the sources returned. Protected attributes (sex, age, marital status, "
        "ethnicity, …) do not exist in the data model: an input carrying one is refused.",
        "history": "Version history",
        "recompute": "Recompute any rating yourself",
        "recompute_text": "Anyone holding the case file and the rulebook version can recompute "
        "the rating; the output is byte-identical:",
    },
    "zh-Hant": {
        "version": "版本",
        "lights": "燈色",
        "rules": "規則",
        "rule": "規則",
        "light": "燈色",
        "when": "條件",
        "basis": "法律依據",
        "exclusions": "排除代碼（帶有排除代碼的發現不影響燈色，也不會呈現給用人單位）",
        "groups": "案由與罪名類別",
        "group": "類別",
        "tiers": "相關職位等級",
        "causes": "範例",
        "categories": "核查類別",
        "permitted": "允許",
        "sensitive": "敏感（須另行單獨同意，並受職位等級限制）",
        "prohibited": "禁止（任何職位都不得蒐集）",
        "none": "無",
        "inputs": "輸入什麼",
        "inputs_text": "一份案件檔案：用人單位、職位設定（等級，以及"
        "每個類別的必要性說明）、候選人的身分（姓名、身分證號碼、出生日期，僅用於比對紀錄"
        "）、候選人的聲明（學歷、工作經歷、執業資格）、簽署的授權書、所申請核查的類別，以"
        "及資料來源傳回的紀錄。性別、年齡、婚姻、民族等受保護的特徵在資料模型中並不存在，"
        "含有這類欄位的輸入一律拒絕。",
        "history": "版本歷程",
        "recompute": "如何自行驗證",
        "recompute_text": "任何人都可以用同一份案件檔案和同一版本的規則重新計算評級，"
        "結果逐位元組完全相同：",
    },
}


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
        f"## {h['inputs']}",
        "",
        h["inputs_text"],
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
    history = rulebook_history()
    lines += ["", f"## {h['history']}", "", "| version | published | SHA-256 |", "|---|---|---|"]
    lines += [f"| `{v['version']}` | {v['published']} | `{v['sha256']}` |" for v in history]
    shipped = next((v["file"] for v in history if v["sha256"] == rulebook.sha256), "RULEBOOK.toml")
    lines += ["", model_card_markdown(lang).rstrip(), ""] if model_card() is not None else []
    lines += [
        "",
        f"## {h['recompute']}",
        "",
        h["recompute_text"],
        "",
        "```sh",
        f"fairscreen evaluate CASE.json --rulebook {shipped}",
        "```",
    ]
    return "\n".join(lines) + "\n"


def rulebook_document(
    rulebook: Rulebook, classifier: TopicClassifier | None = None
) -> dict[str, Any]:
    """The rulebook for machines and for the public page, with the model card of the
    prohibited-topic filter (``classifier``, the shipped one by default)."""
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
        "history": rulebook_history(),
        "topic_model": model_card(classifier),
        "parameters": {
            "default_lookback_years": {
                c.value: years for c, years in rulebook.default_lookback_years.items()
            },
            "employment_date_tolerance_months": rulebook.employment_date_tolerance_months,
            "graduation_year_tolerance_years": rulebook.graduation_year_tolerance_years,
        },
    }
