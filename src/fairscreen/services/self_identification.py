"""Voluntary self-identification and the aggregate fairness reports (PRODUCT.md §7).

After signing, a candidate may give their sex and age band under a separate consent, or
decline. The answers live in their own table under their own key, linked to the
candidate only: no case refers to them, the rating never reads them (the case file the
rating runs on has no field for them), and neither the employer nor the agency can read
them. They serve one purpose: aggregate reports per employer, role and period — light
distribution, adverse decisions, four-fifths flags — in which any group of fewer than 10
people is suppressed (the same pure code as ``fairscreen audit fairness``).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from fairscreen.adapters.db import case_tables as t
from fairscreen.domain.errors import InvalidInput, NotFound, PermissionDenied
from fairscreen.domain.fairness import DEFAULT_MIN_GROUP, FairnessAccumulator, validate_min_group
from fairscreen.ledger.entries import ActorRole
from fairscreen.services.context import Actor, Services

SEX = ("female", "male", "another")
AGE_BANDS = ("under_25", "25_34", "35_44", "45_54", "55_plus")
DIMENSIONS = {"sex": SEX, "age_band": AGE_BANDS}
FLAGGED_LIGHTS = frozenset({"yellow", "red"})


def record_self_identification(
    svc: Services,
    actor: Actor,
    *,
    consent: bool,
    sex: str | None = None,
    age_band: str | None = None,
) -> None:
    """Store the candidate's answers under their separate consent, or their refusal
    (``consent=False`` stores that they declined, and nothing else)."""
    if actor.role is not ActorRole.CANDIDATE:
        raise PermissionDenied("only the candidate answers for themselves", field="actor")
    answers: dict[str, str] = {}
    if consent:
        for name, value in (("sex", sex), ("age_band", age_band)):
            if value is None:
                continue
            if value not in DIMENSIONS[name]:
                raise InvalidInput(f"must be one of {', '.join(DIMENSIONS[name])}", field=name)
            answers[name] = value
        if not answers:
            raise InvalidInput("give at least one answer, or decline", field="consent")
    elif sex is not None or age_band is not None:
        raise InvalidInput("answers need the separate consent", field="consent")
    with svc.uow() as uow:
        subject = uow.repo.subject(actor.id)
        if subject is None:
            raise NotFound("no such candidate", field="subject_id")
        uow.repo.put_self_identification(
            subject, declined=not consent, answers=answers, now=svc.now()
        )
        uow.commit()


def withdraw_self_identification(svc: Services, actor: Actor) -> None:
    if actor.role is not ActorRole.CANDIDATE:
        raise PermissionDenied("only the candidate answers for themselves", field="actor")
    with svc.uow() as uow:
        uow.repo.delete_self_identification(actor.id)
        uow.commit()


def _unshown(measure: dict[str, Any], values: tuple[str, ...]) -> dict[str, Any]:
    """``suppressed`` as every value of the dimension not shown, present or not: naming
    only the small groups that exist would tell an employer who filters down to one case
    that candidate's sex or age band (PRODUCT.md §7: never visible to the employer)."""
    return {**measure, "suppressed": [v for v in values if v not in measure["groups"]]}


def fairness_overview(
    svc: Services,
    actor: Actor,
    *,
    employer_id: str | None = None,
    role_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    min_group: int = DEFAULT_MIN_GROUP,
) -> dict[str, Any]:
    """Per dimension (sex, age band): the rated cases' light distribution and flag rate
    (yellow or red) with impact ratios and four-fifths flags, and among decided cases the
    hiring rate with the same. A regulator sees any employer; an employer its own only.
    Groups under ``min_group`` are suppressed everywhere, counts included; ``min_group``
    may be raised, never lowered below the default of 10 (PRODUCT.md §7): a smaller group
    would let an employer tie one of its candidates to their sex or age band."""
    if validate_min_group(min_group) < DEFAULT_MIN_GROUP:
        raise InvalidInput(
            f"must be at least {DEFAULT_MIN_GROUP}: a smaller group could single out a candidate",
            field="min_group",
        )
    if actor.role is ActorRole.EMPLOYER:
        if employer_id not in (None, actor.id):
            raise NotFound("no such employer", field="employer_id")
        employer_id = actor.id
    elif actor.role not in (ActorRole.REGULATOR, ActorRole.OPERATOR):
        raise PermissionDenied(f"{actor.role.value} may not read fairness reports", field="actor")
    conditions: list[Any] = [t.cases.c.light.is_not(None)]
    if employer_id is not None:
        conditions.append(t.cases.c.employer_id == employer_id)
    if since is not None:
        conditions.append(t.cases.c.created_at >= since)
    if until is not None:
        conditions.append(t.cases.c.created_at < until)
    with svc.uow() as uow:
        answers = uow.repo.self_identifications()
        cases = uow.repo.cases_where(*conditions)
        if role_id is not None:
            profile_ids = uow.repo.profile_ids_for_role(role_id, employer_id)
            cases = [c for c in cases if c["profile_id"] in profile_ids]
    report: dict[str, Any] = {
        "min_group": min_group,
        "employer": svc.pseudonym("emp", employer_id) if employer_id else None,
        "role": role_id,
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
        "dimensions": {},
    }
    for dimension in DIMENSIONS:
        flags = FairnessAccumulator(with_outcome=False)
        hiring = FairnessAccumulator(with_outcome=False)
        lights: dict[str, Counter[str]] = {}
        for case in cases:
            group = answers.get(str(case["subject_id"]), {}).get(dimension)
            if group is None:
                continue
            flags.add(group, case["light"] in FLAGGED_LIGHTS)
            lights.setdefault(group, Counter())[case["light"]] += 1
            if case["outcome"] is not None:
                hiring.add(group, case["outcome"] != "hired")
        flag_report = flags.report(min_group=min_group)
        hiring_report = hiring.report(min_group=min_group)
        report["dimensions"][dimension] = {
            "flagged": _unshown(flag_report.as_dict(), DIMENSIONS[dimension]),
            "not_hired": _unshown(hiring_report.as_dict(), DIMENSIONS[dimension]),
            "lights": {
                group: {
                    light: lights[group].get(light, 0)
                    for light in ("green", "blue", "yellow", "red")
                }
                for group in sorted(flag_report.groups)
            },
        }
    return report
