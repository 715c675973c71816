"""Voluntary self-identification and the aggregate fairness reports (PRODUCT.md §7).

After signing, a candidate may give their sex and age band under a separate consent, or
decline. The answers live in their own table under their own key, linked to the
candidate only: no case refers to them, the rating never reads them (the case file the
rating runs on has no field for them), and neither the employer nor the agency can read
them. They serve one purpose: aggregate reports per employer, role and ended calendar quarter
— light distribution, adverse decisions, four-fifths flags — over released cases only, in
which any group of fewer than 10 people is suppressed (the same pure code as ``fairscreen
audit fairness``), each fixed once made.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from fairscreen.adapters.db import case_tables as t
from fairscreen.adapters.db.unit_of_work import SqlUnitOfWork
from fairscreen.domain import lifecycle
from fairscreen.domain.errors import InvalidInput, NotFound, PermissionDenied
from fairscreen.domain.fairness import (
    DEFAULT_MIN_GROUP,
    FairnessAccumulator,
    Quarter,
    last_ended_quarter,
    validate_min_group,
)
from fairscreen.ledger.entries import ActorRole
from fairscreen.services.context import Actor, Services

SEX = ("female", "male", "another")
AGE_BANDS = ("under_25", "25_34", "35_44", "45_54", "55_plus")
DIMENSIONS = {"sex": SEX, "age_band": AGE_BANDS}
FLAGGED_LIGHTS = frozenset({"yellow", "red"})
LIGHTS = ("green", "blue", "yellow", "red")


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
        raise PermissionDenied(
            "only the candidate answers for themselves", key="denied.candidate_only", field="actor"
        )
    answers: dict[str, str] = {}
    if consent:
        for name, value in (("sex", sex), ("age_band", age_band)):
            if value is None:
                continue
            if value not in DIMENSIONS[name]:
                raise InvalidInput(
                    "must be one of {choices}",
                    field=name,
                    key="input.must_one_choices",
                    choices=", ".join(DIMENSIONS[name]),
                )
            answers[name] = value
        if not answers:
            raise InvalidInput(
                "give at least one answer, or decline",
                field="consent",
                key="input.give_least_one_answer_decline",
            )
    elif sex is not None or age_band is not None:
        raise InvalidInput(
            "answers need the separate consent",
            field="consent",
            key="input.answers_need_separate_consent",
        )
    with svc.uow() as uow:
        subject = uow.repo.subject(actor.id)
        if subject is None:
            raise NotFound("no such candidate", key="not_found.candidate", field="subject_id")
        uow.repo.put_self_identification(
            subject, declined=not consent, answers=answers, now=svc.now()
        )
        uow.commit()


def withdraw_self_identification(svc: Services, actor: Actor) -> None:
    if actor.role is not ActorRole.CANDIDATE:
        raise PermissionDenied(
            "only the candidate answers for themselves", key="denied.candidate_only", field="actor"
        )
    with svc.uow() as uow:
        uow.repo.delete_self_identification(actor.id)
        uow.commit()


def _unshown(measure: dict[str, Any], values: tuple[str, ...]) -> dict[str, Any]:
    """``suppressed`` as every value of the dimension not shown, present or not: naming
    only the small groups that exist would tell an employer who filters down to one case
    that candidate's sex or age band (PRODUCT.md §7: never visible to the employer)."""
    return {**measure, "suppressed": [v for v in values if v not in measure["groups"]]}


#: Cases whose report the employer has seen: the only ones a report counts (PRODUCT.md §7).
RELEASED_STATES = tuple(sorted(lifecycle.RELEASED_STATES))


