"""Cross-record rules on apprenticeship contract types, prices and support records."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise

from ..access import Delivery, Record, children, day, deliveries, integer, same_code, text
from ..derived.employment_on import emp_stat, has_monitoring, status_on
from ..model import Hit, ValidationContext
from ..registry import SOURCE_V4, rule
from .common import APPRENTICESHIP_STANDARD, FM_APPRENTICESHIPS, PROGRAMME_AIM

FM_NON_FUNDED = 99
COMPLETED = 2
CONTINUING = 1
WITHDRAWN = frozenset({3, 6})
EMPLOYED = 10
_R106_FROM = date(2016, 8, 1)
_R119_FROM = date(2019, 2, 1)
_R142_FROM = date(2022, 8, 1)
_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Fam:
    """A LearningDeliveryFAM with its place and dates."""

    delivery: Delivery
    index: int
    code: str | None
    start: date | None
    end: date | None

    def at(self, field: str) -> str:
        return self.delivery.at(f"LearningDeliveryFAM[{self.index}].{field}")


def _read_fams(d: Delivery, fam_type: str) -> tuple[Fam, ...]:
    records = d.data.get("LearningDeliveryFAM") or []
    return tuple(
        Fam(
            d,
            i,
            code,
            day(records[i], "LearnDelFAMDateFrom"),
            day(records[i], "LearnDelFAMDateTo"),
        )
        for i, kind, code in d.fams()  # the index is the record's position in the list
        if (kind or "").upper() == fam_type
    )


def fams_of(d: Delivery, fam_type: str) -> tuple[Fam, ...]:
    """The aim's FAM records of one type, in file order (read once per delivery and type)."""
    return d.memo(f"cross_apprenticeship.fams:{fam_type}", lambda d: _read_fams(d, fam_type))


def dated(fams: Sequence[Fam]) -> list[Fam]:
    """The records with a date from, earliest first."""
    return sorted((f for f in fams if f.start is not None), key=lambda f: (f.start, f.index))


def latest_fam(fams: Sequence[Fam]) -> Fam | None:
    """The record applying from the latest date (the last one when none is dated)."""
    ordered = dated(fams)
    if ordered:
        return ordered[-1]
    return fams[-1] if fams else None


def overlaps(earlier: Fam, later: Fam) -> bool:
    """The later record starts on or before the day the earlier one ends (a record without
    a date to never ends): both apply on that day."""
    return earlier.end is None or (later.start is not None and later.start <= earlier.end)


def overlapping(fams: Sequence[Fam]) -> Iterator[Fam]:
    """Each dated record that starts while an earlier one still applies."""
    ordered = dated(fams)
    for i, later in enumerate(ordered):
        if any(overlaps(earlier, later) for earlier in ordered[:i]):
            yield later


def standard(d: Delivery) -> bool:
    return (
        d.number("FundModel") == FM_APPRENTICESHIPS
        and d.number("ProgType") == APPRENTICESHIP_STANDARD
    )


def _tnp_codes(d: Delivery) -> set[int]:
    return {
        code
        for _, fin in d.app_fin()
        if (text(fin, "AFinType") or "").upper() == "TNP"
        if (code := integer(fin, "AFinCode")) is not None
    }


