"""The rollover screen in a real browser: an admin previews continuing 2025/26 learners
rolling into 2026/27 (nothing written), confirms, and reaches the new ILRs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from ilr_shared.ilr.years import sample_bytes
from tests.e2e.browser.test_admin_story import api, sign_in
from tests.e2e.support import TENANT

pytestmark = pytest.mark.timeout(300)
SAMPLE_UKPRN = b"99999999"


def test_an_admin_previews_then_rolls_learners_over(
    new_page: Callable[[], Any], app_url: str, screenshot: Callable[[Any, str], Any]
) -> None:
    client = api(app_url, sub="e2e-rollover")
    imported = client.post(
        "/api/ilrs/import",
        content=sample_bytes("2025/26").replace(SAMPLE_UKPRN, TENANT.encode()),
        headers={"Content-Type": "application/xml"},
    )
    assert imported.status_code == 200, imported.text
    ids = {item["LearnRefNumber"]: item["ilr_id"] for item in imported.json()["learners"]}
    chosen = [ids["Levy"], ids["SBLearnerEV"]]  # one continuing, one finished
    before = client.get(f"/api/ilrs/rollover/links/{ids['Levy']}").json()["rolled_over_to"]

    page = new_page()
    sign_in(page, "admin", sub="admin-rollover")
    page.goto("/ilrs")
    expect(page.get_by_test_id("rollover-link")).to_be_visible()
    page.goto("/ilrs/rollover?year=2025/26&" + "&".join(f"ilr={i}" for i in chosen))
    expect(page.get_by_test_id("rollover-selection")).to_contain_text("2 selected")
    page.get_by_test_id("rollover-preview").click()
    result = page.get_by_test_id("rollover-preview-result")
    expect(result.get_by_test_id("rollover-counts")).to_contain_text("Not continuing")
    expect(result.get_by_test_id("rollover-learners")).to_contain_text("Levy")
    screenshot(page, "rollover-preview")
    links = client.get(f"/api/ilrs/rollover/links/{ids['Levy']}").json()
    assert links["rolled_over_to"] == before  # the preview wrote nothing

    if before is None:
        page.get_by_test_id("rollover-confirm").click()
        expect(page.get_by_test_id("rollover-done")).to_contain_text("1 new ILR")
    links = client.get(f"/api/ilrs/rollover/links/{ids['Levy']}").json()
    assert links["rolled_over_to"]
    new = client.get(f"/api/ilrs/{links['rolled_over_to']}").json()
    assert new["academic_year"] == "2026/27"
    client.close()
