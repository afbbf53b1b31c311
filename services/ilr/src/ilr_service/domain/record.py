"""A learner's ILR with per-field provenance: prefill, template changes, edits, resets.

Pure functions over `IlrState`. Template and enrolment write only fields that are theirs or
empty; a person's value is never overwritten (docs/ENGINEERING.md, "ILR provenance")."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ilr_service.domain.paths import (
    DELIVERY,
    FieldPath,
    PathError,
    delivery_ref_for_key,
    delivery_ref_for_seq,
    parse_path,
)
from ilr_shared.events import LearnerDetails

TEMPLATE = "template"
ENROLMENT = "enrolment"
PERSON = "person"

# Learner elements an enrolment may supply (official names): the contract's learner.
ENROLMENT_LEARNER_FIELDS: tuple[str, ...] = tuple(LearnerDetails.model_fields)

Provenance = dict[str, Any]


_IMMUTABLE = (str, int, float, bool, type(None))


def _copy_json(value: Any) -> Any:
    """A deep copy of JSON-like data (dicts, lists, scalars), several times faster than
    `copy.deepcopy`; anything else falls back to `copy.deepcopy`."""
    if isinstance(value, dict):
        return {k: v if isinstance(v, _IMMUTABLE) else _copy_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [v if isinstance(v, _IMMUTABLE) else _copy_json(v) for v in value]
    if isinstance(value, _IMMUTABLE):
        return value
    return copy.deepcopy(value)


def _is_under(path: str, ref: str) -> bool:
    """`path` is `ref` or inside it (`ref.Element`, or `ref[0]…` in a learner list)."""
    return path == ref or path.startswith((ref + ".", ref + "["))


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


@dataclass
class IlrState:
    record: dict[str, Any] = field(default_factory=dict)
    provenance: dict[str, Provenance] = field(default_factory=dict)
    delivery_keys: dict[int, str] = field(default_factory=dict)
    template_revision: int = 0

    def copy(self) -> IlrState:
        return IlrState(
            record=_copy_json(self.record),
            provenance=_copy_json(self.provenance),
            delivery_keys=dict(self.delivery_keys),
            template_revision=self.template_revision,
        )

    # -- deliveries -------------------------------------------------------------------

    @property
    def deliveries(self) -> list[dict[str, Any]]:
        value = self.record.get(DELIVERY)
        if not isinstance(value, list):
            value = []
            self.record[DELIVERY] = value
        return value

    def seq_of_key(self, key: str) -> int | None:
        for seq, known in self.delivery_keys.items():
            if known == key:
                return seq
        return None

    def delivery(self, seq: int) -> dict[str, Any] | None:
        for delivery in self.record.get(DELIVERY) or []:
            if delivery.get("AimSeqNumber") == seq:
                return delivery  # type: ignore[no-any-return]
        return None

    def delivery_ref(self, seq: int) -> str:
        key = self.delivery_keys.get(seq)
        return delivery_ref_for_key(key) if key is not None else delivery_ref_for_seq(seq)

    def next_seq(self) -> int:
        used = [d.get("AimSeqNumber") or 0 for d in self.record.get(DELIVERY) or []]
        return max([0, *used, *self.delivery_keys]) + 1

    def source(self, path: str) -> str | None:
        entry = self.provenance.get(path)
        return None if entry is None else entry.get("source")

    def person_owns_under(self, ref: str) -> bool:
        return any(
            entry.get("source") == PERSON and _is_under(path, ref)
            for path, entry in self.provenance.items()
        )

    def drop_provenance_under(self, ref: str) -> None:
        for path in [p for p in self.provenance if _is_under(p, ref)]:
            del self.provenance[path]

    def tidy(self) -> None:
        """Removes an empty delivery list so the record stays canonical."""
        if not self.record.get(DELIVERY):
            self.record.pop(DELIVERY, None)
        else:
            self.record[DELIVERY].sort(key=lambda d: d.get("AimSeqNumber") or 0)


@dataclass(frozen=True)
class Enrolment:
    """What the enrolment supplies: learner details and the programme dates."""

    learner: Mapping[str, Any]
    learn_start_date: str
    learn_plan_end_date: str | None = None

    def as_fields(self) -> dict[str, Any]:
        """As the ILR document keeps it (and as events carry it)."""
        return {
            "learner": dict(self.learner),
            "LearnStartDate": self.learn_start_date,
            "LearnPlanEndDate": self.learn_plan_end_date,
        }

    def delivery_fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = {"LearnStartDate": self.learn_start_date}
        if self.learn_plan_end_date:
            fields["LearnPlanEndDate"] = self.learn_plan_end_date
        return fields


@dataclass(frozen=True)
class RenderedTemplate:
    """A template revision rendered for one learner: (key, delivery elements) in order."""

    revision: int
    deliveries: Sequence[tuple[str, Mapping[str, Any]]]

    def keys(self) -> set[str]:
        return {key for key, _ in self.deliveries}


def person(actor: str, at: str) -> Provenance:
    return {"source": PERSON, "actor": actor, "at": at}


# -- synchronising with the enrolment and the template -----------------------------------


def synchronise(
    state: IlrState, enrolment: Enrolment, template: RenderedTemplate | None
) -> IlrState:
    """The state with enrolment and template values written where they may be written.

    An older template revision than the one already applied changes nothing (a late or
    redelivered event); applying the same inputs twice gives the same state.
    """
    new = state.copy()
    _apply_enrolment(new, enrolment)
    if template is not None and template.revision >= new.template_revision:
        _apply_template(new, enrolment, template)
        new.template_revision = template.revision
    new.tidy()
    return new


def prefill(enrolment: Enrolment, template: RenderedTemplate | None) -> IlrState:
    return synchronise(IlrState(), enrolment, template)


def update_enrolment(
    state: IlrState, enrolment: Enrolment, template: RenderedTemplate | None
) -> IlrState:
    """The state after the sending system corrected the enrolment: elements still the
    enrolment's take the new values (one it no longer supplies is removed), template
    values follow a new start date; what a person or an import wrote stays."""
    new = state.copy()
    for name in ENROLMENT_LEARNER_FIELDS:
        if new.source(name) == ENROLMENT and is_empty(enrolment.learner.get(name)):
            new.record.pop(name, None)
            new.provenance.pop(name, None)
    return synchronise(new, enrolment, template)


def _apply_enrolment(state: IlrState, enrolment: Enrolment) -> None:
    """Writes the enrolment's learner elements where nobody else's value is: a person's
    value (a list with a person's change anywhere under it too) and an imported one stay."""
    for name in ENROLMENT_LEARNER_FIELDS:
        value = enrolment.learner.get(name)
        if is_empty(value) or state.person_owns_under(name):
            continue
        if state.source(name) == ENROLMENT or is_empty(state.record.get(name)):
            state.record[name] = _copy_json(value)
            state.provenance[name] = {"source": ENROLMENT}


def _apply_template(state: IlrState, enrolment: Enrolment, template: RenderedTemplate) -> None:
    for key, rendered in template.deliveries:
        ref = delivery_ref_for_key(key)
        if state.source(ref) == PERSON:  # a person removed this aim: it stays removed
            continue
        seq = state.seq_of_key(key)
        if seq is None or state.delivery(seq) is None:
            seq = state.next_seq()
            state.deliveries.append({"AimSeqNumber": seq})
            state.delivery_keys[seq] = key
        delivery = state.delivery(seq)
        assert delivery is not None
        _write_delivery(state, ref, delivery, enrolment.delivery_fields(), rendered, template)
    wanted = template.keys()
    for seq, key in list(state.delivery_keys.items()):
        if key in wanted:
            continue
        ref = delivery_ref_for_key(key)
        if state.person_owns_under(ref):  # a person changed this aim: keep it
            continue
        _remove_delivery(state, seq)
        state.drop_provenance_under(ref)


def _write_delivery(
    state: IlrState,
    ref: str,
    delivery: dict[str, Any],
    from_enrolment: Mapping[str, Any],
    rendered: Mapping[str, Any],
    template: RenderedTemplate,
) -> None:
    for name, value in from_enrolment.items():
        path = f"{ref}.{name}"
        source = state.source(path)
        if source == PERSON:
            continue
        if source in (ENROLMENT, TEMPLATE) or is_empty(delivery.get(name)):
            delivery[name] = _copy_json(value)
            state.provenance[path] = {"source": ENROLMENT}
    names = [n for n in rendered if n != "AimSeqNumber"]
    names += [
        n for n in list(delivery) if n not in rendered and state.source(f"{ref}.{n}") == TEMPLATE
    ]
    for name in names:
        path = f"{ref}.{name}"
        source = state.source(path)
        if not (source == TEMPLATE or (source is None and is_empty(delivery.get(name)))):
            continue
        value = rendered.get(name)
        if is_empty(value):
            delivery.pop(name, None)
            state.provenance.pop(path, None)
        else:
            delivery[name] = _copy_json(value)
            state.provenance[path] = {"source": TEMPLATE, "revision": template.revision}


def _remove_delivery(state: IlrState, seq: int) -> None:
    state.record[DELIVERY] = [
        d for d in state.record.get(DELIVERY) or [] if d.get("AimSeqNumber") != seq
    ]
    state.delivery_keys.pop(seq, None)


# -- edits by a person -------------------------------------------------------------------


@dataclass(frozen=True)
class EditRules:
    """Which elements may be edited (the year's schema; the User part for learners)."""

    learner_fields: frozenset[str]
    delivery_fields: frozenset[str]
    deliveries_allowed: bool = True


class EditError(PathError):
    pass


@dataclass(frozen=True)
class ResolvedPath:
    """A path bound to the state: canonical provenance path and where the value lives."""

    canonical: str
    seq: int | None  # the delivery, if any
    name: str | None  # the element (None for a whole delivery)


def resolve(state: IlrState, path: str, rules: EditRules | None = None) -> ResolvedPath:
    parsed = parse_path(path)
    if not parsed.is_delivery:
        if parsed.field == DELIVERY:
            raise EditError(path, "address a delivery as LearningDelivery[key=…] or [seq=…]")
        if rules is not None and parsed.field not in rules.learner_fields:
            raise EditError(path, f"{parsed.field} is not an element you may edit here")
        return ResolvedPath(parsed.field, None, parsed.field)
    if rules is not None and not rules.deliveries_allowed:
        raise EditError(path, "deliveries are not part of what you may edit")
    seq = _seq_for(state, parsed, path)
    if (
        parsed.sub is not None
        and rules is not None
        and (parsed.sub not in rules.delivery_fields or parsed.sub == "AimSeqNumber")
    ):
        raise EditError(path, f"{parsed.sub} is not a LearningDelivery element you may edit")
    ref = state.delivery_ref(seq)
    canonical = f"{ref}.{parsed.sub}" if parsed.sub else ref
    return ResolvedPath(canonical, seq, parsed.sub)


def _seq_for(state: IlrState, parsed: FieldPath, path: str) -> int:
    if parsed.selector == "key":
        seq = state.seq_of_key(parsed.value or "")
    else:
        seq = int(parsed.value or "0")
    if seq is None or state.delivery(seq) is None:
        raise EditError(path, "no such delivery in this record")
    return seq


def apply_edit(
    state: IlrState,
    set_values: Mapping[str, Any],
    unset: Sequence[str],
    *,
    actor: str,
    at: str,
    rules: EditRules | None = None,
) -> IlrState:
    """A person's edit; every touched path becomes the person's. Raises EditError."""
    new = state.copy()
    stamp = person(actor, at)
    # Resolve everything first: removing a delivery must not shift another path's meaning.
    sets = [(resolve(new, p, rules), p, v) for p, v in set_values.items()]
    unsets = [(resolve(new, p, rules), p) for p in unset]
    for target, original, value in sets:
        if target.name is None:
            raise EditError(original, "set the elements of a delivery, not the whole delivery")
        container = new.record if target.seq is None else new.delivery(target.seq)
        assert container is not None
        if is_empty(value):
            container.pop(target.name, None)
        else:
            container[target.name] = copy.deepcopy(value)
        new.provenance[target.canonical] = dict(stamp)
    for target, _ in unsets:
        if target.name is None:
            assert target.seq is not None
            key = new.delivery_keys.get(target.seq)
            _remove_delivery(new, target.seq)
            new.drop_provenance_under(target.canonical)
            if key is not None:  # remember the removal so the template does not re-add it
                new.provenance[target.canonical] = {**stamp, "removed": True}
            continue
        container = new.record if target.seq is None else new.delivery(target.seq)
        if container is not None:
            container.pop(target.name, None)
        new.provenance[target.canonical] = dict(stamp)
    new.tidy()
    return new


def add_delivery(
    state: IlrState, delivery: Mapping[str, Any], *, actor: str, at: str
) -> tuple[IlrState, int]:
    """A person adds an aim of their own (no template key); all its elements are theirs."""
    new = state.copy()
    seq = new.next_seq()
    added = {k: copy.deepcopy(v) for k, v in delivery.items() if k != "AimSeqNumber"}
    added["AimSeqNumber"] = seq
    new.deliveries.append(added)
    ref = delivery_ref_for_seq(seq)
    for name in added:
        if name != "AimSeqNumber":
            new.provenance[f"{ref}.{name}"] = person(actor, at)
    new.tidy()
    return new, seq


# -- resets ------------------------------------------------------------------------------


def reset_fields(
    state: IlrState,
    paths: Sequence[str],
    enrolment: Enrolment,
    template: RenderedTemplate | None,
) -> IlrState:
    """Back to the template / enrolment for the given fields (removed if neither has one)."""
    new = state.copy()
    for path in paths:
        target = resolve(new, path)
        if target.name is None:
            raise EditError(path, "reset a whole delivery with {'delivery': key}")
        container = new.record if target.seq is None else new.delivery(target.seq)
        if container is not None:
            container.pop(target.name, None)
        new.provenance.pop(target.canonical, None)
    return _resynchronise(new, enrolment, template)


def reset_delivery(
    state: IlrState, key: str, enrolment: Enrolment, template: RenderedTemplate | None
) -> IlrState:
    """The delivery linked to template aim `key` back to exactly the template."""
    new = state.copy()
    ref = delivery_ref_for_key(key)
    seq = new.seq_of_key(key)
    if seq is None and ref not in new.provenance:
        raise EditError(ref, "no delivery of this record comes from that template aim")
    if seq is not None:
        delivery = new.delivery(seq)
        if delivery is not None:
            for name in [n for n in delivery if n != "AimSeqNumber"]:
                del delivery[name]
    new.drop_provenance_under(ref)
    return _resynchronise(new, enrolment, template)


def reset_all(state: IlrState, enrolment: Enrolment, template: RenderedTemplate | None) -> IlrState:
    """Every template aim and every enrolment-supplied element back to its source; other
    elements a person entered (and aims a person added) are kept."""
    new = state.copy()
    keys = set(new.delivery_keys.values()) | {
        path[len(DELIVERY) + 5 : -1]
        for path, entry in new.provenance.items()
        if entry.get("removed") and path.startswith(f"{DELIVERY}[key=")
    }
    for key in keys:
        new = reset_delivery(new, key, enrolment, None)
    for name in ENROLMENT_LEARNER_FIELDS:
        if new.person_owns_under(name) and not is_empty(enrolment.learner.get(name)):
            new.record.pop(name, None)
            new.drop_provenance_under(name)
    return _resynchronise(new, enrolment, template)


def _resynchronise(
    state: IlrState, enrolment: Enrolment, template: RenderedTemplate | None
) -> IlrState:
    if template is not None:
        state.template_revision = min(state.template_revision, template.revision)
    result = synchronise(state, enrolment, template)
    # A delivery emptied by a reset whose template aim is gone is removed.
    for seq in list(result.delivery_keys):
        delivery = result.delivery(seq)
        if delivery is not None and set(delivery) <= {"AimSeqNumber"}:
            ref = result.delivery_ref(seq)
            _remove_delivery(result, seq)
            result.drop_provenance_under(ref)
    result.tidy()
    return result
