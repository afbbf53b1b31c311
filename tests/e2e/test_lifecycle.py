"""End to end through the gateway: the life of an ILR.

- prefill with provenance: template → enrol → hand edit → template change → the hand-set
  value stays, the template's value arrives → reset → the template's value is back;
- review: search, edits with If-Match, versions with diffs, the whole workflow with both
  settings of the programme's "allow to sign without verification";
- the return: verified learners exported with the official name and header, a learner
  with a bad ULN check digit left out under ULN_04, submitted → completed; import of the
  official sample files.
"""

from __future__ import annotations

import copy
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from ilr_shared.auth import mint_token
from ilr_shared.settings import CommonSettings
from tests.e2e.conftest import RunningStack
from tests.e2e.support import TENANT, ApiClient, make_uln, wait_until
from tests.e2e.test_pipeline import TEMPLATE, _complete

SCHEMAS = Path(__file__).resolve().parents[2] / "shared/src/ilr_shared/ilr/schemas"
NS = "{ILR/2026-27}"


def learner_client(stack: RunningStack, ilr_id: str, tenant: str = TENANT) -> ApiClient:
    secret = CommonSettings().jwt_secret.get_secret_value()
    bearer = mint_token(
        secret, sub=f"learner-{ilr_id}", tenant=tenant, roles=["learner"], learner_id=ilr_id
    )
    return ApiClient(stack.base_url, bearer)


def role_client(stack: RunningStack, role: str, sub: str) -> ApiClient:
    secret = CommonSettings().jwt_secret.get_secret_value()
    return ApiClient(stack.base_url, mint_token(secret, sub=sub, tenant=TENANT, roles=[role]))


def new_programme(admin: ApiClient, allow_sign: bool = False) -> str:
    suffix = uuid.uuid4().hex[:6]
    programme = admin.json(
        "POST", "/api/programmes", 201,
        json={"name": f"Lifecycle {suffix}", "academic_year": "2026/27",
              "allow_sign_without_verification": allow_sign},
    )  # fmt: skip
    admin.json("PUT", f"/api/programmes/{programme['id']}/ilr-template", json=TEMPLATE)
    return str(programme["id"])


def enrol(admin: ApiClient, programme_id: str, given: str, family: str) -> dict[str, Any]:
    ref = f"LC{uuid.uuid4().hex[:8].upper()}"
    uln = make_uln(uuid.uuid4().int % 10**8)
    admin.json(
        "POST", f"/api/programmes/{programme_id}/enrolments", 201,
        json={"learner": {"LearnRefNumber": ref, "ULN": uln, "GivenNames": given,
                          "FamilyName": family, "DateOfBirth": "2003-05-04",
                          "Postcode": "B1 1AA"},
              "LearnStartDate": "2026-09-01"},
    )  # fmt: skip

    def listed() -> dict[str, Any] | None:
        items = admin.json("GET", "/api/ilrs", params={"learn_ref": ref})["items"]
        return items[0] if items else None

    summary = wait_until(listed, 60, message=f"ILR of {ref}")
    return dict(admin.json("GET", f"/api/ilrs/{summary['id']}"))


def prog(ilr: dict[str, Any]) -> dict[str, Any]:
    return next(d for d in ilr["record"]["LearningDelivery"] if d["LearnAimRef"] == "ZPROG001")


def patch(client: ApiClient, ilr_id: str, body: dict[str, Any], expect: int = 200) -> Any:
    etag = client.get(f"/api/ilrs/{ilr_id}").headers["ETag"]
    return client.patch(f"/api/ilrs/{ilr_id}", expect, json=body, headers={"If-Match": etag})


def transition(client: ApiClient, ilr_id: str, action: str, expect: int = 200) -> Any:
    return client.post(f"/api/ilrs/{ilr_id}/transitions", expect, json={"action": action})


# ------------------------------------------------------------ prefill with provenance


