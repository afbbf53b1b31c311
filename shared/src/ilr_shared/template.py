"""The ILR template of a programme: what every enrolled learner's ILR is prefilled with.

Validated and stored by the programmes service, rendered into learners' deliveries by the
ILR service (`render_deliveries`). ILR elements keep their official names (``ProgType``);
template-only settings are snake_case (``planned_otj_hours``). See docs/ENGINEERING.md.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints

from ilr_shared.ilr.codes import code_lists, is_valid_code
from ilr_shared.ilr.models import delivery_model
from ilr_shared.ilr.records import validate_entity

PROGRAMME_AIM_REF = "ZPROG001"
PROGRAMME_AIM = 1
APPRENTICESHIP_STANDARD = 25
FM_APPRENTICESHIPS = 36
TNP = "TNP"
CURRENT_YEAR = "2026/27"
# HRSRecord (2026/27 on): HRSType "HRS", HRSCode 1 = planned off-the-job training hours.
HRS_TYPE = "HRS"
HRS_PLANNED_OTJ = 1
# FAM types whose LearnDelFAMDateFrom must be returned (ILR specification).
DATED_FAM_TYPES = frozenset({"ACT", "ALB", "LSF"})
# A new learner's aim is continuing.
COMP_STATUS_CONTINUING = 1

Key = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,40}$")]
OffsetDays = Annotated[StrictInt, Field(ge=-3650, le=3650)]


class _TemplateModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TemplateFAM(_TemplateModel):
    """A LearningDeliveryFAM; for ACT/ALB/LSF the date from is the start (+ offset_days)."""

    LearnDelFAMType: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
    LearnDelFAMCode: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{1,5}$")]
    offset_days: OffsetDays | None = None


class TemplateAppFin(_TemplateModel):
    """An AppFinRecord; AFinDate = the learner's start date + offset_days."""

    AFinType: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
    AFinCode: StrictInt
    AFinAmount: Annotated[StrictInt, Field(ge=0, le=999_999)]
    offset_days: OffsetDays = 0


class TemplateDelivery(_TemplateModel):
    """One aim. `key` identifies it across revisions (learners' deliveries keep it)."""

    key: Key
    LearnAimRef: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{1,8}$")]
    AimType: StrictInt
    FundModel: StrictInt | None = None
    ProgType: StrictInt | None = None
    StdCode: StrictInt | None = None
    PwayCode: StrictInt | None = None
    PartnerUKPRN: StrictInt | None = None
    DelLocPostCode: str | None = None
    LSDPostcode: str | None = None
    PriorLearnFundAdj: StrictInt | None = None
    OtherFundAdj: StrictInt | None = None
    ConRefNumber: str | None = None
    EPAOrgID: str | None = None
    LearningDeliveryFAM: list[TemplateFAM] = Field(default_factory=list, max_length=50)
    AppFinRecord: list[TemplateAppFin] = Field(default_factory=list, max_length=50)


class IlrTemplate(_TemplateModel):
    """A programme's ILR template. ProgType/StdCode/FundModel apply to every delivery
    unless the delivery gives its own."""

    ProgType: StrictInt | None = None
    StdCode: StrictInt | None = None
    FundModel: StrictInt | None = None
    planned_duration_months: Annotated[StrictInt, Field(ge=1, le=120)] | None = None
    planned_otj_hours: Annotated[StrictInt, Field(ge=0, le=9999)] | None = None
    LearningDelivery: list[TemplateDelivery] = Field(min_length=1, max_length=50)

    def effective(self, delivery: TemplateDelivery, name: str) -> int | None:
        """A delivery's FundModel/ProgType/StdCode, falling back to the template's."""
        own: int | None = getattr(delivery, name)
        if own is not None:
            return own
        inherited: int | None = getattr(self, name)
        return inherited

    def as_document(self) -> dict[str, Any]:
        """The JSON form stored and sent in events (no nulls, no empty lists)."""
        document: dict[str, Any] = _prune(self.model_dump(mode="json"))
        return document


def as_template(template: IlrTemplate | Mapping[str, Any]) -> IlrTemplate:
    return template if isinstance(template, IlrTemplate) else IlrTemplate.model_validate(template)


# --------------------------------------------------------------------------- validation


@dataclass(frozen=True, slots=True)
class TemplateProblem:
    """Why a template is refused: ``path`` like ``LearningDelivery[0].AimType``."""

    path: str
    message: str
    rule: str


