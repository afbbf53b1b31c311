"""The withdraw and import screens in a real browser: an admin withdraws an enrolment (reason,
date, what it does to the ILR) and the learner's ILR is marked withdrawn; an admin uploads an ILR
file, sees the preview (nothing written), then imports it on confirmation."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from ilr_shared.ilr import build_header, write_message
from tests.e2e.browser.test_admin_story import api, find_ilr, poll, sign_in
from tests.e2e.support import TENANT, make_uln
from tests.unit.export.factory import make_learner

pytestmark = pytest.mark.timeout(300)


def test_an_admin_withdraws_an_enrolment(
    new_page: Callable[[], Any], app_url: str, screenshot: Callable[[Any, str], Any]
) -> None:
    client = api(app_url, sub="e2e-withdraw")
    suffix = uuid.uuid4().hex[:6].upper()
    prog = client.post(
        "/api/programmes", json={"name": f"Withdraw {suffix}", "academic_year": "2026/27"}
    )
    assert prog.status_code == 201, prog.text
    pid = prog.json()["id"]
    ref = f"W{suffix}"
    enrolled = client.post(
        f"/api/programmes/{pid}/enrolments",
        json={
            "learner": {"LearnRefNumber": ref, "ULN": make_uln(int(uuid.uuid4().int % 10**8)),
                        "GivenNames": "Wren", "FamilyName": f"Leaver{suffix}"},
            "LearnStartDate": "2026-09-01",
        },
    )  # fmt: skip
    assert enrolled.status_code == 201, enrolled.text
    ilr_id = poll(lambda: find_ilr(client, ref), what=f"ILR of {ref}")["id"]

    page = new_page()
    sign_in(page, "admin", sub="admin-withdraw")
    page.goto(f"/programmes/{pid}?tab=enrolments")
    page.get_by_test_id(f"withdraw-{ref}").click()
    form = page.get_by_test_id("withdraw-form")
    expect(form.get_by_test_id("withdraw-effect")).to_contain_text("left out of the ILR return")
    form.get_by_test_id("withdraw-confirm").click()  # no reason yet
    expect(page.get_by_test_id("banner-error")).to_be_visible()
    form.get_by_label("Reason").fill("Left the employer")
    form.get_by_label("Date of withdrawal").fill("20/11/2026")
    screenshot(page, "enrolment-withdraw")
    form.get_by_test_id("withdraw-confirm").click()
    expect(page.get_by_test_id("withdrawn-message")).to_contain_text("marked withdrawn")
    expect(page.get_by_test_id("enrolments-table")).to_contain_text("Withdrawn on 20/11/2026")
    expect(page.get_by_test_id(f"withdraw-{ref}")).to_have_count(0)

    enrolment = client.get(f"/api/programmes/{pid}/enrolments").json()["items"][0]
    assert (enrolment["status"], enrolment["withdrawn_on"]) == ("withdrawn", "2026-11-20")
    poll(lambda: client.get(f"/api/ilrs/{ilr_id}").json()["withdrawn"], what="ILR withdrawn")
    client.close()


def ilr_file(refs: list[str]) -> bytes:
    """A 2026/27 ILR file of the test provider; the last learner has a ULN the schema refuses."""
    learners = []
    for index, ref in enumerate(refs):
        learner = make_learner(index + 1)
        learner["LearnRefNumber"] = ref
        learners.append(learner)
    now = dt.datetime.now().replace(microsecond=0)
    header = build_header(
        "2026/27",
        ukprn=int(TENANT),
        serial_no="01",
        file_preparation_date=now.date(),
        date_time=now,
    )
    buffer = io.BytesIO()
    write_message(buffer, "2026/27", header=header, ukprn=int(TENANT), learners=learners)
    bad_uln = str(learners[-1]["ULN"]).encode()
    return buffer.getvalue().replace(b"<ULN>" + bad_uln + b"</ULN>", b"<ULN>12345</ULN>")


def test_an_admin_previews_then_imports_an_ilr_file(
    new_page: Callable[[], Any],
    app_url: str,
    tmp_path: Path,
    screenshot: Callable[[Any, str], Any],
) -> None:
    client = api(app_url, sub="e2e-import")
    suffix = uuid.uuid4().hex[:6].upper()
    refs = [f"I{suffix}{i}" for i in range(3)]
    path = tmp_path / "ILR-import.xml"
    path.write_bytes(ilr_file(refs))

    page = new_page()
    sign_in(page, "admin", sub="admin-import")
    page.goto("/ilrs")
    page.get_by_test_id("import-link").click()
    page.get_by_test_id("import-file").set_input_files(str(path))
    page.get_by_test_id("import-preview").click()
    result = page.get_by_test_id("import-preview-result")
    expect(result.get_by_test_id("preview-counts")).to_contain_text("2 new ILRs")
    expect(result.get_by_test_id("preview-counts")).to_contain_text("1 refused")
    expect(result.get_by_test_id("preview-learners")).to_contain_text(refs[2])
    expect(result.get_by_test_id("preview-blocked")).to_be_visible()
    assert find_ilr(client, refs[0]) is None  # the preview wrote nothing

    page.get_by_label("Import the valid learners even if some are refused").check()
    page.get_by_test_id("import-preview").click()
    expect(page.get_by_test_id("import-confirm")).to_be_visible()
    screenshot(page, "import-preview")
    assert find_ilr(client, refs[0]) is None
    page.get_by_test_id("import-confirm").click()
    expect(page.get_by_test_id("import-done")).to_contain_text("2 new")
    imported = poll(lambda: find_ilr(client, refs[0]), what="imported ILR")
    assert imported["academic_year"] == "2026/27"
    assert find_ilr(client, refs[2]) is None
    client.close()
