"""Learning delivery FAM rules: shared helpers and the general FAM type rules.

Rules on learning delivery monitoring (LDM), devolved area (DAM) and event (EVI) codes
are in ``delivery_fams_2``; rules on the FAM dates in ``delivery_fams_3``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

from ..access import (
    Delivery,
    Record,
    children,
    day,
    deliveries,
    is_known,
    learner_memo,
    same_code,
    text,
)
from ..derived.dd35 import devolved_funding
from ..model import Hit, ValidationContext
from ..registry import (
    CONTRACTS,
    LARS,
    ORGANISATIONS,
    SOURCE_CSV,
    SOURCE_CSV_2627,
    needs_reference_data,
    rule,
)
from .common import (
    COMPONENT_AIM,
    FM_APPRENTICESHIPS,
    PROGRAMME_AIM,
    in_list,
    is_apprenticeship,
    year_lists,
)

DATE_FROM = "LearnDelFAMDateFrom"
DATE_TO = "LearnDelFAMDateTo"
FAM_TYPE = "LearnDelFAMType"
FAM_CODE = "LearnDelFAMCode"


@dataclass(frozen=True)
class Fam:
    """One LearningDeliveryFAM record with its position in the aim."""

    index: int
    type: str | None
    code: str | None
    data: Record
    _days: dict[str, date | None] = field(default_factory=dict, compare=False, repr=False)

    def is_(self, fam_type: str, *codes: str) -> bool:
        """The record has this type and, when codes are given, one of them."""
        return self.type == fam_type and (not codes or any(same_code(self.code, c) for c in codes))

    def day(self, key: str) -> date | None:
        """A date of the record, parsed once (a Fam lives for one pass)."""
        try:
            return self._days[key]
        except KeyError:
            value = self._days[key] = day(self.data, key)
            return value

    def is_known(self, key: str) -> bool:
        return is_known(self.data, key)


def _read_fams(d: Delivery) -> tuple[Fam, ...]:
    found = []
    for index, fam in children(d.data, "LearningDeliveryFAM"):
        fam_type = text(fam, FAM_TYPE)
        found.append(Fam(index, fam_type.upper() if fam_type else None, text(fam, FAM_CODE), fam))
    return tuple(found)


def fams(d: Delivery) -> tuple[Fam, ...]:
    """Every FAM record of the aim, in file order (read once per delivery)."""
    return d.memo("delivery_fams.fams", _read_fams)


def _index_fams(d: Delivery) -> dict[str | None, tuple[Fam, ...]]:
    by_type: dict[str | None, list[Fam]] = {}
    for f in fams(d):
        by_type.setdefault(f.type, []).append(f)
    return {fam_type: tuple(found) for fam_type, found in by_type.items()}


def fams_of(d: Delivery, fam_type: str) -> tuple[Fam, ...]:
    """The aim's FAM records of one (upper-case) type, in file order."""
    return d.memo("delivery_fams.by_type", _index_fams).get(fam_type, ())


def _read_fam_types(record: Record) -> frozenset[str | None]:
    return frozenset(f.type for d in deliveries(record) for f in fams(d))


def fam_types(record: Record) -> frozenset[str | None]:
    """The (upper-case) FAM types of all the learner's aims, read once per learner."""
    return learner_memo(record, "delivery_fams.fam_types", _read_fam_types)


def has(d: Delivery, fam_type: str, *codes: str) -> bool:
    """The aim has a FAM record of the type (and one of the codes, when given)."""
    found = fams_of(d, fam_type)
    if not codes:
        return bool(found)
    return any(same_code(f.code, c) for f in found for c in codes)


def fund_model(d: Delivery) -> int | None:
    return d.number("FundModel")


def fm_in(d: Delivery, fund_models: Iterable[int]) -> bool:
    """The funding model is known and one of these."""
    value = fund_model(d)
    return value is not None and value in frozenset(fund_models)


def fm_not_in(d: Delivery, fund_models: Iterable[int]) -> bool:
    """The funding model is known and none of these (unknown never fires)."""
    value = fund_model(d)
    return value is not None and value not in frozenset(fund_models)


def starts_before(d: Delivery, on: date) -> bool:
    start = d.day("LearnStartDate")
    return start is not None and start < on


def starts_on_or_after(d: Delivery, on: date) -> bool:
    start = d.day("LearnStartDate")
    return start is not None and start >= on


def after(value: date | None, limit: date | None) -> bool:
    """Both dates are known and the first is later."""
    return value is not None and limit is not None and value > limit


def starts_after(d: Delivery, on: date | None) -> bool:
    """The aim's start date is known and later than ``on``."""
    return after(d.day("LearnStartDate"), on)


