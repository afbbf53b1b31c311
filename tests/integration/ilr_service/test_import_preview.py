"""`POST /api/ilrs/import?dry_run=true`: every check, the outcome per learner, nothing written."""

from __future__ import annotations

from typing import Any

import pytest

from ilr_shared.ilr.years import sample_bytes
from tests.integration.ilr_service.conftest import Service
from tests.integration.ilr_service.test_import import SAMPLE_TENANT, URL, XML, admin

pytestmark = pytest.mark.timeout(240)


async def stored(service: Service) -> dict[str, int]:
    """What the import could have written: ILRs, versions, events waiting in the outbox."""
    repo = service.app.state.ilr_repository
    return {
        "ilrs": await repo.ilrs.count_documents({"tenant": SAMPLE_TENANT}),
        "versions": await repo.versions.count_documents({}),
    }


async def preview(service: Service, data: bytes, query: str = "") -> dict[str, Any]:
    response = await service.client.post(
        f"{URL}?dry_run=true{query}", content=data, headers={**admin(service), **XML}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["dry_run"] is True
    return body


async def test_a_preview_reports_what_would_happen_and_writes_nothing(service: Service) -> None:
    sample = sample_bytes("2025/26")
    first = await preview(service, sample)
    assert (first["created"], first["updated"], first["unchanged"], first["refused"]) == (
        19, 0, 0, 0,
    )  # fmt: skip
    assert first["would_import"] is True
    assert await stored(service) == {"ilrs": 0, "versions": 0}

    imported = await service.client.post(URL, content=sample, headers={**admin(service), **XML})
    assert imported.status_code == 200, imported.text
    # the preview named the ids the import then used
    assert [i["ilr_id"] for i in first["learners"]] == [
        i["ilr_id"] for i in imported.json()["learners"]
    ]
    before = await stored(service)

    changed = sample.replace(b"<FamilyName>", b"<FamilyName>Re", 1)
    again = await preview(service, changed)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 1, 18)
    assert await stored(service) == before
    updated = next(i for i in again["learners"] if i["outcome"] == "updated")
    ilr = (
        await service.client.get(f"/api/ilrs/{updated['ilr_id']}", headers=admin(service))
    ).json()
    assert ilr["version"] == 1 and not ilr["record"]["FamilyName"].startswith("Re")


async def test_a_preview_lists_refused_learners_with_their_reasons(service: Service) -> None:
    body = await preview(service, sample_bytes("2026/27"))
    assert body["refused"] == 1 and body["would_import"] is False
    refused = [i for i in body["learners"] if i["outcome"] == "refused"]
    assert [i["LearnRefNumber"] for i in refused] == ["GrowthskillsAppunits"]
    assert body["skipped"][0]["problems"][0]["path"].startswith(
        "Learner[LearnRefNumber=GrowthskillsAppunits]"
    )
    skipping = await preview(service, sample_bytes("2026/27"), "&skip_invalid=true")
    assert skipping["would_import"] is True
    assert await stored(service) == {"ilrs": 0, "versions": 0}


async def test_a_preview_of_a_file_that_cannot_be_imported_is_the_same_refusal(
    service: Service,
) -> None:
    response = await service.client.post(
        f"{URL}?dry_run=true", content=sample_bytes("2025/26"), headers={**service.token(), **XML}
    )
    assert response.status_code == 422, response.text
    assert await stored(service) == {"ilrs": 0, "versions": 0}
