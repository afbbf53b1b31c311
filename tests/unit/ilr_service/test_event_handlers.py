"""The event handlers on the in-memory store: prefill, parking, template fan-out, withdrawal,
export completion, races (no I/O)."""

from __future__ import annotations

from typing import Any

import pytest

from ilr_service.domain.ilr import Change, Ilr, revise
from ilr_service.domain.workflow import COMPLETED, NEWLY_SUBMITTED, QA_VERIFIED
from ilr_service.service_layer.commands import IlrCommands
from ilr_service.service_layer.events import EventHandlers
from ilr_service.service_layer.settling import ConflictRetriesExhaustedError
from ilr_shared.messaging import PermanentEventError
from tests.support.templates import APPRENTICESHIP_TEMPLATE
from tests.unit.ilr_service.builders import (
    ADMIN,
    PROGRAMME,
    TENANT,
    batch_submitted,
    enrolled,
    enrolment,
    programme_changed,
    template_changed,
    template_v2,
    withdrawn,
)
from tests.unit.ilr_service.fakes import FakeIlrStore, FakeNotifier

PROG_POSTCODE = "LearningDelivery[key=prog].DelLocPostCode"


def by_key(ilr: Ilr) -> dict[str, dict[str, Any]]:
    keys = ilr.state.delivery_keys
    return {keys[d["AimSeqNumber"]]: d for d in ilr.record["LearningDelivery"]}


async def stored(store: FakeIlrStore, n: int) -> Ilr:
    ilr = await store.get_by_enrolment(TENANT, f"enr_{n}")
    assert ilr is not None, f"no ILR for enr_{n}"
    return ilr


@pytest.fixture
def handlers(store: FakeIlrStore, notifier: FakeNotifier) -> EventHandlers:
    return EventHandlers(store, notifier, batch_size=2)


async def test_enrolment_is_prefilled_from_the_latest_template(
    store: FakeIlrStore, handlers: EventHandlers
) -> None:
    await handlers.template_changed(template_changed(1, APPRENTICESHIP_TEMPLATE))
    await handlers.template_changed(template_changed(2, template_v2()))
    await handlers.handle_programmes(enrolment(1))
    ilr = await stored(store, 1)
    assert (ilr.version, ilr.status, ilr.state.template_revision) == (1, NEWLY_SUBMITTED, 2)
    assert ilr.record["LearnRefNumber"] == "LRN0001" and ilr.record["GivenNames"] == "Ada"
    assert set(by_key(ilr)) == {"prog", "maths"}
    assert by_key(ilr)["prog"]["DelLocPostCode"] == "M1 1AE"
    assert by_key(ilr)["prog"]["AppFinRecord"][0]["AFinAmount"] == 14000
    assert ilr.state.provenance["GivenNames"] == {"source": "enrolment"}


async def test_a_redelivered_enrolment_makes_one_ilr_at_version_1(
    store: FakeIlrStore, handlers: EventHandlers, notifier: FakeNotifier
) -> None:
    await handlers.template_changed(template_changed(1, APPRENTICESHIP_TEMPLATE))
    event = enrolment(1)
    await handlers.enrolment_created(event)
    await handlers.enrolment_created(event)
    assert len(store.ilrs) == 1
    ilr = await stored(store, 1)
    assert ilr.version == 1
    assert [v.version for v in await store.list_versions(ilr)] == [1]
    assert notifier.changes == 1  # the redelivery wrote nothing


async def test_enrolment_waits_while_ilr_is_off_and_comes_when_switched_on(
    store: FakeIlrStore, handlers: EventHandlers
) -> None:
    await handlers.programme_changed(programme_changed(1, ilr_enabled=False))
    await handlers.enrolment_created(enrolment(1))
    assert store.ilrs == {} and len(store.parked) == 1

    await handlers.programme_changed(programme_changed(2, ilr_enabled=True))
    assert (await stored(store, 1)).version == 1
    assert store.parked == {}


async def test_an_older_programme_event_does_not_switch_ilr_back(
    store: FakeIlrStore, handlers: EventHandlers
) -> None:
    await handlers.programme_changed(programme_changed(2, ilr_enabled=True))
    await handlers.programme_changed(programme_changed(1, ilr_enabled=False))
    await handlers.enrolment_created(enrolment(1))
    assert (await stored(store, 1)).version == 1


async def test_template_change_reaches_every_ilr_and_keeps_a_persons_edit(
    store: FakeIlrStore, handlers: EventHandlers
) -> None:
    first, *_ = await enrolled(store, 1, 2, 3)
    await IlrCommands(store).edit(ADMIN, first, first.version, {PROG_POSTCODE: "LS1 1AA"}, [])

    await handlers.template_changed(template_changed(2, template_v2()))
    ilrs = [await stored(store, n) for n in (1, 2, 3)]
    assert [ilr.state.template_revision for ilr in ilrs] == [2, 2, 2]
    assert [by_key(ilr)["prog"]["DelLocPostCode"] for ilr in ilrs] == [
        "LS1 1AA",
        "M1 1AE",
        "M1 1AE",
    ]
    assert all(by_key(i)["prog"]["AppFinRecord"][0]["AFinAmount"] == 14000 for i in ilrs)
    assert ilrs[0].state.provenance[PROG_POSTCODE]["source"] == "person"
    latest = (await store.list_versions(ilrs[1]))[0]
    assert (latest.source, latest.action) == ("template", "template revision 2")


