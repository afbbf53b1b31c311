"""Learning delivery FAM rules on monitoring codes: LDM, DAM and the event indicator (EVI)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from ..access import Delivery, Record, day, deliveries
from ..model import Hit, ValidationContext
from ..registry import SOURCE_CSV_2627, SOURCE_V4, rule
from .common import FM_APPRENTICESHIPS, PROGRAMME_AIM, age_on
from .delivery_fams import (
    FAM_CODE,
    FAM_TYPE,
    Fam,
    by_year,
    combined_authority,
    fam_rule,
    fams,
    fm_in,
    fm_not_in,
    fund_model,
    has,
    missing_fam_rule,
    starts_before,
    starts_on_or_after,
)

V4 = {"2026/27"}
_SHORT_COURSE_UNITS = (39, 34)  # FundModel 39 with ProgType 34: apprenticeship units


def _ldm(f: Fam, *codes: str) -> bool:
    return f.is_("LDM", *codes)


def _is_short_course_unit(d: Delivery) -> bool:
    return (fund_model(d), d.number("ProgType")) == _SHORT_COURSE_UNITS


def _not_adult_procured(d: Delivery, fund_models: tuple[int, ...]) -> bool:
    """Outside these funding models, with a non-adult SOF record, or with a ProgType."""
    non_adult_sof = any(f.type == "SOF" and not f.is_("SOF", "105") for f in fams(d))
    return fm_not_in(d, fund_models) or non_adult_sof or d.is_known("ProgType")


_LDM_357_FMS = {"2025/26": frozenset({35, 10}), "2026/27": frozenset({35})}
_DAM_FMS = {"2025/26": frozenset({35, 38, 11, 10}), "2026/27": frozenset({35, 38, 11})}
_CA_EXCLUDED_PROG_TYPES = frozenset({2, 3, 20, 21, 22, 23, 25, 24, 30, 31})

# --- LDM codes ------------------------------------------------------------------------------

missing_fam_rule(
    "LearnDelFAMType_39",
    "FM81 and FM82 aims starting from 1 August 2013 should have an LDM (standards excepted).",
    lambda d, ctx: (
        fm_in(d, (81, 82))
        and starts_on_or_after(d, date(2013, 8, 1))
        and d.number("ProgType") != 25
    ),
    "LDM",
)
fam_rule(
    "LearnDelFAMType_15",
    "LDM 118 (proxy learning aim) must not be used once the aim has ended.",
    FAM_CODE,
    lambda d, f, ctx: _ldm(f, "118") and d.is_known("LearnActEndDate"),
    only="LDM",
)
fam_rule(
    "LearnDelFAMType_16",
    "LDM 118 (proxy learning aim) must not be used in returns R12 to R14.",
    FAM_CODE,
    lambda d, f, ctx: _ldm(f, "118") and ctx.file_preparation_date > ctx.year_end,
    note="The return is taken to be R12 to R14 when the file is prepared after the "
    "teaching year ends (31 July); R12 files prepared in July are not recognised.",
    only="LDM",
)
fam_rule(
    "LearnDelFAMType_68",
    "LDM 356 (own employees) is only returned on FM36 programme aims.",
    FAM_CODE,
    lambda d, f, ctx: (
        _ldm(f, "356")
        and not (fund_model(d) == FM_APPRENTICESHIPS and d.number("AimType") == PROGRAMME_AIM)
    ),
    only="LDM",
)
fam_rule(
    "LearnDelFAMType_69",
    "LDM 357 (procured AEB) is only for FM35 aims starting from 1 November 2017.",
    FAM_CODE,
    lambda d, f, ctx: (
        _ldm(f, "357")
        and (fm_not_in(d, by_year(_LDM_357_FMS, ctx)) or starts_before(d, date(2017, 11, 1)))
    ),
    source=SOURCE_CSV_2627,
    note="2025/26 also allows FM10 (Community Learning).",
    only="LDM",
)
fam_rule(
    "LearnDelFAMType_70",
    "LDM 358 (non-procured non-levy contract) is only for starts from 1 January 2018.",
    FAM_CODE,
    lambda d, f, ctx: _ldm(f, "358") and starts_before(d, date(2018, 1, 1)),
    years={"2025/26"},
    only="LDM",
)
fam_rule(
    "LearnDelFAMType_71",
    "An aim with LDM 358 (non-procured non-levy contract) needs an ACT 2 record.",
    FAM_CODE,
    lambda d, f, ctx: _ldm(f, "358") and not has(d, "ACT", "2"),
    years={"2025/26"},
    only="LDM",
)
fam_rule(
    "LearnDelFAMType_75",
    "Combined Authority funded aims (DD35) must not have LDM 034, 357, 363, 379 or 388.",
    FAM_CODE,
    lambda d, f, ctx: _ldm(f, "034", "357", "363", "379", "388") and combined_authority(d, ctx),
    only="LDM",
)
fam_rule(
    "LearnDelFAMType_76",
    "OLASS aims (LDM 034) must have Source of funding 105.",
    FAM_CODE,
    lambda d, f, ctx: f.type == "SOF" and not f.is_("SOF", "105") and has(d, "LDM", "034"),
    only="SOF",
)
fam_rule(
    "LearnDelFAMType_100",
    "LDM 378 (Level 3 Free Courses for Jobs) is only for starts from 1 April 2021.",
    FAM_CODE,
    lambda d, f, ctx: _ldm(f, "378") and starts_before(d, date(2021, 4, 1)),
    only="LDM",
)
fam_rule(
    "LearnDelFAMType_105",
    "LDM 379 (AEB 2021) needs FM35 or FM10, Source of funding 105 and no ProgType.",
    FAM_CODE,
    lambda d, f, ctx: _ldm(f, "379") and _not_adult_procured(d, (35, 10)),
    only="LDM",
)
fam_rule(
    "LearnDelFAMType_107",
    "LDM 320, 321 and 381 are only returned on FM25 and FM82 aims.",
    FAM_CODE,
    lambda d, f, ctx: _ldm(f, "320", "321", "381") and fm_not_in(d, (25, 82)),
    only="LDM",
)
fam_rule(
    "LearnDelFAMType_108",
    "Starts to 31 July 2024 with LDM 382 need LDM 378 on the same aim.",
    FAM_CODE,
    lambda d, f, ctx: (
        _ldm(f, "382") and starts_before(d, date(2024, 8, 1)) and not has(d, "LDM", "378")
    ),
    only="LDM",
)
fam_rule(
    "LearnDelFAMType_113",
    "LDM 384 (adult T Level pilot) is only returned on FM81 aims.",
    FAM_CODE,
    lambda d, f, ctx: _ldm(f, "384") and fm_not_in(d, (81,)),
    only="LDM",
)
fam_rule(
    "LearnDelFAMType_115",
    "LDM 379 (AEB 2021) and LDM 388 (AEB 2023) must not be on the same aim.",
    FAM_CODE,
    lambda d, f, ctx: _ldm(f, "388") and has(d, "LDM", "379"),
    only="LDM",
)
fam_rule(
    "LearnDelFAMType_116",
    "LDM 388 (AEB 2023) needs FM35, FM38, FM11 or FM10, Source of funding 105 and no ProgType.",
    FAM_CODE,
    lambda d, f, ctx: _ldm(f, "388") and _not_adult_procured(d, (35, 38, 11, 10)),
    only="LDM",
)
fam_rule(
    "LearnDelFAMType_120",
    "Starts from 1 August 2024 with LDM 378 need LDM 391 (earnings threshold) on the aim.",
    FAM_CODE,
    lambda d, f, ctx: (
        _ldm(f, "378") and starts_on_or_after(d, date(2024, 8, 1)) and not has(d, "LDM", "391")
    ),
    only="LDM",
)
fam_rule(
    "LearnDelFAMType_127",
    "LDM 395 (Project S pilot, Adult Skills Fund) is only returned on FM38 aims.",
    FAM_CODE,
    lambda d, f, ctx: _ldm(f, "395") and fm_not_in(d, (38,)),
    only="LDM",
)
fam_rule(
    "LearnDelFAMType_128",
    "LDM 396 (Project S pilot, Skills Bootcamps) is only returned on FM81 aims.",
    FAM_CODE,
    lambda d, f, ctx: _ldm(f, "396") and fm_not_in(d, (81,)),
    only="LDM",
)
missing_fam_rule(
    "LearnDelFAMType_131",
    "Tailored learning (FM11) starts from 1 August 2025 need LDM 399, 400 or 401.",
    lambda d, ctx: fund_model(d) == 11 and starts_on_or_after(d, date(2025, 8, 1)),
    "LDM",
    "399",
    "400",
    "401",
)


@rule("LearnDelFAMType_106")
def learn_del_fam_type_106(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """LDM 320 and 321 are only for learners aged at least 14 on 31 August of the year."""
    birth = day(record, "DateOfBirth")
    if birth is None:
        return
    if age_on(birth, date(ctx.first_calendar_year, 8, 31)) >= 14:
        return
    for d in deliveries(record):
        for f in fams(d):
            if _ldm(f, "320", "321"):
                yield Hit(d.at(f"LearningDeliveryFAM[{f.index}].{FAM_CODE}"))


@rule("LearnDelFAMType_109")
def learn_del_fam_type_109(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Combined Authority funded aims (DD35) must not be apprenticeships, traineeships or
    T Levels."""
    for d in deliveries(record):
        if d.number("ProgType") in _CA_EXCLUDED_PROG_TYPES and combined_authority(d, ctx):
            yield Hit(d.at("ProgType"))


