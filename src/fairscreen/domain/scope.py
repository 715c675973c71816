"""Effective scope: requested ∩ profile ∩ consented (PRODUCT.md P2).

Every requested category left out is recorded with its reason, checked in this order:
a prohibited category (``PROHIBITED_CATEGORY``), one the role does not need
(``NOT_NECESSARY_FOR_ROLE``), one the candidate did not consent to (``NOT_CONSENTED``;
a sensitive category needs its own separate consent, PIPL art. 29).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from fairscreen.domain.categories import (
    CATEGORY_ORDER,
    PROHIBITED,
    SENSITIVE,
    Category,
    ScopeReason,
)
from fairscreen.domain.model import Authorization, RoleProfile


@dataclass(frozen=True, slots=True)
class ScopeExclusion:
    category: Category
    reason: ScopeReason


@dataclass(frozen=True, slots=True)
class Scope:
    effective: tuple[Category, ...]
    excluded: tuple[ScopeExclusion, ...]

    def __contains__(self, category: object) -> bool:
        return category in self.effective


def covers(category: Category, categories: Collection[str], sensitive: Collection[str]) -> bool:
    """Consented: among ``categories``, and a sensitive one also among ``sensitive``, its
    separate consent (PIPL art. 29)."""
    return category in categories and (category not in SENSITIVE or category in sensitive)


def is_consented(category: Category, authorization: Authorization) -> bool:
    return covers(category, authorization.categories, authorization.sensitive_categories_consented)


def effective_scope(
    requested: Iterable[Category], profile: RoleProfile, authorization: Authorization
) -> Scope:
    effective: list[Category] = []
    excluded: list[ScopeExclusion] = []
    for category in sorted(set(requested), key=CATEGORY_ORDER.__getitem__):
        if category in PROHIBITED:
            excluded.append(ScopeExclusion(category, ScopeReason.PROHIBITED_CATEGORY))
        elif category not in profile.categories:
            excluded.append(ScopeExclusion(category, ScopeReason.NOT_NECESSARY_FOR_ROLE))
        elif not is_consented(category, authorization):
            excluded.append(ScopeExclusion(category, ScopeReason.NOT_CONSENTED))
        else:
            effective.append(category)
    return Scope(tuple(effective), tuple(excluded))


def required_but_declined(
    excluded: Iterable[Mapping[str, str]], legal_bases: Mapping[str, str | None]
) -> list[dict[str, str]]:
    """The categories the role's legal basis requires and the candidate declined, as the
    employer is shown them: **not checked — required by law for this role**, never among
    the checks performed (PRODUCT.md P4). ``excluded`` is a report's ``scope.excluded``;
    ``legal_bases`` maps each category of the role profile to the law it names, if any
    (only criminal records and health certificates carry one, P2)."""
    return [
        {
            "category": e["category"],
            "reason": e["reason"],
            "legal_basis": str(legal_bases[e["category"]]),
        }
        for e in excluded
        if e["reason"] == ScopeReason.NOT_CONSENTED
        and (legal_bases.get(e["category"]) or "").strip()
    ]
