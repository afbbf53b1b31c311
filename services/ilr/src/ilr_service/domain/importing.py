"""Importing an existing ILR file: the checks that decide what of a read file can be
imported, and the learner's new state with `import` provenance. Pure functions, no I/O;
`adapters/ilr_file.py` parses the XML. Design: docs/ENGINEERING.md (importing ILR files).
"""

from __future__ import annotations

import bisect
import contextlib
import copy
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ilr_service.domain.paths import DELIVERY, delivery_ref_for_key
from ilr_service.domain.record import ENROLMENT_LEARNER_FIELDS, PERSON, IlrState, Provenance
from ilr_shared.ilr import (
    UnsafeXmlError,
    UnsupportedYearError,
    YearInfo,
    canonicalise,
    supported_years,
    validate_record,
    year_for_namespace,
)

IMPORT = "import"

_UNSAFE_MARKERS = (b"<!DOCTYPE", b"<!ENTITY")
_UTF16_MARKS = (b"\xff\xfe", b"\xfe\xff")
_SCHEMA_CODE_PREFIX = "SCHEMAV"  # libxml2's XSD validity errors
_REMOVED_AIM_PREFIX = f"{DELIVERY}[key="


@dataclass(frozen=True)
class Problem:
    """One reason a file or a learner cannot be imported."""

    path: str
    message: str
    code: str
    learn_ref: str | None = None
    index: int | None = None  # the learner's position in the file (0-based)

    def as_error(self) -> dict[str, Any]:
        error: dict[str, Any] = {"path": self.path, "message": self.message, "type": self.code}
        if self.index is not None:
            error["LearnRefNumber"] = self.learn_ref
        return error


