"""Gaps the web app needs: `delivery_keys` in GET /api/ilrs/{id}; a programme's
`ilr_enabled = false` holds back ILRs of new enrolments until ILR is switched on."""

from __future__ import annotations

import asyncio

from tests.integration.ilr_service.conftest import (
    PROGRAMME,
    TEMPLATE_V1,
    TENANT,
    Service,
    enrolment_created,
    enrolment_withdrawn,
    programme_changed,
    template_changed,
)


async def pending_count(service: Service) -> int:
    repository = service.app.state.ilr_repository
    return int(await repository.pending.count_documents({"tenant": TENANT}))


async def until_parked(service: Service, count: int = 1) -> None:
    async def parked() -> bool:
        return await pending_count(service) == count

    await service.until(parked, what=f"{count} enrolment(s) kept waiting")


async def until_programme_version_stored(service: Service, version: int) -> None:
    async def stored() -> bool:
        programme = await service.app.state.ilr_repository.programme(TENANT, PROGRAMME)
        return bool(programme and programme["sequence"] == version)

    await service.until(stored, what=f"programme version {version} stored")


async def test_get_ilr_exposes_delivery_keys(service: Service) -> None:
    await service.publish(template_changed(1, TEMPLATE_V1))
    await service.publish(enrolment_created(1))
    doc = await service.wait_ilr("enr_1", template_revision=1)
    body = (await service.get(doc["_id"])).json()
    assert set(body["delivery_keys"].values()) == {"prog", "maths"}
    seqs = {d["AimSeqNumber"] for d in body["record"]["LearningDelivery"]}
    assert {int(k) for k in body["delivery_keys"]} == seqs
    version = (
        await service.client.get(f"/api/ilrs/{doc['_id']}/versions/1", headers=service.token())
    ).json()
    assert version["delivery_keys"] == body["delivery_keys"]


async def test_enrolment_waits_while_ilr_is_switched_off(service: Service) -> None:
    await service.publish(programme_changed(ilr_enabled=False, sequence=1))
    await service.publish(template_changed(1, TEMPLATE_V1))
    await service.until(lambda: service.app.state.ilr_repository.programme(TENANT, PROGRAMME))
    await service.publish(enrolment_created(1))
    await service.publish(enrolment_created(2))
    await service.publish(enrolment_withdrawn(2))

    await until_parked(service, 2)
    await asyncio.sleep(0.5)
    assert await service.ilr_by_enrolment("enr_1") is None
    assert await service.ilr_by_enrolment("enr_2") is None

    await service.publish(programme_changed(ilr_enabled=True, sequence=2))
    first = await service.wait_ilr("enr_1", template_revision=1)
    assert first["status"] == "newly_submitted"
    assert len(first["record"]["LearningDelivery"]) == 2

    async def withdrawn() -> bool:
        doc = await service.ilr_by_enrolment("enr_2")
        return bool(doc and doc.get("withdrawn"))

    await service.until(withdrawn, what="withdrawal applied")

    async def released() -> bool:  # each is deleted from the waiting list after its ILR
        return await pending_count(service) == 0

    await service.until(released, what="waiting list emptied")

    # Switching ILR off again leaves existing ILRs alone; a redelivered enrolment
    # changes nothing.
    await service.publish(programme_changed(ilr_enabled=False, sequence=3))
    await service.publish(enrolment_created(1))
    await asyncio.sleep(0.5)
    assert (await service.ilr_by_enrolment("enr_1"))["version"] == first["version"]  # type: ignore[index]
    assert await pending_count(service) == 0


async def test_older_programme_event_does_not_switch_ilr_back_off(service: Service) -> None:
    # Enabled at sequence 2 arrives before the older "off" at sequence 1.
    await service.publish(programme_changed(ilr_enabled=True, sequence=2))
    await service.until(lambda: service.app.state.ilr_repository.programme(TENANT, PROGRAMME))
    await service.publish(programme_changed(ilr_enabled=False, sequence=1))
    await asyncio.sleep(0.3)
    await service.publish(enrolment_created(1))
    await service.wait_ilr("enr_1")
    assert await pending_count(service) == 0


async def test_enrolment_before_any_programme_event_follows_its_own_switch(
    service: Service,
) -> None:
    # Programme and enrolment events leave through different outboxes: the enrolment,
    # made while ILR was off (programme version 1), can arrive first.
    await service.publish(enrolment_created(1, ilr_enabled=False, programme_version=1))
    await until_parked(service)
    assert await service.ilr_by_enrolment("enr_1") is None
    await service.publish(programme_changed(ilr_enabled=False, sequence=1))
    await service.publish(programme_changed(ilr_enabled=True, sequence=2))
    await service.wait_ilr("enr_1")


async def test_enrolment_that_saw_a_newer_switch_than_stored_here_trusts_it(
    service: Service,
) -> None:
    await service.publish(programme_changed(ilr_enabled=False, sequence=1))
    await service.until(lambda: service.app.state.ilr_repository.programme(TENANT, PROGRAMME))
    # switched on at version 2; that programme.changed has not arrived yet
    await service.publish(enrolment_created(1, ilr_enabled=True, programme_version=2))
    await service.wait_ilr("enr_1")
    # a stale "off" seen by an enrolment at version 1 loses to the stored "on" of version 2
    await service.publish(programme_changed(ilr_enabled=True, sequence=2))

    await until_programme_version_stored(service, 2)
    await service.publish(enrolment_created(2, ilr_enabled=False, programme_version=1))
    await service.wait_ilr("enr_2")
    assert await pending_count(service) == 0


async def test_enrolment_made_while_ilr_was_on_gets_its_ilr_after_a_later_switch_off(
    service: Service,
) -> None:
    await service.publish(programme_changed(ilr_enabled=False, sequence=3))

    await until_programme_version_stored(service, 3)
    await service.publish(enrolment_created(1, ilr_enabled=True, programme_version=2))
    await service.wait_ilr("enr_1")
    assert await pending_count(service) == 0


async def test_a_late_older_switch_on_does_not_release_a_newer_enrolment(
    service: Service,
) -> None:
    # made while off at version 5; "on" of version 4 arrives late
    await service.publish(enrolment_created(1, ilr_enabled=False, programme_version=5))
    await until_parked(service)
    await service.publish(programme_changed(ilr_enabled=True, sequence=4))

    await until_programme_version_stored(service, 4)
    await asyncio.sleep(0.5)
    assert await service.ilr_by_enrolment("enr_1") is None and await pending_count(service) == 1
    await service.publish(programme_changed(ilr_enabled=True, sequence=6))
    await service.wait_ilr("enr_1")
