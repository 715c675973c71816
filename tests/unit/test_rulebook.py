"""The shipped rulebook holds PRODUCT.md §4's rule lights and cause and offence groups."""

from __future__ import annotations

import pytest

from fairscreen.domain.categories import CauseGroup, Light, Tier
from fairscreen.domain.rulebook import normalize_cause
from fairscreen.services.evaluation import current_rulebook

#: PRODUCT.md §4: each group, its example causes and offences, and the tiers it is relevant to.
GROUPS: dict[str, tuple[list[str], set[str]]] = {
    "fraud_dishonesty": (
        [
            "诈骗罪",
            "合同诈骗罪",
            "集资诈骗罪",
            "职务侵占罪",
            "贪污罪",
            "挪用资金罪",
            "挪用公款罪",
            "伪造公司、企业、事业单位、人民团体印章罪",
        ],
        {"standard", "trust", "safety"},
    ),
    "bribery_corruption": (
        ["受贿罪", "行贿罪", "非国家工作人员受贿罪", "对非国家工作人员行贿罪"],
        {"trust"},
    ),
    "confidentiality": (["侵犯商业秘密罪", "侵犯公民个人信息罪"], {"trust"}),
    "violence": (["故意伤害罪", "故意杀人罪", "抢劫罪", "寻衅滋事罪"], {"safety"}),
    "sexual_offence": (["强奸罪", "强制猥亵、侮辱罪", "猥亵儿童罪"], {"trust", "safety"}),
    "child_harm": (["虐待被监护、看护人罪", "拐卖妇女、儿童罪"], {"safety"}),
    "drugs": (["走私、贩卖、运输、制造毒品罪"], {"safety"}),
    "traffic_safety": (["危险驾驶罪", "交通肇事罪"], {"safety"}),
    "property_service": (["物业服务合同纠纷"], set()),
    "private_lending": (["民间借贷纠纷"], set()),
    "labour": (["劳动争议", "劳务合同纠纷"], set()),
    "family": (["离婚纠纷", "抚养纠纷", "继承纠纷"], set()),
    "other": ([], set()),
}


def test_the_groups_are_the_specs() -> None:
    assert {str(group) for group in current_rulebook().groups} == set(GROUPS)


@pytest.mark.parametrize(
    ("group", "cause"),
    [(group, cause) for group, (causes, _) in GROUPS.items() for cause in causes],
)
def test_each_listed_cause_maps_to_its_group(group: str, cause: str) -> None:
    assert current_rulebook().map_cause(cause) == group


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_each_group_is_relevant_to_exactly_its_tiers(group: str) -> None:
    tiers = current_rulebook().groups[CauseGroup(group)].tiers
    assert {str(tier) for tier in tiers} == GROUPS[group][1]


def test_an_unknown_cause_is_other_and_never_relevant() -> None:
    rulebook = current_rulebook()
    assert rulebook.map_cause("某某纠纷") is CauseGroup.OTHER
    assert all(CauseGroup.OTHER not in rulebook.tier_groups[tier] for tier in Tier)


def test_family_cases_are_a_prohibited_topic() -> None:
    assert current_rulebook().groups[CauseGroup.FAMILY].prohibited_topic is not None


#: PRODUCT.md §4, rules v1: each rule's light.
RULE_LIGHTS = {
    "ID_MISMATCH": "red",
    "EDU_FALSIFIED": "red",
    "EDU_UNVERIFIABLE": "blue",
    "EMP_FABRICATED": "red",
    "EMP_DATES_MATERIAL": "yellow",
    "EMP_UNVERIFIABLE": "blue",
    "LIC_INVALID": "red",
    "LIC_EXPIRED": "blue",
    "LIC_UNVERIFIABLE": "blue",
    "HEALTH_CERT_INVALID": "blue",
    "LIT_RELEVANT_JUDGMENT": "yellow",
    "ENF_ACTIVE_DEBTOR": "yellow",
    "CREDIT_SERIOUS_DELINQUENCY": "yellow",
    "CRIM_RELEVANT_CONVICTION": "red",
    "REF_CORROBORATED_CONCERN": "yellow",
    "CHECK_INCOMPLETE": "blue",
}


def test_each_rule_has_its_light() -> None:
    rules = current_rulebook().rules
    assert {str(rule_id): str(rule.light) for rule_id, rule in rules.items()} == RULE_LIGHTS


def test_the_lights_run_from_green_to_red() -> None:
    assert sorted(Light, key=lambda light: light.severity) == [
        Light.GREEN,
        Light.BLUE,
        Light.YELLOW,
        Light.RED,
    ]


def test_a_cause_read_verbatim_maps_as_its_normalised_form_does() -> None:
    # map_cause skips normalising a text that is a listed cause exactly (the common case);
    # that short cut must agree with the normalising path, and never take a text whose
    # normal form differs (a spaced or full-width spelling) on trust.
    rulebook = current_rulebook()
    index = rulebook.cause_index
    assert index.verbatim, "the shipped causes are written in their normal form"
    for cause, group in index.verbatim.items():
        assert normalize_cause(cause) == cause
        assert index.exact[cause] is group
    for cause in index.exact:
        spaced = " ".join(cause)
        assert spaced not in index.verbatim
        assert rulebook.map_cause(spaced) is rulebook.map_cause(cause)
    # an ideographic space inside a listed cause: not verbatim, still its group
    assert rulebook.map_cause("合同\u3000诈骗罪") is CauseGroup("fraud_dishonesty")
