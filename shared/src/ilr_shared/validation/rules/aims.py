"""Rules on the learning aim of one delivery: aim reference and type, sequence number,
delivery postcodes, partner, end-point assessment organisation and funding fields."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from ..access import Delivery, Record, deliveries, integer, text
from ..model import Hit, ValidationContext
from ..registry import (
    EPA_ORGANISATIONS,
    LARS,
    ORGANISATIONS,
    POSTCODES,
    SOURCE_CSV_2627,
    needs_reference_data,
    rule,
)
from .aim_checks import (
    AUG_2024,
    CORE_AIM,
    FM_16_19,
    FM_ADULT_SKILLS,
    FM_ADULT_SKILLS_FUND,
    FM_COMMUNITY_LEARNING,
    FM_NON_FUNDED,
    FM_OTHER_16_19,
    FM_OTHER_ADULT,
    FM_SHORT_COURSES,
    FM_TAILORED_LEARNING,
    PROG_SKILLS_BOOTCAMP,
    PROG_T_LEVEL,
    aim_ref,
    differs_from_start,
    fund_model_in,
    per_delivery,
    starts_before,
    starts_on_or_after,
)
from .common import (
    COMPONENT_AIM,
    PROGRAMME_AIM,
    UNKNOWN_POSTCODE,
    is_apprenticeship,
    postcode_format_ok,
    valid_lookup,
)

needs_reference_data(
    (LARS,),
    "LearnAimRef_56",
    "LearnAimRef_79",
    "LearnAimRef_81",
    "LearnAimRef_84",
    "LearnAimRef_85",
    "LearnAimRef_88",
    "LearnAimRef_94",
    "LearnAimRef_95",
    "LearnAimRef_96",
    "LearnAimRef_97",
    "LearnAimRef_102",
    "LearnAimRef_103",
    "LearnAimRef_104",
    "LearnAimRef_105",
    "LearnAimRef_110",
    "LearnAimRef_111",
    "LearnAimRef_112",
    "LearnAimRef_113",
    "LearnAimRef_114",
    "LearnAimRef_115",
    "LearnAimRef_116",
    "LearnAimRef_117",
    "LearnAimRef_118",
    "LearnAimRef_119",
    "LearnAimRef_120",
    "LearnAimRef_121",
    "LearnAimRef_122",
    "LearnAimRef_123",
    "LearnAimRef_124",
    "LearnAimRef_125",
    "LearnAimRef_127",
    "LearnAimRef_129",
    "LearnAimRef_131",
    "LearnAimRef_132",
    "LearnAimRef_133",
    "LearnAimRef_134",
    "LearnAimRef_135",
    "LearnAimRef_136",
    "LearnAimRef_137",
    "LearnAimRef_138",
    "LearnAimRef_139",
    "LearnAimRef_140",
    "LearnAimRef_141",
    "LearnAimRef_142",
    "LearnAimRef_143",
    "LearnAimRef_144",
    "LearnAimRef_145",
    "LearnAimRef_146",
    "LearnAimRef_147",
    "LearnAimRef_148",
    "LearnAimRef_149",
    "LearnAimRef_150",
    "LearnAimRef_151",
    "LearnAimRef_152",
    "LearnAimRef_153",
)
needs_reference_data(
    (LARS,),
    "LearnAimRef_106",
    "LearnAimRef_107",
    "LearnAimRef_108",
    "LearnAimRef_109",
    "LearnAimRef_130",
    years={"2025/26"},
)
needs_reference_data(
    (LARS,),
    "LearnAimRef_155",
    "LearnAimRef_156",
    "LearnAimRef_157",
    "LearnAimRef_158",
    "LearnAimRef_159",
    "LearnAimRef_160",
    "AimType_08",  # 2026/27 text: T Level technical qualifications (LARS_LearnAimRefType)
    years={"2026/27"},
)
needs_reference_data((LARS, ORGANISATIONS), "LearnAimRef_78")
needs_reference_data((POSTCODES, ORGANISATIONS), "LSDPostcode_02")
needs_reference_data((POSTCODES,), "LSDPostcode_04", "LSDPostcode_06")
needs_reference_data((EPA_ORGANISATIONS,), "EPAOrgID_01")
needs_reference_data((ORGANISATIONS,), "PartnerUKPRN_01")

_AUG_2017 = date(2017, 8, 1)
_AUG_2019 = date(2019, 8, 1)
_SOF_ESFA_ADULT = "105"
_TRAINEESHIP = 24  # ProgType, 2025/26 exclusion of LSDPostcode_01
_T_LEVEL_EXCLUDED_AIMS = frozenset(
    {
        "Z0007834",
        "Z0007835",
        "Z0007836",
        "Z0007837",
        "Z0007838",
        "Z0002347",
        "ZWRKX001",
        "ZWRKX002",
    }
)
_BOOTCAMP_EVENT_AIMS = frozenset({"Z0059747", "Z0059748", "Z0059749"})
_HGV_BOOTCAMP_EVENT_AIMS = frozenset(
    {"Z0060439", "Z0009541", "Z0060440", "Z0060441", "Z0060442", "Z0060443"}
)
_UUID = re.compile(r"[0-9A-Fa-f]{8}-(?:[0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}")
_EPA_PRICE_CODES = frozenset({2, 4})
_TLOUT_COMPLETED_OR_WITHDRAWN = frozenset({2, 3})


def _year_fund_models(ctx: ValidationContext, common: set[int], old: set[int]) -> set[int]:
    """``common`` plus, in 2025/26, the models the 2026/27 text replaced (``old``)."""
    return common | old if ctx.academic_year == "2025/26" else common


# --- Aim type and sequence --------------------------------------------------------------


@rule("AimSeqNumber_02")
def aim_seq_number_02(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """The Aim sequence number must not be greater than the number of learning aims."""
    aims = deliveries(record)
    for d in aims:
        number = d.number("AimSeqNumber")
        if number is not None and number > len(aims):
            yield Hit(d.at("AimSeqNumber"))


@per_delivery("AimType_01", "AimType")
def aim_type_01(d: Delivery, ctx: ValidationContext) -> bool:
    """The Aim type must be a valid ILR_AimType code."""
    aim_type = d.number("AimType")
    return aim_type is not None and not valid_lookup(ctx, "AimType", aim_type)


@per_delivery("AimType_05", "AimType")
def aim_type_05(d: Delivery, ctx: ValidationContext) -> bool:
    """A core aim (AimType 5) is only valid on 16-19 funded aims (FundModel 25 or 82)."""
    fund_model = d.number("FundModel")
    return (
        d.number("AimType") == CORE_AIM
        and fund_model is not None
        and fund_model not in (FM_16_19, FM_OTHER_16_19)
    )


@per_delivery("AimType_07", "AimType")
def aim_type_07(d: Delivery, ctx: ValidationContext) -> bool:
    """Aims from 1 August 2017 funded by the ESFA adult budget (SOF 105) are not core aims."""
    return (
        d.number("AimType") == CORE_AIM
        and starts_on_or_after(d, _AUG_2017)
        and d.has_fam("SOF", _SOF_ESFA_ADULT)
    )


def _foundation_year_not_core(d: Delivery) -> bool:
    """A T Level foundation year class code (ZTPRxxxx) on an aim that is not the core aim."""
    aim_type = d.number("AimType")
    return aim_ref(d).startswith("ZTPR") and aim_type is not None and aim_type != CORE_AIM


@per_delivery(
    "AimType_08",
    "AimType",
    years={"2025/26"},
    note="The 2026/27 AimType_08 checks T Level technical qualifications in LARS instead.",
)
def aim_type_08(d: Delivery, ctx: ValidationContext) -> bool:
    """A T Level foundation year class code (ZTPRxxxx) must be the core aim (2025/26 text)."""
    return _foundation_year_not_core(d)


@per_delivery("AimType_09", "AimType")
def aim_type_09(d: Delivery, ctx: ValidationContext) -> bool:
    """A T Level foundation year class code (ZTPRxxxx) must be the core aim."""
    return _foundation_year_not_core(d)


# --- Learning aim reference -------------------------------------------------------------


@per_delivery("LearnAimRef_90", "LearnAimRef")
def learn_aim_ref_90(d: Delivery, ctx: ValidationContext) -> bool:
    """A T Level programme must not contain work experience, supported internship or
    CDF industry placement aims."""
    return d.number("ProgType") == PROG_T_LEVEL and aim_ref(d) in _T_LEVEL_EXCLUDED_AIMS


@per_delivery("LearnAimRef_126", "LearnAimRef")
def learn_aim_ref_126(d: Delivery, ctx: ValidationContext) -> bool:
    """A Skills Bootcamp event aim must start and (plan to) end on the same day."""
    return aim_ref(d) in _BOOTCAMP_EVENT_AIMS and differs_from_start(d)


@per_delivery("LearnAimRef_154", "LearnAimRef")
def learn_aim_ref_154(d: Delivery, ctx: ValidationContext) -> bool:
    """An HGV Skills Bootcamp event aim from 1 August 2024 must start and (plan to) end
    on the same day."""
    return (
        d.number("ProgType") == PROG_SKILLS_BOOTCAMP
        and aim_ref(d) in _HGV_BOOTCAMP_EVENT_AIMS
        and starts_on_or_after(d, AUG_2024)
        and differs_from_start(d)
    )


# --- Learning start date and delivery location postcodes --------------------------------


@per_delivery("LSDPostcode_03", "LSDPostcode")
def lsd_postcode_03(d: Delivery, ctx: ValidationContext) -> bool:
    """If returned, the Learning start date postcode must have a valid UK format."""
    value = d.text("LSDPostcode")
    return value is not None and not postcode_format_ok(value)


def _lsd_postcode_unknown(d: Delivery, ctx: ValidationContext) -> bool:
    """The LSDPostcode is missing or not a known postcode (ZZ99 9ZZ and component aims
    excluded); never true while the postcode table is not loaded."""
    if ctx.postcodes is None or d.number("AimType") == COMPONENT_AIM:
        return False
    value = d.text("LSDPostcode")
    if value is None:
        return True
    return value.upper() != UNKNOWN_POSTCODE and value.upper() not in ctx.postcodes


@per_delivery(
    "LSDPostcode_01",
    "LSDPostcode",
    needs=(POSTCODES,),
    source=SOURCE_CSV_2627,
    note="2025/26 also covers Community Learning (FundModel 10) and excludes traineeships "
    "and apprenticeships.",
)
def lsd_postcode_01(d: Delivery, ctx: ValidationContext) -> bool:
    """Adult skills aims started 1 August 2019 - 31 July 2024 need a known Learning start
    date postcode."""
    if ctx.academic_year == "2025/26" and (
        d.number("ProgType") == _TRAINEESHIP or is_apprenticeship(d)
    ):
        return False
    return (
        fund_model_in(d, _year_fund_models(ctx, {FM_ADULT_SKILLS}, {FM_COMMUNITY_LEARNING}))
        and starts_on_or_after(d, _AUG_2019)
        and starts_before(d, AUG_2024)
        and _lsd_postcode_unknown(d, ctx)
    )


@per_delivery("LSDPostcode_05", "LSDPostcode", needs=(POSTCODES,))
def lsd_postcode_05(d: Delivery, ctx: ValidationContext) -> bool:
    """Adult Skills Fund and Tailored Learning aims from 1 August 2024 need a known
    Learning start date postcode."""
    return (
        fund_model_in(d, (FM_ADULT_SKILLS_FUND, FM_TAILORED_LEARNING))
        and starts_on_or_after(d, AUG_2024)
        and _lsd_postcode_unknown(d, ctx)
    )


# --- Partner, end-point assessment, contract and funding adjustments --------------------


@per_delivery("PartnerUKPRN_02", "PartnerUKPRN")
def partner_ukprn_02(d: Delivery, ctx: ValidationContext) -> bool:
    """Programme aims (AimType 1) must not have a Subcontracted or partnership UKPRN."""
    return d.number("AimType") == PROGRAMME_AIM and d.is_known("PartnerUKPRN")


@per_delivery("PartnerUKPRN_03", "PartnerUKPRN")
def partner_ukprn_03(d: Delivery, ctx: ValidationContext) -> bool:
    """The Subcontracted or partnership UKPRN must not be the provider's own UKPRN."""
    partner = d.number("PartnerUKPRN")
    return partner is not None and ctx.ukprn is not None and partner == ctx.ukprn


