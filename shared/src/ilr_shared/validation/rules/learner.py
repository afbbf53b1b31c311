"""Rules on the Learner entity itself (identity, dates of birth, postcodes, NI number)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from ..access import Record, day, deliveries, is_known, text
from ..model import Hit, ValidationContext
from ..registry import POSTCODES, SOURCE_CSV_2627, rule
from .common import (
    DEFAULT_ULN,
    UNKNOWN_POSTCODE,
    age_on,
    funded_deliveries,
    is_olass,
    postcode_format_ok,
    uln,
    uln_check_digit,
)

# FundModel 10 (Community Learning) no longer exists from 2026/27.
_NON_FUNDED_FMS = {"2025/26": frozenset({99, 10, 11}), "2026/27": frozenset({99, 11})}
_DOB_REQUIRED_FMS = {
    "2025/26": frozenset({25, 82, 35, 36, 37, 38, 81}),
    "2026/27": frozenset({25, 82, 35, 36, 37, 38, 39, 81}),
}
_UNDER_4_FMS = frozenset({10, 99})
_NI_NUMBER = re.compile(r"[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z][0-9]{6}[ABCD ]")


@rule("ULN_04")
def uln_04(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """The ULN must pass the DD01 check-digit calculation."""
    value = uln(record)
    if value is None:
        return
    check = uln_check_digit(value)
    if check == "N" or (check != "Y" and check != value[9]):
        yield Hit("ULN")


@rule("ULN_02", source=SOURCE_CSV_2627, note="FundModel 10 dropped from the list in 2026/27.")
def uln_02(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Non-funded / Tailored Learning aims: the ULN should not be 9999999999 (OfS excluded)."""
    if uln(record) != DEFAULT_ULN:
        return
    fms = _NON_FUNDED_FMS.get(ctx.academic_year, frozenset())
    if any(not d.has_fam("SOF", "1") for d in funded_deliveries(record, fms)):
        yield Hit("ULN")


@rule("ULN_03")
def uln_03(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Before 1 January of the teaching year the ULN should not be 9999999999 (ACT 1 excluded)."""
    if uln(record) != DEFAULT_ULN:
        return
    if ctx.file_preparation_date >= date(ctx.first_calendar_year + 1, 1, 1):
        return
    if any(not d.has_fam("ACT", "1") for d in deliveries(record)):
        yield Hit("ULN")


@rule("DateOfBirth_01", source=SOURCE_CSV_2627, note="FundModel 39 added in 2026/27.")
def date_of_birth_01(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Funded aims (FM 25, 82, 35, 36, 37, 38, 81; 39 from 2026/27) need a date of birth;
    OLASS excluded."""
    if is_known(record, "DateOfBirth"):
        return
    fms = _DOB_REQUIRED_FMS.get(ctx.academic_year, frozenset())
    if any(not is_olass(d) for d in funded_deliveries(record, fms)):
        yield Hit("DateOfBirth")


@rule(
    "DateOfBirth_02", source=SOURCE_CSV_2627, note="FundModel 10 dropped from the list in 2026/27."
)
def date_of_birth_02(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Non-funded / Tailored Learning aims should have a date of birth; loans (ADL) excluded."""
    if is_known(record, "DateOfBirth"):
        return
    fms = _NON_FUNDED_FMS.get(ctx.academic_year, frozenset())
    if any(not d.has_fam("ADL") for d in funded_deliveries(record, fms)):
        yield Hit("DateOfBirth")


@rule("DateOfBirth_05", years={"2025/26"}, note="Deleted in 2026/27.")
def date_of_birth_05(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Community learning / non-funded: the learner should be 4 or over at the aim's start."""
    birth = day(record, "DateOfBirth")
    if birth is None:
        return
    for delivery in funded_deliveries(record, _UNDER_4_FMS):
        start = delivery.day("LearnStartDate")
        if start is not None and age_on(birth, start) < 4:
            yield Hit("DateOfBirth")
            return


@rule("DateOfBirth_06")
def date_of_birth_06(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """16-19 funded (FM 25, 82): the learner should be 13 or over on 31 August of the year."""
    birth = day(record, "DateOfBirth")
    if birth is None or not funded_deliveries(record, frozenset({25, 82})):
        return
    if age_on(birth, date(ctx.first_calendar_year, 8, 31)) < 13:
        yield Hit("DateOfBirth")


@rule("Postcode_15")
def postcode_15(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """The Postcode must have a valid UK postcode format."""
    value = text(record, "Postcode")
    if value is not None and not postcode_format_ok(value):
        yield Hit("Postcode")


@rule("Postcode_14", needs=(POSTCODES,))
def postcode_14(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """The Postcode should be a known UK postcode or ZZ99 9ZZ."""
    value = text(record, "Postcode")
    if ctx.postcodes is None or value is None or value == UNKNOWN_POSTCODE:
        return
    if value.upper() not in ctx.postcodes:
        yield Hit("Postcode")


@rule("PostcodePrior_02")
def postcode_prior_02(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """The Postcode prior to enrolment must have a valid UK postcode format."""
    value = text(record, "PostcodePrior")
    if value is not None and not postcode_format_ok(value):
        yield Hit("PostcodePrior")


@rule("PostcodePrior_01", needs=(POSTCODES,))
def postcode_prior_01(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """The Postcode prior to enrolment should be a known UK postcode or ZZ99 9ZZ."""
    value = text(record, "PostcodePrior")
    if ctx.postcodes is None or value is None or value == UNKNOWN_POSTCODE:
        return
    if value.upper() not in ctx.postcodes:
        yield Hit("PostcodePrior")


@rule("NINumber_01")
def ni_number_01(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """If returned, the NI number must be two valid prefix letters, six digits, A-D or space."""
    value = record.get("NINumber")
    if value is None or (isinstance(value, str) and value == ""):
        return
    # Not stripped: a trailing space is a valid 9th character.
    if not isinstance(value, str) or _NI_NUMBER.fullmatch(value) is None:
        yield Hit("NINumber")


@rule("NINumber_02")
def ni_number_02(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Apprentices on a contract for services with the employer (ACT 1) need an NI number."""
    if is_known(record, "NINumber"):
        return
    if any(d.has_fam("ACT", "1") for d in deliveries(record)):
        yield Hit("NINumber")
