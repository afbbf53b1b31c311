"""Programmes HTTP API: CRUD, templates, enrolments, errors, auth and tenancy."""

from __future__ import annotations

from typing import Any

import httpx

from tests.unit.programmes.template_builders import apprenticeship

from .conftest import OTHER_TENANT, TokenFactory

BASE = "/api/programmes"
VALID_ULN = 1234567899


async def create(client: httpx.AsyncClient, auth: TokenFactory, **body: Any) -> dict[str, Any]:
    payload = {"name": "Level 3 Data Technician", "academic_year": "2026/27", **body}
    response = await client.post(BASE, json=payload, headers=auth())
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def enrolment(lrn: str = "LRN0001", uln: int = VALID_ULN, **extra: Any) -> dict[str, Any]:
    return {
        "learner": {
            "LearnRefNumber": lrn,
            "ULN": uln,
            "GivenNames": "Ada",
            "FamilyName": "Lovelace",
            "DateOfBirth": "2004-02-01",
            "Email": "ada@example.org",
            "Postcode": "b1 1aa",
        },
        "LearnStartDate": "2026-09-01",
        **extra,
    }


def paths(response: httpx.Response) -> set[str]:
    return {error["path"] for error in response.json()["errors"]}


async def test_create_get_list_patch(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    created = await create(client, auth)
    assert created["id"].startswith("prg_")
    assert created["ilr_enabled"] is True
    assert created["allow_sign_without_verification"] is False
    assert created["template_revision"] == 0 and created["enrolment_count"] == 0
    assert created["version"] == 1

    got = await client.get(f"{BASE}/{created['id']}", headers=auth("verifier"))
    assert got.status_code == 200
    assert got.headers["ETag"] == f'"{created["id"]}:1"'

    patched = await client.patch(
        f"{BASE}/{created['id']}",
        json={"name": "Renamed", "allow_sign_without_verification": True},
        headers={**auth(), "If-Match": got.headers["ETag"]},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["name"] == "Renamed"
    assert patched.json()["allow_sign_without_verification"] is True
    assert patched.json()["version"] == 2
    assert patched.headers["ETag"] == f'"{created["id"]}:2"'

    stale = await client.patch(
        f"{BASE}/{created['id']}",
        json={"ilr_enabled": False},
        headers={**auth(), "If-Match": got.headers["ETag"]},
    )
    assert stale.status_code == 412
    no_if_match = await client.patch(
        f"{BASE}/{created['id']}", json={"ilr_enabled": False}, headers=auth()
    )
    assert no_if_match.status_code == 200 and no_if_match.json()["ilr_enabled"] is False


async def test_list_filters_and_pages(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    for i in range(5):
        await create(client, auth, name=f"Data Technician {i}")
    await create(client, auth, name="Plumbing", academic_year="2025/26")

    seen: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 2, "academic_year": "2026/27"}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get(BASE, params=params, headers=auth("integration"))).json()
        seen += [item["name"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"Data Technician {i}" for i in range(5)]

    found = (await client.get(BASE, params={"q": "plumb"}, headers=auth())).json()
    assert [p["name"] for p in found["items"]] == ["Plumbing"]
    regex_safe = (await client.get(BASE, params={"q": ".*"}, headers=auth())).json()
    assert regex_safe["items"] == []

    bad_cursor = await client.get(BASE, params={"cursor": "!!"}, headers=auth())
    assert bad_cursor.status_code == 422


async def test_validation_errors_have_field_paths(
    client: httpx.AsyncClient, auth: TokenFactory
) -> None:
    unknown = await client.post(
        BASE, json={"name": "X", "academic_year": "2026/27", "colour": "red"}, headers=auth()
    )
    assert unknown.status_code == 422
    assert "body.colour" in paths(unknown)

    wrong_type = await client.post(
        BASE, json={"name": "X", "academic_year": "2026/27", "ilr_enabled": "maybe"}, headers=auth()
    )
    assert wrong_type.status_code == 422 and "body.ilr_enabled" in paths(wrong_type)

    for year in ("2027/28", "2024/25", "26/27"):
        bad_year = await client.post(
            BASE, json={"name": "X", "academic_year": year}, headers=auth()
        )
        assert bad_year.status_code == 422, year
        assert paths(bad_year) == {"body.academic_year"}

    code_lists = await client.get(
        f"{BASE}/code-lists", params={"academic_year": "2027/28"}, headers=auth()
    )
    assert code_lists.status_code == 422 and paths(code_lists) == {"query.academic_year"}


async def test_template_put_get_and_refusals(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    programme = await create(client, auth)
    url = f"{BASE}/{programme['id']}/ilr-template"
    empty = (await client.get(url, headers=auth("verifier"))).json()
    assert empty["revision"] == 0 and empty["template"] is None

    first = await client.put(url, json=apprenticeship(), headers=auth())
    assert first.status_code == 200, first.text
    assert first.json()["revision"] == 1
    second = await client.put(url, json=apprenticeship(planned_otj_hours=300), headers=auth())
    assert second.json()["revision"] == 2
    got = (await client.get(url, headers=auth())).json()
    assert got["template"]["planned_otj_hours"] == 300
    assert got["template"]["LearningDelivery"][0]["key"] == "prog"
    after = (await client.get(f"{BASE}/{programme['id']}", headers=auth())).json()
    assert after["template_revision"] == 2

    bad = apprenticeship(FundModel=10)
    bad["LearningDelivery"][0]["AimType"] = 3
    bad["LearningDelivery"][1]["key"] = "prog"
    refused = await client.put(url, json=bad, headers=auth())
    assert refused.status_code == 422
    assert {
        "body.FundModel",
        "body.LearningDelivery[0].AimType",
        "body.LearningDelivery[1].key",
        "body.LearningDelivery",
    } <= paths(refused)

    malformed = apprenticeship()
    malformed["LearningDelivery"][0]["AimType"] = "one"
    malformed["LearningDelivery"][0]["Colour"] = "red"
    refused = await client.put(url, json=malformed, headers=auth())
    assert refused.status_code == 422
    assert {"body.LearningDelivery[0].AimType", "body.LearningDelivery[0].Colour"} <= paths(refused)
    assert (await client.get(url, headers=auth())).json()["revision"] == 2


async def test_clone_into_next_year_reports_removed_codes(
    client: httpx.AsyncClient, auth: TokenFactory
) -> None:
    source = await create(client, auth, name="Tailored 25/26", academic_year="2025/26")
    template = apprenticeship(FundModel=10, ProgType=None, StdCode=None)
    template["LearningDelivery"][0]["AppFinRecord"] = []
    template["LearningDelivery"][1]["LearningDeliveryFAM"].append(
        {"LearnDelFAMType": "SOF", "LearnDelFAMCode": "108"}
    )
    put = await client.put(f"{BASE}/{source['id']}/ilr-template", json=template, headers=auth())
    assert put.status_code == 200, put.text

    cloned = await client.post(
        f"{BASE}/{source['id']}/clone",
        json={"name": "Tailored 26/27", "academic_year": "2026/27"},
        headers=auth(),
    )
    assert cloned.status_code == 201, cloned.text
    body = cloned.json()
    assert body["programme"]["academic_year"] == "2026/27"
    assert body["programme"]["template_revision"] == 1
    assert body["programme"]["cloned_from"] == source["id"]
    assert [(r["path"], r["code"]) for r in body["removed_codes"]] == [
        ("FundModel", 10),
        ("LearningDelivery[1].LearningDeliveryFAM[1].LearnDelFAMCode", "108"),
    ]
    new_template = (
        await client.get(f"{BASE}/{body['programme']['id']}/ilr-template", headers=auth())
    ).json()["template"]
    assert "FundModel" not in new_template
    assert len(new_template["LearningDelivery"][1]["LearningDeliveryFAM"]) == 1

    same_year = await client.post(
        f"{BASE}/{source['id']}/clone",
        json={"name": "Copy", "academic_year": "2025/26"},
        headers=auth(),
    )
    assert same_year.status_code == 201 and same_year.json()["removed_codes"] == []
    bad_year = await client.post(
        f"{BASE}/{source['id']}/clone",
        json={"name": "x", "academic_year": "2027/28"},
        headers=auth(),
    )
    assert bad_year.status_code == 422


async def test_enrolments(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    programme = await create(client, auth)
    url = f"{BASE}/{programme['id']}/enrolments"
    created = await client.post(url, json=enrolment(), headers=auth("integration"))
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["status"] == "active" and body["programme_id"] == programme["id"]
    assert body["learner"]["Postcode"] == "B1 1AA"
    assert body["LearnStartDate"] == "2026-09-01" and body["LearnPlanEndDate"] is None

    other = await create(client, auth, name="Other programme")
    duplicate = await client.post(
        f"{BASE}/{other['id']}/enrolments", json=enrolment(), headers=auth()
    )
    assert duplicate.status_code == 409
    other_year = await create(client, auth, name="Old", academic_year="2025/26")
    allowed = await client.post(
        f"{BASE}/{other_year['id']}/enrolments",
        json=enrolment(LearnStartDate="2025-09-01"),
        headers=auth(),
    )
    assert allowed.status_code == 201, allowed.text

    bad_uln = await client.post(url, json=enrolment("LRN2", uln=1234567890), headers=auth())
    assert bad_uln.status_code == 422 and paths(bad_uln) == {"body.learner.ULN"}
    short_uln = await client.post(url, json=enrolment("LRN2", uln=12345), headers=auth())
    assert short_uln.status_code == 422 and paths(short_uln) == {"body.learner.ULN"}
    bad_ref = await client.post(url, json=enrolment("LRN-0002!"), headers=auth())
    assert bad_ref.status_code == 422 and paths(bad_ref) == {"body.learner.LearnRefNumber"}
    bad_end = await client.post(
        url, json=enrolment("LRN3", LearnPlanEndDate="2026-01-01"), headers=auth()
    )
    assert bad_end.status_code == 422 and paths(bad_end) == {"body.LearnPlanEndDate"}

    await client.post(url, json=enrolment("LRN0002"), headers=auth())
    page = (await client.get(url, params={"limit": 1}, headers=auth("verifier"))).json()
    assert len(page["items"]) == 1 and page["next_cursor"]
    rest = (await client.get(url, params={"cursor": page["next_cursor"]}, headers=auth())).json()
    assert [e["learner"]["LearnRefNumber"] for e in page["items"] + rest["items"]] == [
        "LRN0001",
        "LRN0002",
    ]
    counted = (await client.get(f"{BASE}/{programme['id']}", headers=auth())).json()
    assert counted["enrolment_count"] == 2

    withdrawn = await client.post(
        f"{url}/{body['id']}/withdraw", json={"reason": "left employer"}, headers=auth()
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["status"] == "withdrawn"
    again = await client.post(f"{url}/{body['id']}/withdraw", json={}, headers=auth())
    assert again.status_code == 409
    counted = (await client.get(f"{BASE}/{programme['id']}", headers=auth())).json()
    assert counted["enrolment_count"] == 1


async def test_auth_roles_and_tenancy(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    assert (await client.get(BASE)).status_code == 401
    forged = {"Authorization": "Bearer " + auth()["Authorization"].split()[1][:-4] + "AAAA"}
    assert (await client.get(BASE, headers=forged)).status_code == 401

    programme = await create(client, auth)
    pid = programme["id"]
    for role in ("verifier", "integration", "learner"):
        response = await client.post(
            BASE, json={"name": "X", "academic_year": "2026/27"}, headers=auth(role)
        )
        assert response.status_code == 403, role
    assert (await client.get(BASE, headers=auth("learner"))).status_code == 403
    assert (
        await client.put(
            f"{BASE}/{pid}/ilr-template", json=apprenticeship(), headers=auth("verifier")
        )
    ).status_code == 403
    assert (
        await client.post(f"{BASE}/{pid}/enrolments", json=enrolment(), headers=auth("verifier"))
    ).status_code == 403

    other = auth(tenant=OTHER_TENANT)
    assert (await client.get(f"{BASE}/{pid}", headers=other)).status_code == 404
    assert (
        await client.patch(f"{BASE}/{pid}", json={"name": "x"}, headers=other)
    ).status_code == 404
    assert (await client.get(f"{BASE}/{pid}/ilr-template", headers=other)).status_code == 404
    assert (
        await client.put(f"{BASE}/{pid}/ilr-template", json=apprenticeship(), headers=other)
    ).status_code == 404
    assert (
        await client.post(
            f"{BASE}/{pid}/clone", json={"name": "x", "academic_year": "2026/27"}, headers=other
        )
    ).status_code == 404
    assert (
        await client.post(f"{BASE}/{pid}/enrolments", json=enrolment(), headers=other)
    ).status_code == 404
    assert (await client.get(f"{BASE}/{pid}/enrolments", headers=other)).status_code == 404
    assert (await client.get(BASE, headers=other)).json()["items"] == []


async def test_code_lists(client: httpx.AsyncClient, auth: TokenFactory) -> None:
    response = await client.get(
        f"{BASE}/code-lists", params={"academic_year": "2026/27"}, headers=auth("verifier")
    )
    assert response.status_code == 200
    body = response.json()
    assert body["academic_year"] == "2026/27"
    assert {"code": 36, "label": "Apprenticeships (from 1 May 2017)"} in body["lists"]["FundModel"]
    assert "SOF" in body["lists"]["LearnDelFAMType"]
    assert body["type_labels"]["AFinType"]["TNP"]
    # the lists of the learner's own details, for the User part of the ILR
    assert {"PriorLevel", "LLDDCat", "EmpStat", "Ethnicity", "Sex", "WithdrawReason"} <= set(
        body["lists"]
    )
    assert all(isinstance(entry["code"], int) for entry in body["lists"]["EmpStat"])
    assert "EII" in body["lists"]["ESMType"] and "LSR" in body["lists"]["LearnFAMType"]
    learner = await client.get(
        f"{BASE}/code-lists", params={"academic_year": "2026/27"}, headers=auth("learner")
    )
    assert learner.status_code == 200


async def test_ops_endpoints(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).status_code == 200
    ready = await client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert (await client.get("/api/programmes/openapi.json")).status_code == 200
