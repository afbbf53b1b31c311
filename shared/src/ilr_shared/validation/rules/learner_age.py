"""Date of birth rules: the learner's age against the year, the funding and the source of
funding of the aims, and whether a date of birth must be returned."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

from ..access import Delivery, Record, deliveries, is_known, same_code
from ..model import Hit, ValidationContext
from ..registry import LARS, ORGANISATIONS, SOURCE_CSV_2627, SOURCE_V4, needs_reference_data, rule
from .common import age_on, is_apprenticeship, is_olass
from .learner_helpers import (
    FM_COMMUNITY_LEARNING,
    FM_NON_FUNDED,
    age_at_start,
    age_on_31_august,
    birth_date,
    fam_code_paths,
    has_default_uln,
    has_learner_fam,
)

# Level 3+ aims by notional NVQ level (LARS), Specialist Designated Colleges (organisations).
needs_reference_data((LARS, ORGANISATIONS), "DateOfBirth_32", "DateOfBirth_49")
needs_reference_data((LARS,), "DateOfBirth_55", "DateOfBirth_56", "DateOfBirth_59")
needs_reference_data((LARS,), "DateOfBirth_60", years={"2026/27"})
needs_reference_data((LARS,), "DateofBirth_60", years={"2025/26"})

_DOB = "DateOfBirth"
_16_19_FMS = frozenset({25, 82})
_SOF_16_19 = "107"
_MAX_AGE = 115
_ADULT_SKILLS, _SKILLS_BOOTCAMPS, _ADULT_SKILLS_FUND = 35, 37, 38
_AGENCY_FMS_30 = frozenset({25, 82, 35, 38, 81})
_OLASS_FMS = frozenset({35, 81})
_APPRENTICESHIP_UNIT = 34
_PROGRAMME_AIM = 1
_DOB_25_LAST_START = date(2026, 7, 31)
_NEW_ADULT_RULES_FROM = date(2026, 8, 1)

AgeTest = Callable[[Record, Delivery, date], bool]


def _first_hit(record: Record, applies: AgeTest) -> Iterator[Hit]:
    """One DateOfBirth hit when a known date of birth fails ``applies`` on any aim."""
    birth = birth_date(record)
    if birth is None:
        return
    if any(applies(record, d, birth) for d in deliveries(record)):
        yield Hit(_DOB)


def _sof_hits(
    record: Record, applies: AgeTest, wrong: Callable[[str | None], bool]
) -> Iterator[Hit]:
    """A hit on each SOF code that is ``wrong`` on the aims ``applies`` selects."""
    birth = birth_date(record)
    if birth is None:
        return
    for d in deliveries(record):
        if applies(record, d, birth):
            yield from (Hit(path) for path, code in fam_code_paths(d, "SOF") if wrong(code))


def _is_16_19_sof(code: str | None) -> bool:
    return same_code(code, _SOF_16_19)


def _not_16_19_sof(code: str | None) -> bool:
    return code is not None and not same_code(code, _SOF_16_19)


@rule("DateOfBirth_04")
def date_of_birth_04(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """The learner must be under 115 at the start of the teaching year."""
    birth = birth_date(record)
    if birth is not None and age_on(birth, ctx.year_start) >= _MAX_AGE:
        yield Hit(_DOB)


@rule("DateOfBirth_27")
def date_of_birth_27(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """The date of birth must be before the start of the teaching year."""
    birth = birth_date(record)
    if birth is not None and birth >= ctx.year_start:
        yield Hit(_DOB)


@rule("DateOfBirth_07")
def date_of_birth_07(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """16-19 funded aims of learners 25 or over on 31 August must not be SOF 107."""

    def applies(_: Record, d: Delivery, birth: date) -> bool:
        return d.number("FundModel") in _16_19_FMS and age_on_31_august(birth, ctx) >= 25

    return _sof_hits(record, applies, _is_16_19_sof)


@rule("DateOfBirth_20")
def date_of_birth_20(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """16-19 funded aims of learners under 19 on 31 August must be SOF 107."""

    def applies(_: Record, d: Delivery, birth: date) -> bool:
        return d.number("FundModel") in _16_19_FMS and age_on_31_august(birth, ctx) < 19

    return _sof_hits(record, applies, _not_16_19_sof)


@rule("DateOfBirth_30", source=SOURCE_CSV_2627, note="OLASS / apprenticeship exclusions 2025/26.")
def date_of_birth_30(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Agency-funded learners aged 19-24 on 31 August with an EHC plan must be SOF 107."""
    if not has_learner_fam(record, "EHC"):
        return iter(())

    def applies(_: Record, d: Delivery, birth: date) -> bool:
        if d.number("FundModel") not in _AGENCY_FMS_30:
            return False
        if ctx.academic_year == "2025/26" and (is_olass(d) or is_apprenticeship(d)):
            return False
        return 19 <= age_on_31_august(birth, ctx) <= 24

    return _sof_hits(record, applies, _not_16_19_sof)