# --- Apprenticeship units (LDM 403 and 404), 2026/27 --------------------------------------------

fam_rule(
    "LearnDelFAMType_135",
    "LDM 403 (apprenticeship unit) aims are non-funded (FM99) or FM39 ProgType 34 units.",
    FAM_CODE,
    lambda d, f, ctx: _ldm(f, "403") and fm_not_in(d, (99,)) and not _is_short_course_unit(d),
    years=V4,
    source=SOURCE_V4,
    only="LDM",
)
fam_rule(
    "LearnDelFAMType_137",
    "LDM 403 (apprenticeship unit) is only for starts from 1 April 2026.",
    FAM_CODE,
    lambda d, f, ctx: _ldm(f, "403") and starts_before(d, date(2026, 4, 1)),
    years=V4,
    source=SOURCE_V4,
    only="LDM",
)
fam_rule(
    "LearnDelFAMType_138",
    "An aim with LDM 404 needs LDM 403 too (FM39 ProgType 34 units excepted).",
    FAM_CODE,
    lambda d, f, ctx: _ldm(f, "404") and not has(d, "LDM", "403") and not _is_short_course_unit(d),
    years=V4,
    source=SOURCE_V4,
    only="LDM",
)
fam_rule(
    "LearnDelFAMType_139",
    "An achieved (Outcome 1) aim with LDM 403 needs LDM 404 too.",
    FAM_CODE,
    lambda d, f, ctx: _ldm(f, "403") and d.number("Outcome") == 1 and not has(d, "LDM", "404"),
    years=V4,
    source=SOURCE_V4,
    only="LDM",
)
fam_rule(
    "LearnDelFamType_141",
    "An aim with LDM 404 must be ProgType 34 (unless it has LDM 403).",
    FAM_CODE,
    lambda d, f, ctx: _ldm(f, "404") and d.number("ProgType") != 34 and not has(d, "LDM", "403"),
    years=V4,
    source=SOURCE_V4,
    only="LDM",
)
fam_rule(
    "LearnDelFamType_142",
    "LDM 404 is only returned on programme aims (unless the aim has LDM 403).",
    FAM_CODE,
    lambda d, f, ctx: (
        _ldm(f, "404")
        and d.number("AimType") not in (None, PROGRAMME_AIM)
        and not has(d, "LDM", "403")
    ),
    years=V4,
    source=SOURCE_V4,
    only="LDM",
)


