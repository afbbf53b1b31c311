"""Editing, provenance, resets, versions, search and tenancy through the HTTP API."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import nats

from ilr_shared.events import EventEnvelope
from tests.integration.ilr_service.conftest import (
    OTHER_TENANT,
    TEMPLATE_V1,
    TENANT,
    Service,
    enrolment_created,
    template_changed,
    template_v2,
)
from tests.integration.ilr_service.test_prefill import deliveries


async def ready_ilr(service: Service, n: int = 1, revision: int = 1) -> dict[str, Any]:
    if revision:
        await service.publish(template_changed(revision, TEMPLATE_V1))
    await service.publish(enrolment_created(n))
    return await service.wait_ilr(f"enr_{n}", template_revision=revision)


def if_match(doc: dict[str, Any]) -> dict[str, str]:
    return {"If-Match": f'"{doc["id"] if "id" in doc else doc["_id"]}:{doc["version"]}"'}


async def test_patch_needs_if_match_and_detects_stale(service: Service) -> None:
    doc = await ready_ilr(service)
    url = f"/api/ilrs/{doc['_id']}"
    body = {"set": {"LearningDelivery[key=prog].DelLocPostCode": "LS1 1AA"}}
    missing = await service.client.patch(url, json=body, headers=service.token())
    assert missing.status_code == 428
    ok = await service.client.patch(url, json=body, headers={**service.token(), **if_match(doc)})
    assert ok.status_code == 200, ok.text
    assert ok.headers["ETag"] == f'"{doc["_id"]}:{doc["version"] + 1}"'
    # the write answers with the ILR as stored, without reading it back
    assert ok.json() == (await service.get(doc["_id"])).json()
    stale = await service.client.patch(url, json=body, headers={**service.token(), **if_match(doc)})
    assert stale.status_code == 412
    bad = await service.client.patch(
        url,
        json={"set": {"LearningDelivery[key=nope].DelLocPostCode": "X"}},
        headers={**service.token(), **if_match(ok.json())},
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["path"] == "body.set.LearningDelivery[key=nope].DelLocPostCode"
    too_long = await service.client.patch(
        url,
        json={"set": {"GivenNames": "x" * 500}},
        headers={**service.token(), **if_match(ok.json())},
    )
    assert too_long.status_code == 422
    assert too_long.json()["errors"][0]["path"] == "body.set.GivenNames"


async def test_manual_value_survives_template_change_and_reset_restores(service: Service) -> None:
    doc = await ready_ilr(service)
    url = f"/api/ilrs/{doc['_id']}"
    edited = await service.client.patch(
        url,
        json={"set": {"LearningDelivery[key=prog].DelLocPostCode": "LS1 1AA"}},
        headers={**service.token(sub="editor-1"), **if_match(doc)},
    )
    assert edited.status_code == 200, edited.text
    provenance = edited.json()["provenance"]["LearningDelivery[key=prog].DelLocPostCode"]
    assert provenance["source"] == "person" and provenance["actor"] == "editor-1"

    await service.publish(template_changed(2, template_v2()))
    doc = await service.wait_ilr("enr_1", template_revision=2)
    prog = deliveries(doc)["prog"]
    assert prog["DelLocPostCode"] == "LS1 1AA"  # the person's value
    assert prog["AppFinRecord"][0]["AFinAmount"] == 14000  # the template's new value

    current = (await service.get(doc["_id"])).json()
    reset = await service.client.post(
        f"{url}/reset-to-template",
        json={"fields": ["LearningDelivery[key=prog].DelLocPostCode"]},
        headers={**service.token(), **if_match(current)},
    )
    assert reset.status_code == 200, reset.text
    prog = next(
        d for d in reset.json()["record"]["LearningDelivery"] if d["LearnAimRef"] == "ZPROG001"
    )
    assert prog["DelLocPostCode"] == "M1 1AE"
    assert reset.json()["provenance"]["LearningDelivery[key=prog].DelLocPostCode"] == {
        "source": "template",
        "revision": 2,
    }


async def test_removed_aim_kept_when_person_changed_it(service: Service) -> None:
    doc = await ready_ilr(service)
    url = f"/api/ilrs/{doc['_id']}"
    edited = await service.client.patch(
        url,
        json={"set": {"LearningDelivery[key=maths].DelLocPostCode": "LS1 1AA"}},
        headers={**service.token(), **if_match(doc)},
    )
    assert edited.status_code == 200
    await service.publish(template_changed(2, template_v2()))
    doc = await service.wait_ilr("enr_1", template_revision=2)
    assert set(deliveries(doc)) == {"prog", "maths", "english"}
    # Reset of the whole delivery: the template no longer has it, so it goes.
    current = (await service.get(doc["_id"])).json()
    reset = await service.client.post(
        f"{url}/reset-to-template",
        json={"delivery": "maths"},
        headers={**service.token(), **if_match(current)},
    )
    assert reset.status_code == 200, reset.text
    assert set(reset.json()["delivery_keys"].values()) == {"prog", "english"}


async def test_versions_diff_and_restore(service: Service) -> None:
    doc = await ready_ilr(service)
    url = f"/api/ilrs/{doc['_id']}"
    edited = await service.client.patch(
        url, json={"set": {"GivenNames": "Augusta"}}, headers={**service.token(), **if_match(doc)}
    )
    version = edited.json()["version"]
    items = (await service.client.get(f"{url}/versions", headers=service.token())).json()["items"]
    assert [i["version"] for i in items] == list(range(version, 0, -1))
    assert items[0]["source"] == "person" and items[0]["changed_fields"] == ["GivenNames"]
    one = (await service.client.get(f"{url}/versions/{version}", headers=service.token())).json()
    assert one["diff"] == [{"path": "GivenNames", "before": "Ada", "after": "Augusta"}]
    restored = await service.client.post(
        f"{url}/versions/{version - 1}/restore",
        headers={**service.token(), **if_match(edited.json())},
    )
    assert restored.status_code == 200, restored.text
    assert restored.json()["record"]["GivenNames"] == "Ada"
    assert restored.json()["version"] == version + 1
    validation = (await service.client.get(f"{url}/validation", headers=service.token())).json()
    assert validation["version"] == version + 1
    assert isinstance(validation["findings"], list)
    assert all({"rule", "severity", "message", "field"} <= set(f) for f in validation["findings"])


async def test_search_and_tenancy(service: Service) -> None:
    await service.publish(template_changed(1, TEMPLATE_V1))
    await service.publish(enrolment_created(1, GivenNames="Grace", FamilyName="Hopper"))
    await service.publish(enrolment_created(2, GivenNames="Ada", FamilyName="Lovelace"))
    await service.publish(enrolment_created(3, GivenNames="Alan", FamilyName="Turing"))
    await service.publish(enrolment_created(4, tenant=OTHER_TENANT, GivenNames="Ada"))
    for n in (1, 2, 3):
        await service.wait_ilr(f"enr_{n}", template_revision=1)

    async def search(**params: Any) -> dict[str, Any]:
        response = await service.client.get("/api/ilrs", params=params, headers=service.token())
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    assert [i["FamilyName"] for i in (await search(q="hop"))["items"]] == ["Hopper"]
    assert [i["FamilyName"] for i in (await search(q="ADA"))["items"]] == ["Lovelace"]
    assert [i["ULN"] for i in (await search(uln=1000000003))["items"]] == [1000000003]
    assert len((await search(learn_ref="LRN0002"))["items"]) == 1
    assert len((await search(status="newly_submitted"))["items"]) == 3
    page1 = await search(sort="family_name", limit=2)
    assert [i["FamilyName"] for i in page1["items"]] == ["Hopper", "Lovelace"]
    page2 = await search(sort="family_name", limit=2, cursor=page1["next_cursor"])
    assert [i["FamilyName"] for i in page2["items"]] == ["Turing"]
    assert page2["next_cursor"] is None
    recent = await search(limit=2)
    older = await search(limit=2, cursor=recent["next_cursor"])
    assert len({i["id"] for i in recent["items"] + older["items"]}) == 3

    mine = (await service.wait_ilr("enr_1"))["_id"]
    other = (await service.get(mine, tenant=OTHER_TENANT)).status_code
    assert other == 404
    learner = service.token(role="learner", sub="learner-1", learner_id=mine)
    listed = (await service.client.get("/api/ilrs", headers=learner)).json()["items"]
    assert [i["id"] for i in listed] == [mine]
    own = await service.client.get(f"/api/ilrs/{mine}", headers=learner)
    assert own.status_code == 200
    assert "LearningDelivery" not in own.json()["record"]
    someone_else = (await service.wait_ilr("enr_2"))["_id"]
    assert (
        await service.client.get(f"/api/ilrs/{someone_else}", headers=learner)
    ).status_code == 404


async def test_cursor_pages_through_rows_that_share_the_sort_value(service: Service) -> None:
    await service.publish(template_changed(1, TEMPLATE_V1))
    for n in range(1, 6):
        await service.publish(enrolment_created(n))
    ids = sorted([(await service.wait_ilr(f"enr_{n}"))["_id"] for n in range(1, 6)])
    same_moment = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
    await service.app.state.ilr_repository.ilrs.update_many(
        {"tenant": TENANT}, {"$set": {"updated_at": same_moment}}
    )

    async def all_pages(sort: str) -> list[str]:
        seen: list[str] = []
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"sort": sort, "limit": 1}
            if cursor:
                params["cursor"] = cursor
            page = (
                await service.client.get("/api/ilrs", params=params, headers=service.token())
            ).json()
            seen += [item["id"] for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                return seen

    assert await all_pages("-updated_at") == ids[::-1]
    assert await all_pages("updated_at") == ids


async def test_record_changed_is_published(service: Service, service_env: dict[str, str]) -> None:
    connection = await nats.connect(service_env["NATS_URL"])
    js = connection.jetstream()
    subscription = await js.pull_subscribe(f"ilr.{TENANT}.record.changed", durable="test-ilr-watch")
    doc = await ready_ilr(service)
    edited = await service.client.patch(
        f"/api/ilrs/{doc['_id']}",
        json={"set": {"GivenNames": "Augusta"}},
        headers={**service.token(), **if_match(doc)},
    )
    assert edited.status_code == 200
    seen: list[EventEnvelope] = []
    deadline = asyncio.get_running_loop().time() + 20
    while (
        len([e for e in seen if e.aggregate_id == doc["_id"]]) < doc["version"] + 1
        and asyncio.get_running_loop().time() < deadline
    ):
        try:
            messages = await subscription.fetch(10, timeout=1)
        except TimeoutError:
            continue
        for message in messages:
            seen.append(EventEnvelope.model_validate(json.loads(message.data)))
            await message.ack()
    await connection.close()
    ours = [e for e in seen if e.aggregate_id == doc["_id"]]
    assert [e.payload["version"] for e in ours] == list(range(1, doc["version"] + 2))
    assert ours[-1].payload["record"]["GivenNames"] == "Augusta"
    assert ours[-1].payload["programme_id"] == "prg_1"
    assert ours[-1].sequence == doc["version"] + 1


async def test_malformed_event_is_dead_lettered_and_consumer_goes_on(
    service: Service, service_env: dict[str, str]
) -> None:
    connection = await nats.connect(service_env["NATS_URL"])
    js = connection.jetstream()
    dead = await js.pull_subscribe("deadletter.>", durable="test-dead", stream="DEADLETTER")
    await service.publish_raw(f"programmes.{TENANT}.enrolment.created", b"{not json")
    bad_template = template_changed(1, {"LearningDelivery": []})
    await service.publish(bad_template)
    await service.publish(enrolment_created(1))
    await service.wait_ilr("enr_1")
    reasons: list[str] = []
    deadline = asyncio.get_running_loop().time() + 20
    while len(reasons) < 2 and asyncio.get_running_loop().time() < deadline:
        try:
            messages = await dead.fetch(10, timeout=1)
        except TimeoutError:
            continue
        for message in messages:
            assert message.subject.startswith("deadletter.programmes.")
            reasons.append((message.headers or {}).get("Ilr-Deadletter-Reason", ""))
            await message.ack()
    await connection.close()
    assert len(reasons) == 2
    assert any("invalid envelope" in r for r in reasons)
    assert any("not a valid ILR template" in r for r in reasons)


async def test_learner_edits_user_part_only_and_admin_withdraws_aim(service: Service) -> None:
    doc = await ready_ilr(service)
    ilr_id = doc["_id"]
    learner = service.token(role="learner", sub="learner-1", learner_id=ilr_id)
    ok = await service.client.patch(
        f"/api/ilrs/{ilr_id}",
        json={"set": {"TelNo": "07700900123"}},
        headers={**learner, **if_match(doc)},
    )
    assert ok.status_code == 200, ok.text
    refused = await service.client.patch(
        f"/api/ilrs/{ilr_id}",
        json={"set": {"ULN": 1000000042}},
        headers={**learner, **if_match(ok.json())},
    )
    assert refused.status_code == 422
    verifier = await service.client.patch(
        f"/api/ilrs/{ilr_id}",
        json={"set": {"TelNo": "1"}},
        headers={**service.token(role="verifier"), **if_match(ok.json())},
    )
    assert verifier.status_code == 403
    withdrawn = await service.client.post(
        f"/api/ilrs/{ilr_id}/deliveries/2/withdraw",
        json={"LearnActEndDate": "2026-12-01", "WithdrawReason": 40},
        headers={**service.token(), **if_match(ok.json())},
    )
    assert withdrawn.status_code == 200, withdrawn.text
    maths = withdrawn.json()["record"]["LearningDelivery"][1]
    assert maths["CompStatus"] == 3 and maths["LearnActEndDate"] == "2026-12-01"
    assert withdrawn.json()["provenance"]["LearningDelivery[key=maths].CompStatus"]["source"] == (
        "person"
    )
