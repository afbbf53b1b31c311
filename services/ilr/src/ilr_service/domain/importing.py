"""Importing an existing ILR file: reading it safely, finding every problem, and the
learner's new state with `import` provenance. Pure functions, no I/O.

Decisions (see also `service_layer/importing.py`):

* A file is refused outright (nothing imported, `skip_invalid` does not help) when it is
  not well-formed XML, has a DOCTYPE / entity declarations (XXE, billion laughs), is not
  an ILR `<Message>` of a supported year's namespace, has file-level schema problems
  (Header, LearningProvider …) or its UKPRN is not the caller's tenant.
* Learner problems are the year's XSD (``validate_record`` per learner, plus the whole
  file against the XSD as a backstop, mapped to the learner by line) and duplicate
  LearnRefNumbers (rule R_06). Business-rule findings never block an import: they are
  stored as findings, as for any save.
* Every element the file supplies gets provenance ``{"source": "import", "actor", "at"}``.
  The prefill rules write only fields whose provenance is template/enrolment or that are
  empty, so a template never overwrites an imported value. A template aim the file does
  not have is marked removed the way a person's removal is (``source: person,
  removed: true, via: import``) so the template does not add it back.
* Deliveries are linked to template aims (``delivery_keys``) by LearnAimRef: on an update
  the existing links are kept for the same AimSeqNumber + LearnAimRef (else the same
  LearnAimRef); a new learner attached to a programme with a template is linked to the
  template's aims, so later template revisions fill only what the file left empty.
"""

from __future__ import annotations

import bisect
import contextlib
import copy
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from lxml import etree

from ilr_service.domain.paths import DELIVERY, delivery_ref_for_key
from ilr_service.domain.record import ENROLMENT_LEARNER_FIELDS, PERSON, IlrState, Provenance
from ilr_shared.ilr import (
    UnsafeXmlError,
    UnsupportedYearError,
    canonicalise,
    entity_from_xml,
    learner_from_xml,
    load_schema,
    supported_years,
    validate_record,
    year_for_namespace,
)
from ilr_shared.ilr.years import safe_parser

IMPORT = "import"

_UNSAFE_MARKERS = (b"<!DOCTYPE", b"<!ENTITY")


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


# -- reading ----------------------------------------------------------------------------


def refuse_unsafe(data: bytes) -> None:
    """Raises UnsafeXmlError for a document type declaration, before any parsing."""
    texts = [data]
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        with contextlib.suppress(UnicodeDecodeError):
            texts.append(data.decode("utf-16").encode("utf-8"))
    if any(marker in text for text in texts for marker in _UNSAFE_MARKERS):
        raise UnsafeXmlError("ILR files must not contain a DOCTYPE or entity declarations")


def learner_path(index: int, learn_ref: str | None, inner: str = "") -> str:
    base = f"Learner[LearnRefNumber={learn_ref}]" if learn_ref else f"Learner[{index}]"
    return f"{base}.{inner}" if inner else base


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def read_file(data: bytes) -> IlrFile:
    """Parses and checks a whole ILR file; raises ImportFileError / UnsafeXmlError."""
    refuse_unsafe(data)
    try:
        root = etree.fromstring(data, safe_parser())
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or 0
        raise ImportFileError(
            "The file is not well-formed XML",
            [Problem(f"line {line}", str(exc.msg), "xml_syntax")],
        ) from exc
    tree = root.getroottree()
    if getattr(tree.docinfo, "doctype", None):
        raise UnsafeXmlError("ILR files must not contain a DOCTYPE")
    qname = etree.QName(root)
    if qname.localname != "Message":
        raise ImportFileError(
            "The file is not an ILR file",
            [Problem("Message", f"the root element is <{qname.localname}>, not <Message>", "root")],
        )
    try:
        info = year_for_namespace(qname.namespace or "")
    except UnsupportedYearError as exc:
        raise ImportFileError(
            "The file is not an ILR file of a supported year",
            [
                Problem(
                    "Message",
                    f"namespace {qname.namespace or '(none)'!r} is not a supported ILR year "
                    f"(supported: {', '.join(supported_years())})",
                    "namespace",
                )
            ],
        ) from exc
    year, namespace = info.academic_year, info.namespace

    header: dict[str, Any] = {}
    ukprn: int | None = None
    learners: list[FileLearner] = []
    file_problems: list[Problem] = []
    starts: list[int] = []  # source line of each child of <Message>
    owners: list[FileLearner | None] = []  # the learner it is, if any
    for child in root:
        if not isinstance(child.tag, str):
            continue
        local = etree.QName(child).localname
        in_ns = etree.QName(child).namespace == namespace
        owner: FileLearner | None = None
        if in_ns and local == "Header":
            header = entity_from_xml(year, "Header", child)
        elif in_ns and local == "LearningProvider":
            ukprn = _int(entity_from_xml(year, "LearningProvider", child).get("UKPRN"))
        elif in_ns and local == "Learner":
            record = learner_from_xml(child)
            ref = record.get("LearnRefNumber")
            owner = FileLearner(len(learners), ref if isinstance(ref, str) else None, record)
            learners.append(owner)
        source_line: object = child.sourceline
        starts.append(source_line if isinstance(source_line, int) else 0)
        owners.append(owner)

    for learner in learners:
        for problem in validate_record(year, learner.record):
            learner.problems.append(
                Problem(
                    learner_path(learner.index, learner.learn_ref, problem.path),
                    problem.message,
                    problem.code,
                    learner.learn_ref,
                    learner.index,
                )
            )
    # The whole file against the XSD: file-level problems, and a backstop for learners.
    schema = load_schema(year)
    if not schema.validate(tree):
        for entry in cast(Iterable[etree._LogEntry], schema.error_log):
            at = bisect.bisect_right(starts, entry.line) - 1
            owner = owners[at] if at >= 0 else None
            if owner is None:
                file_problems.append(Problem(f"line {entry.line}", entry.message, entry.type_name))
            elif owner.valid or all(p.code.startswith("SCHEMAV") for p in owner.problems):
                owner.problems.append(
                    Problem(
                        learner_path(owner.index, owner.learn_ref, f"line {entry.line}"),
                        entry.message,
                        entry.type_name,
                        owner.learn_ref,
                        owner.index,
                    )
                )
    counts = Counter(learner.learn_ref for learner in learners if learner.learn_ref)
    for learner in learners:
        if learner.learn_ref and counts[learner.learn_ref] > 1:
            learner.problems.append(
                Problem(
                    learner_path(learner.index, learner.learn_ref, "LearnRefNumber"),
                    f"LearnRefNumber {learner.learn_ref} appears {counts[learner.learn_ref]} "
                    "times in the file",
                    "R_06",
                    learner.learn_ref,
                    learner.index,
                )
            )
    if not learners:
        file_problems.append(Problem("Message", "the file has no Learner", "no_learners"))
    for learner in learners:
        if learner.valid:
            learner.record = canonicalise(year, learner.record)
    source = header.get("Source") if isinstance(header.get("Source"), Mapping) else {}
    return IlrFile(
        academic_year=year,
        ukprn=ukprn,
        header_ukprn=_int((source or {}).get("UKPRN")),
        learners=learners,
        file_problems=file_problems,
        header=header,
        namespace=namespace,
    )


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
    state.delivery_keys = _link(state.record.get(DELIVERY) or [], template_aims)
    stamp = import_stamp(actor, at)
    for name in state.record:
        if name != DELIVERY:
            state.provenance[name] = dict(stamp)
    for delivery in state.record.get(DELIVERY) or []:
        ref = state.delivery_ref(_seq(delivery))
        for name in delivery:
            if name != "AimSeqNumber":
                state.provenance[f"{ref}.{name}"] = dict(stamp)
    if template_revision > 0:
        for key, _ in template_aims:
            if key not in state.delivery_keys.values():
                state.provenance[delivery_ref_for_key(key)] = removed_by_import(actor, at)
    state.tidy()
    return state