def combined_authority(d: Delivery, ctx: ValidationContext) -> bool:
    """DD35 = Y: the aim's Source of funding is a Combined Authority."""
    return devolved_funding(d, ctx.academic_year)


def is_restart(d: Delivery) -> bool:
    return has(d, "RES")


FamTest = Callable[[Delivery, Fam, ValidationContext], bool]
AimTest = Callable[[Delivery, ValidationContext], bool]


def fam_rule(
    name: str,
    doc: str,
    field: str,
    test: FamTest,
    *,
    years: Iterable[str] | None = None,
    source: str = SOURCE_CSV,
    note: str = "",
    only: str | None = None,
) -> None:
    """Register a rule reporting each FAM record for which ``test`` holds: at the FAM's
    own field (``LearnDelFAM...``) or, once per aim, at a field of the aim (``FundModel``).
    ``only`` names the one FAM type ``test`` can hold for, so other records are skipped."""
    own = field.startswith("LearnDelFAM")

    def check(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
        if only is not None and only not in fam_types(record):
            return
        seen: set[str] = set()
        for d in deliveries(record):
            for fam in fams(d) if only is None else fams_of(d, only):
                if not test(d, fam, ctx):
                    continue
                path = d.at(f"LearningDeliveryFAM[{fam.index}].{field}" if own else field)
                if path not in seen:
                    seen.add(path)
                    yield Hit(path)

    check.__doc__ = doc
    rule(name, years=years, source=source, note=note)(check)


def missing_fam_rule(
    name: str,
    doc: str,
    applies: AimTest,
    fam_type: str,
    *codes: str,
    years: Iterable[str] | None = None,
    source: str = SOURCE_CSV,
) -> None:
    """Register a rule: aims meeting ``applies`` must have a FAM of the type (and code)."""

    def check(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
        for d in deliveries(record):
            if applies(d, ctx) and not has(d, fam_type, *codes):
                yield Hit(d.at("LearningDeliveryFAM"))

    check.__doc__ = doc
    rule(name, years=years, source=source)(check)


def by_year(lists: dict[str, frozenset[int]], ctx: ValidationContext) -> frozenset[int]:
    return lists.get(ctx.academic_year, lists["2026/27"])


# --- FAM type and code ---------------------------------------------------------------------


@rule("LearnDelFAMType_04")
def learn_del_fam_type_04(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Each FAM type and code pair must be in the year's LearnDelFAMType/Code lists."""
    lists = year_lists(ctx)
    for d in deliveries(record):
        for f in fams(d):
            if f.type is None:
                continue
            if not in_list(lists, "LearnDelFAMType", f.type):
                yield Hit(d.at(f"LearningDeliveryFAM[{f.index}].{FAM_TYPE}"))
            elif f.code is not None and not in_list(lists, f"{FAM_CODE}.{f.type}", f.code):
                yield Hit(d.at(f"LearningDeliveryFAM[{f.index}].{FAM_CODE}"))


def _occurrence_rule(name: str, doc: str, types: tuple[str, ...], limit: int) -> None:
    """Register a rule reporting each record of these types beyond ``limit`` per aim."""

    def check(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
        for d in deliveries(record):
            for fam_type in types:
                extra = fams_of(d, fam_type)[limit:]
                for f in extra:
                    yield Hit(d.at(f"LearningDeliveryFAM[{f.index}].{FAM_TYPE}"))

    check.__doc__ = doc
    rule(name)(check)


_occurrence_rule(
    "LearnDelFAMType_18",
    "SOF, FFI, EEF, RES, ADL, ACL, AFL, ASL and FLN occur at most once per aim.",
    ("SOF", "FFI", "EEF", "RES", "ADL", "ACL", "AFL", "ASL", "FLN"),
    1,
)
_occurrence_rule("LearnDelFAMType_31", "At most six LDM records per aim.", ("LDM",), 6)
_occurrence_rule("LearnDelFAMType_77", "At most six DAM records per aim.", ("DAM",), 6)

# --- Source of funding (SOF) and full/co-funding (FFI) -----------------------------------

_SOF_ADULT_FMS = {
    "2025/26": frozenset({35, 38, 36, 81, 10, 11}),
    "2026/27": frozenset({35, 38, 36, 81, 11, 39}),
}
_FFI_FMS = {
    "2025/26": frozenset({35, 37, 38, 81, 11, 10}),
    "2026/27": frozenset({35, 37, 38, 81}),
}
_NO_LSF_FMS = {
    "2025/26": frozenset({25, 82, 10, 99}),
    "2026/27": frozenset({25, 82, 99}),
}


def _sof_09(d: Delivery, f: Fam, ctx: ValidationContext) -> bool:
    return (
        f.type == "SOF"
        and not f.is_("SOF", "105")
        and fm_in(d, by_year(_SOF_ADULT_FMS, ctx))
        and not has(d, "SOF", "105")
        and not combined_authority(d, ctx)
    )


missing_fam_rule(
    "LearnDelFAMType_02",
    "Adult skills and Adult Skills Fund aims (FM35, FM38) need a full/co-funding (FFI) record.",
    lambda d, ctx: fm_in(d, (35, 38)),
    "FFI",
)
missing_fam_rule(
    "LearnDelFAMType_111",
    "Skills Bootcamp aims (ProgType 32) need a full/co-funding (FFI) record.",
    lambda d, ctx: d.number("ProgType") == 32,
    "FFI",
)
fam_rule(
    "LearnDelFAMType_07",
    "16-19 funded aims (FM25, FM82) have a Source of funding of 105 or 107.",
    FAM_CODE,
    lambda d, f, ctx: f.type == "SOF" and fm_in(d, (25, 82)) and not has(d, "SOF", "105", "107"),
    only="SOF",
)
fam_rule(
    "LearnDelFAMType_08",
    "Non-funded aims (FM99) must not have a Source of funding of 105 or 107.",
    FAM_CODE,
    lambda d, f, ctx: f.is_("SOF", "105", "107") and fund_model(d) == 99,
    only="SOF",
)
fam_rule(
    "LearnDelFAMType_09",
    "Adult, apprenticeship and short course aims have Source of funding 105 (unless DD35).",
    FAM_CODE,
    _sof_09,
    source=SOURCE_CSV_2627,
    note="FundModel list by year: 2026/27 adds 39 and removes 10.",
    only="SOF",
)
fam_rule(
    "LearnDelFAMType_22",
    "Only FM35, FM37, FM38 and FM81 aims may have a full/co-funding (FFI) record.",
    FAM_TYPE,
    lambda d, f, ctx: f.type == "FFI" and fm_not_in(d, by_year(_FFI_FMS, ctx)),
    source=SOURCE_CSV_2627,
    note="2025/26 also allows FM10 and FM11.",
    only="FFI",
)
fam_rule(
    "LearnDelFAMType_54",
    "EEF 2 (16-18 apprenticeship funding) must not be combined with co-funding (FFI 2).",
    FAM_CODE,
    lambda d, f, ctx: (
        f.is_("FFI", "2")
        and has(d, "EEF", "2")
        and d.number("ProgType") != 25
        and fund_model(d) != FM_APPRENTICESHIPS
    ),
    only="FFI",
)
fam_rule(
    "LearnDelFAMType_91",
    "Non-funded aims with an Advanced Learner Loan (ADL) must not have a Source of funding.",
    FAM_TYPE,
    lambda d, f, ctx: f.type == "SOF" and fund_model(d) == 99 and has(d, "ADL"),
    only="SOF",
)
fam_rule(
    "LearnDelFAMType_112",
    "Skills Bootcamp aims (ProgType 32) must have Source of funding 105.",
    FAM_CODE,
    lambda d, f, ctx: f.type == "SOF" and not f.is_("SOF", "105") and d.number("ProgType") == 32,
    note="Reported on each SOF record whose code is not 105; a missing SOF is LearnDelFAMType_01.",
    only="SOF",
)
fam_rule(
    "LearnDelFAMType_118",
    "T Level aims (ProgType 31) must have Source of funding 107.",
    FAM_CODE,
    lambda d, f, ctx: f.type == "SOF" and not f.is_("SOF", "107") and d.number("ProgType") == 31,
    only="SOF",
)
fam_rule(
    "LearnDelFamType_134",
    "SOF 121, 122 and 123 are not valid for FM35 (or FM10) aims.",
    FAM_CODE,
    lambda d, f, ctx: f.is_("SOF", "121", "122", "123") and fm_in(d, (35, 10)),
    only="SOF",
)

# --- Loans (ADL, ALB), support (LSF), apprenticeship (EEF, ACT) and other types --------------


def _act_outside_apprenticeship(d: Delivery, f: Fam, ctx: ValidationContext) -> bool:
    if f.type != "ACT" or fund_model(d) is None:
        return False
    if fund_model(d) != FM_APPRENTICESHIPS:
        return True
    aim_type = d.number("AimType")
    if aim_type == PROGRAMME_AIM:
        return False
    if aim_type != COMPONENT_AIM:
        return aim_type is not None
    lookup, ref = ctx.lars_english_maths_aims, d.text("LearnAimRef")
    return lookup is not None and ref is not None and ref.upper() not in lookup


fam_rule(
    "LearnDelFAMType_14",
    "EEF is only returned on funded apprenticeship aims (FM35, FM36, FM81 with DD07 = Y).",
    FAM_TYPE,
    lambda d, f, ctx: (
        f.type == "EEF"
        and fund_model(d) is not None
        and not (fm_in(d, (35, 36, 81)) and is_apprenticeship(d))
    ),
    only="EEF",
)
fam_rule(
    "LearnDelFAMType_35",
    "Only non-funded aims (FM99) may have an Advanced Learner Loan (ADL) record.",
    FAM_TYPE,
    lambda d, f, ctx: f.type == "ADL" and fm_not_in(d, (99,)),
    only="ADL",
)
fam_rule(
    "LearnDelFAMType_36",
    "An Advanced Learner Loans Bursary (ALB) record needs an ADL record on the aim.",
    FAM_TYPE,
    lambda d, f, ctx: f.type == "ALB" and not has(d, "ADL"),
    only="ALB",
)
fam_rule(
    "LearnDelFAMType_38",
    "Only non-funded aims (FM99) may have an Advanced Learner Loans Bursary (ALB) record.",
    FAM_TYPE,
    lambda d, f, ctx: f.type == "ALB" and fm_not_in(d, (99,)),
    only="ALB",
)
fam_rule(
    "LearnDelFAMType_40",
    "Non-funded apprenticeship aims (FM99, DD07 = Y) must not have an ADL record.",
    FAM_TYPE,
    lambda d, f, ctx: f.type == "ADL" and fund_model(d) == 99 and is_apprenticeship(d),
    only="ADL",
)
fam_rule(
    "LearnDelFAMType_46",
    "Family English, maths and language (FLN) aims must be FM35 or FM38.",
    "FundModel",
    lambda d, f, ctx: f.type == "FLN" and fm_not_in(d, (35, 38)),
    only="FLN",
)
fam_rule(
    "LearnDelFAMType_50",
    "16-19 and non-funded aims must not have Learning support funding (LSF).",
    FAM_TYPE,
    lambda d, f, ctx: f.type == "LSF" and fm_in(d, by_year(_NO_LSF_FMS, ctx)),
    source=SOURCE_CSV_2627,
    note="2025/26 also excludes FM10 (Community Learning).",
    only="LSF",
)
fam_rule(
    "LearnDelFAMType_63",
    "ACT is only returned on FM36 programme aims and FM36 English/maths component aims.",
    FAM_TYPE,
    _act_outside_apprenticeship,
    note="FM36 component aims are recognised as English/maths only when the LARS "
    "English/maths lookup is supplied; without it they are not reported.",
    only="ACT",
)
fam_rule(
    "LearnDelFAMType_92",
    "Programme aims starting from 1 April 2021 must not have ACT 2 (restarts excepted).",
    FAM_CODE,
    lambda d, f, ctx: (
        f.is_("ACT", "2")
        and d.number("AimType") == PROGRAMME_AIM
        and starts_on_or_after(d, date(2021, 4, 1))
        and not is_restart(d)
    ),
    only="ACT",
)
missing_fam_rule(
    "LearnDelFAMType_119",
    "Community learning (FM10) starts from 1 August 2023 need an ACL record.",
    lambda d, ctx: fund_model(d) == 10 and starts_on_or_after(d, date(2023, 8, 1)),
    "ACL",
    years={"2025/26"},
)
missing_fam_rule(
    "LearnDelFAMType_126",
    "Tailored learning (FM11) starts from 1 August 2024 need an ACL record.",
    lambda d, ctx: fund_model(d) == 11 and starts_on_or_after(d, date(2024, 8, 1)),
    "ACL",
)

# --- Rules that need reference data -----------------------------------------------------------

needs_reference_data(
    (LARS,),
    "LearnDelFAMType_61",
    "LearnDelFAMType_65",
    "LearnDelFAMType_66",
    "LearnDelFAMType_67",
    "LearnDelFAMType_79",
    "LearnDelFAMType_80",
    "LearnDelFAMType_81",
    "LearnDelFAMType_98",
    "LearnDelFAMType_99",
    "LearnDelFAMType_110",
    "LearnDelFAMType_114",
    "LearnDelFAMType_117",
    "LearnDelFAMType_121",
    "LearnDelFAMType_122",
    "LearnDelFAMType_123",
    "LearnDelFAMType_124",
    "LearnDelFAMType_125",
    "LearnDelFAMType_129",
    "LearnDelFAMType_130",
)
needs_reference_data((LARS,), "LearnDelFAMType_140", years={"2026/27"})
# Full funding rules excluding Specialist Designated Colleges (Org_Details.LegalOrgType).
needs_reference_data((LARS, ORGANISATIONS), "LearnDelFAMType_57", "LearnDelFAMType_60")
# Contract allocations (ALLBC funding stream) of the provider.
needs_reference_data((CONTRACTS,), "LearnDelFAMType_53")
# The ShortTermFundingInitiative table of UKPRNs and LDM codes.
needs_reference_data((ORGANISATIONS,), "LearnDelFAMType_83")
