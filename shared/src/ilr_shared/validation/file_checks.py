"""File-level rules: the file name, the Header, the Message and a zip upload.

Each rule is registered in ``FILE_LEVEL`` under its official name for its years; the
``check_*`` functions run a stage's rules and return ``Finding``s with no learner.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePosixPath
from typing import Any, Literal

from ..ilr.years import UnsupportedYearError, year_info
from .model import ALL_YEARS, Finding, ValidationContext
from .official import official_rule
from .registry import ORGANISATIONS, needs_reference_data

Stage = Literal["file name", "header", "message", "zip"]
Check = Callable[[Any, ValidationContext], str | None]  # the failing field, or None


@dataclass(frozen=True)
class FileLevelRule:
    """An official file-level rule: the stage it runs at and its check."""

    name: str
    years: frozenset[str]
    stage: Stage
    check: Check


FILE_LEVEL: dict[str, FileLevelRule] = {}


def file_level(
    name: str, stage: Stage, *, years: Iterable[str] | None = None
) -> Callable[[Check], Check]:
    """Register a file-level rule under its official name."""

    def register(check: Check) -> Check:
        if name in FILE_LEVEL:
            raise ValueError(f"file-level rule {name} registered twice")
        chosen = frozenset(years) if years is not None else ALL_YEARS
        FILE_LEVEL[name] = FileLevelRule(name, chosen, stage, check)
        return check

    return register


# The UKPRN must exist in the organisation directory.
needs_reference_data((ORGANISATIONS,), "Filename_3")


def _finding(name: str, year: str, location: str) -> Finding:
    official = official_rule(name, year)
    return Finding(
        rule=name,
        severity="warning" if official and official.severity == "Warning" else "error",
        message=official.error_message if official else name,
        field=location,
        learn_ref_number="",
    )


def _run(stage: Stage, subject: object, ctx: ValidationContext) -> list[Finding]:
    found: list[Finding] = []
    for registered in FILE_LEVEL.values():
        if registered.stage != stage or ctx.academic_year not in registered.years:
            continue
        location = registered.check(subject, ctx)
        if location is not None:
            found.append(_finding(registered.name, ctx.academic_year, location))
    return found


def _year_code(ctx: ValidationContext) -> str | None:
    try:
        return year_info(ctx.academic_year).year_code
    except UnsupportedYearError:
        return None


# -- the file name ---------------------------------------------------------------------

FILE_NAME = re.compile(
    r"ILR-(?P<ukprn>\d{8})-(?P<year>\d{4})-(?P<date>\d{8})-(?P<time>\d{6})-(?P<serial>[^.\\/]{2})"
    r"\.XML",
    re.IGNORECASE | re.ASCII,
)


@dataclass(frozen=True)
class FileName:
    """The parts of ILR-LLLLLLLL-YYYY-yyyymmdd-hhmmss-NN.XML."""

    ukprn: int
    year: str
    stamp: datetime
    serial: str


def parse_file_name(name: str) -> FileName | None:
    """The parts of a well-formed ILR file name (a path's directories are ignored)."""
    match = FILE_NAME.fullmatch(PurePosixPath(name.replace("\\", "/")).name)
    if match is None:
        return None
    try:
        stamp = datetime.strptime(match["date"] + match["time"], "%Y%m%d%H%M%S")
    except ValueError:
        return None
    return FileName(int(match["ukprn"]), match["year"], stamp, match["serial"])


@dataclass(frozen=True)
class NameSubject:
    name: str
    parsed: FileName | None
    now: datetime
    previous: tuple[FileName, ...] = field(default=())

    def same_collection(self) -> list[FileName]:
        here = self.parsed
        if here is None:
            return []
        return [p for p in self.previous if (p.ukprn, p.year) == (here.ukprn, here.year)]


@file_level("Filename_1", "file name")
def filename_1(subject: NameSubject, ctx: ValidationContext) -> str | None:
    """The name has the form ILR-LLLLLLLL-YYYY-yyyymmdd-hhmmss-NN.XML with a real date/time."""
    return "Filename" if subject.parsed is None else None


@file_level("Filename_4", "file name")
def filename_4(subject: NameSubject, ctx: ValidationContext) -> str | None:
    """The year of collection in the name is the year being validated."""
    parsed = subject.parsed
    return "Filename" if parsed is not None and parsed.year != _year_code(ctx) else None


@file_level("Filename_5", "file name")
def filename_5(subject: NameSubject, ctx: ValidationContext) -> str | None:
    """The serial number is a two-digit number."""
    parsed = subject.parsed
    return (
        "Filename"
        if parsed is not None and not (parsed.serial.isascii() and parsed.serial.isdigit())
        else None
    )


@file_level("Filename_6", "file name")
def filename_6(subject: NameSubject, ctx: ValidationContext) -> str | None:
    """The serial number is not 00."""
    return "Filename" if subject.parsed is not None and subject.parsed.serial == "00" else None


@file_level("Filename_7", "file name")
def filename_7(subject: NameSubject, ctx: ValidationContext) -> str | None:
    """The date/time in the name is not in the future."""
    parsed = subject.parsed
    return "Filename" if parsed is not None and parsed.stamp > subject.now else None


@file_level("Filename_2", "file name")
def filename_2(subject: NameSubject, ctx: ValidationContext) -> str | None:
    """No earlier file had the same UKPRN, collection year and date/time."""
    here = subject.parsed
    repeated = here is not None and any(p.stamp == here.stamp for p in subject.same_collection())
    return "Filename" if repeated else None


@file_level("Filename_8", "file name")
def filename_8(subject: NameSubject, ctx: ValidationContext) -> str | None:
    """The date/time is not earlier than a previous file of the same UKPRN and year."""
    here = subject.parsed
    earlier = here is not None and any(p.stamp > here.stamp for p in subject.same_collection())
    return "Filename" if earlier else None


@file_level("Inconsistent UKPRN", "file name")
def inconsistent_ukprn(subject: NameSubject, ctx: ValidationContext) -> str | None:
    """The UKPRN in the name is the provider's (the tenant's) UKPRN."""
    parsed = subject.parsed
    differs = parsed is not None and ctx.ukprn is not None and parsed.ukprn != ctx.ukprn
    return "Filename" if differs else None


def check_file_name(
    name: str,
    ctx: ValidationContext,
    *,
    now: datetime | None = None,
    previous: Iterable[str] = (),
) -> list[Finding]:
    """Findings of the file name rules. ``previous`` are the names of files received before
    (Filename_2, Filename_8); ``now`` defaults to the current local time."""
    earlier = tuple(p for p in (parse_file_name(n) for n in previous) if p is not None)
    subject = NameSubject(name, parse_file_name(name), now or datetime.now(), earlier)
    return _run("file name", subject, ctx)


# -- the header ------------------------------------------------------------------------


@dataclass(frozen=True)
class HeaderSubject:
    header: Mapping[str, Any]
    file_name: FileName | None
    today: date

    def part(self, name: str) -> Mapping[str, Any]:
        value = self.header.get(name)
        return value if isinstance(value, Mapping) else {}


def _as_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def _as_int(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())
    return None


@file_level("Header_2", "header")
def header_2(subject: HeaderSubject, ctx: ValidationContext) -> str | None:
    """The file preparation date is not after today."""
    prepared = _as_date(subject.part("CollectionDetails").get("FilePreparationDate"))
    late = prepared is not None and prepared > subject.today
    return "Header.CollectionDetails.FilePreparationDate" if late else None


@file_level("Header_3", "header")
def header_3(subject: HeaderSubject, ctx: ValidationContext) -> str | None:
    """The Header's UKPRN is the UKPRN in the file name."""
    ukprn = _as_int(subject.part("Source").get("UKPRN"))
    named = subject.file_name
    differs = named is not None and ukprn is not None and ukprn != named.ukprn
    return "Header.Source.UKPRN" if differs else None


def check_header(
    header: Mapping[str, Any],
    ctx: ValidationContext,
    *,
    file_name: str | None = None,
    today: date | None = None,
) -> list[Finding]:
    """Findings of the Header rules (Header_3 needs the file name)."""
    named = parse_file_name(file_name) if file_name is not None else None
    return _run("header", HeaderSubject(header, named, today or date.today()), ctx)


# -- the parsed message ----------------------------------------------------------------


@dataclass(frozen=True)
class MessageSubject:
    namespace: str
    learners: int


def _namespace_mismatch(subject: MessageSubject, ctx: ValidationContext) -> str | None:
    """The Message's namespace is the schema's namespace of the year."""
    try:
        expected = year_info(ctx.academic_year).namespace
    except UnsupportedYearError:
        return None
    return "Message" if subject.namespace != expected else None


file_level("Namespace_Mismatch", "message", years={"2026/27"})(_namespace_mismatch)
file_level("Namespace Mismatch", "message", years={"2025/26"})(_namespace_mismatch)


@file_level("Entity_1", "message")
def entity_1(subject: MessageSubject, ctx: ValidationContext) -> str | None:
    """The file has at least one Learner."""
    return "Learner" if subject.learners < 1 else None


def check_message(namespace: str, learners: int, ctx: ValidationContext) -> list[Finding]:
    """Findings of the rules on a parsed Message: its namespace and its learner count."""
    return _run("message", MessageSubject(namespace, learners), ctx)


# -- a zip upload ----------------------------------------------------------------------

_ENCRYPTED = 0x1  # general purpose bit 0 of a zip entry
_ZIP_FAILURES = (
    zipfile.BadZipFile,
    OSError,
    EOFError,
    NotImplementedError,
    RuntimeError,
    ValueError,
    zlib.error,
)


@dataclass(frozen=True)
class ZipSubject:
    """What the zip rules need to know about an uploaded archive."""

    name: str
    corrupt: bool
    protected: bool
    xml_files: tuple[str, ...]


def _stem(name: str) -> str:
    return PurePosixPath(name.replace("\\", "/")).stem.upper()


def inspect_zip(data: bytes, name: str) -> ZipSubject:
    """Open the archive (in memory) and test every entry's checksum, unless encrypted."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = [i for i in archive.infolist() if not i.is_dir()]
            protected = any(i.flag_bits & _ENCRYPTED for i in entries)
            broken = not protected and archive.testzip() is not None
    except _ZIP_FAILURES:
        return ZipSubject(name, corrupt=True, protected=False, xml_files=())
    xml_files = tuple(
        i.filename
        for i in entries
        if i.filename.lower().endswith(".xml") and not i.filename.startswith("__MACOSX/")
    )
    return ZipSubject(name, broken, protected, xml_files)


@file_level("ZIP_CORRUPT", "zip")
def zip_corrupt(subject: ZipSubject, ctx: ValidationContext) -> str | None:
    """The upload is a readable zip archive whose entries pass their checksums."""
    return "File" if subject.corrupt else None


def _protected(subject: ZipSubject, ctx: ValidationContext) -> str | None:
    """The zip archive is not password protected."""
    return "File" if subject.protected and not subject.corrupt else None


file_level("Protected_ZIP_file", "zip", years={"2026/27"})(_protected)
file_level("Protected ZIP file", "zip", years={"2025/26"})(_protected)


def _readable(subject: ZipSubject) -> bool:
    return not subject.corrupt and not subject.protected


@file_level("ZIP_EMPTY", "zip")
def zip_empty(subject: ZipSubject, ctx: ValidationContext) -> str | None:
    """The zip archive holds exactly one XML file."""
    return "File" if _readable(subject) and len(subject.xml_files) != 1 else None


@file_level("ZIP_INCONSISTENT_FILENAME", "zip")
def zip_inconsistent_filename(subject: ZipSubject, ctx: ValidationContext) -> str | None:
    """The XML file inside has the zip file's name (extensions aside)."""
    if not _readable(subject) or len(subject.xml_files) != 1:
        return None
    return "File" if _stem(subject.xml_files[0]) != _stem(subject.name) else None


def check_zip(data: bytes, name: str, ctx: ValidationContext) -> list[Finding]:
    """Findings of the zip rules for an uploaded ``.zip`` file named ``name``."""
    return _run("zip", inspect_zip(data, name), ctx)
