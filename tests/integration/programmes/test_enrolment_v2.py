"""The whole learner at the enrolment API, and corrections by PATCH (`enrolment.updated`)."""

from __future__ import annotations

import httpx
from nats.aio.client import Client

from ilr_shared.events import EnrolmentCreated, EnrolmentUpdated, EventType, parse_payload
from tests.support.learners import full_learner

from .conftest import TokenFactory
from .test_api import BASE
from .test_events import nats_client, read_events

__all__ = ["nats_client"]


async def programme(client: httpx.AsyncClient, auth: TokenFactory) -> str:
    created = await client.post(
        BASE, json={"name": "Data", "academic_year": "2026/27"}, headers=auth()
    )
    return str(created.json()["id"])


async def test_a_full_learner_is_enrolled_checked_and_corrected(
    client: httpx.AsyncClient, auth: TokenFactory, nats_client: Client
) -> None:
    pid = await programme(client, auth)
    body = {"learner": full_learner(), "LearnStartDate": "2026-09-01"}
    bad = {**body, "learner": {**full_learner(), "PriorAttain": [{"PriorLevel": "x"}]}}
    refused = await client.post(f"{BASE}/{pid}/enrolments", json=bad, headers=auth())
    assert refused.status_code == 422, refused.text
    paths = {e["path"] for e in refused.json()["errors"]}
    assert "body.learner.PriorAttain[0].PriorLevel" in paths

    enrolled = await client.post(f"{BASE}/{pid}/enrolments", json=body, headers=auth())
    assert enrolled.status_code == 201, enrolled.text
    eid = enrolled.json()["id"]
    assert enrolled.json()["learner"]["LearnerEmploymentStatus"][0]["EmpId"] == 154549452
    url = f"{BASE}/{pid}/enrolments/{eid}"
    etag = (await client.get(url, headers=auth())).headers["ETag"]

    learner = {**full_learner(), "GivenNames": "Augusta", "TelNo": "01219999999"}
    patched = await client.patch(
        url,
        json={"learner": learner, "LearnPlanEndDate": "2027-12-01"},
        headers={**auth(role="integration"), "If-Match": etag},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["learner"]["GivenNames"] == "Augusta"
    assert (patched.json()["version"], patched.json()["LearnPlanEndDate"]) == (2, "2027-12-01")
    stale = await client.patch(
        url, json={"LearnStartDate": "2026-09-02"}, headers={**auth(), "If-Match": etag}
    )
    assert stale.status_code == 412
    unchanged = await client.patch(url, json={"learner": learner}, headers=auth())
    assert unchanged.json()["version"] == 2  # nothing to correct: no event
    wrong = await client.patch(url, json={"learner": bad["learner"]}, headers=auth())
    assert wrong.status_code == 422

    events = [e for e, _ in await read_events(nats_client, 3)]
    assert [(e.event_type, e.schema_version, e.sequence) for e in events[1:]] == [
        (EventType.ENROLMENT_CREATED, 2, 1),
        (EventType.ENROLMENT_UPDATED, 1, 2),
    ]
    created, update = parse_payload(events[1]), parse_payload(events[2])
    assert isinstance(created, EnrolmentCreated) and created.learner.Sex == "F"
    assert isinstance(update, EnrolmentUpdated) and update.learner.GivenNames == "Augusta"