def _has_epa_price(d: Delivery) -> bool:
    """An end-point assessment price record (TNP 2 or 4) is returned."""
    return any(
        (text(fin, "AFinType") or "").upper() == "TNP"
        and integer(fin, "AFinCode") in _EPA_PRICE_CODES
        for _, fin in d.app_fin()
    )


@per_delivery("EPAOrgID_02", "EPAOrgID")
def epa_org_id_02(d: Delivery, ctx: ValidationContext) -> bool:
    """An end-point assessment price (TNP 2 or 4) needs an End point assessment organisation."""
    return _has_epa_price(d) and not d.is_known("EPAOrgID")


@per_delivery("EPAOrgID_03", "EPAOrgID")
def epa_org_id_03(d: Delivery, ctx: ValidationContext) -> bool:
    """An End point assessment organisation needs an end-point assessment price (TNP 2 or 4)."""
    return d.is_known("EPAOrgID") and not _has_epa_price(d)


@per_delivery(
    "ConRefNumber_03",
    "ConRefNumber",
    source=SOURCE_CSV_2627,
    note="2025/26 also lists Community Learning (FundModel 10).",
)
def con_ref_number_03(d: Delivery, ctx: ValidationContext) -> bool:
    """Aims of funding models without a contract must not return a Contract reference number."""
    fund_models = _year_fund_models(
        ctx,
        {
            FM_TAILORED_LEARNING,
            FM_16_19,
            FM_ADULT_SKILLS,
            FM_ADULT_SKILLS_FUND,
            FM_OTHER_ADULT,
            FM_OTHER_16_19,
            FM_NON_FUNDED,
        },
        {FM_COMMUNITY_LEARNING},
    )
    return fund_model_in(d, fund_models) and d.is_known("ConRefNumber")