@rule("DateOfBirth_12", years={"2025/26"})
def date_of_birth_12(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Community learning (FM 10) learners under 19 at the start must not be PCDL or
    NLDC (ASL 1 or 2)."""
    birth = birth_date(record)
    if birth is None:
        return
    for d in deliveries(record):
        age = age_at_start(birth, d)
        if d.number("FundModel") != FM_COMMUNITY_LEARNING or age is None or age >= 19:
            continue
        for path, code in fam_code_paths(d, "ASL"):
            if same_code(code, "1") or same_code(code, "2"):
                yield Hit(path)


@rule("DateOfBirth_13")
def date_of_birth_13(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """OfS-funded learners (FM 99, SOF 1) should be 16 or over on 31 July of the year."""

    def applies(_: Record, d: Delivery, birth: date) -> bool:
        ofs = d.number("FundModel") == FM_NON_FUNDED and d.has_fam("SOF", "1")
        return ofs and age_on(birth, ctx.year_end) < 16

    return _first_hit(record, applies)


@rule("DateOfBirth_14")
def date_of_birth_14(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """OLASS offenders in custody (FM 35 or 81) should be 18 or over at the start."""

    def applies(_: Record, d: Delivery, birth: date) -> bool:
        age = age_at_start(birth, d)
        return d.number("FundModel") in _OLASS_FMS and is_olass(d) and age is not None and age < 18

    return _first_hit(record, applies)


def _is_loan(delivery: Delivery) -> bool:
    return delivery.number("FundModel") == FM_NON_FUNDED and delivery.has_fam("ADL")


@rule("DateOfBirth_23")
def date_of_birth_23(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Advanced Learner Loan learners must have a date of birth (OLASS excluded)."""
    if is_known(record, _DOB):
        return
    if any(_is_loan(d) and not is_olass(d) for d in deliveries(record)):
        yield Hit(_DOB)


@rule("DateOfBirth_24")
def date_of_birth_24(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """A learner with a (non-default) ULN must have a date of birth."""
    if is_known(record, "ULN") and not has_default_uln(record) and not is_known(record, _DOB):
        yield Hit(_DOB)


@rule("DateOfBirth_26")
def date_of_birth_26(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Advanced Learner Loan learners must be 19 or over at the start of the aim."""

    def applies(_: Record, d: Delivery, birth: date) -> bool:
        age = age_at_start(birth, d)
        return _is_loan(d) and age is not None and age < 19

    return _first_hit(record, applies)


def _adult_funded(delivery: Delivery, *, bootcamps: bool) -> bool:
    """Adult skills (FM 35, not an apprenticeship) or Adult Skills Fund (FM 38), and
    Skills Bootcamps (FM 37) when ``bootcamps``."""
    fund_model = delivery.number("FundModel")
    if fund_model == _ADULT_SKILLS:
        return not is_apprenticeship(delivery)
    return fund_model == _ADULT_SKILLS_FUND or (bootcamps and fund_model == _SKILLS_BOOTCAMPS)


@rule("DateOfBirth_25", source=SOURCE_CSV_2627, note="2026/27: aims starting by 31 July 2026.")
def date_of_birth_25(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Adult skills, Skills Bootcamp and Adult Skills Fund learners must be 19 or over on
    31 August (OLASS excluded)."""

    def applies(_: Record, d: Delivery, birth: date) -> bool:
        if not _adult_funded(d, bootcamps=True) or is_olass(d):
            return False
        start = d.day("LearnStartDate")
        if ctx.academic_year != "2025/26" and (start is None or start > _DOB_25_LAST_START):
            return False
        return age_on_31_august(birth, ctx) < 19

    return _first_hit(record, applies)


@rule("DateOfBirth_62", years={"2026/27"}, source=SOURCE_V4)
def date_of_birth_62(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Adult skills and Adult Skills Fund aims starting from 1 August 2026: the learner
    must be 19 or over on 31 August (OLASS excluded)."""

    def applies(_: Record, d: Delivery, birth: date) -> bool:
        start = d.day("LearnStartDate")
        if start is None or start < _NEW_ADULT_RULES_FROM or is_olass(d):
            return False
        return _adult_funded(d, bootcamps=False) and age_on_31_august(birth, ctx) < 19

    return _first_hit(record, applies)


@rule("DateOfBirth_63", years={"2026/27"}, source=SOURCE_V4)
def date_of_birth_63(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Skills Bootcamp programme aims starting from 1 August 2026: the learner must be 19
    or over at the start."""

    def applies(_: Record, d: Delivery, birth: date) -> bool:
        start, age = d.day("LearnStartDate"), age_at_start(birth, d)
        if start is None or age is None or start < _NEW_ADULT_RULES_FROM:
            return False
        programme = d.number("AimType") == _PROGRAMME_AIM
        return d.number("FundModel") == _SKILLS_BOOTCAMPS and programme and age < 19

    return _first_hit(record, applies)


@rule("DateOfBirth_61", years={"2026/27"}, source=SOURCE_V4)
def date_of_birth_61(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Apprenticeship Unit learners (ProgType 34) must be 19 or over at the start."""

    def applies(_: Record, d: Delivery, birth: date) -> bool:
        age = age_at_start(birth, d)
        return d.number("ProgType") == _APPRENTICESHIP_UNIT and age is not None and age < 19

    return _first_hit(record, applies)


@rule("DateOfBirth_34")
def date_of_birth_34(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """16-19 funded High Needs Students aged 19-24 on 31 August need an EHC plan FAM."""
    if not has_learner_fam(record, "HNS") or has_learner_fam(record, "EHC"):
        return iter(())

    def applies(_: Record, d: Delivery, birth: date) -> bool:
        return d.number("FundModel") == 25 and 19 <= age_on_31_august(birth, ctx) <= 24

    return _first_hit(record, applies)