def fairness_overview(
    svc: Services,
    actor: Actor,
    *,
    employer_id: str | None = None,
    role_id: str | None = None,
    quarter: str | None = None,
    min_group: int = DEFAULT_MIN_GROUP,
) -> dict[str, Any]:
    """Per dimension (sex, age band), over one calendar quarter that has ended (the last
    one by default) and the released cases created in it: the light distribution and
    flag rate (yellow or red) with impact ratios and four-fifths flags, and among decided
    cases the hiring rate with the same (PRODUCT.md §7).

    Why it is cut this way (docs/fairness.md has the whole argument): groups under
    ``min_group`` (10 at least; it may be raised, never lowered) are suppressed
    everywhere; the period is a fixed, closed quarter and the report is fixed the first
    time it is asked for after the quarter ends, so two reads never differ by one case
    (released, decided or destroyed in between); an employer sees its own cases, whole
    (a report narrowed to one role, compared with the whole, could single one out), and
    never a case it has not been shown."""
    if validate_min_group(min_group) < DEFAULT_MIN_GROUP:
        raise InvalidInput(
            "must be at least {n}: a smaller group could single out a candidate",
            field="min_group",
            key="input.min_group_at_least",
            n=DEFAULT_MIN_GROUP,
        )
    if actor.role is ActorRole.EMPLOYER:
        if employer_id not in (None, actor.id):
            raise NotFound("no such employer", key="not_found.employer", field="employer_id")
        if role_id is not None:
            raise InvalidInput(
                "employers see their organisation as a whole: a report narrowed to one "
                "role, compared with the whole, could single out a candidate",
                field="role_id",
                key="input.employer_sees_whole_organisation",
            )
        employer_id = actor.id
    elif actor.role not in (ActorRole.REGULATOR, ActorRole.OPERATOR):
        raise PermissionDenied(f"{actor.role.value} may not read fairness reports", field="actor")
    today = svc.now().astimezone(svc.config.zone).date()
    period = last_ended_quarter(today) if quarter is None else Quarter.parse(quarter)
    if not period.has_ended(today):
        raise InvalidInput(
            "has not ended yet: reports cover calendar quarters that have ended",
            field="quarter",
            key="input.quarter_not_ended",
        )
    scope = f"{employer_id or '*'}|{role_id or '*'}"
    with svc.uow() as uow:
        counts = uow.repo.fairness_snapshot(scope, period.label)
        if counts is None:
            counts = _quarter_counts(svc, uow, period, employer_id, role_id)
            uow.repo.put_fairness_snapshot(scope, period.label, counts, svc.now())
            uow.commit()
    report: dict[str, Any] = {
        "min_group": min_group,
        "employer": svc.pseudonym("emp", employer_id) if employer_id else None,
        "role": role_id,
        "quarter": period.label,
        "dimensions": {},
    }
    for dimension in DIMENSIONS:
        flags = FairnessAccumulator(with_outcome=False)
        hiring = FairnessAccumulator(with_outcome=False)
        stored = counts[dimension]
        for group, cell in stored["rated"].items():
            flags.add(group, True, count=cell["flagged"])
            flags.add(group, False, count=cell["n"] - cell["flagged"])
        for group, cell in stored["decided"].items():
            hiring.add(group, True, count=cell["not_hired"])
            hiring.add(group, False, count=cell["n"] - cell["not_hired"])
        flag_report = flags.report(min_group=min_group)
        hiring_report = hiring.report(min_group=min_group)
        report["dimensions"][dimension] = {
            "flagged": _unshown(flag_report.as_dict(), DIMENSIONS[dimension]),
            "not_hired": _unshown(hiring_report.as_dict(), DIMENSIONS[dimension]),
            "lights": {
                group: stored["rated"][group]["lights"] for group in sorted(flag_report.groups)
            },
        }
    return report


def _quarter_counts(
    svc: Services,
    uow: SqlUnitOfWork,
    period: Quarter,
    employer_id: str | None,
    role_id: str | None,
) -> dict[str, Any]:
    """Per dimension and group, the counts a report is made of, for the released cases
    created in ``period``; a group of fewer than the default minimum is not kept at all,
    so no stored cell is small enough to point at one person."""
    zone = svc.config.zone
    start = datetime.combine(period.first_day, time(), zone)
    end = datetime.combine(period.next_first_day, time(), zone)
    conditions: list[Any] = [
        t.cases.c.light.is_not(None),
        t.cases.c.state.in_([str(state) for state in RELEASED_STATES]),
        t.cases.c.created_at >= start,
        t.cases.c.created_at < end,
    ]
    if employer_id is not None:
        conditions.append(t.cases.c.employer_id == employer_id)
    answers = uow.repo.self_identifications()
    cases = uow.repo.cases_where(*conditions)
    if role_id is not None:
        profile_ids = uow.repo.profile_ids_for_role(role_id, employer_id)
        cases = [c for c in cases if c["profile_id"] in profile_ids]
    counts: dict[str, Any] = {}
    for dimension in DIMENSIONS:
        rated: dict[str, dict[str, Any]] = {}
        decided: dict[str, dict[str, int]] = {}
        for case in cases:
            group = answers.get(str(case["subject_id"]), {}).get(dimension)
            if group is None:
                continue
            cell = rated.setdefault(
                group, {"n": 0, "flagged": 0, "lights": dict.fromkeys(LIGHTS, 0)}
            )
            cell["n"] += 1
            cell["flagged"] += case["light"] in FLAGGED_LIGHTS
            cell["lights"][case["light"]] += 1
            if case["outcome"] is not None:
                hired = decided.setdefault(group, {"n": 0, "not_hired": 0})
                hired["n"] += 1
                hired["not_hired"] += case["outcome"] != "hired"
        counts[dimension] = {
            "rated": {g: c for g, c in rated.items() if c["n"] >= DEFAULT_MIN_GROUP},
            "decided": {g: c for g, c in decided.items() if c["n"] >= DEFAULT_MIN_GROUP},
        }
    return counts