def test_hand_set_value_survives_template_change_and_reset_restores_template(
    admin: ApiClient,
) -> None:
    pid = new_programme(admin)
    ilr = enrol(admin, pid, "Mary", "Somerville")
    ilr_id = ilr["id"]
    assert prog(ilr)["DelLocPostCode"] == "B1 1AA"

    patch(admin, ilr_id, {"set": {"LearningDelivery[key=prog].DelLocPostCode": "M1 1AE"}})

    changed = copy.deepcopy(TEMPLATE)
    changed["LearningDelivery"][0]["DelLocPostCode"] = "LS1 1UR"
    changed["LearningDelivery"][0]["EPAOrgID"] = "EPA0200"
    saved = admin.json("PUT", f"/api/programmes/{pid}/ilr-template", json=changed)

    def template_applied() -> dict[str, Any] | None:
        current = admin.json("GET", f"/api/ilrs/{ilr_id}")
        return current if current["template_revision"] == saved["revision"] else None

    current = wait_until(template_applied, 60, message="template change applied")
    assert prog(current)["DelLocPostCode"] == "M1 1AE"  # a person's value is kept
    assert prog(current)["EPAOrgID"] == "EPA0200"  # the template's value arrives
    provenance = current["provenance"]
    assert provenance["LearningDelivery[key=prog].DelLocPostCode"]["source"] == "person"
    assert provenance["LearningDelivery[key=prog].EPAOrgID"]["source"] == "template"

    etag = admin.get(f"/api/ilrs/{ilr_id}").headers["ETag"]
    reset = admin.json(
        "POST", f"/api/ilrs/{ilr_id}/reset-to-template",
        json={"fields": ["LearningDelivery[key=prog].DelLocPostCode"]},
        headers={"If-Match": etag},
    )  # fmt: skip
    assert prog(reset)["DelLocPostCode"] == "LS1 1UR"
    assert reset["provenance"]["LearningDelivery[key=prog].DelLocPostCode"]["source"] == "template"


# ------------------------------------------------------------ review and workflow


def test_search_edit_versions(admin: ApiClient) -> None:
    pid = new_programme(admin)
    family = f"Franklin{uuid.uuid4().hex[:4]}"
    ilr = enrol(admin, pid, "Rosalind", family)
    ilr_id, record = ilr["id"], ilr["record"]

    def found(**params: Any) -> set[str]:
        return {i["id"] for i in admin.json("GET", "/api/ilrs", params=params)["items"]}

    assert ilr_id in found(q=family[:6].lower())  # partial, case-insensitive
    assert ilr_id in found(uln=record["ULN"])
    assert ilr_id in found(learn_ref=record["LearnRefNumber"])
    assert ilr_id in found(status="newly_submitted", programme_id=pid)
    assert ilr_id not in found(status="signed", programme_id=pid)

    response = admin.get(f"/api/ilrs/{ilr_id}")
    etag = response.headers["ETag"]
    admin.patch(f"/api/ilrs/{ilr_id}", 200, json={"set": {"GivenNames": "Rosa"}},
                headers={"If-Match": etag})  # fmt: skip
    stale = admin.patch(f"/api/ilrs/{ilr_id}", 412, json={"set": {"GivenNames": "R"}},
                        headers={"If-Match": etag})  # fmt: skip
    assert stale.json()["detail"]
    admin.patch(f"/api/ilrs/{ilr_id}", 428, json={"set": {"GivenNames": "R"}})

    versions = admin.json("GET", f"/api/ilrs/{ilr_id}/versions")["items"]
    latest = versions[-1] if versions[-1]["version"] > versions[0]["version"] else versions[0]
    assert latest["source"] == "person" and "GivenNames" in latest["changed_fields"]
    detail = admin.json("GET", f"/api/ilrs/{ilr_id}/versions/{latest['version']}")
    assert {"path": "GivenNames", "before": "Rosalind", "after": "Rosa"} in detail["diff"]
    assert detail["record"]["GivenNames"] == "Rosa"


