"""Value types shared by the engine and the rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict

Severity = Literal["error", "warning"]
AcademicYear = Literal["2025/26", "2026/27"]
ALL_YEARS: frozenset[str] = frozenset({"2025/26", "2026/27"})


class Finding(BaseModel):
    """One rule failure, located by an ILR element path such as
    ``LearningDelivery[1].AppFinRecord[0].AFinType``."""

    model_config = ConfigDict(frozen=True)

    rule: str
    severity: Severity
    message: str
    field: str
    learn_ref_number: str


@dataclass(frozen=True)
class ValidationContext:
    """Everything a rule may need besides the learner record itself.

    Lookups left as ``None`` mean "reference data not available": rules that
    depend on them do not fire.
    """

    academic_year: str = "2026/27"
    ukprn: int | None = None
    file_preparation_date: date = field(default_factory=date.today)
    # LARS: every known LearnAimRef (upper case).
    lars_aims: frozenset[str] | None = None
    # LARS: aims that are English or maths (BasicSkillsType in the LearnDelFAMType_64 list
    # or CommonComponent 20).
    lars_english_maths_aims: frozenset[str] | None = None
    # Postcodes.PostcodeValidity: every known postcode (upper case, single space).
    postcodes: frozenset[str] | None = None

    @property
    def datasets(self) -> frozenset[str]:
        """Names of the reference datasets this context can answer for."""
        loaded = set()
        if self.lars_aims is not None:
            loaded.add("LARS")
        if self.postcodes is not None:
            loaded.add("postcodes")
        return frozenset(loaded)

    def __post_init__(self) -> None:
        if self.academic_year not in ALL_YEARS:
            raise ValueError(f"academic_year must be one of {sorted(ALL_YEARS)}")

    @property
    def year_start(self) -> date:
        """1 August at the start of the teaching year."""
        return date(self.first_calendar_year, 8, 1)

    @property
    def year_end(self) -> date:
        """31 July at the end of the teaching year."""
        return date(self.first_calendar_year + 1, 7, 31)

    @property
    def first_calendar_year(self) -> int:
        try:
            return int(self.academic_year[:4])
        except ValueError:
            return 2026


@dataclass(frozen=True)
class Hit:
    """What a rule reports: where it failed. The engine adds severity and message."""

    field: str