async def test_an_older_template_revision_is_ignored(
    store: FakeIlrStore, handlers: EventHandlers, notifier: FakeNotifier
) -> None:
    await enrolled(store, 1)
    await handlers.template_changed(template_changed(2, template_v2()))
    before, kicks = await stored(store, 1), notifier.changes

    await handlers.template_changed(template_changed(1, APPRENTICESHIP_TEMPLATE))
    after = await stored(store, 1)
    assert (after.version, after.state.template_revision) == (before.version, 2)
    assert by_key(after)["prog"]["DelLocPostCode"] == "M1 1AE"
    assert (await store.latest_template(TENANT, PROGRAMME) or pytest.fail()).revision == 2
    assert notifier.changes == kicks


async def test_a_withdrawal_before_its_enrolment_still_applies(
    store: FakeIlrStore, handlers: EventHandlers
) -> None:
    await handlers.enrolment_withdrawn(withdrawn(1))
    assert store.ilrs == {}
    await handlers.enrolment_created(enrolment(1))
    ilr = await stored(store, 1)
    assert ilr.withdrawn and ilr.version == 2
    assert store.extras[ilr.id]["withdrawal"] == {"on": "2026-10-01", "reason": "left"}


async def test_a_withdrawn_enrolment_marks_its_ilr_withdrawn(
    store: FakeIlrStore, handlers: EventHandlers
) -> None:
    await enrolled(store, 1, 2)
    await handlers.handle_programmes(withdrawn(1))
    await handlers.handle_programmes(withdrawn(1))  # redelivered: no second version
    first, second = await stored(store, 1), await stored(store, 2)
    assert (first.withdrawn, first.version) == (True, 2)
    assert (second.withdrawn, second.version) == (False, 1)


async def verified(store: FakeIlrStore, ilr: Ilr) -> Ilr:
    """The ILR moved to qa_verified as if the workflow had taken it there."""
    change = Change(ilr.state, "verifier-9", "workflow", "qa_verify", status=QA_VERIFIED)
    revision = revise(ilr, change)
    assert await store.commit([revision]) == {ilr.id}
    return revision.after


async def test_a_submitted_batch_completes_only_verified_ilrs_at_their_version(
    store: FakeIlrStore, handlers: EventHandlers
) -> None:
    first, second, third = await enrolled(store, 1, 2, 3)
    first, second = await verified(store, first), await verified(store, second)
    submitted = {first.id: first.version, second.id: second.version - 1, third.id: third.version}

    await handlers.batch_submitted(batch_submitted(submitted))
    done = await store.get(TENANT, first.id)
    assert done is not None and (done.status, done.version) == (COMPLETED, first.version + 1)
    latest = (await store.list_versions(done))[0]
    assert (latest.actor, latest.source, latest.action) == ("export:exp_1", "export", "complete")
    assert [(i.status, i.version) for i in await store.get_many(TENANT, [second.id, third.id])] == [
        (QA_VERIFIED, second.version),
        (NEWLY_SUBMITTED, third.version),
    ]


async def test_an_unsupported_year_is_a_permanent_error(
    store: FakeIlrStore, handlers: EventHandlers
) -> None:
    with pytest.raises(PermanentEventError, match="2030/31"):
        await handlers.enrolment_created(enrolment(1, academic_year="2030/31"))
    assert store.ilrs == {}


async def test_an_invalid_template_is_a_permanent_error(
    store: FakeIlrStore, handlers: EventHandlers
) -> None:
    with pytest.raises(PermanentEventError, match="not a valid ILR template"):
        await handlers.template_changed(template_changed(1, {"NoSuchField": 1}))
    assert store.templates == {}


async def test_a_lost_race_is_recomputed_from_a_fresh_read(
    store: FakeIlrStore, handlers: EventHandlers
) -> None:
    await enrolled(store, 1)
    store.lose_races(1)
    await handlers.template_changed(template_changed(2, template_v2()))
    ilr = await stored(store, 1)
    # version 2 is the other writer's, 3 the template's recomputed on top of it
    assert (ilr.version, ilr.state.template_revision) == (3, 2)
    assert [v.actor for v in await store.list_versions(ilr)][:2] == ["system", "concurrent-writer"]


async def test_a_withdrawal_that_loses_a_race_is_retried(
    store: FakeIlrStore, handlers: EventHandlers
) -> None:
    await enrolled(store, 1)
    store.lose_races(1)
    await handlers.enrolment_withdrawn(withdrawn(1))
    assert (await stored(store, 1)).withdrawn


async def test_always_losing_gives_up_for_a_later_retry(
    store: FakeIlrStore, handlers: EventHandlers
) -> None:
    await enrolled(store, 1)
    store.lose_races(1000)
    with pytest.raises(ConflictRetriesExhaustedError):
        await handlers.template_changed(template_changed(2, template_v2()))
    assert (await stored(store, 1)).state.template_revision == 1


async def test_the_notifier_is_told_after_each_commit(
    store: FakeIlrStore, handlers: EventHandlers, notifier: FakeNotifier
) -> None:
    await handlers.template_changed(template_changed(1, APPRENTICESHIP_TEMPLATE))
    assert notifier.changes == 0  # nothing to write yet
    await handlers.enrolment_created(enrolment(1))
    assert notifier.changes == 1
    await handlers.template_changed(template_changed(2, template_v2()))
    assert notifier.changes == 2
    await handlers.enrolment_withdrawn(withdrawn(1))
    assert notifier.changes == 3


async def test_an_event_the_service_does_not_handle_is_permanent(handlers: EventHandlers) -> None:
    event = batch_submitted({})
    with pytest.raises(PermanentEventError, match="does not handle"):
        await handlers.handle_programmes(event)
