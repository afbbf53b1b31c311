"""Property tests of provenance: random template changes, edits, resets and redeliveries.

Whatever the sequence: a person's values never change (until that person's value is
reset), template-controlled values equal the latest template, redeliveries change nothing.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from ilr_service.domain.paths import delivery_ref_for_key
from ilr_service.domain.record import (
    PERSON,
    TEMPLATE,
    EditError,
    Enrolment,
    IlrState,
    RenderedTemplate,
    apply_edit,
    prefill,
    reset_all,
    reset_delivery,
    reset_fields,
    synchronise,
)

KEYS = ["prog", "maths", "english", "ict"]
FIELDS = ["DelLocPostCode", "EPAOrgID", "FundModel", "LearnPlanEndDate", "LearningDeliveryFAM"]
REMOVED = object()

values = st.one_of(
    st.sampled_from(["B1 1AA", "M1 1AE", "LS1 1AA", "EPA0001", "EPA0002"]),
    st.integers(min_value=1, max_value=99),
    st.just([{"LearnDelFAMType": "SOF", "LearnDelFAMCode": "105"}]),
)


@st.composite
def deliveries(draw: st.DrawFn) -> list[tuple[str, dict[str, Any]]]:
    keys = draw(st.lists(st.sampled_from(KEYS), unique=True, max_size=4))
    out = []
    for key in keys:
        fields = draw(st.dictionaries(st.sampled_from(FIELDS), values, max_size=4))
        out.append((key, {"LearnAimRef": f"AIM{key.upper()}"[:8], "AimType": 3, **fields}))
    return out


class ProvenanceMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.enrolment = Enrolment(
            learner={
                "LearnRefNumber": "L1",
                "ULN": 1000000042,
                "GivenNames": "Ada",
                "FamilyName": "Lovelace",
            },
            learn_start_date="2026-09-01",
        )
        self.templates: list[RenderedTemplate] = []
        self.state: IlrState = prefill(self.enrolment, None)
        self.manual: dict[str, Any] = {}  # canonical path -> value (None = emptied)
        self.at = 0

    @property
    def latest(self) -> RenderedTemplate | None:
        return self.templates[-1] if self.templates else None

    def _stamp(self) -> str:
        self.at += 1
        return f"2026-10-01T00:00:{self.at:02d}"

    # -- events ------------------------------------------------------------------------

    @rule(body=deliveries())
    def template_changed(self, body: list[tuple[str, dict[str, Any]]]) -> None:
        template = RenderedTemplate(revision=len(self.templates) + 1, deliveries=body)
        self.templates.append(template)
        self.state = synchronise(self.state, self.enrolment, template)

    @precondition(lambda self: len(self.templates) > 1)
    @rule(data=st.data())
    def old_template_redelivered(self, data: st.DataObject) -> None:
        old = data.draw(st.sampled_from(self.templates[:-1]))
        before = self.state.copy()
        self.state = synchronise(self.state, self.enrolment, old)
        assert self.state == before

    @precondition(lambda self: self.templates)
    @rule()
    def latest_template_redelivered(self) -> None:
        before = self.state.copy()
        self.state = synchronise(self.state, self.enrolment, self.latest)
        assert self.state == before

    # -- people ------------------------------------------------------------------------

    @precondition(lambda self: self.state.delivery_keys)
    @rule(data=st.data(), field=st.sampled_from(FIELDS), value=st.one_of(st.none(), values))
    def person_edits_delivery(self, data: st.DataObject, field: str, value: Any) -> None:
        key = data.draw(st.sampled_from(sorted(self.state.delivery_keys.values())))
        path = f"{delivery_ref_for_key(key)}.{field}"
        if value is None:
            self.state = apply_edit(self.state, {}, [path], actor="u1", at=self._stamp())
        else:
            self.state = apply_edit(self.state, {path: value}, [], actor="u1", at=self._stamp())
        self.manual[path] = value

    @rule(value=st.sampled_from(["Grace", "Alan", "Ada"]))
    def person_edits_name(self, value: str) -> None:
        self.state = apply_edit(self.state, {"GivenNames": value}, [], actor="u2", at=self._stamp())
        self.manual["GivenNames"] = value

    @precondition(lambda self: self.state.delivery_keys)
    @rule(data=st.data())
    def person_removes_aim(self, data: st.DataObject) -> None:
        key = data.draw(st.sampled_from(sorted(self.state.delivery_keys.values())))
        ref = delivery_ref_for_key(key)
        self.state = apply_edit(self.state, {}, [ref], actor="u1", at=self._stamp())
        for path in [p for p in self.manual if p.startswith(ref + ".")]:
            del self.manual[path]
        self.manual[ref] = REMOVED

    @precondition(lambda self: any(p != "GivenNames" and "." in p for p in self.manual))
    @rule(data=st.data())
    def reset_one_field(self, data: st.DataObject) -> None:
        path = data.draw(st.sampled_from(sorted(p for p in self.manual if "." in p)))
        key = path.split("=", 1)[1].split("]", 1)[0]
        if self.state.seq_of_key(key) is None:
            return  # that aim was removed by the person: reset the delivery instead
        self.state = reset_fields(self.state, [path], self.enrolment, self.latest)
        del self.manual[path]

    @rule(key=st.sampled_from(KEYS))
    def reset_one_delivery(self, key: str) -> None:
        ref = delivery_ref_for_key(key)
        try:
            self.state = reset_delivery(self.state, key, self.enrolment, self.latest)
        except EditError:
            assert self.state.seq_of_key(key) is None and ref not in self.manual
            return
        for path in [p for p in self.manual if p == ref or p.startswith(ref + ".")]:
            del self.manual[path]

    @rule()
    def reset_everything(self) -> None:
        self.state = reset_all(self.state, self.enrolment, self.latest)
        self.manual = {}

    # -- invariants --------------------------------------------------------------------

    def _delivery(self, key: str) -> dict[str, Any] | None:
        seq = self.state.seq_of_key(key)
        return None if seq is None else self.state.delivery(seq)

    @invariant()
    def manual_values_never_change(self) -> None:
        for path, value in self.manual.items():
            if path == "GivenNames":
                assert self.state.record.get("GivenNames") == value
                continue
            key = path.split("=", 1)[1].split("]", 1)[0]
            delivery = self._delivery(key)
            if value is REMOVED:
                assert delivery is None, path
                continue
            assert delivery is not None, path
            assert delivery.get(path.rsplit(".", 1)[1]) == value, path
            assert self.state.provenance[path]["source"] == PERSON

    @invariant()
    def template_values_equal_latest_template(self) -> None:
        latest = self.latest
        if latest is None:
            assert not self.state.delivery_keys
            return
        wanted = dict(latest.deliveries)
        for key, fields in wanted.items():
            ref = delivery_ref_for_key(key)
            delivery = self._delivery(key)
            if self.manual.get(ref) is REMOVED:
                continue
            assert delivery is not None, key
            for name, value in fields.items():
                if f"{ref}.{name}" not in self.manual:
                    assert delivery.get(name) == value, (key, name)
        for path, entry in self.state.provenance.items():
            if entry["source"] == TEMPLATE:
                key = path.split("=", 1)[1].split("]", 1)[0]
                name = path.rsplit(".", 1)[1]
                if key not in wanted:  # an aim the template dropped, kept for a person's edit
                    assert any(p.startswith(delivery_ref_for_key(key)) for p in self.manual)
                    continue
                assert entry["revision"] == latest.revision
                assert wanted[key][name] == self._delivery(key)[name]  # type: ignore[index]
        for key in self.state.delivery_keys.values():
            ref = delivery_ref_for_key(key)
            assert key in wanted or any(p.startswith(ref) for p in self.manual), key

    @invariant()
    def record_is_pure_and_sequenced(self) -> None:
        seqs = [d["AimSeqNumber"] for d in self.state.record.get("LearningDelivery", [])]
        assert len(seqs) == len(set(seqs)) and seqs == sorted(seqs)
        assert set(self.state.delivery_keys) <= set(seqs)
        for delivery in self.state.record.get("LearningDelivery", []):
            assert "key" not in delivery
        assert self.state.record["LearnRefNumber"] == "L1"


TestProvenance = ProvenanceMachine.TestCase
TestProvenance.settings = settings(
    max_examples=300,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@given(first=deliveries(), second=deliveries())
@settings(max_examples=200, deadline=None)
def test_order_of_template_and_enrolment_does_not_matter(
    first: list[tuple[str, dict[str, Any]]], second: list[tuple[str, dict[str, Any]]]
) -> None:
    enrolment = Enrolment(learner={"LearnRefNumber": "L1"}, learn_start_date="2026-09-01")
    t1, t2 = RenderedTemplate(1, first), RenderedTemplate(2, second)
    a = synchronise(synchronise(prefill(enrolment, None), enrolment, t1), enrolment, t2)
    b = synchronise(prefill(enrolment, t2), enrolment, t1)  # the old one arrives late
    c = prefill(enrolment, t2)
    assert a.record == b.record == c.record or _same_but_sequence(a, c)
    assert b == c


def _same_but_sequence(a: IlrState, b: IlrState) -> bool:
    """Aims added in a later revision take new sequence numbers; compare by key."""

    def by_key(state: IlrState) -> dict[str, Any]:
        return {
            key: {k: v for k, v in (state.delivery(seq) or {}).items() if k != "AimSeqNumber"}
            for seq, key in state.delivery_keys.items()
        }

    return by_key(a) == by_key(b)