@rule("LearnDelFAMType_136", years=V4, source=SOURCE_V4)
def learn_del_fam_type_136(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Learners on LDM 403 (apprenticeship unit) aims are 19 or over at the aim's start."""
    birth = day(record, "DateOfBirth")
    if birth is None:
        return
    for d in deliveries(record):
        start = d.day("LearnStartDate")
        if start is None or age_on(birth, start) >= 19:
            continue
        for f in fams(d):
            if _ldm(f, "403"):
                yield Hit(d.at(f"LearningDeliveryFAM[{f.index}].{FAM_CODE}"))


# --- Devolved area (DAM) and event indicator (EVI) ------------------------------------------

fam_rule(
    "LearnDelFAMType_78",
    "Aims with a DAM record must be FM35, FM38 or FM11.",
    "FundModel",
    lambda d, f, ctx: f.type == "DAM" and fm_not_in(d, by_year(_DAM_FMS, ctx)),
    source=SOURCE_CSV_2627,
    note="2025/26 also allows FM10 (Community Learning).",
    only="DAM",
)
fam_rule(
    "LearnDelFAMType_97",
    "DAM 002 (procured devolved AEB) aims must not be FM35 with Source of funding 105.",
    FAM_CODE,
    lambda d, f, ctx: f.is_("DAM", "002") and fund_model(d) == 35 and has(d, "SOF", "105"),
    only="DAM",
)
fam_rule(
    "LearnDelFAMType_132",
    "The event indicator (EVI) is only returned on Skills Bootcamp aims (ProgType 32).",
    FAM_TYPE,
    lambda d, f, ctx: f.type == "EVI" and d.number("ProgType") != 32,
    only="EVI",
)
fam_rule(
    "LearnDelFAMType_133",
    "The event indicator (EVI) is only returned on programme aims.",
    FAM_TYPE,
    lambda d, f, ctx: f.type == "EVI" and d.number("AimType") not in (None, PROGRAMME_AIM),
    only="EVI",
)
