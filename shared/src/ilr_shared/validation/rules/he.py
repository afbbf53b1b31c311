"""HE rules on the LearningDeliveryHE entity (OfS / HESA data) and shared HE readers."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date

from ...ilr.codes import code_lists
from ..access import Delivery, Record, deliveries, integer, is_known, learner_memo, text
from ..model import Hit, ValidationContext
from ..registry import LARS, ORGANISATIONS, POSTCODES, needs_reference_data, rule
from .common import PROGRAMME_AIM, UNKNOWN_POSTCODE, postcode_format_ok, valid_lookup

needs_reference_data((LARS,), "FUNDLEV_02", "FUNDLEV_03", "LearningDeliveryHE_09")
needs_reference_data((LARS,), "LearningDeliveryHE_06", years={"2025/26"})
needs_reference_data(
    (LARS, ORGANISATIONS), "LearningDeliveryHE_03", "LearningDeliveryHE_07", "LearningDeliveryHE_08"
)
# Not triggered where OfSProviders.HEFundingFieldsRequired = 0 (provider reference data).
needs_reference_data((ORGANISATIONS,), "FUNDLEV_04")
needs_reference_data((ORGANISATIONS,), "FUNDCOMP_01", years={"2025/26"})

DELIVERY_HE = "LearningDeliveryHE"
LEARNER_HE = "LearnerHE"
MAX_FEE = 9535
BRITISH_ISLES = frozenset({"XF", "XG", "XH", "XI", "XK"})
_UCAS_SCHEME_CODE = re.compile(r"[A-Za-z]{2}[0-9]{2}")
_SSN = re.compile(r"[A-HJ-NPR-Y]{4}[0-9]{8}[A-HJ-NPR-Z]")
_SSN_LETTERS = "ABCDEFGHJKLMNPRSTUVWXY"  # values 0-21 in positions 1-4
_SSN_CHECK_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"  # check values 1-23
_AUG_2009 = date(2009, 8, 1)
_AUG_2010 = date(2010, 8, 1)
_AUG_2012 = date(2012, 8, 1)
_AUG_2013 = date(2013, 8, 1)
_AUG_2014 = date(2014, 8, 1)
_AUG_2021 = date(2021, 8, 1)
_JUL_2025 = date(2025, 7, 31)
_AUG_2025 = date(2025, 8, 1)


def single(value: object) -> Record | None:
    """A 0..1 entity: the mapping itself, or the first mapping of a (malformed) list."""
    if isinstance(value, Mapping):
        return value
    if isinstance(value, list):
        return next((item for item in value if isinstance(item, Mapping)), None)
    return None


@dataclass(frozen=True)
class HeAim:
    """A learning delivery that carries a LearningDeliveryHE record."""

    delivery: Delivery
    data: Record

    def at(self, field: str) -> str:
        return self.delivery.at(f"{DELIVERY_HE}.{field}")

    def text(self, field: str) -> str | None:
        return text(self.data, field)

    def number(self, field: str) -> int | None:
        return integer(self.data, field)

    def known(self, field: str) -> bool:
        return is_known(self.data, field)

    def started_from(self, first: date) -> bool:
        start = self.delivery.day("LearnStartDate")
        return start is not None and start >= first

    def country(self) -> str | None:
        value = self.text("PERMADDCOUNTRY")
        return value.upper() if value else None


def delivery_he(delivery: Delivery) -> Record | None:
    return single(delivery.data.get(DELIVERY_HE))


def _read_he_aims(record: Record) -> tuple[HeAim, ...]:
    found = []
    for delivery in deliveries(record):
        data = delivery_he(delivery)
        if data is not None:
            found.append(HeAim(delivery, data))
    return tuple(found)


def he_aims(record: Record) -> tuple[HeAim, ...]:
    """The learner's deliveries with a LearningDeliveryHE record, read once per learner."""
    return learner_memo(record, "he.aims", _read_he_aims)


def learner_he(record: Record) -> Record | None:
    return single(record.get(LEARNER_HE))


def is_ofs_funded(delivery: Delivery) -> bool:
    return delivery.number("FundModel") == 99 and delivery.has_fam("SOF", "1")


def code_valid_to(ctx: ValidationContext, list_name: str, code: str | None) -> date | None:
    """The "Valid to" date of a code in the year's list (None if it has none)."""
    found = code_lists(ctx.academic_year).get(list_name)
    if found is None or code is None:
        return None
    return found.valid_to.get(code)


def after_valid_to(ctx: ValidationContext, list_name: str, code: str | None, on: date) -> bool:
    last = code_valid_to(ctx, list_name, code)
    return last is not None and on > last


def _lookup_fails(ctx: ValidationContext, list_name: str, value: str | None) -> bool:
    """A required code is missing or not in the year's list (a missing list never fails)."""
    return not valid_lookup(ctx, list_name, value if value is not None else "")


