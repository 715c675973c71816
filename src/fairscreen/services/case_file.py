"""Reading a case file (``case.schema.json``, fairscreen/case/v1) into the domain.

Pydantic v2 does the validation with the models of ``case_models``, whose errors name the
JSON path of the offending field and never echo personal data.

A case is read in one pass straight into the domain's dataclasses (``_read_in_one_pass``);
an input that pass refuses is read again model by model (``_read_stepwise``), whose first
error is the one reported. Both accept the same inputs and build the same ``Case``
(``tests/unit/test_case_file.py``).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Hashable, Mapping
from typing import Annotated, Any

from pydantic import BaseModel, GetPydanticSchema, ValidationError
from pydantic_core import CoreSchema
from pydantic_core import core_schema as cs

from fairscreen.domain import model as m
from fairscreen.domain.categories import (
    PROHIBITED,
    Category,
    CauseGroup,
    RecordStatus,
    SourceKind,
    Tier,
)
from fairscreen.domain.errors import InvalidInput
from fairscreen.services.case_models import (
    DATA_MODELS,
    DATE_PATTERN_BODY,
    AuthorizationIn,
    CaseHead,
    CaseIn,
    CategoryRequirementIn,
    ClaimsIn,
    CreditDataIn,
    CriminalDataIn,
    EducationClaimIn,
    EducationDataIn,
    EmploymentClaimIn,
    EmploymentDataIn,
    EnforcementDataIn,
    HealthCertificateDataIn,
    IdentityDataIn,
    LicenseClaimIn,
    LicenseDataIn,
    LitigationDataIn,
    ProfileRefIn,
    RecordIdentityIn,
    RecordIn,
    ReferenceDataIn,
    RoleIn,
    SourceIn,
    StatementIn,
    check_month,
    invalid_input,
    to_date,
)

# --- conversion into the domain ------------------------------------------------------------


def _builtin_profile(ref: ProfileRefIn, profiles: Mapping[str, m.RoleProfile]) -> m.RoleProfile:
    profile = profiles.get(ref.profile)
    if profile is None:
        raise InvalidInput(
            "not one of the built-in profiles",
            field="role.profile",
            key="input.not_one_built_profiles",
        )
    return profile


def _role(raw: dict[str, Any], profiles: Mapping[str, m.RoleProfile]) -> m.RoleProfile:
    if "profile" in raw:
        try:
            ref = ProfileRefIn.model_validate(raw)
        except ValidationError as exc:
            raise invalid_input(exc, ("role",)) from exc
        return _builtin_profile(ref, profiles)
    try:
        role = RoleIn.model_validate(raw)
    except ValidationError as exc:
        raise invalid_input(exc, ("role",)) from exc
    return role_profile_from(role)


def role_profile_from(role: RoleIn) -> m.RoleProfile:
    return m.RoleProfile(
        id=role.id,
        title=role.title,
        tier=Tier(role.tier),
        categories={
            Category(name): m.CategoryRequirement(
                justification=req.justification,
                lookback_years=req.lookback_years,
                legal_basis=req.legal_basis,
            )
            for name, req in role.categories.items()
        },
        relevant_groups=None
        if role.relevant_groups is None
        else frozenset(CauseGroup(g) for g in role.relevant_groups),
        relevance_justification=role.relevance_justification,
    )


def _month(text: str | None) -> m.YearMonth | None:
    return None if text is None else m.YearMonth.parse(text)


def _record_data(category: Category, data: BaseModel) -> m.RecordData:
    match data:
        case IdentityDataIn():
            return m.IdentityData(result=data.result)
        case EducationDataIn():
            return m.EducationData(
                institution=data.institution,
                degree=data.degree,
                graduation_year=data.graduation_year,
                major=data.major,
                certificate_no=data.certificate_no,
                conferred=data.conferred,
            )
        case EmploymentDataIn():
            return m.EmploymentData(
                employer=data.employer,
                title=data.title,
                start=_month(data.start),
                end=_month(data.end),
                employed=data.employed,
            )
        case LicenseDataIn():
            return m.LicenseData(
                number=data.number,
                status=data.status,
                name=data.name,
                valid_until=data.valid_until,
            )
        case LitigationDataIn():
            return m.LitigationData(
                case_no=data.case_no,
                case_type=data.case_type,
                cause=data.cause,
                party_role=data.party_role,
                outcome=data.outcome,
                court=data.court,
                cause_group=None if data.cause_group is None else CauseGroup(data.cause_group),
                filed_on=data.filed_on,
                decided_on=data.decided_on,
            )
        case EnforcementDataIn():
            return m.EnforcementData(
                listing=data.listing,
                active=data.active,
                listed_on=data.listed_on,
                removed_on=data.removed_on,
                case_no=data.case_no,
            )
        case CriminalDataIn():
            return m.CriminalData(
                offence=data.offence,
                convicted=data.convicted,
                offence_group=None
                if data.offence_group is None
                else CauseGroup(data.offence_group),
                offence_date=data.offence_date,
                final=data.final,
                judgment_date=data.judgment_date,
                sentence=data.sentence,
            )
        case CreditDataIn():
            return m.CreditData(
                serious_delinquency=data.serious_delinquency,
                reported_on=data.reported_on,
            )
        case HealthCertificateDataIn():
            return _health_certificate(data)
        case ReferenceDataIn():
            return m.ReferenceData(
                statements=tuple(
                    m.Statement(s.text, s.topic, s.assertion, s.polarity) for s in data.statements
                ),
                relation=data.relation,
            )
    raise AssertionError(f"no data shape for {category}")  # pragma: no cover


def record_from(index: int, record: RecordIn, where: str = "records") -> m.Record:
    """One record as the domain reads it, its data checked against its category's shape;
    errors name ``<where>[index]…`` (a case file's ``records``, or a dispute answer's
    ``corrected_records``)."""
    category = Category(record.category)
    status = RecordStatus(record.status)
    data: m.RecordData | None = None
    if status is RecordStatus.OK and category not in PROHIBITED:
        # A prohibited category's data is never read: it is discarded NOT_IN_SCOPE.
        if record.data is None:
            raise InvalidInput("required when status is ok", field=f"{where}[{index}].data")
        try:
            parsed = DATA_MODELS[category].model_validate(record.data)
        except ValidationError as exc:
            raise invalid_input(exc, (where, index, "data")) from exc
        data = _record_data(category, parsed)
    identity = record.identity
    return m.Record(
        id=record.id,
        category=category,
        source=m.Source(
            id=record.source.id,
            kind=SourceKind(record.source.kind),
            name=record.source.name,
            person_id=record.source.person_id,
        ),
        status=status,
        identity=None
        if identity is None
        else m.RecordIdentity(
            national_id=identity.national_id,
            name=identity.name,
            birth_date=identity.birth_date,
        ),
        data=data,
    )


def _case(
    head: CaseHead,
    *,
    role: m.RoleProfile,
    records: tuple[m.Record, ...],
    claims: m.Claims,
    authorization: m.Authorization | None,
) -> m.Case:
    """The domain ``Case`` from the fields both readings share and the parts each reads
    its own way."""
    subject = head.subject
    return m.Case(
        case_id=head.case_id,
        as_of=head.as_of,
        employer_id=head.employer.id,
        role=role,
        subject=m.Subject(
            name=subject.name, national_id=subject.national_id, birth_date=subject.birth_date
        ),
        requested_categories=tuple(head.requested_categories),
        records=records,
        claims=claims,
        authorization=authorization,
    )


def _read_stepwise(content: bytes | str, profiles: Mapping[str, m.RoleProfile]) -> m.Case:
    """Validate a case file model by model and build the domain ``Case``; raise
    ``InvalidInput`` naming the first offending field."""
    try:
        case = CaseIn.model_validate_json(content)
    except ValidationError as exc:
        raise invalid_input(exc) from exc
    seen: set[str] = set()
    for index, record in enumerate(case.records):
        if record.id in seen:
            raise InvalidInput("duplicate record id", field=f"records[{index}].id")
        seen.add(record.id)
    auth = case.authorization
    claims = case.claims
    return _case(
        case,
        role=_role(case.role, profiles),
        records=tuple(record_from(i, r) for i, r in enumerate(case.records)),
        claims=m.Claims(
            education=tuple(
                m.EducationClaim(c.institution, c.degree, c.graduation_year, c.major)
                for c in claims.education
            ),
            employment=tuple(
                m.EmploymentClaim(c.employer, m.YearMonth.parse(c.start), _month(c.end), c.title)
                for c in claims.employment
            ),
            licenses=tuple(m.LicenseClaim(c.number, c.name) for c in claims.licenses),
        ),
        authorization=None
        if auth is None
        else m.Authorization(
            employer_id=auth.employer_id,
            purpose=auth.purpose,
            categories=frozenset(Category(c) for c in auth.categories),
            signed_at=auth.signed_at,
            expires_at=auth.expires_at,
            sensitive_categories_consented=frozenset(
                Category(c) for c in auth.sensitive_categories_consented
            ),
            revoked_at=auth.revoked_at,
            role_id=auth.role_id,
            document_sha256=auth.document_sha256,
        ),
    )


# --- one pass: validation straight into the domain -----------------------------------------
#
# Reading step by step (above) validates into pydantic models and then copies every record
# into the domain's dataclasses, the copy costing more than the validation. The schemas below
# accept exactly what those models accept (each is made from a model's own core schema,
# field by field), but pydantic-core builds the domain's frozen dataclasses itself, in the
# same pass over the JSON. An input they refuse is read again step by step, so every error
# is still the one the models report, first error first. Since their refusals are never
# reported, the one pass swaps a model's Python validator for pydantic-core's own where
# those accept the same values (a date) and makes a month one call: fewer calls into Python
# per case (bench/evaluate.py, stage "read only"). A checked category stays a call: as a
# literal of the members its check passes it cost more instructions, not fewer.


#: ``Day`` as pydantic-core's own validators: a JSON string of the date pattern, then a real
#: calendar date, with no call into Python per date. It accepts exactly the strings
#: ``to_date`` accepts (``tests/unit/test_case_file.py``); it cannot say why it refuses one,
#: which the one pass never needs to (the models say it when the case is read again).
_DAY = cs.chain_schema(
    [
        cs.str_schema(pattern=f"^{DATE_PATTERN_BODY}$", strict=True),
        cs.date_schema(strict=False),  # from the string the pattern passed
    ]
)


def _runs(schema: Any, function: Callable[..., Any], mode: str = "after") -> bool:
    """Whether ``schema`` runs ``function`` (a field validator, ``mode`` after or before)."""
    return (
        isinstance(schema, dict)
        and schema.get("type") == f"function-{mode}"
        and schema["function"].get("function") is function
    )


def _inlined(schema: Any, definitions: Mapping[str, Any]) -> Any:
    """``schema`` as the one pass validates it: each reference to a shared definition
    replaced by the definition, and each ``Day`` by ``_DAY``."""
    if isinstance(schema, dict):
        if schema.get("type") == "definition-ref":
            return _inlined(definitions[schema["schema_ref"]], definitions)
        if _runs(schema, to_date, "before"):
            return _DAY
        return {key: _inlined(value, definitions) for key, value in schema.items()}
    if isinstance(schema, list):
        return [_inlined(value, definitions) for value in schema]
    return schema


def _model_fields(model: type[BaseModel]) -> dict[str, CoreSchema]:
    """The core schema of each field of ``model`` (with its default), in field order."""
    schema = model.__pydantic_core_schema__
    definitions: dict[str, Any] = {}
    if schema["type"] == "definitions":
        definitions = {item["ref"]: item for item in schema["definitions"] if "ref" in item}
        schema = schema["schema"]
    fields = schema["schema"] if schema["type"] == "model" else schema
    if fields["type"] != "model-fields":  # pragma: no cover
        raise TypeError(f"{model.__name__} has no model schema")
    return {
        name: _inlined(field["schema"], definitions) for name, field in fields["fields"].items()
    }


def _into(target: type[Any], model: type[BaseModel], **replaced: CoreSchema) -> CoreSchema:
    """What ``model`` accepts, built as the domain dataclass ``target`` of the same field
    names. ``replaced`` gives a field another schema (a nested model's dataclass, a list
    as a tuple); a field only the target has keeps its default and, as in the model, is
    refused as input."""
    fields = _model_fields(model)
    if not replaced.keys() <= fields.keys():  # pragma: no cover - a misspelt field
        raise TypeError(f"{model.__name__} has no field {sorted(replaced.keys() - fields)}")
    fields |= replaced
    own = {field.name: field for field in dataclasses.fields(target)}
    if not fields.keys() <= own.keys():  # pragma: no cover - the shapes drifted apart
        raise TypeError(f"{target.__name__} has no field {sorted(fields.keys() - own)}")
    arguments = [cs.dataclass_field(name, schema) for name, schema in fields.items()]
    arguments += [
        cs.dataclass_field(
            name, cs.with_default_schema(cs.any_schema(), default=field.default), init=False
        )
        for name, field in own.items()
        if name not in fields
    ]
    config = model.model_config
    return cs.dataclass_schema(
        target,
        cs.dataclass_args_schema(
            target.__name__, arguments, extra_behavior=config.get("extra", "ignore")
        ),
        list(own),
        slots=True,
        frozen=True,
        # Not strict about the object itself (an instance would be required from Python);
        # its fields are as strict as the model's.
        strict=False,
        config=cs.CoreConfig(strict=config.get("strict", False)),
    )


def _within(
    schema: CoreSchema,
    change: Callable[[CoreSchema], CoreSchema],
    default: Callable[[Any], Any] | None = None,
) -> CoreSchema:
    """``schema`` with ``change`` made under its default and ``null`` wrappers; a default
    other than null goes through ``default`` (an empty list becomes an empty tuple)."""
    if schema["type"] == "default":
        value = schema["default"]
        if default is not None and value is not None:
            value = default(value)
        return cs.with_default_schema(_within(schema["schema"], change, default), default=value)
    if schema["type"] == "nullable":
        return cs.nullable_schema(_within(schema["schema"], change, default))
    return change(schema)


def _then(schema: CoreSchema, function: Callable[[Any], Any]) -> CoreSchema:
    """``schema``, its (non-null) value then converted by ``function``."""
    return _within(schema, lambda inner: cs.no_info_after_validator_function(function, inner))


@functools.lru_cache(maxsize=4096)
def _year_month(text: str) -> m.YearMonth:
    """A ``Month`` (its pattern already matched) as the domain's value. Cached, the value
    being frozen: the months of a case file repeat (a job's claim and its record), and the
    months of all working lives are few (1,200 a century)."""
    return m.YearMonth.parse(check_month(text))


def _year_months(schema: CoreSchema) -> CoreSchema:
    """A ``Month`` field read as a ``YearMonth`` by one call per month: its check and the
    conversion are ``_year_month``."""

    def change(inner: CoreSchema) -> CoreSchema:
        if not _runs(inner, check_month):  # pragma: no cover - Month changed shape
            raise TypeError(f"not a Month: {inner['type']}")
        return cs.no_info_after_validator_function(_year_month, inner["schema"])

    return _within(schema, change)


def _items(schema: CoreSchema) -> CoreSchema:
    """The items of a list schema with no constraint of its own (none would be kept)."""
    if schema["type"] != "list" or schema.keys() - {"type", "items_schema", "metadata"}:
        raise TypeError(f"not a plain list: {schema['type']}")  # pragma: no cover
    items: CoreSchema = schema.get("items_schema", cs.any_schema())
    return items


def _as_tuple(schema: CoreSchema, items: CoreSchema | None = None) -> CoreSchema:
    """A list field read as a tuple, its items by ``items`` (the list's own by default)."""
    return _within(
        schema,
        lambda inner: cs.tuple_schema([items or _items(inner)], variadic_item_index=0),
        tuple,
    )


def _as_frozenset(schema: CoreSchema) -> CoreSchema:
    """A list field read as a frozenset (a list first: a strict set takes no list from
    Python)."""
    return _within(
        schema, lambda inner: cs.no_info_after_validator_function(frozenset, inner), frozenset
    )


def _unread(_: object) -> None:
    """Data the domain never reads (a prohibited category's, a record without a result):
    validated as an object, then dropped."""


def _health_certificate(data: HealthCertificateDataIn) -> m.HealthCertificateData:
    return m.HealthCertificateData(
        valid_until=data.valid_until,
        certificate_no=data.certificate_no,
        stripped_fields=tuple(sorted(data.model_extra or {})),
    )


def _data_schemas() -> dict[Category, CoreSchema]:
    employment = _model_fields(EmploymentDataIn)
    reference = _model_fields(ReferenceDataIn)
    schemas = {
        Category.IDENTITY: _into(m.IdentityData, IdentityDataIn),
        Category.EDUCATION: _into(m.EducationData, EducationDataIn),
        Category.EMPLOYMENT_HISTORY: _into(
            m.EmploymentData,
            EmploymentDataIn,
            start=_year_months(employment["start"]),
            end=_year_months(employment["end"]),
        ),
        Category.PROFESSIONAL_LICENSE: _into(m.LicenseData, LicenseDataIn),
        Category.LITIGATION: _into(m.LitigationData, LitigationDataIn),
        Category.ENFORCEMENT: _into(m.EnforcementData, EnforcementDataIn),
        Category.CRIMINAL_RECORD: _into(m.CriminalData, CriminalDataIn),
        Category.CREDIT: _into(m.CreditData, CreditDataIn),
        # Extra fields are allowed in, then stripped: only the model can list them.
        Category.HEALTH_CERTIFICATE: cs.no_info_after_validator_function(
            _health_certificate, HealthCertificateDataIn.__pydantic_core_schema__
        ),
        Category.REFERENCE: _into(
            m.ReferenceData,
            ReferenceDataIn,
            statements=_as_tuple(reference["statements"], _into(m.Statement, StatementIn)),
        ),
    }
    if schemas.keys() != DATA_MODELS.keys():  # pragma: no cover
        raise TypeError("every data model needs its domain schema")
    return schemas


def _records_schema() -> CoreSchema:
    """Records, each by its category: a category the domain reads takes its data shape
    when the status is ``ok`` (the data is then required) and drops the data otherwise; a
    prohibited category's data is always dropped unread."""
    fields = _model_fields(RecordIn)
    shared = {
        "source": _into(m.Source, SourceIn),
        "identity": _within(
            fields["identity"], lambda _: _into(m.RecordIdentity, RecordIdentityIn)
        ),
    }
    unread = _then(fields["data"], _unread)
    data = _data_schemas()
    ok = cs.with_default_schema(cs.literal_schema([RecordStatus.OK]), default=RecordStatus.OK)
    no_result = cs.literal_schema([RecordStatus.NOT_FOUND, RecordStatus.SOURCE_UNAVAILABLE])
    choices: dict[Hashable, CoreSchema] = {}
    for category in Category:
        own = {"category": cs.literal_schema([category]), **shared}
        if category in PROHIBITED:
            choices[category.value] = _into(m.Record, RecordIn, **own, data=unread)
            continue
        choices[category.value] = cs.union_schema(
            [
                _into(m.Record, RecordIn, **own, status=ok, data=data[category]),
                _into(m.Record, RecordIn, **own, status=no_result, data=unread),
            ],
            mode="left_to_right",
        )
    return cs.tuple_schema(
        [cs.tagged_union_schema(choices, discriminator="category")], variadic_item_index=0
    )


def _claims_schema() -> CoreSchema:
    claims = _model_fields(ClaimsIn)
    employment = _model_fields(EmploymentClaimIn)
    return _into(
        m.Claims,
        ClaimsIn,
        education=_as_tuple(claims["education"], _into(m.EducationClaim, EducationClaimIn)),
        employment=_as_tuple(
            claims["employment"],
            _into(
                m.EmploymentClaim,
                EmploymentClaimIn,
                start=_year_months(employment["start"]),
                end=_year_months(employment["end"]),
            ),
        ),
        licenses=_as_tuple(claims["licenses"], _into(m.LicenseClaim, LicenseClaimIn)),
    )


def _authorization_schema() -> CoreSchema:
    fields = _model_fields(AuthorizationIn)
    return cs.nullable_schema(
        _into(
            m.Authorization,
            AuthorizationIn,
            categories=_as_frozenset(fields["categories"]),
            sensitive_categories_consented=_as_frozenset(fields["sensitive_categories_consented"]),
        )
    )


def _role_schema() -> CoreSchema:
    fields = _model_fields(RoleIn)
    categories = fields["categories"]
    if categories["type"] != "dict":  # pragma: no cover
        raise TypeError("role.categories is not a mapping")
    return _into(
        m.RoleProfile,
        RoleIn,
        categories=cs.dict_schema(
            categories.get("keys_schema"),
            _into(m.CategoryRequirement, CategoryRequirementIn),
        ),
        relevant_groups=_as_frozenset(fields["relevant_groups"]),
    )


def _role_or_profile_schema() -> CoreSchema:
    """A role written out, as the domain's ``RoleProfile``, or the name of a built-in
    profile, as ``ProfileRefIn``: each refuses the other's fields (both forbid extra ones),
    so at most one of the two accepts a role."""
    return cs.union_schema(
        [_role_schema(), ProfileRefIn.__pydantic_core_schema__], mode="left_to_right"
    )


class _DomainCaseIn(CaseHead):
    """A case file read in one pass: the role, records, claims and authorization are the
    domain's own values (a built-in profile's name is looked up afterwards)."""

    role: Annotated[  # type: ignore[assignment]  # the head's raw object, read here
        m.RoleProfile | ProfileRefIn, GetPydanticSchema(lambda _t, _h: _role_or_profile_schema())
    ]
    records: Annotated[tuple[m.Record, ...], GetPydanticSchema(lambda _t, _h: _records_schema())]
    claims: Annotated[m.Claims, GetPydanticSchema(lambda _t, _h: _claims_schema())] = m.Claims()
    authorization: Annotated[
        m.Authorization | None, GetPydanticSchema(lambda _t, _h: _authorization_schema())
    ] = None


def _read_in_one_pass(content: bytes | str, profiles: Mapping[str, m.RoleProfile]) -> m.Case | None:
    """The domain ``Case``, or None for an input to read step by step: one the one-pass
    schemas refuse, or with a duplicate record id."""
    try:
        case = _DomainCaseIn.model_validate_json(content)
    except ValidationError:
        return None
    records = case.records
    if len({record.id for record in records}) != len(records):
        return None
    role = case.role
    if isinstance(role, ProfileRefIn):
        role = _builtin_profile(role, profiles)
    return _case(
        case, role=role, records=records, claims=case.claims, authorization=case.authorization
    )


def parse_case(content: bytes | str, profiles: Mapping[str, m.RoleProfile]) -> m.Case:
    """Validate a case file and build the domain ``Case``; raise ``InvalidInput`` naming
    the first offending field (read step by step whenever the one pass refuses it)."""
    case = _read_in_one_pass(content, profiles)
    return case if case is not None else _read_stepwise(content, profiles)