@rule("R_100")
def r_100(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """A completed funded standard programme needs an assessment price (TNP 2 or 4)."""
    for d in deliveries(record):
        if (
            d.number("AimType") == PROGRAMME_AIM
            and d.number("ProgType") == APPRENTICESHIP_STANDARD
            and d.number("CompStatus") == COMPLETED
            and d.number("FundModel") != FM_NON_FUNDED
            and not _tnp_codes(d) & {2, 4}
        ):
            yield Hit(d.at("AppFinRecord"))


@rule("R_101")
def r_101(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Contract type (ACT) records of an aim must not overlap."""
    for d in deliveries(record):
        for fam in overlapping(fams_of(d, "ACT")):
            yield Hit(fam.at("LearnDelFAMDateFrom"))


@rule("R_102")
def r_102(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """An aim with contract type (ACT) records needs one applying from its start date."""
    for d in deliveries(record):
        acts, start = fams_of(d, "ACT"), d.day("LearnStartDate")
        if acts and start is not None and all(f.start != start for f in acts):
            yield Hit(acts[0].at("LearnDelFAMDateFrom"))


@rule("R_104")
def r_104(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Each contract type (ACT) record must start the day after the previous one ends."""
    for d in deliveries(record):
        for earlier, later in pairwise(dated(fams_of(d, "ACT"))):
            if earlier.end is None or later.start is None or later.start - earlier.end != _DAY:
                yield Hit(later.at("LearnDelFAMDateFrom"))


@rule("R_105")
def r_105(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """The learner's contract type (ACT) records with different codes must not overlap."""
    acts = dated([f for d in deliveries(record) for f in fams_of(d, "ACT")])
    for i, later in enumerate(acts):
        if any(
            overlaps(earlier, later) and (earlier.code or "") != (later.code or "")
            for earlier in acts[:i]
        ):
            yield Hit(later.at("LearnDelFAMCode"))


@rule("R_106")
def r_106(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """The learner must not have two learning support (LSF) records at the same time."""
    lsf = [
        f
        for d in deliveries(record)
        for f in fams_of(d, "LSF")
        if f.start is not None and f.start >= _R106_FROM
    ]
    for fam in overlapping(lsf):
        yield Hit(fam.at("LearnDelFAMDateFrom"))


@rule("R_61", note="Records overlap when the later starts on or before the day the earlier "
      "ends, as in DfE's implementation.")  # fmt: skip
def r_61(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """An aim's LSF records, and its ALB records, must not overlap."""
    for d in deliveries(record):
        for fam_type in ("LSF", "ALB"):
            for fam in overlapping(fams_of(d, fam_type)):
                yield Hit(fam.at("LearnDelFAMDateFrom"))


def _redundant(record: Record) -> bool:
    """The learner's latest employment status records redundancy (OET 1)."""
    statuses = [
        (applies, i, s)
        for i, s in children(record, "LearnerEmploymentStatus")
        if (applies := day(s, "DateEmpStatApp")) is not None
    ]
    if not statuses:
        return False
    return has_monitoring(max(statuses, key=lambda t: (t[0], t[1]))[2], "OET", frozenset({1}))


@rule("R_110")
def r_110(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """An FM36 employer contract (ACT 1) needs the learner employed when it applies."""
    if _redundant(record):
        return
    for d in deliveries(record):
        if d.number("FundModel") != FM_APPRENTICESHIPS or d.has_fam("RES"):
            continue
        for fam in fams_of(d, "ACT"):
            if not same_code(fam.code, "1") or fam.start is None:
                continue
            stat = emp_stat(status_on(record, fam.start))
            if stat is not None and stat != EMPLOYED:
                yield Hit(fam.at("LearnDelFAMCode"))


@rule("R_119")
def r_119(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Price (TNP) records must not be dated before the aim's start (from Feb 2019)."""
    for d in deliveries(record):
        start = d.day("LearnStartDate")
        if start is None or start < _R119_FROM:
            continue
        for i, fin in d.app_fin():
            on = day(fin, "AFinDate")
            if (
                (text(fin, "AFinType") or "").upper() == "TNP"
                and integer(fin, "AFinCode") is not None
                and on is not None
                and on < start
            ):
                yield Hit(d.at(f"AppFinRecord[{i}].AFinDate"))


@rule("R_121")
def r_121(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """An achieved FM36 standard's latest ACT must apply to the achievement date."""
    for d in deliveries(record):
        achieved, last = d.day("AchDate"), latest_fam(fams_of(d, "ACT"))
        if standard(d) and achieved is not None and last is not None and last.end != achieved:
            yield Hit(last.at("LearnDelFAMDateTo"))


@rule("R_122")
def r_122(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """An ended, unachieved FM36 standard's latest ACT must apply to the end date."""
    for d in deliveries(record):
        status, last = d.number("CompStatus"), latest_fam(fams_of(d, "ACT"))
        if not standard(d) or status in (None, CONTINUING) or d.is_known("AchDate"):
            continue
        if last is not None and last.end != d.day("LearnActEndDate"):
            yield Hit(last.at("LearnDelFAMDateTo"))


@rule("R_123")
def r_123(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """A continuing FM36 standard aim's latest contract type (ACT) must not have a date to."""
    for d in deliveries(record):
        last = latest_fam(fams_of(d, "ACT"))
        ended = last is not None and last.end is not None
        if last is not None and ended and standard(d) and d.number("CompStatus") == CONTINUING:
            yield Hit(last.at("LearnDelFAMDateTo"))


def _standard_programmes(record: Record) -> list[Delivery]:
    return [
        d
        for d in deliveries(record)
        if d.number("AimType") == PROGRAMME_AIM and d.number("ProgType") == APPRENTICESHIP_STANDARD
    ]


@rule("R_142")
def r_142(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """A withdrawn standard's prices must predate the start of an open standard."""
    programmes = _standard_programmes(record)
    opens = [
        start
        for d in programmes
        if not d.is_known("LearnActEndDate")
        if (start := d.day("LearnStartDate")) is not None and start >= _R142_FROM
    ]
    if not opens:
        return
    first_open = min(opens)
    for d in programmes:
        if d.number("CompStatus") not in WITHDRAWN:
            continue
        for i, fin in d.app_fin():
            on = day(fin, "AFinDate")
            if (
                (text(fin, "AFinType") or "").upper() == "TNP"
                and on is not None
                and on >= first_open
            ):
                yield Hit(d.at(f"AppFinRecord[{i}].AFinDate"))


def _hours(d: Delivery, code: int) -> list[int]:
    return [
        i
        for i, hrs in children(d.data, "HRSRecord")
        if (text(hrs, "HRSType") or "").upper() == "HRS" and integer(hrs, "HRSCode") == code
    ]


def _prior_learning_reductions(d: Delivery) -> list[int]:
    return [
        i
        for i, fin in d.app_fin()
        if (text(fin, "AFinType") or "").upper() == "RIP" and integer(fin, "AFinCode") == 1
    ]


@rule("R_161", years={"2026/27"}, source=SOURCE_V4)
def r_161(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Prior-learning reduced hours (HRS 4) need a prior-learning price reduction (RIP 1)."""
    for d in deliveries(record):
        if not _prior_learning_reductions(d):
            for i in _hours(d, 4):
                yield Hit(d.at(f"HRSRecord[{i}].HRSCode"))


@rule("R_162", years={"2026/27"}, source=SOURCE_V4)
def r_162(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """A prior-learning price reduction (RIP 1) needs prior-learning reduced hours (HRS 4)."""
    for d in deliveries(record):
        if not _hours(d, 4):
            for i in _prior_learning_reductions(d):
                yield Hit(d.at(f"AppFinRecord[{i}].AFinCode"))