class InvalidTemplateError(ValueError):
    def __init__(self, problems: list[TemplateProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.path}: {p.message}" for p in problems[:5]))


@dataclass(frozen=True, slots=True)
class CodedField:
    """One coded value in a template. ``owner`` is the path of what must go if the code
    goes (the field itself when optional, else its enclosing list item)."""

    path: str
    list_name: str
    code: int | str
    owner: str


def coded_fields(template: IlrTemplate) -> Iterator[CodedField]:
    for name in ("FundModel", "ProgType"):
        value = getattr(template, name)
        if value is not None:
            yield CodedField(name, name, value, name)
    for i, delivery in enumerate(template.LearningDelivery):
        base = f"LearningDelivery[{i}]"
        yield CodedField(f"{base}.AimType", "AimType", delivery.AimType, base)
        for name in ("FundModel", "ProgType"):
            value = getattr(delivery, name)
            if value is not None:
                yield CodedField(f"{base}.{name}", name, value, f"{base}.{name}")
        for j, fam in enumerate(delivery.LearningDeliveryFAM):
            item = f"{base}.LearningDeliveryFAM[{j}]"
            yield CodedField(
                f"{item}.LearnDelFAMType", "LearnDelFAMType", fam.LearnDelFAMType, item
            )
            yield CodedField(
                f"{item}.LearnDelFAMCode",
                f"LearnDelFAMCode.{fam.LearnDelFAMType}",
                fam.LearnDelFAMCode,
                item,
            )
        for j, fin in enumerate(delivery.AppFinRecord):
            item = f"{base}.AppFinRecord[{j}]"
            yield CodedField(f"{item}.AFinType", "AFinType", fin.AFinType, item)
            yield CodedField(f"{item}.AFinCode", f"AFinCode.{fin.AFinType}", fin.AFinCode, item)


def validate_template(
    template: IlrTemplate | Mapping[str, Any], academic_year: str
) -> list[TemplateProblem]:
    """Every reason the template cannot be used in ``academic_year``; empty when valid.
    Raises pydantic.ValidationError for a mapping that is not a template at all."""
    tpl = as_template(template)
    problems: list[TemplateProblem] = []
    problems += _code_problems(tpl, academic_year)
    problems += _key_problems(tpl)
    problems += _aim_problems(tpl)
    problems += _schema_problems(tpl, academic_year)
    return problems


def check_template(template: IlrTemplate | Mapping[str, Any], academic_year: str) -> IlrTemplate:
    """The template, or InvalidTemplateError listing every problem."""
    tpl = as_template(template)
    problems = validate_template(tpl, academic_year)
    if problems:
        raise InvalidTemplateError(problems)
    return tpl


def _code_problems(tpl: IlrTemplate, year: str) -> list[TemplateProblem]:
    problems = []
    bad_fam_items: set[str] = set()
    for field in coded_fields(tpl):
        # A FAM/AFin code is only judged when its type is valid.
        if field.owner in bad_fam_items:
            continue
        if not is_valid_code(year, field.list_name, field.code):
            if field.path.endswith(("LearnDelFAMType", "AFinType")):
                bad_fam_items.add(field.owner)
            problems.append(
                TemplateProblem(
                    field.path,
                    f"{field.code!r} is not a valid {field.list_name} code in {year}",
                    "code_not_valid",
                )
            )
    return problems


def _key_problems(tpl: IlrTemplate) -> list[TemplateProblem]:
    seen: set[str] = set()
    problems = []
    for i, delivery in enumerate(tpl.LearningDelivery):
        if delivery.key in seen:
            problems.append(
                TemplateProblem(
                    f"LearningDelivery[{i}].key",
                    f"key {delivery.key!r} is used by more than one aim",
                    "duplicate_key",
                )
            )
        seen.add(delivery.key)
    return problems


def _aim_problems(tpl: IlrTemplate) -> list[TemplateProblem]:
    problems = []
    for i, delivery in enumerate(tpl.LearningDelivery):
        base = f"LearningDelivery[{i}]"
        problems += _programme_aim_problems(delivery, base)
        problems += _standard_code_problems(tpl, delivery, base)
        problems += _price_problems(tpl, delivery, base)
    problems += _programme_aim_count_problems(tpl)
    return problems


def _programme_aim_problems(delivery: TemplateDelivery, base: str) -> list[TemplateProblem]:
    """ZPROG001 and AimType 1 go together."""
    is_programme_ref = delivery.LearnAimRef.upper() == PROGRAMME_AIM_REF
    if is_programme_ref and delivery.AimType != PROGRAMME_AIM:
        return [
            TemplateProblem(
                f"{base}.AimType",
                f"{PROGRAMME_AIM_REF} is the programme aim: its AimType must be 1",
                "programme_aim_type",
            )
        ]
    if delivery.AimType == PROGRAMME_AIM and not is_programme_ref:
        return [
            TemplateProblem(
                f"{base}.LearnAimRef",
                f"a programme aim (AimType 1) must have LearnAimRef {PROGRAMME_AIM_REF}",
                "programme_aim_ref",
            )
        ]
    return []


def _standard_code_problems(
    tpl: IlrTemplate, delivery: TemplateDelivery, base: str
) -> list[TemplateProblem]:
    """A StdCode exactly when the aim is an apprenticeship standard (ProgType 25)."""
    is_standard = tpl.effective(delivery, "ProgType") == APPRENTICESHIP_STANDARD
    has_code = tpl.effective(delivery, "StdCode") is not None
    if has_code == is_standard:
        return []
    if has_code:
        message = "StdCode may only be given for an apprenticeship standard (ProgType 25)"
        kind = "stdcode_without_progtype"
    else:
        message = "an apprenticeship standard (ProgType 25) needs its StdCode"
        kind = "stdcode_missing"
    return [TemplateProblem(_where(delivery, base, "StdCode"), message, kind)]


def _price_problems(
    tpl: IlrTemplate, delivery: TemplateDelivery, base: str
) -> list[TemplateProblem]:
    """An apprenticeship programme aim (FundModel 36) carries its TNP price."""
    if (
        tpl.effective(delivery, "FundModel") == FM_APPRENTICESHIPS
        and delivery.AimType == PROGRAMME_AIM
        and not any(fin.AFinType == TNP for fin in delivery.AppFinRecord)
    ):
        return [
            TemplateProblem(
                f"{base}.AppFinRecord",
                "an apprenticeship programme aim (FundModel 36) needs a TNP price",
                "tnp_missing",
            )
        ]
    return []


def _programme_aim_count_problems(tpl: IlrTemplate) -> list[TemplateProblem]:
    """An apprenticeship has exactly one programme aim."""
    apprenticeship = any(
        tpl.effective(delivery, "ProgType") == APPRENTICESHIP_STANDARD
        or tpl.effective(delivery, "FundModel") == FM_APPRENTICESHIPS
        for delivery in tpl.LearningDelivery
    )
    count = sum(1 for delivery in tpl.LearningDelivery if delivery.AimType == PROGRAMME_AIM)
    if not apprenticeship or count == 1:
        return []
    return [
        TemplateProblem(
            "LearningDelivery",
            "an apprenticeship needs exactly one programme aim "
            f"({PROGRAMME_AIM_REF}, AimType 1); found {count}",
            "programme_aim_count",
        )
    ]


def _where(delivery: TemplateDelivery, base: str, name: str) -> str:
    """The path of an inheritable field: the delivery's own, else the template's."""
    return f"{base}.{name}" if getattr(delivery, name) is not None else name


def _schema_problems(tpl: IlrTemplate, year: str) -> list[TemplateProblem]:
    """The rendered deliveries checked against the year's XSD model (lengths, patterns,
    elements the year does not have); problems are mapped back to template paths."""
    sample_start = date(int(year[:4]), 9, 1)
    rendered = render_deliveries(
        tpl, sample_start, academic_year=year, learn_plan_end_date=sample_start
    )
    problems: dict[str, TemplateProblem] = {}
    for i, (_, delivery) in enumerate(rendered):
        for problem in validate_entity(year, "LearningDelivery", delivery):
            if problem.code == "missing":
                continue  # a template may leave fields to the learner's ILR
            path = _template_path(tpl, i, problem.path)
            problems.setdefault(
                path, TemplateProblem(path, f"{problem.message} ({year} ILR)", "schema")
            )
    return list(problems.values())


def _template_path(tpl: IlrTemplate, index: int, path: str) -> str:
    head = path.split(".", 1)[0].split("[", 1)[0]
    delivery = tpl.LearningDelivery[index]
    if head in ("FundModel", "ProgType", "StdCode") and getattr(delivery, head) is None:
        return head
    if head in ("HRSRecord", "PHours"):
        return "planned_otj_hours"
    return f"LearningDelivery[{index}].{path}" if path else f"LearningDelivery[{index}]"


# --------------------------------------------------------------------------- rendering


def plan_end_date(start: date, months: int) -> date:
    """``start`` + ``months`` calendar months (the day is clamped to the month's end)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def render_deliveries(
    template: IlrTemplate | Mapping[str, Any],
    learn_start_date: date,
    *,
    academic_year: str = CURRENT_YEAR,
    learn_plan_end_date: date | None = None,
) -> list[tuple[str, dict[str, Any]]]:
    """The learner's LearningDelivery entities prefilled from the template, as
    ``(key, delivery)`` in template order. Each delivery is a canonical JSON dict with the
    official element names in XSD order (AimSeqNumber 1..n; LearnPlanEndDate = the given
    end date, else start + planned_duration_months; AFinDate = start + offset_days;
    planned off-the-job hours on the programme aim as HRSRecord HRS/1 in years that have
    HRSRecord (2026/27 on), else as PHours). Fields the template leaves out are omitted."""
    tpl = as_template(template)
    end = learn_plan_end_date
    if end is None and tpl.planned_duration_months is not None:
        end = plan_end_date(learn_start_date, tpl.planned_duration_months)
    has_hrs = "HRSRecord" in delivery_model(academic_year).model_fields
    out: list[tuple[str, dict[str, Any]]] = []
    for seq, delivery in enumerate(tpl.LearningDelivery, start=1):
        otj = tpl.planned_otj_hours if delivery.AimType == PROGRAMME_AIM else None
        rendered: dict[str, Any] = {
            "LearnAimRef": delivery.LearnAimRef,
            "AimType": delivery.AimType,
            "AimSeqNumber": seq,
            "LearnStartDate": learn_start_date.isoformat(),
            "LearnPlanEndDate": end.isoformat() if end else None,
            "FundModel": tpl.effective(delivery, "FundModel"),
            "PHours": otj if not has_hrs else None,
            "ProgType": tpl.effective(delivery, "ProgType"),
            "StdCode": tpl.effective(delivery, "StdCode"),
            "PwayCode": delivery.PwayCode,
            "PartnerUKPRN": delivery.PartnerUKPRN,
            "DelLocPostCode": delivery.DelLocPostCode,
            "LSDPostcode": delivery.LSDPostcode,
            "PriorLearnFundAdj": delivery.PriorLearnFundAdj,
            "OtherFundAdj": delivery.OtherFundAdj,
            "ConRefNumber": delivery.ConRefNumber,
            "EPAOrgID": delivery.EPAOrgID,
            "CompStatus": COMP_STATUS_CONTINUING,
            "LearningDeliveryFAM": [
                _render_fam(fam, learn_start_date) for fam in delivery.LearningDeliveryFAM
            ],
            "HRSRecord": (
                [{"HRSType": HRS_TYPE, "HRSCode": HRS_PLANNED_OTJ, "HRSAmount": otj}]
                if has_hrs and otj is not None
                else []
            ),
            "AppFinRecord": [
                {
                    "AFinType": fin.AFinType,
                    "AFinCode": fin.AFinCode,
                    "AFinDate": (learn_start_date + timedelta(days=fin.offset_days)).isoformat(),
                    "AFinAmount": fin.AFinAmount,
                }
                for fin in delivery.AppFinRecord
            ],
        }
        out.append((delivery.key, _prune(rendered)))
    return out


def _render_fam(fam: TemplateFAM, start: date) -> dict[str, Any]:
    rendered: dict[str, Any] = {
        "LearnDelFAMType": fam.LearnDelFAMType,
        "LearnDelFAMCode": fam.LearnDelFAMCode,
    }
    if fam.offset_days is not None or fam.LearnDelFAMType in DATED_FAM_TYPES:
        rendered["LearnDelFAMDateFrom"] = (start + timedelta(days=fam.offset_days or 0)).isoformat()
    return rendered


def _prune(value: Any) -> Any:
    if isinstance(value, dict):
        pruned = {k: _prune(v) for k, v in value.items()}
        return {k: v for k, v in pruned.items() if v is not None and v != []}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


# --------------------------------------------------------------------------- rollover


@dataclass(frozen=True, slots=True)
class RemovedCode:
    """A code left out of a cloned template because the target year no longer has it."""

    path: str
    code: int | str
    reason: str


def strip_invalid_codes(
    template: IlrTemplate | Mapping[str, Any], academic_year: str
) -> tuple[IlrTemplate | None, list[RemovedCode]]:
    """The template without the codes ``academic_year`` does not have, and what was
    removed (paths into the original template). An optional field goes on its own; a
    FAM or financial record goes whole; an aim whose AimType is invalid goes whole.
    Returns None for the template when no aim is left."""
    tpl = as_template(template)
    removed: list[RemovedCode] = []
    drop: set[str] = set()
    for field in coded_fields(tpl):
        if any(field.owner == d or field.owner.startswith(d + ".") for d in drop):
            continue
        if is_valid_code(academic_year, field.list_name, field.code):
            continue
        drop.add(field.owner)
        removed.append(
            RemovedCode(
                field.path,
                field.code,
                f"{field.list_name} code {field.code!r} is not valid in {academic_year}",
            )
        )
    if not drop:
        return tpl, []
    data = tpl.model_dump(mode="json")
    for name in ("FundModel", "ProgType"):
        if name in drop:
            data[name] = None
    deliveries = []
    for i, delivery in enumerate(data["LearningDelivery"]):
        base = f"LearningDelivery[{i}]"
        if base in drop:
            continue
        for name in ("FundModel", "ProgType"):
            if f"{base}.{name}" in drop:
                delivery[name] = None
        for list_name in ("LearningDeliveryFAM", "AppFinRecord"):
            delivery[list_name] = [
                item
                for j, item in enumerate(delivery[list_name])
                if f"{base}.{list_name}[{j}]" not in drop
            ]
        deliveries.append(delivery)
    if not deliveries:
        return None, removed
    data["LearningDelivery"] = deliveries
    return IlrTemplate.model_validate(data), removed


# --------------------------------------------------------------------------- code lists

# Every list the forms offer: the template's fields and the learner's own (User/Admin
# parts), including the outcome grades and the HE entities (LearnerHE, FINANCIALSUPPORT,
# LearningDeliveryHE). A list the year does not have (FUNDCOMP ends in 2025/26) is left out.
_FLAT_LISTS = (
    "FundModel", "ProgType", "AimType", "CompStatus", "Outcome", "WithdrawReason",
    "Sex", "Ethnicity", "LLDDHealthProb", "LLDDCat", "PrimaryLLDD", "PriorLevel",
    "EmpStat", "Accom", "WorkPlaceMode", "TLOut", "OutGrade", "EngGrade", "MathGrade",
    "TTACCOM", "FINTYPE", "MODESTUD", "FUNDLEV", "TYPEYR", "SPECFEE", "MSTUFEE", "ELQ",
    "QUALENT3", "SEC", "SOC", "PERMADDCOUNTRY", "FUNDCOMP",
)  # fmt: skip
_TYPED_LISTS = {
    "LearnDelFAMType": "LearnDelFAMCode",
    "AFinType": "AFinCode",
    "HRSType": "HRSCode",
    "LearnFAMType": "LearnFAMCode",
    "ESMType": "ESMCode",
}
# Codes whose XSD type is xs:int (the rest are strings, e.g. Sex and LearnDelFAMCode).
_INT_CODES = frozenset({
    "FundModel", "ProgType", "AimType", "AFinCode", "HRSCode", "CompStatus", "Outcome",
    "WithdrawReason", "Ethnicity", "LLDDHealthProb", "LLDDCat", "PrimaryLLDD", "PriorLevel",
    "EmpStat", "Accom", "WorkPlaceMode", "LearnFAMCode", "ESMCode", "TLOut", "TTACCOM",
    "FINTYPE", "MODESTUD", "FUNDLEV", "TYPEYR", "SPECFEE", "MSTUFEE", "ELQ", "SEC", "SOC",
    "FUNDCOMP",
})  # fmt: skip


def template_code_lists(academic_year: str) -> dict[str, Any]:
    """The code lists a template form needs: ``{"lists": {"FundModel": [{"code", "label"}],
    ..., "LearnDelFAMType": {"SOF": [{"code", "label"}], ...}, "AFinType": {...}},
    "type_labels": {"LearnDelFAMType": {"SOF": "Source of funding"}, ...}}``."""
    lists = code_lists(academic_year)

    def entries(name: str, element: str) -> list[dict[str, Any]]:
        as_int = element in _INT_CODES
        return [
            {"code": int(code) if as_int and code.isdigit() else code, "label": text}
            for code, text in lists[name].labels.items()
        ]

    out: dict[str, Any] = {name: entries(name, name) for name in _FLAT_LISTS if name in lists}
    type_labels: dict[str, dict[str, str]] = {}
    for type_list, code_element in _TYPED_LISTS.items():
        if type_list not in lists:
            continue
        type_labels[type_list] = dict(lists[type_list].labels)
        out[type_list] = {
            fam_type: entries(f"{code_element}.{fam_type}", code_element)
            for fam_type in lists[type_list].labels
            if f"{code_element}.{fam_type}" in lists
        }
    return {"lists": out, "type_labels": type_labels}
