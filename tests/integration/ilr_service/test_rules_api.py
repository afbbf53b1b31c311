"""The rule catalogue over HTTP, and one validation: what a record shows is what blocks QA."""

from __future__ import annotations

from tests.integration.ilr_service.conftest import Service, programme_changed
from tests.integration.ilr_service.test_api import ready_ilr
from tests.integration.ilr_service.test_workflow_and_scale import act


async def test_catalogue_lists_the_official_rules_with_their_status(service: Service) -> None:
    response = await service.client.get("/api/rules", headers=service.token(role="verifier"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["academic_year"] == "2026/27"
    assert body["summary"]["official"] == len(body["rules"]) == 866
    by_name = {r["name"]: r for r in body["rules"]}
    assert by_name["ULN_04"]["status"] == "implemented"
    assert by_name["LearnAimRef_01"]["status_text"] == "implemented, runs when LARS is loaded"
    older = await service.client.get("/api/rules?year=2025/26", headers=service.token())
    assert older.json()["academic_year"] == "2025/26"
    unknown = await service.client.get("/api/rules?year=2019/20", headers=service.token())
    assert unknown.status_code == 404


async def test_one_rule_carries_its_intent_and_guidance(service: Service) -> None:
    response = await service.client.get("/api/rules/ULN_04", headers=service.token(role="learner"))
    assert response.status_code == 200, response.text
    rule = response.json()
    assert rule["message"] == "The Unique learner number does not pass the checksum calculation"
    assert rule["definition"] and rule["severity"] == "error"
    missing = await service.client.get("/api/rules/NOPE_99", headers=service.token())
    assert missing.status_code == 404
    anonymous = await service.client.get("/api/rules/ULN_04")
    assert anonymous.status_code == 401


async def test_qa_verification_is_refused_with_the_same_findings_the_record_shows(
    service: Service,
) -> None:
    await service.publish(programme_changed(allow_sign=True))
    doc = await ready_ilr(service)  # an enrolment carries no Sex, Ethnicity, LLDDHealthProb …
    ilr_id = doc["_id"]
    shown = await service.client.get(f"/api/ilrs/{ilr_id}/validation", headers=service.token())
    errors = [f for f in shown.json()["findings"] if f["severity"] == "error"]
    assert {"FD_Sex_MA", "FD_Ethnicity_MA"} <= {f["rule"] for f in errors}
    assert all(f["field"] for f in errors)
    signed = await act(service, ilr_id, "sign", role="learner", sub="learner-1", learner_id=ilr_id)
    assert signed.status_code == 200, signed.text
    assert signed.json()["blocked_actions"]["qa_verify"].startswith(f"the record has {len(errors)}")
    listed = await service.client.get("/api/ilrs?status=signed", headers=service.token())
    row = next(item for item in listed.json()["items"] if item["id"] == ilr_id)
    assert row["error_count"] == len(errors)

    refused = await act(service, ilr_id, "qa_verify", role="verifier", sub="verifier-9")
    assert refused.status_code == 409, refused.text
    assert refused.json()["findings"] == errors
    still = await service.get(ilr_id)
    assert still.json()["status"] == "signed"
