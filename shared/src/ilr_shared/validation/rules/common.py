"""Code lists and derived data (DDxx) used by several rules."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import MAXYEAR, MINYEAR, date

from ...ilr.codelist import CodeList
from ...ilr.codes import code_lists
from ..access import Delivery, Record, deliveries, text
from ..model import ValidationContext
from ..registry import derived_data

DEFAULT_ULN = "9999999999"
PROGRAMME_AIM = 1
COMPONENT_AIM = 3
NOT_PART_OF_PROGRAMME = 4
APPRENTICESHIP_STANDARD = 25
FM_APPRENTICESHIPS = 36

_OUTWARD = r"[A-Z]{1,2}(?:[0-9]{1,2}|[0-9][A-Z])"
_INWARD = r"[0-9][ABD-HJLNP-UW-Z]{2}"  # capital letters except C, I, K, M, O and V
POSTCODE_FORMAT = re.compile(rf"{_OUTWARD} {_INWARD}")
UNKNOWN_POSTCODE = "ZZ99 9ZZ"


def postcode_format_ok(value: str) -> bool:
    return POSTCODE_FORMAT.fullmatch(value) is not None


@derived_data("DD01")
def uln_check_digit(uln: str) -> str:
    """DD01: 'Y' for the default ULN, 'N' when no valid check digit exists, else the digit."""
    if uln == DEFAULT_ULN:
        return "Y"
    if len(uln) != 10 or not uln.isdigit():
        return "N"
    remainder = sum(int(d) * w for d, w in zip(uln[:9], range(10, 1, -1), strict=True)) % 11
    return "N" if remainder == 0 else str(10 - remainder)


@derived_data("DD07")
def is_apprenticeship(delivery: Delivery) -> bool:
    """DD07: the aim is part of an apprenticeship (standard) programme."""
    return delivery.number("ProgType") == APPRENTICESHIP_STANDARD


def is_olass(delivery: Delivery) -> bool:
    return delivery.has_fam("LDM", "034")


def is_apprenticeship_programme(delivery: Delivery) -> bool:
    """FundModel 36 programme aim."""
    return (
        delivery.number("FundModel") == FM_APPRENTICESHIPS
        and delivery.number("AimType") == PROGRAMME_AIM
    )


def uln(record: Record) -> str | None:
    return text(record, "ULN")


def age_on(birth: date, on: date) -> int:
    """Whole years of age on a date."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def funded_deliveries(record: Record, fund_models: frozenset[int]) -> list[Delivery]:
    return [d for d in deliveries(record) if d.number("FundModel") in fund_models]


def add_years(day: date, years: int) -> date:
    """The same calendar day ``years`` later (29 February falls back to the 28th)."""
    year = day.year + years
    if year > MAXYEAR:
        return date.max
    if year < MINYEAR:
        return date.min
    try:
        return day.replace(year=year)
    except ValueError:
        return day.replace(year=year, day=28)


def year_lists(ctx: ValidationContext) -> Mapping[str, CodeList]:
    """The year's code lists, for a rule that looks up many codes in one call."""
    return code_lists(ctx.academic_year)


def in_list(lists: Mapping[str, CodeList], list_name: str, code: str | int) -> bool:
    """The code is in the list; a list the year does not have counts as valid."""
    return list_name not in lists or lists[list_name].is_valid(code)


def valid_lookup(ctx: ValidationContext, list_name: str, code: str | int) -> bool:
    """The code is in the year's list (a "valid lookup on the ILR_... table"). A list the
    year does not have counts as valid, so a missing list never makes a rule fire."""
    return in_list(code_lists(ctx.academic_year), list_name, code)


def valid_typed_lookup(
    ctx: ValidationContext, type_list: str, code_element: str, kind: str, code: str | int
) -> bool:
    """The (type, code) pair is in the year's lists, e.g. ESMType "BSI" with ESMCode 1
    ("valid lookup on ILR_ESM_CODE"): an unknown type has no valid code at all."""
    lists = code_lists(ctx.academic_year)
    if type_list in lists and not lists[type_list].is_valid(kind):
        return False
    return valid_lookup(ctx, f"{code_element}.{kind}", code)