HeCheck = Callable[[HeAim, ValidationContext], bool]


def _he_rule(name: str, field: str, fails: HeCheck, *, years: set[str] | None = None) -> None:
    """Register a rule that checks each LearningDeliveryHE record on its own and reports
    ``field`` of the records where ``fails`` holds."""

    def run(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
        for aim in he_aims(record):
            if fails(aim, ctx):
                yield Hit(aim.at(field))

    run.__doc__ = fails.__doc__
    rule(name, years=years)(run)


def _lookup_if_returned(field: str, list_name: str) -> HeCheck:
    def fails(aim: HeAim, ctx: ValidationContext) -> bool:
        value = aim.text(field)
        return value is not None and not valid_lookup(ctx, list_name, value)

    fails.__doc__ = f"If returned, {field} must be a valid {list_name} code."
    return fails


def _required_lookup(field: str, list_name: str) -> HeCheck:
    def fails(aim: HeAim, ctx: ValidationContext) -> bool:
        return _lookup_fails(ctx, list_name, aim.text(field))

    fails.__doc__ = f"A LearningDeliveryHE record needs a valid {list_name} code in {field}."
    return fails


def _required_from(field: str, first: date) -> HeCheck:
    def fails(aim: HeAim, ctx: ValidationContext) -> bool:
        return aim.started_from(first) and not aim.known(field)

    fails.__doc__ = f"LearningDeliveryHE records of aims started from {first} need {field}."
    return fails


for _name, _field, _list in (
    ("ELQ_02", "ELQ", "ELQ"),
    ("FUNDLEV_01", "FUNDLEV", "FUNDLEV"),
    ("PERMADDCOUNTRY_02", "PERMADDCOUNTRY", "PERMADDCOUNTRY"),
    ("QUALENT3_02", "QUALENT3", "QUALENT3"),
    ("SEC_01", "SEC", "SEC"),
):
    _he_rule(_name, _field, _lookup_if_returned(_field, _list))

for _name, _field, _list in (
    ("MODESTUD_01", "MODESTUD", "MODESTUD"),
    ("MSTUFEE_01", "MSTUFEE", "MSTUFEE"),
    ("SPECFEE_01", "SPECFEE", "SPECFEE"),
    ("TYPEYR_01", "TYPEYR", "TYPEYR"),
):
    _he_rule(_name, _field, _required_lookup(_field, _list))

for _name, _field, _first in (
    ("PERMADDCOUNTRY_01", "PERMADDCOUNTRY", _AUG_2013),
    ("QUALENT3_01", "QUALENT3", _AUG_2010),
    ("STULOAD_04", "STULOAD", _AUG_2013),
):
    _he_rule(_name, _field, _required_from(_field, _first))


# --- Fees ---------------------------------------------------------------------------------


def _grossfee_01(aim: HeAim, ctx: ValidationContext) -> bool:
    """A returned Net tuition fee needs the Gross tuition fee."""
    return aim.known("NETFEE") and not aim.known("GROSSFEE")


def _grossfee_02(aim: HeAim, ctx: ValidationContext) -> bool:
    """The Gross tuition fee must not be less than the Net tuition fee."""
    gross, net = aim.number("GROSSFEE"), aim.number("NETFEE")
    return gross is not None and net is not None and gross < net


def _grossfee_03(aim: HeAim, ctx: ValidationContext) -> bool:
    """The Gross tuition fee should not be over £9535."""
    gross = aim.number("GROSSFEE")
    return gross is not None and gross > MAX_FEE


def _netfee_01(aim: HeAim, ctx: ValidationContext) -> bool:
    """Aims started from 1 August 2012 without a Student support number need a Net fee."""
    return aim.started_from(_AUG_2012) and not aim.known("SSN") and not aim.known("NETFEE")


def _netfee_02(aim: HeAim, ctx: ValidationContext) -> bool:
    """The Net tuition fee should not be over £9535."""
    net = aim.number("NETFEE")
    return net is not None and net > MAX_FEE


_he_rule("GROSSFEE_01", "GROSSFEE", _grossfee_01)
_he_rule("GROSSFEE_02", "GROSSFEE", _grossfee_02)
_he_rule("GROSSFEE_03", "GROSSFEE", _grossfee_03)
_he_rule("NETFEE_01", "NETFEE", _netfee_01)
_he_rule("NETFEE_02", "NETFEE", _netfee_02)


# --- Major source of tuition fees and Student support number ------------------------------


def _fee_source_for_country(countries: frozenset[str], sources: frozenset[int]) -> HeCheck:
    def fails(aim: HeAim, ctx: ValidationContext) -> bool:
        return aim.country() in countries and aim.number("MSTUFEE") in sources

    shown = ", ".join(sorted(countries))
    fails.__doc__ = f"Domicile {shown}: MSTUFEE should not be {sorted(sources)}."
    return fails


def _ssn_for_fee_source(first: date, last: date | None, sources: frozenset[int]) -> HeCheck:
    def fails(aim: HeAim, ctx: ValidationContext) -> bool:
        start = aim.delivery.day("LearnStartDate")
        if start is None or start < first or (last is not None and start > last):
            return False
        return aim.number("MSTUFEE") in sources and not aim.known("SSN")

    fails.__doc__ = f"Starts from {first} funded by MSTUFEE {sorted(sources)} need an SSN."
    return fails


_he_rule("MSTUFEE_03", "MSTUFEE", _fee_source_for_country(frozenset({"XH"}), frozenset({2, 4})))
_he_rule("MSTUFEE_04", "MSTUFEE", _fee_source_for_country(frozenset({"XG"}), frozenset({2, 3})))
_he_rule(
    "MSTUFEE_05", "MSTUFEE", _fee_source_for_country(frozenset({"XF", "XI"}), frozenset({3, 4}))
)
_he_rule(
    "MSTUFEE_06",
    "SSN",
    _ssn_for_fee_source(_AUG_2021, _JUL_2025, frozenset({2, 3, 4, 52, 53, 54})),
)
_he_rule("MSTUFEE_07", "SSN", _ssn_for_fee_source(_AUG_2025, None, frozenset({3, 10})))


def ssn_check_letter(ssn: str) -> str | None:
    """The HESA Student support number check letter of the first twelve characters
    (weights 13..2, modulus 23), or None when they are not four letters and eight digits."""
    head = ssn[:12]
    if len(head) != 12 or not head[4:].isdigit():
        return None
    if any(letter not in _SSN_LETTERS for letter in head[:4]):
        return None
    values = [_SSN_LETTERS.index(c) for c in head[:4]] + [int(c) for c in head[4:]]
    total = sum(v * w for v, w in zip(values, range(13, 1, -1), strict=True))
    return _SSN_CHECK_LETTERS[22 - total % 23]


def _ssn_02(aim: HeAim, ctx: ValidationContext) -> bool:
    """A returned Student support number must have the HESA format and check letter."""
    value = aim.text("SSN")
    if value is None:
        return False
    ssn = value.upper()
    return _SSN.fullmatch(ssn) is None or ssn_check_letter(ssn) != ssn[-1]


_he_rule("SSN_02", "SSN", _ssn_02)


@rule("SSN_03")
def ssn_03(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Starts from 1 August 2021 without a Student support number should return the Net
    and Gross tuition fees."""
    for aim in he_aims(record):
        if not aim.started_from(_AUG_2021) or aim.known("SSN"):
            continue
        missing = next((f for f in ("NETFEE", "GROSSFEE") if not aim.known(f)), None)
        if missing is not None:
            yield Hit(aim.at(missing))


# --- Mode of study, special fee, type of year, collaboration ------------------------------


def _modestud_03(aim: HeAim, ctx: ValidationContext) -> bool:
    """Final-year short courses (SPECFEE 4 or 5) from 1 August 2009 must be part-time."""
    mode = aim.number("MODESTUD")
    return (
        aim.started_from(_AUG_2009)
        and aim.number("SPECFEE") in {4, 5}
        and mode is not None
        and mode != 3
    )


def _specfee_02(aim: HeAim, ctx: ValidationContext) -> bool:
    """Sandwich years out (MODESTUD 2) from 1 August 2009 need SPECFEE 1."""
    fee = aim.number("SPECFEE")
    return aim.started_from(_AUG_2009) and aim.number("MODESTUD") == 2 and fee != 1


def _pcolab_01(aim: HeAim, ctx: ValidationContext) -> bool:
    """Subcontracted aims (PartnerUKPRN) from 1 August 2013 need PCOLAB."""
    return (
        aim.started_from(_AUG_2013)
        and aim.delivery.is_known("PartnerUKPRN")
        and not aim.known("PCOLAB")
    )


def _teaching_year(day: date) -> int:
    return day.year if day.month >= 8 else day.year - 1


def _typeyr_02(aim: HeAim, ctx: ValidationContext) -> bool:
    """Aims started and ended in one teaching year with FUNDCOMP 1 need TYPEYR 1."""
    start = aim.delivery.day("LearnStartDate")
    end = aim.delivery.day("LearnActEndDate")
    if start is None or end is None or start < _AUG_2009:
        return False
    if _teaching_year(start) != _teaching_year(end) or aim.number("FUNDCOMP") != 1:
        return False
    kind = aim.number("TYPEYR")
    return kind is not None and kind != 1


_he_rule("MODESTUD_03", "MODESTUD", _modestud_03)
_he_rule("SPECFEE_02", "SPECFEE", _specfee_02)
_he_rule("PCOLAB_01", "PCOLAB", _pcolab_01)
_he_rule("TYPEYR_02", "TYPEYR", _typeyr_02, years={"2025/26"})


# --- Socio-economic classification, occupation, UCAS -------------------------------------


def _ucas_british_isles_needs(field: str) -> HeCheck:
    def fails(aim: HeAim, ctx: ValidationContext) -> bool:
        return (
            aim.started_from(_AUG_2013)
            and aim.known("UCASSCHEMECODE")
            and aim.country() in BRITISH_ISLES
            and not aim.known(field)
        )

    fails.__doc__ = f"UCAS applicants from the British Isles (starts from 2013) need {field}."
    return fails


def _soc_04(aim: HeAim, ctx: ValidationContext) -> bool:
    """A returned occupation code (aims from 1 August 2014) must be a valid SOC code."""
    value = aim.text("SOC")
    return value is not None and aim.started_from(_AUG_2014) and not valid_lookup(ctx, "SOC", value)


def _ucasschemecode_02(aim: HeAim, ctx: ValidationContext) -> bool:
    """From 1 August 2025 the UCAS scheme code is two letters and two digits."""
    value = aim.text("UCASSCHEMECODE")
    return (
        value is not None
        and aim.started_from(_AUG_2025)
        and _UCAS_SCHEME_CODE.fullmatch(value) is None
    )


_he_rule("SEC_02", "SEC", _ucas_british_isles_needs("SEC"))
_he_rule("SOC_02", "SOC", _ucas_british_isles_needs("SOC"))
_he_rule("SOC_04", "SOC", _soc_04)
_he_rule("UCASSCHEMECODE_02", "UCASSCHEMECODE", _ucasschemecode_02)


# --- HE centre location postcode ----------------------------------------------------------


def _hepostcode_02(aim: HeAim, ctx: ValidationContext) -> bool:
    """A returned HE centre location postcode must have a valid UK postcode format."""
    value = aim.text("HEPostCode")
    return value is not None and not postcode_format_ok(value)


_he_rule("HEPostCode_02", "HEPostCode", _hepostcode_02)


@rule("HEPostCode_01", needs=(POSTCODES,))
def hepostcode_01(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """A returned HE centre location postcode should be a known postcode or ZZ99 9ZZ."""
    if ctx.postcodes is None:
        return
    for aim in he_aims(record):
        value = aim.text("HEPostCode")
        if value is not None and value != UNKNOWN_POSTCODE and value.upper() not in ctx.postcodes:
            yield Hit(aim.at("HEPostCode"))


# --- Presence of the HE entities ----------------------------------------------------------


@rule("LearningDeliveryHE_02")
def learning_delivery_he_02(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """OfS funded aims (FM 99 with SOF 1) need a LearningDeliveryHE record."""
    for delivery in deliveries(record):
        if is_ofs_funded(delivery) and delivery_he(delivery) is None:
            yield Hit(delivery.at(DELIVERY_HE))


@rule("ELQ_01")
def elq_01(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """OfS funded aims (FM 99 with SOF 1) need the Equivalent or lower qualification."""
    for delivery in deliveries(record):
        he = delivery_he(delivery)
        if is_ofs_funded(delivery) and (he is None or not is_known(he, "ELQ")):
            yield Hit(delivery.at(f"{DELIVERY_HE}.ELQ"))


@rule("LearningDeliveryHE_10")
def learning_delivery_he_10(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """From 1 August 2025 programme aims must not carry a LearningDeliveryHE record."""
    for aim in he_aims(record):
        if aim.started_from(_AUG_2025) and aim.delivery.number("AimType") == PROGRAMME_AIM:
            yield Hit(aim.delivery.at(DELIVERY_HE))


# --- "Valid to" dates of the HE code lists ------------------------------------------------


def _mstufee_02(aim: HeAim, ctx: ValidationContext) -> bool:
    """The learning start date must not be after the MSTUFEE code's 'Valid to' date."""
    start = aim.delivery.day("LearnStartDate")
    return start is not None and after_valid_to(ctx, "MSTUFEE", aim.text("MSTUFEE"), start)


def _qualent3_03(aim: HeAim, ctx: ValidationContext) -> bool:
    """The learning start date must not be after the QUALENT3 code's 'Valid to' date
    (restarts excluded)."""
    start = aim.delivery.day("LearnStartDate")
    if start is None or aim.delivery.has_fam("RES"):
        return False
    value = aim.text("QUALENT3")
    return after_valid_to(ctx, "QUALENT3", value.upper() if value else None, start)


_he_rule("MSTUFEE_02", "MSTUFEE", _mstufee_02)
_he_rule("QUALENT3_03", "QUALENT3", _qualent3_03)
