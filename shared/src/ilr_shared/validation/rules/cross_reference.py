"""Cross-record rules that need reference data the engine does not hold yet."""

from __future__ import annotations

from ..registry import LARS, needs_reference_data

# LARS validity categories, aim types, categories, framework aims and funding caps.
needs_reference_data(
    (LARS,),
    "R_72",  # DD17: LARS_StandardFunding core government contribution cap
    "R_73",  # DD17
    "R_129",  # LARS_LearnAimRefType 1468 (T Level technical qualification)
    "R_139",  # LARS_CategoryRef 62 (bootcamp subject aims)
    "R_141",  # LARS_CategoryRef 62
    "R_147",  # LARS framework aims of the technical qualification and specialism
    "R_149",  # LARS_CategoryRef 62
    "R_155",  # LARS_ValidityCategory EFAConFundEnglish
    "R_156",  # LARS_ValidityCategory EFAConFundMaths
)
needs_reference_data((LARS,), "R_158", years={"2026/27"})  # LARS_CategoryRef 76, SSA 5.2
