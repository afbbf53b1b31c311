"""Done when: a full learner (schema version 2) on the apprenticeship template gives an ILR
with no error findings and no hand edit; corrections change only what nobody edited."""

from __future__ import annotations

from datetime import date
from typing import Any

from ilr_shared.events import (
    EnrolmentCreated,
    EnrolmentUpdated,
    EventEnvelope,
    EventType,
    LearnerDetails,
    make_event,
)
from tests.integration.ilr_service.conftest import (
    PROGRAMME,
    TEMPLATE_V1,
    TENANT,
    Service,
    programme_changed,
    template_changed,
)
from tests.integration.ilr_service.test_api import if_match
from tests.support.learners import full_learner


def created_v2() -> EventEnvelope:
    payload = EnrolmentCreated(
        enrolment_id="enr_1",
        programme_id=PROGRAMME,
        academic_year="2026/27",
        learner=LearnerDetails.model_validate(full_learner(1)),
        LearnStartDate=date(2026, 9, 1),
        ilr_enabled=True,
        programme_version=1,
    )
    return make_event(EventType.ENROLMENT_CREATED, TENANT, "enr_1", 1, payload, schema_version=2)


def updated(**changes: Any) -> EventEnvelope:
    payload = EnrolmentUpdated(
        enrolment_id="enr_1",
        programme_id=PROGRAMME,
        academic_year="2026/27",
        learner=LearnerDetails.model_validate({**full_learner(1), **changes}),
        LearnStartDate=date(2026, 9, 1),
    )
    return make_event(EventType.ENROLMENT_UPDATED, TENANT, "enr_1", 2, payload)


async def test_a_full_learner_needs_no_hand_edit_and_takes_corrections(service: Service) -> None:
    await service.publish(programme_changed())
    await service.publish(template_changed(1, TEMPLATE_V1))
    await service.publish(created_v2())
    doc = await service.wait_ilr("enr_1", template_revision=1)
    ilr = (await service.get(doc["_id"])).json()
    assert [f for f in ilr["findings"] if f["severity"] == "error"] == []
    assert ilr["provenance"]["LearnerEmploymentStatus"] == {"source": "enrolment"}
    assert "qa_verify" not in ilr["blocked_actions"]

    edited = await service.client.patch(
        f"/api/ilrs/{ilr['id']}",
        json={"set": {"TelNo": "07700900123"}},
        headers={**service.token(), **if_match(ilr)},
    )
    assert edited.status_code == 200, edited.text
    await service.publish(updated(GivenNames="Augusta", TelNo="01219999999"))

    async def corrected() -> dict[str, Any] | None:
        body: dict[str, Any] = (await service.get(ilr["id"])).json()
        return body if body["record"]["GivenNames"] == "Augusta" else None

    after = await service.until(corrected, what="the correction")
    assert after["record"]["TelNo"] == "07700900123"  # the person's edit wins
    versions = await service.client.get(f"/api/ilrs/{ilr['id']}/versions", headers=service.token())
    latest = versions.json()["items"][0]
    assert (latest["source"], latest["action"]) == ("enrolment", "enrolment update")
    assert latest["changed_fields"] == ["GivenNames"]