def reimport_state(
    current: IlrState, record: Mapping[str, Any], *, actor: str, at: str
) -> IlrState:
    """An existing ILR after importing `record` over it: the file's values win; elements
    whose value did not change keep their provenance (so the template keeps flowing
    into them); changed, added and removed elements become the import's."""
    stamp = import_stamp(actor, at)
    new = IlrState(record=copy.deepcopy(dict(record)), template_revision=current.template_revision)
    old_deliveries = {_seq(d): d for d in current.record.get(DELIVERY) or []}
    matched: dict[int, int] = {}  # new seq -> old seq
    taken: set[int] = set()
    new_deliveries = new.record.get(DELIVERY) or []
    for delivery in new_deliveries:
        seq = _seq(delivery)
        old = old_deliveries.get(seq)
        if old is not None and old.get("LearnAimRef") == delivery.get("LearnAimRef"):
            matched[seq] = seq
            taken.add(seq)
    for delivery in new_deliveries:
        seq = _seq(delivery)
        if seq in matched:
            continue
        for old_seq, old in old_deliveries.items():
            if (
                old_seq not in taken
                and old_seq in current.delivery_keys
                and old.get("LearnAimRef") == delivery.get("LearnAimRef")
            ):
                matched[seq] = old_seq
                taken.add(old_seq)
                break
    new.delivery_keys = {
        seq: current.delivery_keys[old_seq]
        for seq, old_seq in matched.items()
        if old_seq in current.delivery_keys
    }

    names = (set(current.record) | set(new.record)) - {DELIVERY}
    for name in names:
        kept = current.provenance.get(name)
        if current.record.get(name) == new.record.get(name):
            if kept is not None:
                new.provenance[name] = dict(kept)
        else:
            new.provenance[name] = dict(stamp)
    for delivery in new_deliveries:
        seq = _seq(delivery)
        ref = new.delivery_ref(seq)
        source_seq = matched.get(seq)
        old = old_deliveries.get(source_seq) if source_seq is not None else None
        old_ref = current.delivery_ref(source_seq) if source_seq is not None else None
        for name in (set(delivery) | set(old or {})) - {"AimSeqNumber"}:
            previous = current.provenance.get(f"{old_ref}.{name}") if old_ref else None
            if old is not None and old.get(name) == delivery.get(name):
                if previous is not None:
                    new.provenance[f"{ref}.{name}"] = dict(previous)
            else:
                new.provenance[f"{ref}.{name}"] = dict(stamp)
    kept_keys = set(new.delivery_keys.values())
    for key in current.delivery_keys.values():
        if key not in kept_keys:
            new.provenance[delivery_ref_for_key(key)] = removed_by_import(actor, at)
    for path, entry in current.provenance.items():  # earlier removals of template aims
        if entry.get("removed") and path.startswith(f"{DELIVERY}[key=") and "." not in path:
            key = path[len(DELIVERY) + 5 : -1]
            if key not in kept_keys:
                new.provenance.setdefault(path, dict(entry))
    new.tidy()
    return new


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
