"""Rollover into the next collection year (pure): which learners continue, their new-year
record (codes the new year lacks removed, elements it dropped or moved converted or
reported) and the per-learner report. Design: docs/ENGINEERING.md ("Rollover")."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ilr_service.domain.importing import new_import_state
from ilr_service.domain.paths import DELIVERY
from ilr_service.domain.record import IlrState, Provenance
from ilr_shared.ilr import code_lists, entity_model, is_valid_code, validate_record
from ilr_shared.ilr.years import year_info

ROLLOVER = "rollover"
IMPORT = "import"
CONTINUING, COMPLETED, BREAK_IN_LEARNING = 1, 2, 6
OUTCOME_NOT_YET_KNOWN = 8
FM_APPRENTICESHIPS, FM_TAILORED_LEARNING = 36, 11
PT_T_LEVEL = 31
PROGRAMME_AIM = 1
MAX_HRS_RECORDS = 3
# A code element and the element whose value names its list ("LearnDelFAMCode.SOF").
_TYPED_CODES = {
    "LearnDelFAMCode": "LearnDelFAMType",
    "AFinCode": "AFinType",
    "HRSCode": "HRSType",
    "LearnFAMCode": "LearnFAMType",
    "ESMCode": "ESMType",
}
# Elements that identify their whole repeated record: a code of the new year's lists
# missing here removes the record (a FAM, a financial or hours record, an LLDD category).
_RECORD_KEYS = frozenset({*_TYPED_CODES, *_TYPED_CODES.values(), "LLDDCat", "PriorLevel"})
# Learner elements that describe one year only: carried, but a person must review them.
_PER_YEAR = ("PlanLearnHours", "PlanEEPHours")


def rollover_enrolment_id(new_year: str, old_ilr_id: str) -> str:
    """The synthetic enrolment a rolled-over ILR's id derives from (so reruns converge)."""
    return f"rollover:{new_year}:{old_ilr_id}"


def rolled_over_from(enrolment_id: str | None) -> str | None:
    """The old ILR id a rolled-over ILR's synthetic enrolment names, else None."""
    prefix, _, rest = (enrolment_id or "").partition(":")
    _, _, old_id = rest.partition(":")
    return old_id or None if prefix == ROLLOVER else None


@dataclass(frozen=True)
class Note:
    """One line of a learner's rollover report."""

    path: str
    kind: str  # code_removed | code_relabelled | element_dropped | element_moved | review
    message: str
    old: Any = None
    new: Any = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "kind": self.kind,
            "message": self.message,
            "old": self.old,
            "new": self.new,
        }


# -- who continues ----------------------------------------------------------------------


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def continuing_reason(delivery: Mapping[str, Any], year_end: date) -> str | None:
    """Why a delivery of the year ending `year_end` goes on into the next, or None."""
    status = delivery.get("CompStatus")
    ended = _day(delivery.get("LearnActEndDate"))
    if status == BREAK_IN_LEARNING:
        return "break in learning (CompStatus 6)"
    if ended is None:
        return "no LearnActEndDate" if status in (None, CONTINUING) else None
    if ended > year_end:
        return "ends after the year"
    if status == CONTINUING:
        return "ended but still continuing (CompStatus 1)"
    if status == COMPLETED and delivery.get("Outcome") == OUTCOME_NOT_YET_KNOWN:
        return "completed, outcome not yet known (Outcome 8)"
    return None


def continuing_deliveries(
    record: Mapping[str, Any], academic_year: str
) -> list[tuple[dict[str, Any], str]]:
    """The record's deliveries that go on into the next year, with why."""
    year_end = year_info(academic_year).end
    found = []
    for delivery in record.get(DELIVERY) or []:
        reason = continuing_reason(delivery, year_end)
        if reason is not None:
            found.append((delivery, reason))
    return found


# -- the new-year record ----------------------------------------------------------------


@dataclass
class CarriedLearner:
    """A continuing learner's record for the new year and what changed on the way."""

    record: dict[str, Any]
    carried: list[int]  # AimSeqNumbers carried
    left_behind: list[int]  # AimSeqNumbers completed, withdrawn or finished in the old year
    reasons: dict[int, str]
    notes: list[Note] = field(default_factory=list)
    schema_problems: list[dict[str, Any]] = field(default_factory=list)