@per_delivery(
    "PriorLearnFundAdj_01",
    "PriorLearnFundAdj",
    source=SOURCE_CSV_2627,
    note="2026/27 lists FundModel 39 where 2025/26 listed Community Learning (10).",
)
def prior_learn_fund_adj_01(d: Delivery, ctx: ValidationContext) -> bool:
    """16-19, short course and non-funded aims (not loans) must not return a prior
    learning funding adjustment."""
    fund_models = {FM_16_19, FM_OTHER_16_19, FM_NON_FUNDED}
    fund_models |= {FM_COMMUNITY_LEARNING if ctx.academic_year == "2025/26" else FM_SHORT_COURSES}
    return (
        fund_model_in(d, fund_models) and not d.has_fam("ADL") and d.is_known("PriorLearnFundAdj")
    )


@per_delivery(
    "OtherFundAdj_01",
    "OtherFundAdj",
    source=SOURCE_CSV_2627,
    note="2026/27 lists FundModel 39 where 2025/26 listed Community Learning (10).",
)
def other_fund_adj_01(d: Delivery, ctx: ValidationContext) -> bool:
    """16-19 and short course aims must not return an Other funding adjustment."""
    fund_models = {FM_16_19, FM_OTHER_16_19}
    fund_models |= {FM_COMMUNITY_LEARNING if ctx.academic_year == "2025/26" else FM_SHORT_COURSES}
    return fund_model_in(d, fund_models) and d.is_known("OtherFundAdj")


# --- Software supplier aim id and Tailored learning outcome -----------------------------


@per_delivery("SWSupAimId_01", "SWSupAimId")
def sw_sup_aim_id_01(d: Delivery, ctx: ValidationContext) -> bool:
    """If returned, the Software supplier aim identifier should be a UUID."""
    value = d.text("SWSupAimId")
    return value is not None and _UUID.fullmatch(value) is None


@per_delivery("Tlout_01", "TLOut")
def tlout_01(d: Delivery, ctx: ValidationContext) -> bool:
    """Completed or withdrawn Tailored Learning aims need a Tailored learning outcome."""
    return (
        d.number("FundModel") == FM_TAILORED_LEARNING
        and d.number("CompStatus") in _TLOUT_COMPLETED_OR_WITHDRAWN
        and not d.is_known("TLOut")
    )


@per_delivery("Tlout_02", "TLOut")
def tlout_02(d: Delivery, ctx: ValidationContext) -> bool:
    """If returned, the Tailored learning outcome must be a valid TLOut code."""
    value = d.number("TLOut")
    return value is not None and not valid_lookup(ctx, "TLOut", value)
