"""ILR 2026/27 code lists: the 2025/26 lists with the changes of the ILR specification
2026 to 2027 (summary of changes, version 1) applied explicitly below, so the
year-on-year difference is readable in one place.
"""

from __future__ import annotations

from . import codes_2025_26 as previous
from .codelist import CodeList, closed

ACADEMIC_YEAR = "2026/27"

# list name -> (codes added with labels, codes removed)
CHANGES: dict[str, tuple[dict[str | int, str], tuple[str | int, ...]]] = {
    # Community Learning provision closed; FM39 records the Growth and Skills short
    # course offer (apprenticeship units).
    "FundModel": ({39: "Growth and Skills Offer short courses (apprenticeship units)"}, (10,)),
    "ProgType": ({34: "Apprenticeship unit"}, ()),
    # ASL only described FundModel 10 provision; AFL now means Tailored Learning. The
    # historic NSA type (ended 2016) is gone too (DfE's 2026/27 sample file drops it).
    "LearnDelFAMType": ({"AFL": "Tailored Learning which is Family learning"}, ("ASL", "NSA")),
    "LearnDelFAMCode.AFL": ({"1": "Tailored Learning which is family learning"}, ()),
    # Local authority funded Community Learning (FundModel 99 with SOF 108) ended.
    "LearnDelFAMCode.SOF": ({}, (108,)),
    "LearnDelFAMCode.DAM": ({"114": "Redundancy eligibility"}, ()),
    # Codes with historic end dates removed.
    "ESMCode.EII": ({}, (1, 2, 3, 4)),
    "LLDDCat": ({}, (1, 2, 3)),
    # RIP: price reduction financial record on apprenticeship aims (one per aim).
    "AFinType": ({"RIP": "Price reduction"}, ()),
}

# Lists that no longer exist in 2026/27 (FUNDCOMP left the LearningDeliveryHE entity).
REMOVED_LISTS = ("LearnDelFAMCode.ASL", "LearnDelFAMCode.NSA", "FUNDCOMP")

# New lists: HRSRecord replaces LearningDelivery PHours, OTJActHours and AddHours.
NEW_LISTS: dict[str, CodeList] = {
    "AFinCode.RIP": closed({1: "Price reduction"}),
    "HRSType": closed({"HRS": "Hours"}),
    "HRSCode.HRS": closed(
        {
            1: "Planned off-the-job training hours (apprenticeships)",
            2: "Planned hours (T Level programme)",
            3: "Actual off-the-job training hours (apprenticeships)",
            4: "Reduction in off-the-job training hours due to prior learning",
            5: "Size of the Tailored Learning course (hours)",
            6: "Additional delivery hours (ESOL aims)",
        }
    ),
}


def _build() -> dict[str, CodeList]:
    lists = {name: cl for name, cl in previous.LISTS.items() if name not in REMOVED_LISTS}
    for name, (add, remove) in CHANGES.items():
        lists[name] = lists[name].with_changes(add=add, remove=remove)
    lists.update(NEW_LISTS)
    return lists


LISTS: dict[str, CodeList] = _build()
