"""Workflow over HTTP, export completion, two instances racing, a bulk fan-out."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from ilr_service.adapters.repository import IlrRepository
from ilr_shared.events import BatchSubmitted, EventType, SubmittedRecord, make_event
from tests.integration.ilr_service.conftest import (
    TEMPLATE_V1,
    TENANT,
    Service,
    enrolment_created,
    programme_changed,
    template_changed,
    template_v2,
)
from tests.integration.ilr_service.test_api import if_match
from tests.integration.ilr_service.test_prefill import deliveries
from tests.support.learners import completion

VALID_ULN = 1061484016  # DD01 check digit 6


async def act(service: Service, ilr_id: str, action: str, **token: Any) -> Any:
    return await service.client.post(
        f"/api/ilrs/{ilr_id}/transitions",
        json={"action": action, **({"reason": "fix"} if action == "reopen" else {})},
        headers=service.token(**token),
    )


async def test_workflow_roles_signature_and_export_completion(service: Service) -> None:
    await service.publish(programme_changed(allow_sign=False))
    await service.publish(template_changed(1, TEMPLATE_V1))
    await service.publish(enrolment_created(1))
    ilr_id = (await service.wait_ilr("enr_1", template_revision=1))["_id"]
    learner = {"role": "learner", "sub": "learner-1", "learner_id": ilr_id}

    early = await act(service, ilr_id, "sign", **learner)
    assert early.status_code == 409
    assert "allowed_actions" in early.json()
    assert (await act(service, ilr_id, "request_signature", role="verifier")).status_code == 403
    assert (await act(service, ilr_id, "request_signature")).status_code == 200
    signed = await act(service, ilr_id, "sign", **learner)
    assert signed.status_code == 200, signed.text
    assert signed.json()["status"] == "signed"
    assert signed.json()["signature"]["by"] == "learner-1"

    # Editing signed content sends the record back for a signature. (The edit completes
    # what the enrolment did not carry: error findings would block QA verification.)
    edited = await service.client.patch(
        f"/api/ilrs/{ilr_id}",
        json={"set": {**completion(), "ULN": VALID_ULN, "FamilyName": "Lovelace"}},
        headers={**service.token(sub="editor-1"), **if_match(signed.json())},
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["status"] == "signature_required"
    assert edited.json()["signature"] is None
    assert (await act(service, ilr_id, "sign", **learner)).status_code == 200
    # The last editor may not verify; another verifier may.
    same = await act(service, ilr_id, "qa_verify", role="verifier", sub="editor-1")
    assert same.status_code == 403
    verified = await act(service, ilr_id, "qa_verify", role="verifier", sub="verifier-9")
    assert verified.status_code == 200, verified.text
    version = verified.json()["version"]

    await service.publish(
        make_event(
            EventType.BATCH_SUBMITTED,
            TENANT,
            "exp_1",
            1,
            BatchSubmitted(
                export_id="exp_1",
                academic_year="2026/27",
                records=[SubmittedRecord(ilr_id=ilr_id, version=version)],
            ),
        )
    )

    async def completed() -> bool:
        status: str = (await service.get(ilr_id)).json()["status"]
        return status == "completed"

    await service.until(completed, what="completed by the export")
    versions = (
        await service.client.get(f"/api/ilrs/{ilr_id}/versions", headers=service.token())
    ).json()["items"]
    assert versions[0]["source"] == "export" and versions[0]["action"] == "complete"
    reopened = await act(service, ilr_id, "reopen")
    assert reopened.json()["status"] == "newly_submitted"


async def test_sign_without_verification_when_programme_allows(service: Service) -> None:
    await service.publish(programme_changed(allow_sign=True))
    await service.publish(enrolment_created(1))
    ilr_id = (await service.wait_ilr("enr_1"))["_id"]
    await asyncio.sleep(0.5)
    learner = {"role": "learner", "sub": "learner-1", "learner_id": ilr_id}
    response = await act(service, ilr_id, "sign", **learner)
    assert response.status_code == 200, response.text


async def test_two_instances_converge(make_service: Callable[[], Awaitable[Service]]) -> None:
    first = await make_service()
    await make_service()  # a second instance on the same durable consumer
    for revision, template in ((1, TEMPLATE_V1), (2, template_v2())):
        await first.publish(template_changed(revision, template))
        for n in range(1, 31):
            await first.publish(enrolment_created(n + 100 * revision))
    for revision in (1, 2):
        for n in range(1, 31):
            doc = await first.wait_ilr(f"enr_{n + 100 * revision}", template_revision=2)
            assert set(deliveries(doc)) == {"prog", "english"}
    repo = first.app.state.ilr_repository
    assert await repo.ilrs.count_documents({}) == 60


@pytest.mark.timeout(600)  # ~120 s on a slow 2-core machine; the waits below are per step
async def test_bulk_template_fan_out(service: Service) -> None:
    count = 600
    await service.publish(template_changed(1, TEMPLATE_V1))
    for n in range(1, count + 1):
        await service.publish(enrolment_created(n))
    repo: IlrRepository = service.app.state.ilr_repository

    async def all_there() -> bool:
        return await repo.ilrs.count_documents({"template_revision": 1}) == count

    await service.until(all_there, timeout_s=240, what="all ILRs")
    started = time.monotonic()
    await service.publish(template_changed(2, template_v2()))

    async def all_updated() -> bool:
        return await repo.ilrs.count_documents({"template_revision": 2}) == count

    await service.until(all_updated, timeout_s=240, what="template fan-out")
    elapsed = time.monotonic() - started
    print(f"template fan-out to {count} ILRs: {elapsed:.2f}s ({count / elapsed:.0f}/s)")

    async def all_confirmed() -> bool:
        # Every version document is confirmed (the flag is set just after the bulk CAS).
        total = await repo.versions.count_documents({})
        return (
            total == 2 * count and await repo.versions.count_documents({"committed": True}) == total
        )

    await service.until(all_confirmed, timeout_s=60, what="versions confirmed")