@pytest.mark.parametrize("allow_sign", [False, True], ids=["verify-first", "sign-directly"])
def test_workflow(admin: ApiClient, stack: RunningStack, allow_sign: bool) -> None:
    pid = new_programme(admin, allow_sign=allow_sign)
    ilr = enrol(admin, pid, "Dorothy", "Hodgkin")
    ilr_id = ilr["id"]
    _complete(admin, ilr, 30 + int(allow_sign))  # nothing left that blocks QA verification
    verifier = role_client(stack, "verifier", "e2e-verifier")
    with learner_client(stack, ilr_id) as learner:
        if allow_sign:
            assert "sign" in learner.json("GET", f"/api/ilrs/{ilr_id}")["allowed_actions"]
        else:
            refused = transition(learner, ilr_id, "sign", expect=409)
            assert refused.json()["allowed_actions"] == []
            transition(verifier, ilr_id, "request_signature", expect=403)
            transition(admin, ilr_id, "request_signature")
        signed = transition(learner, ilr_id, "sign").json()
        assert signed["status"] == "signed"
        assert signed["signature"]["version"] == signed["version"]

        # editing signed content sends it back for a new signature
        patch(admin, ilr_id, {"set": {"GivenNames": "Dot"}})
        assert admin.json("GET", f"/api/ilrs/{ilr_id}")["status"] == "signature_required"
        transition(learner, ilr_id, "sign")

    transition(admin, ilr_id, "qa_verify", expect=403)  # admin is not a verifier
    verified = transition(verifier, ilr_id, "qa_verify").json()
    assert verified["status"] == "qa_verified"
    completed = transition(admin, ilr_id, "complete").json()
    assert completed["status"] == "completed"
    reopened = admin.json(
        "POST", f"/api/ilrs/{ilr_id}/transitions",
        json={"action": "reopen", "reason": "correction"},
    )  # fmt: skip
    assert reopened["status"] == "newly_submitted"
    actions = [v.get("action") for v in admin.json("GET", f"/api/ilrs/{ilr_id}/versions")["items"]]
    assert {"sign", "qa_verify", "complete", "reopen"} <= set(actions)
    verifier.close()


# ------------------------------------------------------------ the return


def verify(admin: ApiClient, stack: RunningStack, ilr_id: str) -> None:
    transition(admin, ilr_id, "request_signature")
    with learner_client(stack, ilr_id) as learner:
        transition(learner, ilr_id, "sign")
    with role_client(stack, "verifier", "e2e-verifier") as verifier:
        transition(verifier, ilr_id, "qa_verify")