def carry_learner(record: Mapping[str, Any], old_year: str, new_year: str) -> CarriedLearner:
    """The new year's record of a learner with continuing deliveries (see `continuing_deliveries`)."""
    continuing = continuing_deliveries(record, old_year)
    kept = {id(d) for d, _ in continuing}
    new_record = copy.deepcopy(dict(record))
    new_record[DELIVERY] = [copy.deepcopy(d) for d, _ in continuing]
    carried = CarriedLearner(
        record=new_record,
        carried=[_seq(d) for d, _ in continuing],
        left_behind=[_seq(d) for d in record.get(DELIVERY) or [] if id(d) not in kept],
        reasons={_seq(d): reason for d, reason in continuing},
    )
    for delivery in new_record[DELIVERY]:
        path = f"LearningDelivery[AimSeqNumber={_seq(delivery)}]"
        carried.notes += move_hours(delivery, path, new_year)
    carried.notes += drop_unknown_elements(new_record, "Learner", "", new_year)
    carried.notes += strip_invalid_codes(new_record, "", old_year, new_year)
    carried.notes += per_year_reviews(new_record)
    carried.schema_problems = [
        {"path": p.path, "message": p.message, "type": p.code}
        for p in validate_record(new_year, new_record)
    ]
    return carried


def _seq(delivery: Mapping[str, Any]) -> int:
    value = delivery.get("AimSeqNumber")
    return value if isinstance(value, int) else 0


def planned_hours_code(delivery: Mapping[str, Any]) -> int | None:
    """The HRSCode 2025/26's PHours becomes: planned off-the-job hours on an
    apprenticeship programme aim, T Level planned hours, or Tailored Learning's size."""
    fund_model = delivery.get("FundModel")
    if fund_model == FM_APPRENTICESHIPS and delivery.get("AimType") == PROGRAMME_AIM:
        return 1
    if delivery.get("ProgType") == PT_T_LEVEL and delivery.get("AimType") == PROGRAMME_AIM:
        return 2
    if fund_model == FM_TAILORED_LEARNING:
        return 5
    return None


def _hours_targets(delivery: Mapping[str, Any]) -> dict[str, int | None]:
    return {"PHours": planned_hours_code(delivery), "OTJActHours": 3, "AddHours": 6}


def move_hours(delivery: dict[str, Any], path: str, new_year: str) -> list[Note]:
    """2025/26's PHours, OTJActHours and AddHours become HRSRecords (HRSType HRS) in a
    year whose deliveries have HRSRecord instead."""
    fields = _entity_fields(new_year, DELIVERY) or ()
    if "HRSRecord" not in fields:
        return []
    notes = []
    for name, code in _hours_targets(delivery).items():
        if name not in delivery or name in fields:
            continue
        amount = delivery.pop(name)
        records = delivery.setdefault("HRSRecord", [])
        if code is None or len(records) >= MAX_HRS_RECORDS:
            notes.append(
                Note(f"{path}.{name}", "element_dropped",
                     f"{name} has no HRS record for this aim in {new_year}; "
                     "enter its hours by hand if they apply", amount)
            )  # fmt: skip
            continue
        records.append({"HRSType": "HRS", "HRSCode": code, "HRSAmount": amount})
        meaning = _label(new_year, "HRSCode.HRS", code)
        notes.append(
            Note(f"{path}.{name}", "element_moved",
                 f"{name} is an HRS record in {new_year}: HRS{code} ({meaning})",
                 amount, {"HRSType": "HRS", "HRSCode": code, "HRSAmount": amount})
        )  # fmt: skip
    if not delivery.get("HRSRecord"):
        delivery.pop("HRSRecord", None)
    return notes


def _children(value: Any) -> Iterator[tuple[int | None, dict[str, Any]]]:
    if isinstance(value, dict):
        yield None, value
    elif isinstance(value, list):
        yield from ((i, item) for i, item in enumerate(value) if isinstance(item, dict))


def _entity_fields(year: str, entity: str) -> tuple[str, ...] | None:
    try:
        return tuple(entity_model(year, entity).model_fields)
    except (KeyError, ValueError):
        return None


def _child_path(prefix: str, name: str, index: int | None) -> str:
    base = f"{prefix}.{name}" if prefix else name
    return base if index is None else f"{base}[{index}]"


def drop_unknown_elements(data: dict[str, Any], entity: str, path: str, year: str) -> list[Note]:
    """Removes the elements the year's model of `entity` does not have, at any depth."""
    fields = _entity_fields(year, entity)
    if fields is None:
        return []
    notes = []
    for name in list(data):
        if name not in fields:
            notes.append(
                Note(_child_path(path, name, None), "element_dropped",
                     f"{name} is not an element of {entity} in {year}", data.pop(name))
            )  # fmt: skip
            continue
        for index, child in _children(data[name]):
            child_path = _delivery_path(child, path, name, index)
            notes += drop_unknown_elements(child, name, child_path, year)
    return notes


