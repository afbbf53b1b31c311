"""Optimistic concurrency in the browser: a stale save (412) reloads the record, shows what
changed meanwhile and keeps the user's unsaved value; workflow buttons follow allowed_actions."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.browser.test_admin_story import api, find_ilr, poll, sign_in
from tests.e2e.support import make_uln

pytestmark = pytest.mark.timeout(300)


def test_stale_save_shows_what_changed(
    new_page: Callable[[], Any], app_url: str, screenshot: Callable[[Any, str], Any]
) -> None:
    client = api(app_url, sub="e2e-browser-other-admin")
    suffix = uuid.uuid4().hex[:6].upper()
    prog = client.post(
        "/api/programmes", json={"name": f"Conflict {suffix}", "academic_year": "2026/27"}
    )
    assert prog.status_code == 201, prog.text
    pid = prog.json()["id"]
    ref = f"C{suffix}"
    enr = client.post(
        f"/api/programmes/{pid}/enrolments",
        json={
            "learner": {
                "LearnRefNumber": ref,
                "ULN": make_uln(int(uuid.uuid4().int % 10**8)),
                "GivenNames": "Grace",
                "FamilyName": "Hopper",
            },
            "LearnStartDate": "2026-09-01",
            "LearnPlanEndDate": "2027-09-01",
        },
    )
    assert enr.status_code == 201, enr.text
    ilr_id = poll(lambda: find_ilr(client, ref), what="ILR created")["id"]

    page = new_page()
    sign_in(page, "admin", sub="admin-browser")
    page.goto(f"/ilrs/{ilr_id}?tab=user")
    form = page.get_by_test_id("user-form")
    form.get_by_role("textbox", name="Address line 1").fill("1 Compiler Street")

    # Someone else saves meanwhile.
    current = client.get(f"/api/ilrs/{ilr_id}")
    changed = client.patch(
        f"/api/ilrs/{ilr_id}",
        json={"set": {"TelNo": "01210000000"}},
        headers={"If-Match": current.headers["etag"]},
    )
    assert changed.status_code == 200, changed.text

    form.get_by_test_id("save-record").click()
    conflict = page.get_by_test_id("conflict")
    conflict.wait_for()
    assert "e2e-browser-other-admin" in conflict.inner_text()
    page.get_by_role("cell", name="TelNo").wait_for()
    assert form.get_by_role("textbox", name="Address line 1").input_value() == "1 Compiler Street"
    assert form.get_by_role("textbox", name="Telephone number").input_value() == "01210000000"
    screenshot(page, "17-edit-conflict")

    form.get_by_test_id("save-record").click()
    page.get_by_text("Your changes were saved as a new version.").wait_for()
    record = client.get(f"/api/ilrs/{ilr_id}").json()["record"]
    assert record["AddLine1"] == "1 Compiler Street"
    assert record["TelNo"] == "01210000000"

    # Workflow: only allowed actions are offered; a learner's action is not.
    workflow = page.get_by_test_id("workflow")
    assert workflow.get_by_test_id("action-request_signature").is_visible()
    assert workflow.get_by_test_id("action-sign").count() == 0
    client.close()
