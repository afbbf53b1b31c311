"""The seed product's story, walked in a real browser through the gateway:

create a programme and its ILR template → enrol two learners → find one by ULN → edit a
field by hand → change the template → the hand-set value stays (the other learner follows
the template) → request signature → the learner signs → a verifier verifies → export →
download the file. A screenshot of each main screen goes to artifacts/screenshots/.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.support import TENANT, make_uln, token
from tests.support.learners import completion

pytestmark = pytest.mark.timeout(600)

FILE_NAME = re.compile(rf"^ILR-{TENANT}-2627-\d{{8}}-\d{{6}}-\d{{2}}\.XML$")


def sign_in(page: Any, role: str, learner_id: str | None = None, sub: str | None = None) -> None:
    page.goto("/signin")
    page.get_by_label("Provider (UKPRN)").fill(TENANT)
    page.get_by_label("Role").select_option(role)
    if learner_id:
        page.get_by_label("Learner's ILR id").fill(learner_id)
    if sub:
        page.get_by_label("User id (optional)").fill(sub)
    page.get_by_test_id("dev-signin").click()
    page.get_by_test_id("who").wait_for()


def api(
    app_url: str, roles: tuple[str, ...] = ("admin",), sub: str = "e2e-browser-api"
) -> httpx.Client:
    return httpx.Client(
        base_url=app_url,
        headers={"Authorization": f"Bearer {token(TENANT, roles, sub=sub)}"},
        timeout=30,
    )


def poll(fn: Callable[[], Any], timeout: float = 60, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(0.5)
    raise AssertionError(f"{what}: not met after {timeout}s (last {last!r})")


def complete_admin_part(client: httpx.Client, ilr_id: str) -> None:
    current = client.get(f"/api/ilrs/{ilr_id}")
    fields = completion()
    body = {"set": {k: fields[k] for k in ("AddLine1", "LearnerEmploymentStatus")}}
    # the end-point assessment price that goes with the template's EPAOrgID (EPAOrgID_03)
    prog = next(
        d for d in current.json()["record"]["LearningDelivery"] if d["LearnAimRef"] == "ZPROG001"
    )
    prices = prog.get("AppFinRecord") or []
    epa = {**prices[0], "AFinCode": 2, "AFinAmount": 1500}
    body["set"][f"LearningDelivery[seq={prog['AimSeqNumber']}].AppFinRecord"] = [*prices, epa]
    saved = client.patch(
        f"/api/ilrs/{ilr_id}", json=body, headers={"If-Match": current.headers["ETag"]}
    )
    assert saved.status_code == 200, saved.text


def find_ilr(client: httpx.Client, learn_ref: str) -> dict[str, Any] | None:
    r = client.get("/api/ilrs", params={"learn_ref": learn_ref})
    r.raise_for_status()
    items = r.json()["items"]
    return items[0] if items else None


def delivery(client: httpx.Client, ilr_id: str, aim: str) -> dict[str, Any]:
    ilr = client.get(f"/api/ilrs/{ilr_id}").json()
    return next(d for d in ilr["record"].get("LearningDelivery", []) if d.get("LearnAimRef") == aim)


def test_seed_story_in_the_browser(
    new_page: Callable[[], Any], app_url: str, screenshot: Callable[[Any, str], Any]
) -> None:
    suffix = uuid.uuid4().hex[:6].upper()
    name = f"Level 3 Data Technician {suffix}"
    refs = [f"B{suffix}1", f"B{suffix}2"]
    seed = int(uuid.uuid4().int % 10**8)
    ulns = [make_uln(seed), make_uln(seed + 7919)]
    client = api(app_url)

    # --- sign in (development token minted in the browser) ---
    admin = new_page()
    admin.goto("/")
    admin.get_by_role("heading", name="Sign in").wait_for()
    screenshot(admin, "01-sign-in")
    sign_in(admin, "admin", sub="admin-browser")
    admin.get_by_role("heading", name="Programmes").wait_for()

    # --- create the programme ---
    admin.get_by_test_id("new-programme").click()
    dialog = admin.get_by_role("dialog")
    dialog.get_by_label("Programme name").fill(name)
    dialog.get_by_label("Academic year").select_option("2026/27")
    dialog.get_by_label("Allow to sign without verification").uncheck()
    dialog.get_by_test_id("create-programme").click()
    admin.get_by_role("tab", name="Template").wait_for()
    programme_id = admin.url.split("/programmes/")[1].split("?")[0]

    # --- ILR template (Template tab): codes from the year's code lists ---
    admin.get_by_label("Programme type (ProgType)").select_option("25")
    admin.get_by_label("Apprenticeship standard code (StdCode)").fill("28")
    admin.get_by_label("Funding model (FundModel)").select_option("36")
    admin.get_by_label("Planned off-the-job hours").fill("278")
    admin.get_by_label("Planned duration (months)").fill("15")
    aim0 = admin.get_by_test_id("aim-0")
    aim0.get_by_label("Learning aim reference (LearnAimRef)").fill("ZPROG001")
    aim0.get_by_label("Aim type (AimType)").select_option("1")
    aim0.get_by_label("Delivery location postcode (DelLocPostCode)").fill("B1 1AA")
    aim0.get_by_label("End-point assessment organisation (EPAOrgID)").fill("EPA0175")
    admin.get_by_test_id("add-fam-0").click()
    aim0.get_by_label("FAM 1 type").select_option("SOF")
    aim0.get_by_label("FAM 1 code").select_option("105")
    admin.get_by_test_id("add-fam-0").click()
    aim0.get_by_label("FAM 2 type").select_option("ACT")
    aim0.get_by_label("FAM 2 code").select_option("1")
    admin.get_by_test_id("add-fin-0").click()
    aim0.get_by_label("Record 1 type").select_option("TNP")
    aim0.get_by_label("Record 1 code").select_option("1")
    aim0.get_by_label("Record 1 amount").fill("12000")
    aim0.get_by_label("Record 1 offset days").fill("0")
    admin.get_by_test_id("add-aim").click()
    aim1 = admin.get_by_test_id("aim-1")
    aim1.get_by_label("Key").fill("maths")
    aim1.get_by_label("Learning aim reference (LearnAimRef)").fill("60347024")
    aim1.get_by_label("Aim type (AimType)").select_option("3")
    admin.get_by_test_id("add-fam-1").click()
    aim1.get_by_label("FAM 1 type").select_option("SOF")
    aim1.get_by_label("FAM 1 code").select_option("105")
    admin.get_by_test_id("template-confirm").click()
    admin.get_by_text("Template saved (revision 1)").wait_for()
    screenshot(admin, "02-programme-template")

    admin.get_by_role("tab", name="Main").click()
    admin.get_by_label("ILR enabled").wait_for()
    admin.get_by_test_id("main-confirm").click()
    admin.get_by_text("The ILR settings were saved.").wait_for()
    screenshot(admin, "03-programme-main")

    # --- enrol two learners (instant ULN check-digit feedback first) ---
    admin.get_by_role("tab", name=re.compile("Enrolments")).click()
    uln_box = admin.get_by_label("Unique learner number (ULN)")
    bad = str(ulns[0])[:9] + str((int(str(ulns[0])[9]) + 1) % 10)
    uln_box.fill(bad)
    admin.get_by_text("check digit (last digit) does not match").wait_for()
    for i, (ref, uln) in enumerate(zip(refs, ulns, strict=True)):
        admin.get_by_label("Learner reference number").fill(ref)
        uln_box.fill(str(uln))
        admin.get_by_test_id("uln-ok").wait_for()
        admin.get_by_label("Given names").fill(["Ada", "Alan"][i])
        admin.get_by_label("Family name").fill(["Lovelace", "Turing"][i])
        admin.get_by_label("Date of birth").fill(["01/02/2004", "23/06/2003"][i])
        admin.get_by_label("Email").fill(f"learner{i}@example.org")
        admin.get_by_label("Postcode").fill("B1 1AA")
        admin.get_by_label("Start date").fill("01/09/2026")
        admin.get_by_label("Planned end date").fill("01/12/2027")
        admin.get_by_test_id("enrol-submit").click()
        admin.get_by_text("Learner enrolled").wait_for()
    admin.get_by_test_id("enrolments-table").get_by_text(refs[1]).wait_for()
    screenshot(admin, "04-enrolments")

    # The ILRs are created from the enrolment events (asynchronously).
    def ilr_of(ref: str) -> str:
        return str(poll(lambda: find_ilr(client, ref), what=f"ILR of {ref} created")["id"])

    ilr_ids = [ilr_of(r) for r in refs]
    poll(
        lambda: any(
            d.get("LearnAimRef") == "ZPROG001"
            for d in client.get(f"/api/ilrs/{ilr_ids[0]}")
            .json()["record"]
            .get("LearningDelivery", [])
        ),
        what="prefilled",
    )

    # --- find one learner by ULN ---
    admin.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Individual Learner Records"
    ).click()
    # the enrolment form just left has a "ULN" field too: fill the search form's, once shown
    admin.get_by_role("heading", name="Individual Learner Records").wait_for()
    search = admin.get_by_role("search", name="Search ILRs")
    search.get_by_label("ULN").fill(str(ulns[0]))
    search.get_by_test_id("search-ilrs").click()
    rows = admin.get_by_test_id("ilr-row")
    # waits for the filtered page to replace the unfiltered one (other tests add ILRs)
    expect(rows).to_have_count(1)
    assert refs[0] in rows.first.inner_text()
    screenshot(admin, "05-ilr-list")
    rows.first.get_by_test_id("edit-ilr").click()
    admin.get_by_role("tab", name="User").wait_for()
    screenshot(admin, "06-ilr-user-tab")

    # --- Admin tab: amend the programme aim's delivery postcode by hand ---
    admin.get_by_role("tab", name="Admin").click()
    aims = admin.get_by_test_id("aims-table")
    aims.get_by_text("ZPROG001").wait_for()
    screenshot(admin, "07-ilr-admin-tab")
    aims.locator("tr", has_text="ZPROG001").get_by_role("link", name=re.compile("Amend")).click()
    form = admin.get_by_test_id("aim-form")
    postcode = form.locator('[data-path$=".DelLocPostCode"]')
    assert postcode.get_by_test_id("provenance").inner_text().startswith("template")
    postcode.get_by_label("Delivery location postcode").fill("M1 1AE")
    form.get_by_test_id("save-record").click()
    admin.get_by_text("Your changes were saved as a new version.").wait_for()
    assert (
        "set by"
        in form.locator('[data-path$=".DelLocPostCode"]').get_by_test_id("provenance").inner_text()
    )
    screenshot(admin, "08-aim-amended")

    # --- change the template: the hand-set value stays, template values flow ---
    admin.goto(f"/programmes/{programme_id}?tab=template")
    aim0 = admin.get_by_test_id("aim-0")
    aim0.get_by_label("Delivery location postcode (DelLocPostCode)").fill("LS1 1AA")
    aim0.get_by_label("End-point assessment organisation (EPAOrgID)").fill("EPA0001")
    admin.get_by_test_id("template-confirm").click()
    admin.get_by_text("Template saved (revision 2)").wait_for()

    poll(
        lambda: delivery(client, ilr_ids[1], "ZPROG001").get("DelLocPostCode") == "LS1 1AA",
        what="template change reached learner 2",
    )
    poll(
        lambda: delivery(client, ilr_ids[0], "ZPROG001").get("EPAOrgID") == "EPA0001",
        what="template change reached learner 1",
    )
    assert delivery(client, ilr_ids[0], "ZPROG001")["DelLocPostCode"] == "M1 1AE"

    admin.goto(f"/ilrs/{ilr_ids[0]}?tab=admin")
    prog_row = admin.get_by_test_id("aims-table").locator("tr", has_text="ZPROG001")
    prog_row.get_by_role("link", name=re.compile("Amend")).click()
    form = admin.get_by_test_id("aim-form")
    assert form.locator('[data-path$=".DelLocPostCode"] input').input_value() == "M1 1AE"
    assert form.locator('[data-path$=".EPAOrgID"] input').input_value() == "EPA0001"
    # dates are shown in UK format whatever the browser's locale
    assert form.locator('[data-path$=".LearnStartDate"] input').input_value() == "01/09/2026"
    screenshot(admin, "09-hand-set-value-kept")

    # --- history: versions and a side-by-side compare ---
    admin.goto(f"/ilrs/{ilr_ids[0]}?tab=history")
    versions = admin.get_by_test_id("versions-table")
    versions.locator("tbody tr").nth(1).wait_for()
    boxes = versions.get_by_role("checkbox")
    boxes.nth(0).check()
    boxes.nth(boxes.count() - 1).check()
    admin.get_by_test_id("compare").click()
    admin.get_by_test_id("compare-view").wait_for()
    screenshot(admin, "10-history-compare")

    # --- the learner's User part is completed, then the admin requests a signature ---
    admin.goto(f"/ilrs/{ilr_ids[0]}?tab=validation")
    admin.get_by_role("heading", name="Validation").wait_for()
    admin.locator("[data-testid=findings], [data-testid=no-findings]").first.wait_for()
    screenshot(admin, "11-validation")
    admin.get_by_role("tab", name="User").click()
    admin.get_by_test_id("action-request_signature").click()
    admin.get_by_test_id("workflow-message").filter(has_text="Signature required").wait_for()

    # --- the learner signs in, completes their details and signs ---
    learner = new_page()
    sign_in(learner, "learner", learner_id=ilr_ids[0])
    learner.get_by_role("heading", name="Your Individual Learner Record").wait_for()
    lf = learner.get_by_test_id("learner-form")
    lf.get_by_label("Sex").select_option("F")
    lf.get_by_label("Ethnicity").select_option("31")
    lf.get_by_label("National Insurance number").fill("AB123456C")
    lf.get_by_label("Learning difficulty, disability or health problem").select_option("2")
    lf.get_by_label("Postcode prior to enrolment").fill("B1 1AA")
    lf.get_by_test_id("add-PriorAttain").click()
    lf.get_by_label("Prior attainment 1 level").select_option("3")
    lf.get_by_label("Prior attainment 1 date applies from").fill("01/07/2025")
    lf.get_by_test_id("add-LearnerEmploymentStatus").click()
    lf.get_by_label("Employment status 1 status").select_option("10")
    lf.get_by_label("Employment status 1 date applies from").fill("01/08/2026")
    lf.get_by_test_id("save-record").click()
    learner.get_by_text("Your changes were saved as a new version.").wait_for()
    screenshot(learner, "12-learner-view")
    # the admin completes what a learner does not know (address line, employer, monitoring)
    complete_admin_part(client, ilr_ids[0])
    findings = client.get(f"/api/ilrs/{ilr_ids[0]}/validation").json()["findings"]
    assert [f for f in findings if f["severity"] == "error"] == [], findings
    learner.reload()  # the learner signs the version the admin completed
    learner.get_by_role("heading", name="Your Individual Learner Record").wait_for()
    learner.get_by_label(
        "I confirm the information in my Individual Learner Record is correct."
    ).check()
    learner.get_by_test_id("sign").click()
    learner.get_by_test_id("signed-message").wait_for()
    screenshot(learner, "13-learner-signed")

    # --- the verifier verifies ---
    verifier = new_page()
    sign_in(verifier, "verifier", sub="verifier-browser")
    verifier.get_by_role("heading", name="Waiting for QA").wait_for()
    verifier.get_by_test_id("qa-table").get_by_text(refs[0]).wait_for()
    screenshot(verifier, "14-verifier-queue")
    verifier.get_by_test_id(f"verify-{refs[0]}").click()
    verifier.get_by_test_id("verify-message").filter(has_text="QA verified").wait_for()
    assert client.get(f"/api/ilrs/{ilr_ids[0]}").json()["status"] == "qa_verified"

    # --- export, progress, download the file ---
    admin.get_by_role("navigation", name="Main").get_by_role("link", name="Exports").click()
    admin.get_by_label("QA verified").check()
    admin.get_by_label(name).check()
    expect_serials = admin.get_by_test_id("serials-left")
    expect_serials.wait_for()
    assert "serial numbers left" in expect_serials.inner_text()
    admin.get_by_test_id("purpose-submission").check()
    admin.get_by_test_id("start-export").click()
    state = admin.get_by_test_id("export-state").filter(has_text=re.compile("Finished|Failed"))
    state.wait_for(timeout=120_000)
    if "Failed" in state.inner_text():
        screenshot(admin, "15-export-failed")
        pytest.fail(f"the export failed: {admin.locator('main').inner_text()[:3000]}")
    screenshot(admin, "15-export")
    with admin.expect_download() as info:
        admin.get_by_test_id("download-file").click()
    download = info.value
    assert FILE_NAME.match(download.suggested_filename), download.suggested_filename
    xml = Path(download.path()).read_text(encoding="utf-8")
    assert f"<ULN>{ulns[0]}</ULN>" in xml
    assert "ILR/2026-27" in xml
    # the pre-submission check accounts for the learner who was not verified yet
    not_selected = admin.get_by_test_id("not-selected")
    not_selected.get_by_role("link", name=refs[1]).wait_for()
    assert "was not chosen for this build" in not_selected.inner_text()
    admin.get_by_test_id("mark-submitted").click()
    admin.get_by_test_id("confirm-submitted").click()
    admin.get_by_test_id("submitted").wait_for()
    screenshot(admin, "16-export-submitted")
    poll(
        lambda: client.get(f"/api/ilrs/{ilr_ids[0]}").json()["status"] == "completed",
        what="ILR completed after submission",
    )

    admin.goto("/programmes")
    admin.get_by_test_id("programmes-table").get_by_text(name).wait_for()
    screenshot(admin, "00-programmes")
    client.close()
