"""One validation in the browser: the QA queue counts each record's errors, a blocked
verification says why, a finding links to its official rule, and the rule catalogue page
lists every official rule with what the platform does with it."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from ilr_shared.auth import mint_token
from ilr_shared.settings import CommonSettings
from tests.e2e.browser.test_admin_story import api, find_ilr, poll, sign_in
from tests.e2e.support import TENANT, make_uln
from tests.support.learners import completion
from tests.support.templates import APPRENTICESHIP_TEMPLATE

pytestmark = pytest.mark.timeout(300)


def _enrol(client: httpx.Client, pid: str, ref: str, uln: int) -> str:
    enrolment = {
        "learner": {"LearnRefNumber": ref, "ULN": uln, "GivenNames": "Rule",
                    "FamilyName": "Checker", "DateOfBirth": "2001-02-03", "Postcode": "B1 1AA"},
        "LearnStartDate": "2026-09-01",
    }  # fmt: skip
    created = client.post(f"/api/programmes/{pid}/enrolments", json=enrolment)
    assert created.status_code == 201, created.text
    ilr_id = str(poll(lambda: find_ilr(client, ref), what=f"ILR of {ref}")["id"])

    def prefilled() -> bool:
        return bool(client.get(f"/api/ilrs/{ilr_id}").json()["record"].get("LearningDelivery"))

    poll(prefilled, what=f"ILR of {ref} prefilled")
    return ilr_id


def _patch(client: httpx.Client, ilr_id: str, values: dict[str, Any]) -> None:
    etag = client.get(f"/api/ilrs/{ilr_id}").headers["ETag"]
    saved = client.patch(f"/api/ilrs/{ilr_id}", json={"set": values}, headers={"If-Match": etag})
    assert saved.status_code == 200, saved.text


def _sign(app_url: str, client: httpx.Client, ilr_id: str) -> None:
    moved = client.post(f"/api/ilrs/{ilr_id}/transitions", json={"action": "request_signature"})
    assert moved.status_code == 200, moved.text
    secret = CommonSettings().jwt_secret.get_secret_value()
    bearer = mint_token(secret, sub="rules-learner", tenant=TENANT, roles=["learner"],
                        learner_id=ilr_id)  # fmt: skip
    with httpx.Client(base_url=app_url, headers={"Authorization": f"Bearer {bearer}"}) as learner:
        signed = learner.post(f"/api/ilrs/{ilr_id}/transitions", json={"action": "sign"})
    assert signed.status_code == 200, signed.text


@pytest.fixture(scope="module")
def signed(app_url: str) -> Iterator[dict[str, str]]:
    """Two signed learners: one complete, one without what an enrolment does not carry."""
    client = api(app_url, sub="e2e-browser-rules")
    suffix = uuid.uuid4().hex[:6].upper()
    prog = client.post(
        "/api/programmes", json={"name": f"Rules {suffix}", "academic_year": "2026/27"}
    )
    assert prog.status_code == 201, prog.text
    pid = prog.json()["id"]
    put = client.put(f"/api/programmes/{pid}/ilr-template", json=APPRENTICESHIP_TEMPLATE)
    assert put.status_code == 200, put.text
    seed = uuid.uuid4().int % 10**8
    refs = {"complete": f"R{suffix}C", "incomplete": f"R{suffix}I"}
    ids = {
        who: _enrol(client, pid, ref, make_uln(seed + n))
        for n, (who, ref) in enumerate(refs.items())
    }
    _patch(client, ids["complete"], completion(70))
    for ilr_id in ids.values():
        _sign(app_url, client, ilr_id)
    yield {**{f"{who}_ref": ref for who, ref in refs.items()}, **ids}
    client.close()


def test_qa_queue_counts_errors_and_a_blocked_record_says_why(
    new_page: Callable[[], Any], screenshot: Callable[[Any, str], Any], signed: dict[str, str]
) -> None:
    page = new_page()
    sign_in(page, "verifier", sub="verifier-rules")
    table = page.get_by_test_id("qa-table")
    expect(table.get_by_text(signed["incomplete_ref"])).to_be_visible()
    expect(page.get_by_test_id(f"errors-{signed['complete_ref']}")).to_have_text("0")
    errors = page.get_by_test_id(f"errors-{signed['incomplete_ref']}")
    expect(errors).not_to_have_text("0")
    blocked = page.get_by_test_id(f"verify-{signed['incomplete_ref']}")
    expect(blocked).to_be_disabled()
    expect(blocked).to_have_accessible_name(f"QA verify Rule Checker ({signed['incomplete_ref']})")
    screenshot(page, "30-qa-queue-error-counts")

    page.goto(f"/ilrs/{signed['incomplete']}")
    expect(page.get_by_test_id("blocked-qa_verify")).to_contain_text("validation error")
    page.goto(f"/ilrs/{signed['incomplete']}?tab=validation")
    rule = page.get_by_test_id("findings").get_by_role("link", name="FD_Sex_MA")
    rule.click()
    detail = page.get_by_test_id("rule-detail")
    expect(detail.get_by_role("heading", name="FD_Sex_MA")).to_be_visible()
    expect(detail).to_contain_text("The Sex has not been returned")
    screenshot(page, "31-rule-detail")


def test_rule_catalogue_page_lists_the_official_rules(
    new_page: Callable[[], Any], screenshot: Callable[[Any, str], Any]
) -> None:
    page = new_page()
    sign_in(page, "admin", sub="admin-rules")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Rules").click()
    summary = page.get_by_test_id("rules-summary")
    expect(summary).to_contain_text("866")
    page.get_by_label("Status").select_option("needs reference data")
    table = page.get_by_test_id("rules-table")
    expect(table.get_by_role("link", name="LearnAimRef_56")).to_be_visible()
    expect(table).to_contain_text("needs reference data: LARS")
    page.get_by_label("Rule name or message").fill("ULN_04")
    page.get_by_label("Status").select_option("")
    expect(table.locator("tbody tr")).to_have_count(1)
    screenshot(page, "32-rule-catalogue")