def _delivery_path(child: Mapping[str, Any], prefix: str, name: str, index: int | None) -> str:
    if name == DELIVERY:
        return f"LearningDelivery[AimSeqNumber={_seq(child)}]"
    return _child_path(prefix, name, index)


def _list_name(data: Mapping[str, Any], name: str) -> str:
    type_element = _TYPED_CODES.get(name)
    return f"{name}.{data.get(type_element)}" if type_element else name


def _code_note(path: str, list_name: str, code: Any, old_year: str, new_year: str) -> Note | None:
    """What the new year's lists say about a code of the old year, if anything changed.
    A code neither year knows stays (the rules report it): rollover removes only what the
    new year dropped."""
    old_label, new_label = _label(old_year, list_name, code), _label(new_year, list_name, code)
    if is_valid_code(new_year, list_name, code):
        if old_label and new_label and old_label != new_label:
            return Note(path, "code_relabelled",
                        f"{list_name} code {code}: '{old_label}' is '{new_label}' in {new_year}",
                        code, code)  # fmt: skip
        return None
    if not is_valid_code(old_year, list_name, code):
        return Note(path, "review", f"{list_name} code {code} is valid in neither year: "
                    "carried, correct it", code, code)  # fmt: skip
    return Note(path, "code_removed",
                f"{list_name} code {code} ({old_label or 'no label'}) is not valid in {new_year}",
                code)  # fmt: skip


def _label(year: str, list_name: str, code: Any) -> str | None:
    lists = code_lists(year)
    return lists[list_name].labels.get(str(code)) if list_name in lists else None


def _is_coded(list_name: str, old_year: str, new_year: str) -> bool:
    base = list_name.split(".", 1)[0]
    known = set(code_lists(old_year)) | set(code_lists(new_year))
    typed = base in _TYPED_CODES and any(n.startswith(base + ".") for n in known)
    return list_name in known or typed


def strip_invalid_codes(
    data: dict[str, Any], path: str, old_year: str, new_year: str
) -> list[Note]:
    """Codes of the old year checked against the new year's lists: a code the new year
    dropped goes (with its whole record when it identifies one, see `_strip_children`);
    relabelled codes are reported."""
    notes: list[Note] = []
    coded = {
        name: _list_name(data, name)
        for name, value in data.items()
        if not isinstance(value, (dict, list))
    }
    for name, list_name in coded.items():
        if not _is_coded(list_name, old_year, new_year):
            continue
        note = _code_note(_child_path(path, name, None), list_name, data[name], old_year, new_year)
        if note is not None:
            notes.append(note)
    for note in notes:
        if note.kind == "code_removed":
            data.pop(note.path.rsplit(".", 1)[-1], None)
    for name in [n for n, value in data.items() if isinstance(value, (dict, list))]:
        notes += _strip_children(data, name, path, old_year, new_year)
    return notes


def _strip_children(
    data: dict[str, Any], name: str, path: str, old_year: str, new_year: str
) -> list[Note]:
    notes: list[Note] = []
    kept = []
    for index, child in _children(data[name]):
        child_path = _delivery_path(child, path, name, index)
        before = set(child)
        notes += strip_invalid_codes(child, child_path, old_year, new_year)
        if (before - set(child)) & _RECORD_KEYS and index is not None:
            notes.append(Note(child_path, "element_dropped",
                              f"the {name} record goes with its code", child))  # fmt: skip
            continue
        kept.append(child)
    if isinstance(data[name], list):
        if kept:
            data[name] = kept
        else:
            del data[name]
    return notes


def per_year_reviews(record: Mapping[str, Any]) -> list[Note]:
    return [
        Note(
            name,
            "review",
            f"{name} describes one year: carried, check it for the new year",
            record[name],
            record[name],
        )
        for name in _PER_YEAR
        if name in record
    ]


# -- provenance -------------------------------------------------------------------------


def rollover_state(
    record: Mapping[str, Any],
    *,
    actor: str,
    at: str,
    template_aims: Sequence[tuple[str, str | None]] = (),
    template_revision: int = 0,
) -> IlrState:
    """The new ILR's state: deliveries linked to the target programme's template aims as an
    import links them (template aims it lacks marked removed), every element `rollover`."""
    state = new_import_state(
        record,
        actor=actor,
        at=at,
        template_aims=template_aims,
        template_revision=template_revision,
    )
    state.provenance = {path: _as_rollover(entry) for path, entry in state.provenance.items()}
    return state


def _as_rollover(entry: Provenance) -> Provenance:
    changed = dict(entry)
    if changed.get("source") == IMPORT:
        changed["source"] = ROLLOVER
    if changed.get("via") == IMPORT:
        changed["via"] = ROLLOVER
    return changed
