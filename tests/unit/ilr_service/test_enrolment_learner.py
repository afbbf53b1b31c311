"""The whole learner in the enrolment (schema version 2), its prefill and its corrections
(`enrolment.updated`) on the in-memory store (no I/O)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from ilr_service.domain import ilr_model
from ilr_service.domain.ilr import Ilr
from ilr_service.domain.record import (
    ENROLMENT,
    Enrolment,
    apply_edit,
    prefill,
    reset_all,
    update_enrolment,
)
from ilr_service.service_layer.commands import IlrCommands
from ilr_service.service_layer.events import EventHandlers
from ilr_shared.events import (
    EnrolmentCreated,
    EnrolmentUpdated,
    EventEnvelope,
    EventType,
    LearnerDetails,
    make_event,
    parse_payload,
)
from ilr_shared.messaging import PermanentEventError, decode_event
from tests.support.learners import full_learner
from tests.support.templates import APPRENTICESHIP_TEMPLATE
from tests.unit.ilr_service.builders import ADMIN, PROGRAMME, TENANT, template_changed
from tests.unit.ilr_service.fakes import FakeIlrStore, FakeNotifier

YEAR = "2026/27"
EMPLOYMENT = "LearnerEmploymentStatus"


def created_v2(n: int = 1, learner: dict[str, Any] | None = None) -> EventEnvelope:
    payload = EnrolmentCreated(
        enrolment_id=f"enr_{n}",
        programme_id=PROGRAMME,
        academic_year=YEAR,
        learner=LearnerDetails.model_validate(learner or full_learner(n)),
        LearnStartDate=date(2026, 9, 1),
    )
    return make_event(EventType.ENROLMENT_CREATED, TENANT, f"enr_{n}", 1, payload, schema_version=2)


def updated(n: int, sequence: int, **changes: Any) -> EventEnvelope:
    payload = EnrolmentUpdated(
        enrolment_id=f"enr_{n}",
        programme_id=PROGRAMME,
        academic_year=YEAR,
        learner=LearnerDetails.model_validate({**full_learner(n), **changes}),
        LearnStartDate=date(2026, 9, 1),
    )
    return make_event(EventType.ENROLMENT_UPDATED, TENANT, f"enr_{n}", sequence, payload)


def enrolment_with(**changes: Any) -> Enrolment:
    learner = {k: v for k, v in {**full_learner(), **changes}.items() if v is not None}
    return Enrolment(learner=learner, learn_start_date="2026-09-01")


def rendered() -> Any:
    return ilr_model.render(APPRENTICESHIP_TEMPLATE, 1, "2026-09-01", YEAR)


# -- the contract ------------------------------------------------------------------------


def test_version_1_is_still_accepted_and_keeps_its_seven_fields() -> None:
    learner = {"LearnRefNumber": "L1", "ULN": 1000000042, "GivenNames": "A", "FamilyName": "B1"}
    event = created_v2(learner=learner).model_copy(update={"schema_version": 1})
    payload = parse_payload(event)  # a name with a digit: v1 never checked the ILR schema
    assert isinstance(payload, EnrolmentCreated) and payload.learner.FamilyName == "B1"
    with pytest.raises(ValidationError, match="Sex"):
        parse_payload(event.model_copy(update={"payload": {**event.payload, "learner": {
            **learner, "Sex": "F"}}}))  # fmt: skip


def test_version_2_checks_the_learner_against_the_years_schema_with_paths() -> None:
    event = created_v2()
    learner = {**event.payload["learner"], "PriorAttain": [{"PriorLevel": "three"}]}
    bad = event.model_copy(update={"payload": {**event.payload, "learner": learner}})
    with pytest.raises(ValidationError) as raised:
        parse_payload(bad)
    assert ("learner", "PriorAttain", 0, "PriorLevel") in {e["loc"] for e in raised.value.errors()}
    with pytest.raises(PermanentEventError, match=r"learner\.PriorAttain\.0\.PriorLevel"):
        decode_event(bad.subject, bad.model_dump_json().encode(), 1_000_000)


def test_an_unknown_schema_version_is_refused() -> None:
    with pytest.raises(KeyError):
        parse_payload(created_v2().model_copy(update={"schema_version": 3}))


# -- prefill and corrections (domain) ---------------------------------------------------


def test_a_full_learner_prefills_every_field_with_enrolment_provenance_and_no_errors() -> None:
    state = prefill(enrolment_with(), rendered())
    for name in full_learner():
        assert state.provenance[name] == {"source": ENROLMENT}, name
    record = ilr_model.order_record(YEAR, state.record)
    errors = [f for f in ilr_model.findings(record, YEAR, TENANT) if f["severity"] == "error"]
    assert errors == []


def test_a_correction_changes_only_what_nobody_edited() -> None:
    state = prefill(enrolment_with(), rendered())
    state = apply_edit(state, {"TelNo": "07700900123"}, [], actor="u1", at="t")
    state.provenance[f"{EMPLOYMENT}[0].EmpStat"] = {"source": "person", "actor": "u1", "at": "t"}
    state.provenance["AddLine1"] = {"source": "import", "actor": "a1", "at": "t"}
    corrected = enrolment_with(
        TelNo="01210000000",
        AddLine1="2 Low Street",
        Sex="M",
        Email=None,
        LearnerEmploymentStatus=[{"EmpStat": 11, "DateEmpStatApp": "2026-07-01"}],
    )
    new = update_enrolment(state, corrected, rendered())
    assert new.record["Sex"] == "M" and new.provenance["Sex"] == {"source": ENROLMENT}
    assert new.record["TelNo"] == "07700900123"  # the person's
    assert new.record["AddLine1"] == "1 High Street"  # the import's
    assert new.record[EMPLOYMENT] == state.record[EMPLOYMENT]  # a person changed it
    assert "Email" not in new.record and "Email" not in new.provenance  # withdrawn value


def test_reset_all_gives_back_what_the_enrolment_supplies_and_keeps_the_rest() -> None:
    enrolment = enrolment_with(Accom=None)
    state = apply_edit(prefill(enrolment, None), {"Sex": "M", "Accom": 5}, [], actor="u1", at="t")
    state = reset_all(state, enrolment, None)
    assert (state.record["Sex"], state.provenance["Sex"]) == ("F", {"source": ENROLMENT})
    assert state.record["Accom"] == 5  # the enrolment has none: the person's stays


# -- enrolment.updated through the handlers ---------------------------------------------


@pytest.fixture
def handlers(store: FakeIlrStore, notifier: FakeNotifier) -> EventHandlers:
    return EventHandlers(store, notifier)


async def ilr_of(store: FakeIlrStore, n: int = 1) -> Ilr:
    ilr = await store.get_by_enrolment(TENANT, f"enr_{n}")
    assert ilr is not None
    return ilr


async def test_an_update_is_a_version_with_source_enrolment_and_is_idempotent(
    store: FakeIlrStore, handlers: EventHandlers
) -> None:
    await handlers.template_changed(template_changed(1, APPRENTICESHIP_TEMPLATE))
    await handlers.handle_programmes(created_v2())
    edited = await IlrCommands(store).edit(ADMIN, await ilr_of(store), 1, {"Sex": "M"}, [])
    event = updated(1, 2, Sex="F", GivenNames="Augusta", TelNo="01219999999")
    await handlers.handle_programmes(event)
    await handlers.handle_programmes(event)  # redelivered: nothing new
    ilr = await ilr_of(store)
    assert ilr.version == edited.version + 1
    assert (ilr.record["GivenNames"], ilr.record["Sex"]) == ("Augusta", "M")
    latest = (await store.list_versions(ilr))[0]
    assert (latest.source, latest.action) == ("enrolment", "enrolment update")
    assert set(latest.changed_fields or []) == {"GivenNames", "TelNo"}


async def test_an_update_before_its_ilr_is_applied_when_the_ilr_is_made(
    store: FakeIlrStore, handlers: EventHandlers
) -> None:
    await handlers.handle_programmes(updated(1, 3, GivenNames="Augusta"))
    await handlers.handle_programmes(updated(1, 2, GivenNames="Older"))  # late, older
    await handlers.handle_programmes(created_v2())
    ilr = await ilr_of(store)
    assert ilr.record["GivenNames"] == "Augusta"
    assert ilr.enrolment.learner["GivenNames"] == "Augusta"