def test_export_of_verified_learners_submit_and_complete(
    admin: ApiClient, stack: RunningStack
) -> None:
    pid = new_programme(admin)
    good = enrol(admin, pid, "Katherine", "Johnson")
    bad = enrol(admin, pid, "Dorothy", "Vaughan")
    for n, ilr in enumerate((good, bad)):
        _complete(admin, ilr, 40 + n)
        verify(admin, stack, ilr["id"])
    # A verified record edited into an error goes back for a signature, and the error
    # blocks its QA verification: the one validation the export runs too.
    uln = int(bad["record"]["ULN"])
    patch(admin, bad["id"], {"set": {"ULN": uln - uln % 10 + (uln % 10 + 1) % 10}})
    findings = admin.json("GET", f"/api/ilrs/{bad['id']}/validation")["findings"]
    assert "ULN_04" in {f["rule"] for f in findings}
    with learner_client(stack, bad["id"]) as learner:
        transition(learner, bad["id"], "sign")
    with role_client(stack, "verifier", "e2e-verifier") as verifier:
        refused = transition(verifier, bad["id"], "qa_verify", expect=409).json()
    assert [f["rule"] for f in refused["findings"]] == ["ULN_04"]

    created = admin.post(
        "/api/exports", 202,
        json={"academic_year": "2026/27", "programme_ids": [pid],
              "statuses": ["signed", "qa_verified", "completed"]},
    ).json()  # fmt: skip

    def finished() -> dict[str, Any] | None:
        job: dict[str, Any] = admin.json("GET", f"/api/exports/{created['id']}")
        return job if job["state"] in ("succeeded", "failed") else None

    job = wait_until(finished, 120, 0.5, message="export finished")
    assert job["state"] == "succeeded", job
    assert job["counts"] == {"included": 1, "left_out": 1}
    assert job["validation_summary"]["by_rule"].get("ULN_04") == 1
    assert job["validation_summary"]["left_out_by_rule"] == {"ULN_04": 1}
    assert re.fullmatch(rf"ILR-{TENANT}-2627-\d{{8}}-\d{{6}}-\d{{2}}\.XML", job["file_name"])

    file = admin.get(f"/api/exports/{created['id']}/file")
    assert job["file_name"] in file.headers["Content-Disposition"]
    document = etree.fromstring(file.content)
    schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "ILR-2026-27-schemafile-January.xsd")))
    assert schema.validate(document), schema.error_log
    header = document.find(f"{NS}Header")
    assert header is not None
    assert header.findtext(f"{NS}CollectionDetails/{NS}Collection") == "ILR"
    assert header.findtext(f"{NS}CollectionDetails/{NS}Year") == "2627"
    assert header.findtext(f"{NS}Source/{NS}ProtectiveMarking") == "OFFICIAL-SENSITIVE-Personal"
    assert header.findtext(f"{NS}Source/{NS}UKPRN") == TENANT
    refs = [e.findtext(f"{NS}LearnRefNumber") for e in document.findall(f"{NS}Learner")]
    assert refs == [good["record"]["LearnRefNumber"]]

    report = admin.json("GET", f"/api/exports/{created['id']}/report")["learners"]
    left_out = next(r for r in report if r["LearnRefNumber"] == bad["record"]["LearnRefNumber"])
    assert not left_out["included"]
    assert "ULN_04" in {f["rule"] for f in left_out["findings"]}

    admin.post(f"/api/exports/{created['id']}/submitted", 200)

    def completed() -> bool:
        status: str = admin.json("GET", f"/api/ilrs/{good['id']}")["status"]
        return status == "completed"

    wait_until(completed, 60, message="the exported ILR completed")
    assert admin.json("GET", f"/api/ilrs/{bad['id']}")["status"] == "signed"


def test_import_of_the_official_samples(stack: RunningStack) -> None:
    secret = CommonSettings().jwt_secret.get_secret_value()
    bearer = mint_token(secret, sub="e2e-importer", tenant="99999999", roles=["admin"])
    with ApiClient(stack.base_url, bearer) as importer:
        sample = SCHEMAS / "ILR-99999999-2526-20250108-094401.xml"
        result = importer.json(
            "POST", "/api/ilrs/import",
            files={"file": (sample.name, sample.read_bytes(), "application/xml")},
        )  # fmt: skip
        assert result["academic_year"] == "2025/26"
        assert result["created"] + result["updated"] + result["unchanged"] == 19

        sample = SCHEMAS / "ILR-99999999-2627-20250408-094403.xml"
        refused = importer.post(
            "/api/ilrs/import", 422, content=sample.read_bytes(),
            headers={"Content-Type": "application/xml"},
        )  # fmt: skip
        assert "GrowthskillsAppunits" in refused.text
        partial = importer.json(
            "POST", "/api/ilrs/import", params={"skip_invalid": "true"},
            content=sample.read_bytes(), headers={"Content-Type": "application/xml"},
        )  # fmt: skip
        assert partial["academic_year"] == "2026/27"
        assert [s["LearnRefNumber"] for s in partial["skipped"]] == ["GrowthskillsAppunits"]
        listed = importer.items("/api/ilrs", academic_year="2026/27")
        assert len(listed) == 15
