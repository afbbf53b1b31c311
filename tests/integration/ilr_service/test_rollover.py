"""`POST /api/ilrs/rollover` on real NATS + MongoDB wire: the official 2025/26 sample,
imported, rolls into 2026/27 ILRs that pass the 2026/27 schema (issue 12's done-when)."""

from __future__ import annotations

from typing import Any

import pytest

from ilr_shared.ilr import validate_record
from ilr_shared.ilr.years import sample_bytes
from tests.integration.ilr_service.conftest import Service

pytestmark = pytest.mark.timeout(240)

TENANT = "99999999"  # the UKPRN of the official sample
URL = "/api/ilrs/rollover"
LEARNERS, CONTINUING = 19, 18  # SBLearnerEV completed everything in 2025/26
# The one element a person must complete: Community Learning (FundModel 10) has no
# 2026/27 code, so CLLearner's aim needs its new funding model.
TO_COMPLETE = {"CLLearner": ["LearningDelivery[0].FundModel"]}


def admin(service: Service) -> dict[str, str]:
    return service.token(tenant=TENANT, sub="admin-9")


async def ilr_count(service: Service, year: str) -> int:
    repo = service.app.state.ilr_repository
    return int(await repo.ilrs.count_documents({"tenant": TENANT, "academic_year": year}))


async def roll(service: Service, **body: Any) -> dict[str, Any]:
    response = await service.client.post(URL, json=body, headers=admin(service))
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_the_2025_26_sample_rolls_into_valid_2026_27_ilrs(service: Service) -> None:
    imported = await service.client.post(
        "/api/ilrs/import?programme_id=p25",
        content=sample_bytes("2025/26"),
        headers={**admin(service), "Content-Type": "application/xml"},
    )
    assert imported.status_code == 200, imported.text
    request = {"academic_year": "2025/26", "programme_id": "p25", "target_programme_id": "p26"}

    preview = await roll(service, **request, dry_run=True)
    assert preview["counts"] == {"created": CONTINUING, "not_continuing": 1}
    assert await ilr_count(service, "2026/27") == 0  # a preview writes nothing

    body = await roll(service, **request)
    assert body["counts"] == preview["counts"] and not body["dry_run"]
    assert [i["new_ilr_id"] for i in body["learners"]] == [
        i["new_ilr_id"] for i in preview["learners"]
    ]
    for item in body["learners"]:
        if item["outcome"] != "created":
            continue
        got = await service.get(item["new_ilr_id"], tenant=TENANT)
        ilr = got.json()
        assert (ilr["academic_year"], ilr["programme_id"]) == ("2026/27", "p26")
        problems = [p.path for p in validate_record("2026/27", ilr["record"])]
        assert problems == TO_COMPLETE.get(item["LearnRefNumber"], []), item["LearnRefNumber"]
        assert [p["path"] for p in item["schema_problems"]] == problems
        history = await service.client.get(
            f"/api/ilrs/{ilr['id']}/versions", headers=admin(service)
        )
        (first,) = history.json()["items"]
        assert (first["version"], first["source"]) == (1, "rollover")
        assert first["action"] == f"rollover from {item['ilr_id']}"
        links = await service.client.get(f"{URL}/links/{item['ilr_id']}", headers=admin(service))
        assert links.json()["rolled_over_to"] == ilr["id"]

    again = await roll(service, **request)
    assert again["counts"] == {"already_rolled_over": CONTINUING, "not_continuing": 1}
    assert await ilr_count(service, "2026/27") == CONTINUING
    assert await ilr_count(service, "2025/26") == LEARNERS


async def test_only_admins_roll_over(service: Service) -> None:
    response = await service.client.post(
        URL,
        json={"academic_year": "2025/26", "programme_id": "p25"},
        headers=service.token(role="verifier", tenant=TENANT),
    )
    assert response.status_code == 403
    unknown = await service.client.post(
        URL, json={"academic_year": "2025/26", "programme_id": "p", "x": 1}, headers=admin(service)
    )
    assert unknown.status_code == 422
