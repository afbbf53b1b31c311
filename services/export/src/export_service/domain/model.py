"""The export's domain: file naming, job states, per-learner outcomes, summaries, checks.

Pure logic, no I/O.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

JobState = Literal["queued", "running", "succeeded", "failed"]
IlrStatus = Literal["newly_submitted", "signature_required", "signed", "qa_verified", "completed"]
DEFAULT_STATUSES: tuple[IlrStatus, ...] = ("qa_verified", "completed")

MAX_SERIAL = 99  # Source/SerialNo is [0-9]{1,2}
# A trial build checks the return without using up one of the year's 99 serial numbers: its
# file carries serial 00, which no submitted file has (they run from 01).
TRIAL: Final = "trial"
SUBMISSION: Final = "submission"
Purpose = Literal["trial", "submission"]
TRIAL_SERIAL = 0
SCHEMA_RULE = "XSD"  # findings raised by the official schema rather than a business rule
LIST_CAP = 500  # longest list kept in a job document (counts are always exact)

_FILE_NAME = re.compile(r"^ILR-([1-9]\d{7})-(\d{4})-(\d{8})-(\d{6})-(\d{2})\.XML$")


class ExportFailedError(Exception):
    """The job cannot produce a file (reported in the job's `error`)."""


def file_name(ukprn: str, year_code: str, at: dt.datetime, serial: int) -> str:
    """`ILR-<UKPRN>-<YYYY>-<yyyymmdd>-<hhmmss>-<NN>.XML`, e.g. ILR-10000001-2627-20261129-101500-01.XML
    (NN 00 for a trial build)."""
    if not TRIAL_SERIAL <= serial <= MAX_SERIAL:
        raise ValueError(f"serial number must be 1..{MAX_SERIAL}, got {serial}")
    if not re.fullmatch(r"[1-9]\d{7}", ukprn) or not re.fullmatch(r"\d{4}", year_code):
        raise ValueError("UKPRN must be 8 digits and the year code 4 digits")
    return f"ILR-{ukprn}-{year_code}-{at:%Y%m%d}-{at:%H%M%S}-{serial:02d}.XML"


@dataclass(frozen=True)
class FileNameParts:
    ukprn: str
    year_code: str
    at: dt.datetime
    serial: int


def parse_file_name(name: str) -> FileNameParts:
    match = _FILE_NAME.match(name)
    if match is None:
        raise ValueError(f"{name!r} is not an official ILR file name")
    ukprn, year_code, day, time, serial = match.groups()
    at = dt.datetime.strptime(day + time, "%Y%m%d%H%M%S")
    return FileNameParts(ukprn, year_code, at, int(serial))


def serial_text(serial: int) -> str:
    return f"{serial:02d}"


@dataclass(frozen=True)
class ReportFinding:
    rule: str
    severity: Literal["error", "warning"]
    message: str
    field: str

    def as_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "severity": self.severity, "message": self.message,
                "field": self.field}  # fmt: skip


@dataclass(frozen=True)
class LearnerOutcome:
    """What happened to one learner of the export."""

    learn_ref: str
    ilr_id: str
    version: int
    uln: str | None
    findings: tuple[ReportFinding, ...]
    # written to the file despite its error findings (a build with include_learners_with_errors)
    errors_included: bool = False

    @property
    def has_errors(self) -> bool:
        return any(f.severity == "error" for f in self.findings)

    @property
    def included(self) -> bool:
        return self.errors_included or not self.has_errors


# Errors that keep a learner out even when a build includes learners with errors: the file
# would not be valid against the schema (XSD) or would hold a LearnRefNumber twice (R_06).
FILE_BREAKING_RULES = frozenset({SCHEMA_RULE, "R_06"})


def may_include_with_errors(schema_valid: bool, findings: Iterable[ReportFinding]) -> bool:
    """Whether a learner with error findings can still go into the file as Submit Learner
    Data would receive it: only rule errors, nothing that breaks the file itself."""
    errors = [f for f in findings if f.severity == "error"]
    return schema_valid and bool(errors) and all(f.rule not in FILE_BREAKING_RULES for f in errors)


@dataclass
class ValidationSummary:
    errors: int = 0
    warnings: int = 0
    by_rule: Counter[str] = field(default_factory=Counter)
    # Learners left out of the file, counted once under each error rule they break.
    left_out_by_rule: Counter[str] = field(default_factory=Counter)
    learners_with_warnings: int = 0
    # Learners written to the file with their errors, and once under each error rule.
    included_with_errors: int = 0
    included_with_errors_by_rule: Counter[str] = field(default_factory=Counter)

    def add(self, findings: Iterable[ReportFinding], errors_included: bool = False) -> None:
        found = list(findings)
        for finding in found:
            if finding.severity == "error":
                self.errors += 1
            else:
                self.warnings += 1
            self.by_rule[finding.rule] += 1
        self.included_with_errors += errors_included
        by_rule = self.included_with_errors_by_rule if errors_included else self.left_out_by_rule
        by_rule.update({f.rule for f in found if f.severity == "error"})
        self.learners_with_warnings += any(f.severity != "error" for f in found)

    def as_dict(self) -> dict[str, Any]:
        summary = {"errors": self.errors, "warnings": self.warnings,
                   "by_rule": dict(sorted(self.by_rule.items())),
                   "left_out_by_rule": dict(sorted(self.left_out_by_rule.items())),
                   "learners_with_warnings": self.learners_with_warnings}  # fmt: skip
        if self.included_with_errors:  # only a build that included some has them
            summary["included_with_errors"] = self.included_with_errors
            summary["included_with_errors_by_rule"] = dict(
                sorted(self.included_with_errors_by_rule.items())
            )
        return summary


@dataclass
class Tally:
    """Running counts of a build."""

    done: int = 0
    included: int = 0
    left_out: int = 0
    summary: ValidationSummary = field(default_factory=ValidationSummary)

    def add(self, outcome: LearnerOutcome) -> None:
        self.done += 1
        if outcome.included:
            self.included += 1
        else:
            self.left_out += 1
        self.summary.add(outcome.findings, outcome.errors_included)

    def counts(self) -> dict[str, int]:
        return {"included": self.included, "left_out": self.left_out}


@dataclass(frozen=True)
class Disappeared:
    learn_refs: list[str]
    count: int


def disappeared(
    previous: Iterable[str], current: Iterable[str], cap: int = LIST_CAP
) -> Disappeared:
    """LearnRefNumbers of `previous` that are not in `current`; both sorted ascending.

    A merge of two sorted streams: memory stays flat whatever the number of learners.
    """
    missing: list[str] = []
    count = 0
    cur: Iterator[str] = iter(current)
    head = next(cur, None)
    for ref in previous:
        while head is not None and head < ref:
            head = next(cur, None)
        if head == ref:
            continue
        count += 1
        if len(missing) < cap:
            missing.append(ref)
    return Disappeared(missing, count)


def why_not_selected(
    record: Mapping[str, Any], statuses: Sequence[str], programme_ids: Sequence[str] | None
) -> str:
    """Why a learner of the year is not in a build, in the admin's words."""
    if record.get("deleted"):
        return "withdrawn"
    if record.get("status") not in statuses:
        return f"status {record.get('status')} was not chosen for this build"
    if programme_ids and record.get("programme_id") not in programme_ids:
        return "its programme was not chosen for this build"
    return "not selected"
