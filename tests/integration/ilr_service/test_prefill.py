"""Enrolment and template events become prefilled, versioned ILRs."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.integration.ilr_service.conftest import (
    TEMPLATE_V1,
    Service,
    enrolment_created,
    enrolment_withdrawn,
    template_changed,
    template_v2,
)


def deliveries(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    keys = {int(k): v for k, v in doc["delivery_keys"].items()}
    return {keys[d["AimSeqNumber"]]: d for d in doc["record"]["LearningDelivery"]}


async def test_enrolment_prefilled_from_template(service: Service) -> None:
    await service.publish(template_changed(1, TEMPLATE_V1))
    await service.publish(enrolment_created(1))
    doc = await service.wait_ilr("enr_1", template_revision=1)
    record = doc["record"]
    assert record["LearnRefNumber"] == "LRN0001"
    assert record["ULN"] == 1000000001
    assert record["GivenNames"] == "Ada"
    by_key = deliveries(doc)
    assert set(by_key) == {"prog", "maths"}
    prog = by_key["prog"]
    assert prog["LearnAimRef"] == "ZPROG001"
    assert prog["FundModel"] == 36 and prog["StdCode"] == 28
    assert prog["LearnStartDate"] == "2026-09-01"
    assert prog["LearnPlanEndDate"] == "2027-12-01"  # 15 months from the template
    assert prog["AppFinRecord"][0]["AFinAmount"] == 12000
    assert "key" not in prog  # the record holds official elements only

    response = await service.get(doc["_id"])
    assert response.status_code == 200
    assert response.headers["ETag"] == f'"{doc["_id"]}:{doc["version"]}"'
    body = response.json()
    assert body["provenance"]["LearningDelivery[key=prog].FundModel"] == {
        "source": "template",
        "revision": 1,
    }
    assert body["provenance"]["GivenNames"] == {"source": "enrolment"}
    assert body["status"] == "newly_submitted"


async def test_template_before_or_after_enrolment_gives_same_record(service: Service) -> None:
    await service.publish(template_changed(1, TEMPLATE_V1))
    await service.publish(enrolment_created(1))
    first = await service.wait_ilr("enr_1", template_revision=1)

    await service.publish(enrolment_created(2, programme_id="prg_2", FamilyName="Lovelace1"))
    await service.wait_ilr("enr_2")
    await service.publish(template_changed(1, TEMPLATE_V1, programme_id="prg_2"))
    second = await service.wait_ilr("enr_2", template_revision=1)

    def comparable(doc: dict[str, Any]) -> dict[str, Any]:
        record = dict(doc["record"])
        record.pop("LearnRefNumber")
        record.pop("ULN")
        return record

    assert comparable(first) == comparable(second)
    assert first["provenance"] == second["provenance"]


async def test_enrolment_plan_end_date_wins_over_template_duration(service: Service) -> None:
    from datetime import date

    await service.publish(template_changed(1, TEMPLATE_V1))
    await service.publish(enrolment_created(3, LearnPlanEndDate=date(2028, 3, 31)))
    doc = await service.wait_ilr("enr_3", template_revision=1)
    assert deliveries(doc)["prog"]["LearnPlanEndDate"] == "2028-03-31"
    await service.publish(template_changed(2, template_v2()))
    doc = await service.wait_ilr("enr_3", template_revision=2)
    assert deliveries(doc)["prog"]["LearnPlanEndDate"] == "2028-03-31"


async def test_duplicate_events_make_one_ilr_and_one_version(service: Service) -> None:
    event = enrolment_created(1)
    await service.publish(event)
    doc = await service.wait_ilr("enr_1")
    # The same event again (a redelivery past the de-duplication window is simulated by a
    # fresh message id), and the same enrolment in a new envelope.
    await service.js.publish(event.subject, event.model_dump_json().encode())
    await service.publish(enrolment_created(1))
    await service.publish(template_changed(1, TEMPLATE_V1))
    await service.publish(template_changed(1, TEMPLATE_V1))
    await service.wait_ilr("enr_1", template_revision=1)
    await asyncio.sleep(1.0)
    repo = service.app.state.ilr_repository
    assert await repo.ilrs.count_documents({"enrolment_id": "enr_1"}) == 1
    doc = await repo.ilrs.find_one({"_id": doc["_id"]})
    assert doc["version"] == 2  # create + template revision 1
    versions = (
        await service.client.get(f"/api/ilrs/{doc['_id']}/versions", headers=service.token())
    ).json()["items"]
    assert [v["version"] for v in versions] == [2, 1]
    assert await repo.versions.count_documents({"ilr_id": doc["_id"]}) == 2


async def test_template_change_flows_into_every_ilr(service: Service) -> None:
    await service.publish(template_changed(1, TEMPLATE_V1))
    for n in range(1, 21):
        await service.publish(enrolment_created(n))
    for n in range(1, 21):
        await service.wait_ilr(f"enr_{n}", template_revision=1)
    await service.publish(template_changed(2, template_v2()))
    for n in range(1, 21):
        doc = await service.wait_ilr(f"enr_{n}", template_revision=2)
        by_key = deliveries(doc)
        assert set(by_key) == {"prog", "english"}
        assert by_key["prog"]["DelLocPostCode"] == "M1 1AE"
        assert by_key["prog"]["AppFinRecord"][0]["AFinAmount"] == 14000
        assert by_key["english"]["AimSeqNumber"] == 3


async def test_older_template_revision_is_ignored(service: Service) -> None:
    await service.publish(template_changed(2, template_v2()))
    await service.publish(enrolment_created(1))
    await service.wait_ilr("enr_1", template_revision=2)
    await service.publish(template_changed(1, TEMPLATE_V1))
    await asyncio.sleep(1.0)
    doc = await service.ilr_by_enrolment("enr_1")
    assert doc is not None
    assert doc["template_revision"] == 2 and doc["version"] == 1
    assert set(deliveries(doc)) == {"prog", "english"}


async def test_withdrawal_before_or_after_enrolment(service: Service) -> None:
    await service.publish(enrolment_withdrawn(1))
    await service.publish(enrolment_created(1))
    await service.publish(enrolment_created(2))
    await service.wait_ilr("enr_2")
    await service.publish(enrolment_withdrawn(2))

    async def withdrawn(enrolment_id: str) -> bool:
        doc = await service.ilr_by_enrolment(enrolment_id)
        return bool(doc and doc.get("withdrawn"))

    await service.until(lambda: withdrawn("enr_1"), what="enr_1 withdrawn")
    await service.until(lambda: withdrawn("enr_2"), what="enr_2 withdrawn")


async def test_enrolment_and_template_change_at_once_converge(service: Service) -> None:
    """Two instances handling the enrolment and the template change at the same moment."""
    from ilr_service.service_layer.events import EventHandlers

    repo = service.app.state.ilr_repository
    first, second = EventHandlers(repo), EventHandlers(repo)
    for n in range(1, 16):
        programme = f"prg_race_{n}"
        await asyncio.gather(
            first.enrolment_created(enrolment_created(n, programme_id=programme)),
            second.template_changed(template_changed(1, TEMPLATE_V1, programme_id=programme)),
        )
        doc = await service.ilr_by_enrolment(f"enr_{n}")
        assert doc is not None and doc["template_revision"] == 1, n
        assert set(deliveries(doc)) == {"prog", "maths"}