class ImportFileError(ValueError):
    """The file as a whole cannot be imported."""

    def __init__(self, message: str, problems: Sequence[Problem] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.problems = list(problems)


@dataclass
class FileLearner:
    index: int
    learn_ref: str | None
    record: dict[str, Any]  # canonical when the learner is valid
    problems: list[Problem] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.problems


@dataclass
class IlrFile:
    academic_year: str
    ukprn: int | None  # LearningProvider/UKPRN
    header_ukprn: int | None  # Header/Source/UKPRN
    learners: list[FileLearner]
    file_problems: list[Problem] = field(default_factory=list)
    header: dict[str, Any] = field(default_factory=dict)  # the Header as read
    namespace: str = ""


# -- what the adapter reads: plain data, no XML ---------------------------------------


@dataclass(frozen=True)
class SchemaError:
    """One finding of the year's XSD on the whole file, at its source line."""

    line: int
    message: str
    code: str


@dataclass(frozen=True)
class ChildElement:
    """A child element of `<Message>`: its source line, and its learner's index if any."""

    line: int
    learner: int | None = None


@dataclass
class ReadMessage:
    """A file's `<Message>` as read: the year's Header, LearningProvider and Learners."""

    academic_year: str
    namespace: str
    header: dict[str, Any] = field(default_factory=dict)
    provider: dict[str, Any] = field(default_factory=dict)
    learners: list[dict[str, Any]] = field(default_factory=list)
    children: list[ChildElement] = field(default_factory=list)  # in document order
    schema_errors: list[SchemaError] = field(default_factory=list)


# -- checks of the file -----------------------------------------------------------------


def refuse_unsafe(data: bytes) -> None:
    """Raises UnsafeXmlError for a document type declaration, before any parsing."""
    texts = [data]
    if data[:2] in _UTF16_MARKS:
        with contextlib.suppress(UnicodeDecodeError):
            texts.append(data.decode("utf-16").encode("utf-8"))
    if any(marker in text for text in texts for marker in _UNSAFE_MARKERS):
        raise UnsafeXmlError("ILR files must not contain a DOCTYPE or entity declarations")


def not_well_formed(line: int | None, message: str) -> ImportFileError:
    return ImportFileError(
        "The file is not well-formed XML", [Problem(f"line {line or 0}", message, "xml_syntax")]
    )


def message_year(root_name: str, namespace: str | None) -> YearInfo:
    """The year of an ILR `<Message>` root element; raises ImportFileError otherwise."""
    if root_name != "Message":
        raise ImportFileError(
            "The file is not an ILR file",
            [Problem("Message", f"the root element is <{root_name}>, not <Message>", "root")],
        )
    try:
        return year_for_namespace(namespace or "")
    except UnsupportedYearError as exc:
        message = (
            f"namespace {namespace or '(none)'!r} is not a supported ILR year "
            f"(supported: {', '.join(supported_years())})"
        )
        raise ImportFileError(
            "The file is not an ILR file of a supported year",
            [Problem("Message", message, "namespace")],
        ) from exc


def learner_path(index: int, learn_ref: str | None, inner: str = "") -> str:
    base = f"Learner[LearnRefNumber={learn_ref}]" if learn_ref else f"Learner[{index}]"
    return f"{base}.{inner}" if inner else base


def learner_problem(learner: FileLearner, inner: str, message: str, code: str) -> Problem:
    path = learner_path(learner.index, learner.learn_ref, inner)
    return Problem(path, message, code, learner.learn_ref, learner.index)


def file_learner(index: int, record: dict[str, Any]) -> FileLearner:
    ref = record.get("LearnRefNumber")
    return FileLearner(index, ref if isinstance(ref, str) else None, record)


def record_problems(academic_year: str, learner: FileLearner) -> list[Problem]:
    """The learner's own schema problems (the year's model of a Learner)."""
    return [
        learner_problem(learner, problem.path, problem.message, problem.code)
        for problem in validate_record(academic_year, learner.record)
    ]


def schema_backstop(
    errors: Sequence[SchemaError], children: Sequence[ChildElement], learners: list[FileLearner]
) -> list[Problem]:
    """Adds the whole-file XSD findings to the learner at their line (unless it already
    has other problems); returns those outside any learner, the file's own problems."""
    starts = [child.line for child in children]
    file_problems: list[Problem] = []
    for error in errors:
        at = bisect.bisect_right(starts, error.line) - 1
        index = children[at].learner if at >= 0 else None
        if index is None:
            file_problems.append(Problem(f"line {error.line}", error.message, error.code))
            continue
        owner = learners[index]
        if all(p.code.startswith(_SCHEMA_CODE_PREFIX) for p in owner.problems):
            owner.problems.append(
                learner_problem(owner, f"line {error.line}", error.message, error.code)
            )
    return file_problems


def duplicate_problems(learners: Sequence[FileLearner]) -> dict[int, Problem]:
    """Rule R_06: a LearnRefNumber more than once in the file (by learner index)."""
    counts = Counter(learner.learn_ref for learner in learners if learner.learn_ref)
    return {
        learner.index: learner_problem(
            learner,
            "LearnRefNumber",
            f"LearnRefNumber {learner.learn_ref} appears {counts[learner.learn_ref]} "
            "times in the file",
            "R_06",
        )
        for learner in learners
        if learner.learn_ref and counts[learner.learn_ref] > 1
    }


def header_ukprn(header: Mapping[str, Any]) -> int | None:
    source = header.get("Source")
    return _int(source.get("UKPRN")) if isinstance(source, Mapping) else None


def check_message(message: ReadMessage) -> IlrFile:
    """Every problem of a read file, its learners canonical where valid."""
    year = message.academic_year
    learners = [file_learner(i, record) for i, record in enumerate(message.learners)]
    for learner in learners:
        learner.problems.extend(record_problems(year, learner))
    file_problems = schema_backstop(message.schema_errors, message.children, learners)
    for index, problem in duplicate_problems(learners).items():
        learners[index].problems.append(problem)
    if not learners:
        file_problems.append(Problem("Message", "the file has no Learner", "no_learners"))
    for learner in learners:
        if learner.valid:
            learner.record = canonicalise(year, learner.record)
    return IlrFile(
        academic_year=year,
        ukprn=_int(message.provider.get("UKPRN")),
        header_ukprn=header_ukprn(message.header),
        learners=learners,
        file_problems=file_problems,
        header=message.header,
        namespace=message.namespace,
    )


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def tenant_problems(ilr_file: IlrFile, tenant: str) -> list[Problem]:
    """The file must be the caller's organisation's (both UKPRNs)."""
    problems = []
    for path, value in (
        ("LearningProvider.UKPRN", ilr_file.ukprn),
        ("Header.Source.UKPRN", ilr_file.header_ukprn),
    ):
        if value is None or str(value) != tenant:
            problems.append(
                Problem(
                    path,
                    f"the file's UKPRN {value} is not your organisation's UKPRN {tenant}",
                    "ukprn",
                )
            )
    return problems


# -- the imported state -----------------------------------------------------------------


def import_stamp(actor: str, at: str) -> Provenance:
    return {"source": IMPORT, "actor": actor, "at": at}


def removed_by_import(actor: str, at: str) -> Provenance:
    # The domain's own removal marker (a person's), so the template does not re-add the aim.
    return {"source": PERSON, "actor": actor, "at": at, "removed": True, "via": IMPORT}


def _seq(delivery: Mapping[str, Any]) -> int:
    value = delivery.get("AimSeqNumber")
    return value if isinstance(value, int) else 0


def _deliveries(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    return record.get(DELIVERY) or []


def _link(
    deliveries: Sequence[Mapping[str, Any]], aims: Sequence[tuple[str, str | None]]
) -> dict[int, str]:
    """AimSeqNumber -> key: each delivery takes the first unused aim with its LearnAimRef."""
    used: set[str] = set()
    keys: dict[int, str] = {}
    for delivery in deliveries:
        for key, aim_ref in aims:
            if key not in used and aim_ref == delivery.get("LearnAimRef"):
                keys[_seq(delivery)] = key
                used.add(key)
                break
    return keys


def new_import_state(
    record: Mapping[str, Any],
    *,
    actor: str,
    at: str,
    template_aims: Sequence[tuple[str, str | None]] = (),
    template_revision: int = 0,
) -> IlrState:
    """A new ILR from a file learner; `template_aims` are (key, LearnAimRef) of the
    programme's template (at `template_revision`), if it has one."""
    state = IlrState(record=copy.deepcopy(dict(record)), template_revision=template_revision)
    state.delivery_keys = _link(_deliveries(state.record), template_aims)
    stamp_every_element(state, import_stamp(actor, at))
    if template_revision > 0:
        for key, _ in template_aims:
            if key not in state.delivery_keys.values():
                state.provenance[delivery_ref_for_key(key)] = removed_by_import(actor, at)
    state.tidy()
    return state


def stamp_every_element(state: IlrState, stamp: Provenance) -> None:
    for name in state.record:
        if name != DELIVERY:
            state.provenance[name] = dict(stamp)
    for delivery in _deliveries(state.record):
        ref = state.delivery_ref(_seq(delivery))
        for name in delivery:
            if name != "AimSeqNumber":
                state.provenance[f"{ref}.{name}"] = dict(stamp)


def reimport_state(
    current: IlrState, record: Mapping[str, Any], *, actor: str, at: str
) -> IlrState:
    """An existing ILR after importing `record` over it: the file's values win; elements
    whose value did not change keep their provenance (so the template keeps flowing
    into them); changed, added and removed elements become the import's."""
    stamp = import_stamp(actor, at)
    new = IlrState(record=copy.deepcopy(dict(record)), template_revision=current.template_revision)
    matched = match_deliveries(current, _deliveries(new.record))
    new.delivery_keys = {
        seq: current.delivery_keys[old_seq]
        for seq, old_seq in matched.items()
        if old_seq in current.delivery_keys
    }
    stamp_learner_fields(current, new, stamp)
    stamp_delivery_fields(current, new, matched, stamp)
    mark_removed_aims(current, new, removed_by_import(actor, at))
    new.tidy()
    return new


def match_deliveries(
    current: IlrState, new_deliveries: Sequence[Mapping[str, Any]]
) -> dict[int, int]:
    """New AimSeqNumber -> the current delivery it continues: the same AimSeqNumber and
    LearnAimRef, else the first unmatched template-linked delivery with its LearnAimRef."""
    old_deliveries = {_seq(d): d for d in _deliveries(current.record)}
    matched: dict[int, int] = {}
    for delivery in new_deliveries:
        old = old_deliveries.get(_seq(delivery))
        if old is not None and old.get("LearnAimRef") == delivery.get("LearnAimRef"):
            matched[_seq(delivery)] = _seq(delivery)
    linked = {seq: d for seq, d in old_deliveries.items() if seq in current.delivery_keys}
    taken = set(matched.values())
    for delivery in new_deliveries:
        if _seq(delivery) in matched:
            continue
        old_seq = _first_with_aim(linked, taken, delivery.get("LearnAimRef"))
        if old_seq is not None:
            matched[_seq(delivery)] = old_seq
            taken.add(old_seq)
    return matched


def _first_with_aim(
    deliveries: Mapping[int, Mapping[str, Any]], taken: set[int], aim_ref: Any
) -> int | None:
    """The AimSeqNumber of the first delivery not taken with LearnAimRef `aim_ref`."""
    return next(
        (
            seq
            for seq, d in deliveries.items()
            if seq not in taken and d.get("LearnAimRef") == aim_ref
        ),
        None,
    )


def _carried(previous: Provenance | None, unchanged: bool, stamp: Provenance) -> Provenance | None:
    """An element's provenance after the import: kept if its value is unchanged."""
    if not unchanged:
        return dict(stamp)
    return dict(previous) if previous is not None else None


def stamp_learner_fields(current: IlrState, new: IlrState, stamp: Provenance) -> None:
    """Provenance of the learner's own elements (all but the deliveries)."""
    for name in (set(current.record) | set(new.record)) - {DELIVERY}:
        unchanged = current.record.get(name) == new.record.get(name)
        entry = _carried(current.provenance.get(name), unchanged, stamp)
        if entry is not None:
            new.provenance[name] = entry


def stamp_delivery_fields(
    current: IlrState, new: IlrState, matched: Mapping[int, int], stamp: Provenance
) -> None:
    """Provenance of each delivery's elements, compared with the delivery it continues."""
    old_deliveries = {_seq(d): d for d in _deliveries(current.record)}
    for delivery in _deliveries(new.record):
        ref = new.delivery_ref(_seq(delivery))
        old_seq = matched.get(_seq(delivery))
        old = old_deliveries.get(old_seq) if old_seq is not None else None
        old_ref = current.delivery_ref(old_seq) if old_seq is not None else None
        for name in (set(delivery) | set(old or {})) - {"AimSeqNumber"}:
            previous = current.provenance.get(f"{old_ref}.{name}") if old_ref else None
            unchanged = old is not None and old.get(name) == delivery.get(name)
            entry = _carried(previous, unchanged, stamp)
            if entry is not None:
                new.provenance[f"{ref}.{name}"] = entry


def _removed_aim_key(path: str, entry: Provenance) -> str | None:
    """The template aim key of a removal marker (`LearningDelivery[key=K]`), else None."""
    if entry.get("removed") and path.startswith(_REMOVED_AIM_PREFIX) and "." not in path:
        return path[len(_REMOVED_AIM_PREFIX) : -1]
    return None


def mark_removed_aims(current: IlrState, new: IlrState, removal: Provenance) -> None:
    """Template aims the file no longer links are removed, and earlier removals stay, so
    the template does not add them back."""
    kept_keys = set(new.delivery_keys.values())
    for key in current.delivery_keys.values():
        if key not in kept_keys:
            new.provenance[delivery_ref_for_key(key)] = dict(removal)
    for path, entry in current.provenance.items():
        removed_key = _removed_aim_key(path, entry)
        if removed_key is not None and removed_key not in kept_keys:
            new.provenance.setdefault(path, dict(entry))


def import_enrolment(record: Mapping[str, Any]) -> dict[str, Any]:
    """The enrolment stored with a new imported ILR: the learner's identity and the
    programme aim's dates (reset-to-enrolment gives the imported values back)."""
    deliveries = list(record.get(DELIVERY) or [])
    main = next((d for d in deliveries if d.get("AimType") == 1), None)
    if main is None and deliveries:
        main = min(deliveries, key=lambda d: str(d.get("LearnStartDate") or "9999"))
    return {
        "learner": {k: record[k] for k in ENROLMENT_LEARNER_FIELDS if k in record},
        "LearnStartDate": (main or {}).get("LearnStartDate") or "",
        "LearnPlanEndDate": (main or {}).get("LearnPlanEndDate"),
    }


def template_aims(template: Mapping[str, Any] | None) -> list[tuple[str, str | None]]:
    """(key, LearnAimRef) of a stored ILR template's aims, in order."""
    out: list[tuple[str, str | None]] = []
    for delivery in (template or {}).get(DELIVERY) or []:
        if isinstance(delivery, Mapping) and isinstance(delivery.get("key"), str):
            aim = delivery.get("LearnAimRef")
            out.append((delivery["key"], aim if isinstance(aim, str) else None))
    return out
