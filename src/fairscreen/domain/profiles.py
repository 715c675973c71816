"""Role profiles: what a role may ask for, bounded by its tier (PRODUCT.md P2).

A profile that asks for a category outside its tier is refused, naming the category and
the tier; so is a relevance group the tier does not allow. Criminal records and health
certificates need the law that requires the check for the job (``legal_basis``); every
category needs a written necessity justification (PIPL art. 6: minimal and necessary), and
so does a choice of relevance groups other than the tier's own (PRODUCT.md §4: "with a
written justification, as it does for categories").
"""

from __future__ import annotations

from fairscreen.domain.categories import (
    NEED_LEGAL_BASIS,
    PROHIBITED,
    Category,
    CauseGroup,
    Tier,
    allowed_categories,
)
from fairscreen.domain.errors import ScopeViolation
from fairscreen.domain.model import RoleProfile

MIN_JUSTIFICATION_LENGTH = 10


def validate_profile(
    profile: RoleProfile, groups_by_tier: dict[Tier, frozenset[CauseGroup]], *, path: str = "role"
) -> RoleProfile:
    """Return ``profile`` unchanged if it stays within its tier; raise ``ScopeViolation``
    naming the JSON path of the first offending field otherwise."""
    allowed = allowed_categories(profile.tier)
    for category, requirement in profile.categories.items():
        # the path is spelt out only for an error (a profile is validated on every evaluation)
        if category in PROHIBITED:
            raise ScopeViolation(
                "a prohibited category, never allowed for any role",
                field=_where(path, category),
                key="scope.prohibited_category_never_allowed_any",
            )
        if category not in allowed:
            raise ScopeViolation(
                "not allowed for tier {tier}",
                field=_where(path, category),
                key="scope.not_allowed_for_tier",
                tier=profile.tier.value,
            )
        if _too_short(requirement.justification):
            _require_justification(
                requirement.justification, f"{_where(path, category)}.justification"
            )
        if category in NEED_LEGAL_BASIS and not (requirement.legal_basis or "").strip():
            raise ScopeViolation(
                "the law that requires this check for the job is required",
                field=f"{_where(path, category)}.legal_basis",
                key="scope.law_that_requires_check_job",
            )
        if requirement.lookback_years is not None and requirement.lookback_years < 0:
            raise ScopeViolation(
                "must be 0 or more",
                field=f"{_where(path, category)}.lookback_years",
                key="scope.must_0_more",
            )
    if profile.relevant_groups is not None:
        tier_groups = groups_by_tier.get(profile.tier, frozenset())
        for group in sorted(profile.relevant_groups):
            if group not in tier_groups:
                raise ScopeViolation(
                    "not allowed for tier {tier}",
                    field=f"{path}.relevant_groups.{group.value}",
                    key="scope.not_allowed_for_tier",
                    tier=profile.tier.value,
                )
        if profile.relevant_groups != tier_groups:
            _require_justification(
                profile.relevance_justification, f"{path}.relevance_justification"
            )
    return profile


def _where(path: str, category: Category) -> str:
    return f"{path}.categories.{category.value}"


def _too_short(text: str | None) -> bool:
    return len((text or "").strip()) < MIN_JUSTIFICATION_LENGTH


def _require_justification(text: str | None, field: str) -> None:
    if _too_short(text):
        raise ScopeViolation(
            "a written necessity justification of at least {length} characters is required",
            field=field,
            key="scope.necessity_justification_required",
            length=MIN_JUSTIFICATION_LENGTH,
        )


def relevant_groups(
    profile: RoleProfile, groups_by_tier: dict[Tier, frozenset[CauseGroup]]
) -> frozenset[CauseGroup]:
    """The cause and offence groups relevant to this role: the profile's own choice, or
    every group its tier allows."""
    if profile.relevant_groups is not None:
        return profile.relevant_groups
    return groups_by_tier.get(profile.tier, frozenset())


def lookback_years(profile: RoleProfile, category: Category, default: int | None) -> int | None:
    requirement = profile.categories.get(category)
    if requirement is not None and requirement.lookback_years is not None:
        return requirement.lookback_years
    return default
