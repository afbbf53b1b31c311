"""More of the admin app in a real browser: list fields as editable tables (no JSON), reset of a
hand-set field to the template, restore of an old version, clone into the other academic year,
withdrawal of an aim, a keyboard-only walk, and an accessibility sweep of the main screens.

One programme with the seed template is made through the API for the whole module, one learner
per test (the ILRs are created from enrolment events, so they are all enrolled up front).
Every wait is on visible state (Playwright's auto-waiting `expect`), never a sleep.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.browser.test_admin_story import api, find_ilr, poll, sign_in
from tests.e2e.support import TENANT, make_uln
from tests.support.templates import APPRENTICESHIP_TEMPLATE

pytestmark = pytest.mark.timeout(300)

LEARNERS = ("lists", "codes", "reset", "restore", "withdraw", "keys", "sweep")

TEMPLATE = APPRENTICESHIP_TEMPLATE


class World:
    def __init__(
        self,
        client: httpx.Client,
        programme_id: str,
        name: str,
        ilrs: dict[str, str],
        ulns: dict[str, int],
    ):
        self.client = client
        self.programme_id = programme_id
        self.name = name
        self.ilrs = ilrs
        self.ulns = ulns

    def ilr(self, who: str) -> dict[str, Any]:
        r = self.client.get(f"/api/ilrs/{self.ilrs[who]}")
        r.raise_for_status()
        return dict(r.json())

    def seq(self, who: str, aim: str) -> int:
        ds = self.ilr(who)["record"].get("LearningDelivery", [])
        return int(next(d for d in ds if d.get("LearnAimRef") == aim)["AimSeqNumber"])

    def aim(self, who: str, aim: str) -> dict[str, Any]:
        ds = self.ilr(who)["record"].get("LearningDelivery", [])
        return dict(next(d for d in ds if d.get("LearnAimRef") == aim))


@pytest.fixture(scope="module")
def world(app_url: str) -> Iterator[World]:
    client = api(app_url, sub="e2e-browser-more")
    suffix = uuid.uuid4().hex[:6].upper()
    name = f"More {suffix}"
    prog = client.post("/api/programmes", json={"name": name, "academic_year": "2026/27"})
    assert prog.status_code == 201, prog.text
    pid = prog.json()["id"]
    put = client.put(f"/api/programmes/{pid}/ilr-template", json=TEMPLATE)
    assert put.status_code == 200, put.text
    seed = int(uuid.uuid4().int % 10**8)
    refs, ulns = {}, {}
    for i, who in enumerate(LEARNERS):
        refs[who] = f"M{suffix}{i}"
        ulns[who] = make_uln(seed + 7919 * i)
        enr = client.post(
            f"/api/programmes/{pid}/enrolments",
            json={
                "learner": {
                    "LearnRefNumber": refs[who],
                    "ULN": ulns[who],
                    "GivenNames": who.capitalize(),
                    "FamilyName": f"Tester{suffix}",
                    "Postcode": "B1 1AA",
                },
                "LearnStartDate": "2026-09-01",
                "LearnPlanEndDate": "2027-12-01",
            },
        )
        assert enr.status_code == 201, enr.text
    ilrs = {
        who: str(poll(lambda r=ref: find_ilr(client, r), what=f"ILR of {ref}")["id"])  # type: ignore[misc]
        for who, ref in refs.items()
    }

    def prefilled(ilr_id: str) -> bool:
        record = client.get(f"/api/ilrs/{ilr_id}").json()["record"]
        return len(record.get("LearningDelivery", [])) == 2

    for who, ilr_id in ilrs.items():
        poll(lambda i=ilr_id: prefilled(i), what=f"ILR of {who} prefilled")  # type: ignore[misc]
    yield World(client, pid, name, ilrs, ulns)
    client.close()


def admin_page(new_page: Callable[[], Any]) -> Any:
    page = new_page()
    sign_in(page, "admin", sub="admin-more")
    return page


def saved(page: Any) -> None:
    expect(page.get_by_text("Your changes were saved as a new version.")).to_be_visible()


# --------------------------------------------------------------------------- 1. list tables


def test_list_fields_are_tables_not_json(
    new_page: Callable[[], Any], world: World, screenshot: Callable[[Any, str], Any]
) -> None:
    """User part lists (PriorAttain, LLDD, employment with its monitoring) and the aim's FAMs and
    hours are edited as tables with code-list selects and UK dates; a list keeps its provenance
    badge and reset; the learner's own form has no JSON box."""
    page = admin_page(new_page)
    ilr_id = world.ilrs["lists"]
    page.goto(f"/ilrs/{ilr_id}?tab=user")
    form = page.get_by_test_id("user-form")
    expect(form.get_by_test_id("list-PriorAttain")).to_be_visible()
    assert form.locator("textarea").count() == 0

    form.get_by_test_id("add-PriorAttain").click()
    level = form.get_by_label("Prior attainment 1 level")
    # the official numbering since 2021/22: 3 is Level 2, 6 is Full level 3
    expect(level.locator("option", has_text=re.compile(r"^6 . Full level 3$"))).to_have_count(1)
    level.select_option("3")
    form.get_by_label("Prior attainment 1 date applies from").fill("01/07/2025")

    form.get_by_test_id("add-LLDDandHealthProblem").click()
    form.get_by_label("Condition 1 category").select_option("12")
    form.get_by_label("Condition 1 primary").select_option("1")
    form.get_by_test_id("add-LLDDandHealthProblem").click()
    form.get_by_label("Condition 2 category").select_option("9")

    form.get_by_test_id("add-LearnerEmploymentStatus").click()
    form.get_by_label("Employment status 1 status").select_option("10")
    form.get_by_label("Employment status 1 date applies from").fill("01/08/2026")
    form.get_by_test_id("add-LearnerEmploymentStatus.0.EmploymentStatusMonitoring").click()
    esm_code = form.get_by_label("Employment status 1 Monitoring 1 code")
    expect(esm_code).to_have_value("")
    form.get_by_label("Employment status 1 Monitoring 1 type").select_option("EII")
    esm_code.select_option("8")
    screenshot(page, "20-ilr-user-tables")

    form.get_by_test_id("save-record").click()
    saved(page)
    rec = world.ilr("lists")["record"]
    assert rec["PriorAttain"] == [{"PriorLevel": 3, "DateLevelApp": "2025-07-01"}]
    assert rec["LLDDandHealthProblem"] == [{"LLDDCat": 12, "PrimaryLLDD": 1}, {"LLDDCat": 9}]
    assert rec["LearnerEmploymentStatus"] == [
        {
            "EmpStat": 10,
            "DateEmpStatApp": "2026-08-01",
            "EmploymentStatusMonitoring": [{"ESMType": "EII", "ESMCode": 8}],
        }
    ]
    prior = form.locator('[data-path="PriorAttain"]')
    expect(prior.get_by_test_id("provenance")).to_contain_text("set by")
    expect(form.get_by_label("Prior attainment 1 date applies from")).to_have_value("01/07/2025")

    # remove a row; a bad date is refused before anything is sent
    form.get_by_test_id("remove-LLDDandHealthProblem-1").click()
    form.get_by_label("Prior attainment 1 date applies from").fill("31/02/2025")
    form.get_by_test_id("save-record").click()
    expect(page.get_by_role("alert")).to_contain_text("is not a date")
    form.get_by_label("Prior attainment 1 date applies from").fill("01/07/2025")
    form.get_by_test_id("save-record").click()
    saved(page)
    assert world.ilr("lists")["record"]["LLDDandHealthProblem"] == [
        {"LLDDCat": 12, "PrimaryLLDD": 1}
    ]

    # --- the aim screen: FAMs (from the template) and HRS records as tables ---
    seq = world.seq("lists", "ZPROG001")
    page.goto(f"/ilrs/{ilr_id}/aims/{seq}")
    aim = page.get_by_test_id("aim-form")
    fam_path = "LearningDelivery[key=prog].LearningDeliveryFAM"
    fams = aim.get_by_test_id(f"list-{fam_path}")
    expect(aim.get_by_label("FAM 1 type")).to_have_value("SOF")
    expect(aim.get_by_label("FAM 1 code")).to_have_value("105")
    assert aim.locator("textarea").count() == 0
    fam_row = aim.locator(f'[data-path="{fam_path}"]')
    expect(fam_row.get_by_test_id("provenance")).to_contain_text("template")
    aim.get_by_test_id(f"add-{fam_path}").click()
    aim.get_by_label("FAM 3 type").select_option("LDM")
    aim.get_by_label("FAM 3 code").select_option("034")
    aim.get_by_label("FAM 3 from").fill("01/09/2026")
    aim.get_by_test_id("add-LearningDelivery[key=prog].HRSRecord").click()
    aim.get_by_label("Hours record 1 type").select_option("HRS")
    aim.get_by_label("Hours record 1 code").select_option("1")
    aim.get_by_label("Hours record 1 hours").fill("278")
    expect(fams).to_be_visible()
    screenshot(page, "21-aim-tables")
    aim.get_by_test_id("save-record").click()
    saved(page)
    d = world.aim("lists", "ZPROG001")
    assert {
        "LearnDelFAMType": "LDM",
        "LearnDelFAMCode": "034",
        "LearnDelFAMDateFrom": "2026-09-01",
    } in d["LearningDeliveryFAM"]
    assert d["HRSRecord"] == [{"HRSType": "HRS", "HRSCode": 1, "HRSAmount": 278}]
    expect(fam_row.get_by_test_id("provenance")).to_contain_text("set by")

    # reset the list to the template: the hand-added FAM goes, the badge is the template's again
    fam_row.get_by_test_id(f"reset-{fam_path}").click()
    expect(fam_row.get_by_test_id("provenance")).to_contain_text("template")
    expect(aim.get_by_label("FAM 3 type")).to_have_count(0)
    assert len(world.aim("lists", "ZPROG001")["LearningDeliveryFAM"]) == 2

    # --- the learner meets tables too, never JSON ---
    learner = new_page()
    sign_in(learner, "learner", learner_id=ilr_id)
    lf = learner.get_by_test_id("learner-form")
    expect(lf.get_by_label("Prior attainment 1 level")).to_have_value("3")
    assert lf.locator("textarea").count() == 0
    lf.get_by_test_id("add-PriorAttain").click()
    lf.get_by_label("Prior attainment 2 level").select_option("2")
    lf.get_by_label("Prior attainment 2 date applies from").fill("01/07/2022")
    screenshot(learner, "22-learner-tables")
    lf.get_by_test_id("save-record").click()
    saved(learner)
    assert len(world.ilr("lists")["record"]["PriorAttain"]) == 2


# --------------------------------------------------------------------------- 2. code lists


CODE_LISTS_URL = "**/api/programmes/code-lists?*"


def option_values(select: Any) -> list[str]:
    """The select's codes once the code lists have arrived: until then a select holds only
    its current value. Waits for more than one option, or the same single one for 5 s."""
    expect(select).to_be_visible()

    def read() -> list[str]:
        values = select.locator("option").evaluate_all("os => os.map(o => o.value)")
        return [v for v in values if v]

    deadline = time.monotonic() + 15
    values, stable_since = read(), time.monotonic()
    while time.monotonic() < deadline:
        if len(values) > 1 or time.monotonic() - stable_since > 5:
            return values
        select.page.wait_for_timeout(100)
        again = read()
        if again != values:
            values, stable_since = again, time.monotonic()
    return values


def codes(items: list[dict[str, Any]]) -> list[str]:
    return [str(c["code"]) for c in items]


def test_code_lists_come_from_the_api_only(
    new_page: Callable[[], Any], world: World, screenshot: Callable[[Any, str], Any]
) -> None:
    """Every code field offers exactly the API's list (GET /api/programmes/code-lists), for the
    learner too; when the lists cannot be loaded the form says so with a retry and the code
    fields are plain inputs that still save (ints as numbers); no list is kept in the browser."""
    ilr_id = world.ilrs["codes"]
    r = world.client.get("/api/programmes/code-lists", params={"academic_year": "2026/27"})
    r.raise_for_status()
    lists = r.json()["lists"]
    type_labels = r.json()["type_labels"]

    def types(name: str) -> set[str]:
        return set(lists[name]) | set(type_labels.get(name, {}))

    # --- the learner's own form (My ILR): selects of the API's lists ---
    learner = new_page()
    sign_in(learner, "learner", learner_id=ilr_id)
    lf = learner.get_by_test_id("learner-form")
    flat = {
        "Sex": "Sex",
        "Ethnicity": "Ethnicity",
        "Learning difficulty, disability or health problem": "LLDDHealthProb",
        "Accommodation": "Accom",
    }
    for label, name in flat.items():
        box = lf.get_by_role("combobox", name=label, exact=True)
        expect(box.locator(f"option[value='{lists[name][-1]['code']}']")).to_have_count(1)
        assert option_values(box) == codes(lists[name]), name
    expect(learner.get_by_test_id("code-lists-error")).to_have_count(0)
    lf.get_by_test_id("add-PriorAttain").click()
    level = lf.get_by_label("Prior attainment 1 level")
    expect(level).to_be_enabled()
    assert option_values(level) == codes(lists["PriorLevel"])
    lf.get_by_test_id("add-LLDDandHealthProblem").click()
    assert option_values(lf.get_by_label("Condition 1 category")) == codes(lists["LLDDCat"])
    assert option_values(lf.get_by_label("Condition 1 primary")) == codes(lists["PrimaryLLDD"])
    lf.get_by_test_id("add-LearnerEmploymentStatus").click()
    assert option_values(lf.get_by_label("Employment status 1 status")) == codes(lists["EmpStat"])
    lf.get_by_test_id("add-LearnerEmploymentStatus.0.EmploymentStatusMonitoring").click()
    esm_type = lf.get_by_label("Employment status 1 Monitoring 1 type")
    assert set(option_values(esm_type)) == types("ESMType")
    esm_type.select_option("SEM")
    esm_code = lf.get_by_label("Employment status 1 Monitoring 1 code")
    expect(esm_code.locator("option[value='1']")).to_have_count(1)
    assert option_values(esm_code) == codes(lists["ESMType"]["SEM"])
    esm_code.select_option("1")
    # only the first row of each is kept for the save
    lf.get_by_test_id("remove-LLDDandHealthProblem-0").click()
    lf.get_by_role("combobox", name="Sex", exact=True).select_option("F")
    lf.get_by_role("combobox", name="Ethnicity", exact=True).select_option("31")
    level.select_option("3")
    lf.get_by_label("Prior attainment 1 date applies from").fill("01/07/2025")
    lf.get_by_label("Employment status 1 status").select_option("10")
    lf.get_by_label("Employment status 1 date applies from").fill("01/08/2026")
    lf.get_by_test_id("save-record").click()
    saved(learner)
    rec = world.ilr("codes")["record"]
    assert (rec["Sex"], rec["Ethnicity"]) == ("F", 31)
    assert rec["PriorAttain"] == [{"PriorLevel": 3, "DateLevelApp": "2025-07-01"}]
    assert rec["LearnerEmploymentStatus"][0]["EmploymentStatusMonitoring"] == [
        {"ESMType": "SEM", "ESMCode": 1}
    ]

    # --- the lists cannot be loaded: an inline error with a retry, plain inputs that still save ---
    down = new_page()
    down.route(
        CODE_LISTS_URL,
        lambda route: route.fulfill(
            status=503,
            content_type="application/json",
            body='{"detail": "Code lists are not available"}',
        ),
    )
    sign_in(down, "learner", learner_id=ilr_id)
    df = down.get_by_test_id("learner-form")
    problem = df.get_by_test_id("code-lists-error")
    expect(problem).to_contain_text("could not be loaded")
    expect(problem).to_contain_text("Code lists are not available")
    assert df.locator("select").count() == 0
    sex = df.get_by_role("textbox", name="Sex", exact=True)
    expect(sex).to_have_value("F")
    df.get_by_role("textbox", name="Ethnicity", exact=True).fill("32")
    expect(df.get_by_label("Prior attainment 1 level")).to_have_value("3")
    df.get_by_test_id("add-PriorAttain").click()
    df.get_by_label("Prior attainment 2 level").fill("2")
    df.get_by_label("Prior attainment 2 date applies from").fill("01/07/2022")
    screenshot(down, "22a-code-lists-unavailable")
    df.get_by_test_id("save-record").click()
    saved(down)
    rec = world.ilr("codes")["record"]
    assert rec["Ethnicity"] == 32
    assert rec["PriorAttain"][1] == {"PriorLevel": 2, "DateLevelApp": "2022-07-01"}

    down.unroute(CODE_LISTS_URL)
    problem.get_by_role("button", name="Try again").click()
    expect(problem).to_have_count(0)
    expect(df.get_by_role("combobox", name="Sex", exact=True)).to_have_value("F")
    expect(df.get_by_role("combobox", name="Ethnicity", exact=True)).to_have_value("32")
    expect(df.get_by_label("Prior attainment 2 level")).to_have_value("2")
    assert option_values(df.get_by_label("Prior attainment 2 level")) == codes(lists["PriorLevel"])

    # --- the admin ILR page: User and Admin tabs, the aims table ---
    page = admin_page(new_page)
    page.goto(f"/ilrs/{ilr_id}?tab=user")
    uf = page.get_by_test_id("user-form")
    sex = uf.get_by_role("combobox", name="Sex", exact=True)
    expect(sex).to_have_value("F")
    assert option_values(sex) == codes(lists["Sex"])
    assert option_values(uf.get_by_role("combobox", name="Ethnicity", exact=True)) == codes(
        lists["Ethnicity"]
    )
    page.get_by_role("tab", name="Admin").click()
    aim_type = next(c["label"] for c in lists["AimType"] if c["code"] == 1)
    aims = page.get_by_test_id("aims-table")
    expect(aims.locator("tr", has_text="ZPROG001")).to_contain_text(f"1 \u2013 {aim_type}")
    af = page.get_by_test_id("admin-form")
    af.get_by_test_id("add-LearnerFAM").click()
    fam_type = af.get_by_label("Learner FAM 1 type")
    expect(fam_type.locator("option[value='SEN']")).to_have_count(1)
    assert set(option_values(fam_type)) == types("LearnFAMType")
    fam_type.select_option("SEN")
    af.get_by_label("Learner FAM 1 code").select_option("1")
    # ContactPreference is in neither year's XSD: the app does not offer it
    expect(af.get_by_test_id("add-ContactPreference")).to_have_count(0)
    screenshot(page, "22b-admin-code-lists")
    af.get_by_test_id("save-record").click()
    saved(page)
    rec = world.ilr("codes")["record"]
    assert rec["LearnerFAM"] == [{"LearnFAMType": "SEN", "LearnFAMCode": 1}]

    # the aim screen: delivery codes from the API too
    seq = world.seq("codes", "ZPROG001")
    page.goto(f"/ilrs/{ilr_id}/aims/{seq}")
    aim = page.get_by_test_id("aim-form")
    for name in ("AimType", "FundModel", "ProgType", "CompStatus", "Outcome", "WithdrawReason"):
        box = aim.locator(f'[data-path$=".{name}"] select')
        expect(box.locator(f"option[value='{lists[name][-1]['code']}']")).to_have_count(1)
        assert option_values(box) == codes(lists[name]), name
    expect(aim.locator('[data-path$=".FundModel"] select')).to_have_value("36")


# --------------------------------------------------------------------------- 3. reset / restore / clone / withdraw


def test_reset_hand_set_field_to_template(
    new_page: Callable[[], Any], world: World, screenshot: Callable[[Any, str], Any]
) -> None:
    page = admin_page(new_page)
    seq = world.seq("reset", "ZPROG001")
    page.goto(f"/ilrs/{world.ilrs['reset']}/aims/{seq}")
    form = page.get_by_test_id("aim-form")
    row = form.locator('[data-path$=".DelLocPostCode"]')
    box = row.get_by_role("textbox", name="Delivery location postcode")
    expect(box).to_have_value("B1 1AA")
    expect(row.get_by_test_id("provenance")).to_contain_text("template")
    box.fill("M1 1AE")
    form.get_by_test_id("save-record").click()
    saved(page)
    expect(row.get_by_test_id("provenance")).to_contain_text("set by admin-more")
    assert world.aim("reset", "ZPROG001")["DelLocPostCode"] == "M1 1AE"

    row.get_by_role("button", name="Reset Delivery location postcode to template").click()
    expect(box).to_have_value("B1 1AA")
    expect(row.get_by_test_id("provenance")).to_have_text(re.compile(r"^template r\d+$"))
    expect(row.get_by_role("button", name=re.compile("Reset"))).to_have_count(0)
    assert world.aim("reset", "ZPROG001")["DelLocPostCode"] == "B1 1AA"
    screenshot(page, "23-field-reset-to-template")


def test_restore_old_version_from_history(
    new_page: Callable[[], Any], world: World, screenshot: Callable[[Any, str], Any]
) -> None:
    page = admin_page(new_page)
    ilr_id = world.ilrs["restore"]
    page.goto(f"/ilrs/{ilr_id}?tab=user")
    form = page.get_by_test_id("user-form")
    address = form.get_by_role("textbox", name="Address line 1")
    address.fill("1 Old Street")
    form.get_by_test_id("save-record").click()
    saved(page)
    old = int(page.get_by_test_id("ilr-version").inner_text())
    address.fill("2 New Street")
    form.get_by_test_id("save-record").click()
    expect(page.get_by_test_id("ilr-version")).to_have_text(str(old + 1))

    page.get_by_role("tab", name="History").click()
    versions = page.get_by_test_id("versions-table")
    versions.get_by_role("button", name=f"Restore version {old}").click()
    expect(page.get_by_text(f"Version {old} restored")).to_be_visible()
    expect(page.get_by_test_id("ilr-version")).to_have_text(str(old + 2))
    top = versions.locator("tbody tr").first
    expect(top.locator("td").nth(1)).to_contain_text(f"{old + 2}")
    expect(top.locator("td").nth(1)).to_contain_text("current")
    assert world.ilr("restore")["record"]["AddLine1"] == "1 Old Street"
    screenshot(page, "24-history-restored")
    page.get_by_role("tab", name="User").click()
    expect(form.get_by_role("textbox", name="Address line 1")).to_have_value("1 Old Street")


def test_clone_into_the_other_year_lists_removed_codes(
    new_page: Callable[[], Any], world: World, screenshot: Callable[[Any, str], Any]
) -> None:
    client = world.client
    name = f"Units {uuid.uuid4().hex[:6].upper()}"
    prog = client.post("/api/programmes", json={"name": name, "academic_year": "2026/27"})
    assert prog.status_code == 201, prog.text
    pid = prog.json()["id"]
    # FundModel 39 and ProgType 34 exist only in 2026/27
    template = {
        "ProgType": 34,
        "FundModel": 39,
        "StdCode": None,
        "LearningDelivery": [
            {"key": "unit", "LearnAimRef": "ZPROG001", "AimType": 1, "DelLocPostCode": "B1 1AA"}
        ],
    }
    put = client.put(f"/api/programmes/{pid}/ilr-template", json=template)
    assert put.status_code == 200, put.text

    page = admin_page(new_page)
    page.get_by_label("Name").fill(name)
    page.get_by_role("button", name="Search").click()
    page.get_by_role("button", name=f"Clone {name}").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Academic year").select_option("2025/26")
    dialog.get_by_label("New programme name").fill(f"{name} 25-26")
    dialog.get_by_test_id("clone-submit").click()
    removed = dialog.get_by_test_id("removed-codes")
    expect(removed).to_be_visible()
    expect(dialog.get_by_role("heading", name=re.compile(r"not valid in 2025.26"))).to_be_visible()
    expect(removed.locator("tr", has_text="FundModel").locator("code")).to_have_text("39")
    expect(removed.locator("tr", has_text="ProgType").locator("code")).to_have_text("34")
    screenshot(page, "25-clone-removed-codes")

    dialog.get_by_role("link", name="Open the new programme").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{name} 25-26")
    expect(page.get_by_role("heading", level=1)).to_contain_text("2025/26")
    expect(page.get_by_role("tab", name="Template")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("dialog")).to_have_count(0)
    fund = page.get_by_label("Funding model (FundModel)")
    expect(fund).to_have_value("")
    assert fund.locator("option[value='39']").count() == 0
    screenshot(page, "26-cloned-programme")


def test_withdraw_an_aim(
    new_page: Callable[[], Any], world: World, screenshot: Callable[[Any, str], Any]
) -> None:
    page = admin_page(new_page)
    ilr_id = world.ilrs["withdraw"]
    seq = world.seq("withdraw", "60347024")
    page.goto(f"/ilrs/{ilr_id}/aims/{seq}")
    page.get_by_test_id("open-withdraw").click()
    page.get_by_label("Actual end date").last.fill("15/01/2027")
    page.get_by_label("Withdrawal reason").last.select_option("43")
    screenshot(page, "27-aim-withdraw-form")
    page.get_by_test_id("withdraw-submit").click()
    expect(page.get_by_test_id("aim-withdrawn")).to_contain_text("15/01/2027")
    expect(page.get_by_test_id("open-withdraw")).to_have_count(0)
    form = page.get_by_test_id("aim-form")
    expect(form.locator('[data-path$=".CompStatus"] select')).to_have_value("3")
    expect(form.locator('[data-path$=".LearnActEndDate"] input')).to_have_value("15/01/2027")
    d = world.aim("withdraw", "60347024")
    assert (d["LearnActEndDate"], d["WithdrawReason"], d["CompStatus"]) == ("2027-01-15", 43, 3)

    page.goto(f"/ilrs/{ilr_id}?tab=admin")
    row = page.get_by_test_id("aims-table").locator("tr", has_text="60347024")
    expect(row).to_contain_text("15/01/2027")
    screenshot(page, "28-aim-withdrawn")


# --------------------------------------------------------------------------- 3. keyboard only

FOCUS_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const cs = getComputedStyle(el);
  const ring = (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0) || (cs.boxShadow && cs.boxShadow !== 'none');
  const label = el.getAttribute('aria-label') || (el.labels && el.labels.length ? el.labels[0].innerText : '') || el.innerText || '';
  return {tag: el.tagName, id: el.id, name: label.trim().slice(0, 80), visible: el.matches(':focus-visible') && ring,
          testid: el.getAttribute('data-testid'), role: el.getAttribute('role'),
          selected: el.getAttribute('aria-selected'), checked: el.checked === true};
}"""


def tab_to(page: Any, want: Callable[[dict[str, Any]], bool], limit: int = 60) -> dict[str, Any]:
    """Presses Tab until the focused element matches; every stop on the way must show focus.
    Past the last element focus leaves the page (the browser's own UI) and comes back at the top."""
    passed: list[str] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        f = page.evaluate(FOCUS_JS)
        if f is None:
            assert "(page end)" not in passed, f"Tab went round the whole page: {passed}"
            passed.append("(page end)")
            continue
        assert f["visible"], f"no visible focus indicator on {f}"
        passed.append(f["name"] or f["id"] or f["tag"])
        if want(f):
            return dict(f)
    raise AssertionError(f"not reachable with Tab; passed {passed}")


def focused_tab(page: Any, name: str | re.Pattern[str]) -> None:
    """The focused element is the selected tab `name`, its focus ring showing, and its panel shown."""
    focused = page.locator("*:focus")
    expect(focused).to_have_attribute("role", "tab")
    expect(focused).to_have_text(name)
    expect(focused).to_have_attribute("aria-selected", "true")
    assert page.evaluate(FOCUS_JS)["visible"]
    expect(page.get_by_role("tabpanel")).to_be_visible()


def test_keyboard_only_walk(
    new_page: Callable[[], Any], world: World, screenshot: Callable[[Any, str], Any]
) -> None:
    page = new_page()
    page.goto("/signin")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    tab_to(page, lambda f: f["id"] == "tenant")
    page.keyboard.press("Control+A")
    page.keyboard.type(TENANT)
    f = tab_to(page, lambda f: f["id"] == "role")
    assert f["tag"] == "SELECT"
    tab_to(page, lambda f: f["id"] == "sub")
    page.keyboard.type("admin-keyboard")
    tab_to(page, lambda f: f["testid"] == "dev-signin")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("who")).to_contain_text("admin-keyboard")
    expect(page.get_by_role("heading", name="Programmes")).to_be_visible()

    tab_to(page, lambda f: f["name"] == "Individual Learner Records")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/ilrs$"))
    tab_to(page, lambda f: f["id"] == "s-uln")
    page.keyboard.type(str(world.ulns["keys"]))
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("ilr-row")).to_have_count(1)
    tab_to(page, lambda f: f["testid"] == "edit-ilr")
    page.keyboard.press("Enter")
    expect(page.get_by_role("tab", name="User")).to_have_attribute("aria-selected", "true")

    # the workflow action is reachable; the tab list is one stop, arrows move between tabs
    tab_to(page, lambda f: f["testid"] == "action-request_signature")
    f = tab_to(page, lambda f: f["role"] == "tab")
    assert f["name"] == "User" and f["selected"] == "true"
    page.keyboard.press("ArrowRight")
    focused_tab(page, "Admin")
    expect(page.get_by_role("tabpanel")).to_contain_text("Qualification aims")
    page.keyboard.press("ArrowRight")
    focused_tab(page, "History")
    expect(page.get_by_test_id("versions-table")).to_be_visible()
    page.keyboard.press("ArrowLeft")
    focused_tab(page, "Admin")
    page.keyboard.press("ArrowLeft")
    focused_tab(page, "User")
    page.keyboard.press("ArrowLeft")  # wraps round to the last tab
    focused_tab(page, re.compile("^Validation"))
    page.keyboard.press("ArrowLeft")
    focused_tab(page, "History")

    # Space ticks a version to compare; Enter on a link opens an aim from the Admin tab
    tab_to(page, lambda f: f["name"].startswith("Compare version"))
    page.keyboard.press("Space")
    expect(page.locator("*:focus")).to_be_checked()
    screenshot(page, "29-keyboard-history")
    for _ in range(20):  # back to the tab list with Shift+Tab
        page.keyboard.press("Shift+Tab")
        if page.evaluate(FOCUS_JS)["role"] == "tab":
            break
    page.keyboard.press("ArrowLeft")
    focused_tab(page, "Admin")
    tab_to(page, lambda f: f["testid"] == "edit-aim-1")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("aim-form")).to_be_visible()
    f = tab_to(page, lambda f: f["name"] == "Learning aim reference")
    assert f["tag"] == "INPUT"
    screenshot(page, "30-keyboard-aim")


# --------------------------------------------------------------------------- 4. accessibility sweep

AUDIT_JS = r"""() => {
  const problems = [];
  const shown = (el) => {
    if (!(el.offsetWidth || el.offsetHeight || el.getClientRects().length) || getComputedStyle(el).visibility === 'hidden') return false;
    const d = el.closest('details:not([open])');
    if (d && !el.closest('summary')) return false;  // the closed part of a <details>
    const r = el.getBoundingClientRect();
    return r.right > 0;  // off-screen to the left until focused (the skip link)
  };
  const text = (id) => { const e = document.getElementById(id); return e ? e.innerText : ''; };
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (el.type === 'hidden' || !shown(el)) continue;
    const name = (el.getAttribute('aria-label') || '').trim()
      || (el.getAttribute('aria-labelledby') || '').split(/\s+/).map(text).join(' ').trim()
      || Array.from(el.labels || []).map((l) => l.innerText).join(' ').trim();
    if (!name) problems.push(`form field without a label: <${el.tagName.toLowerCase()} id=${el.id} name=${el.name}>`);
  }
  for (const el of document.querySelectorAll('button, a[href], [role=button], [role=tab]')) {
    if (!shown(el)) continue;
    const name = (el.getAttribute('aria-label') || el.innerText || el.getAttribute('title') || '').trim();
    if (!name) problems.push(`control without a name: ${el.outerHTML.slice(0, 100)}`);
  }
  const hs = Array.from(document.querySelectorAll('h1, h2, h3, h4, h5, h6')).filter(shown);
  if (hs.filter((h) => h.tagName === 'H1').length !== 1) problems.push(`${hs.filter((h) => h.tagName === 'H1').length} h1 headings`);
  let prev = 0;
  for (const h of hs) {
    const level = Number(h.tagName[1]);
    if (prev === 0 && level !== 1) problems.push(`first heading is h${level}: ${h.innerText.slice(0, 40)}`);
    if (prev && level > prev + 1) problems.push(`heading skips h${prev} → h${level}: ${h.innerText.slice(0, 40)}`);
    prev = level;
  }
  const rgb = (c) => (c.match(/[\d.]+/g) || ['0', '0', '0', '1']).map(Number);
  const lum = (c) => { const [r, g, b] = rgb(c).slice(0, 3).map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const bg = (el) => { for (let e = el; e; e = e.parentElement) { const c = getComputedStyle(e).backgroundColor; const v = rgb(c); if (v.length < 4 || v[3] > 0) return c; } return 'rgb(255, 255, 255)'; };
  const seen = new Set();
  for (const el of document.querySelectorAll('.tag, .prov, .btn, .hint, .nav-link, .step, .link-button, .error-message, .caption, a, th, td, code, .label, legend')) {
    if (!shown(el) || el.disabled || !el.innerText.trim()) continue;
    const cs = getComputedStyle(el);
    const a = lum(cs.color), b = lum(bg(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(cs.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(cs.fontWeight) >= 700);
    const key = `${el.className}|${cs.color}|${bg(el)}`;
    if (ratio < (large ? 3 : 4.5) && !seen.has(key)) { seen.add(key); problems.push(`contrast ${ratio.toFixed(2)}:1 "${el.innerText.trim().slice(0, 30)}" (${el.tagName.toLowerCase()}.${el.className})`); }
  }
  return problems;
}"""


def audit(page: Any, where: str, problems: dict[str, list[str]]) -> None:
    found = page.evaluate(AUDIT_JS)
    if found:
        problems[where] = found


def test_accessibility_sweep(new_page: Callable[[], Any], world: World) -> None:
    """Labels, names, heading order and contrast on every main screen (admin and learner)."""
    problems: dict[str, list[str]] = {}
    page = new_page()
    page.goto("/signin")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    audit(page, "sign-in", problems)
    sign_in(page, "admin", sub="admin-sweep")
    expect(page.get_by_test_id("programmes-table")).to_be_visible()
    audit(page, "programmes", problems)
    page.get_by_test_id("new-programme").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    audit(page, "create programme dialog", problems)
    page.keyboard.press("Escape")
    for tab, ready in (
        ("main", "main-confirm"),
        ("template", "template-confirm"),
        ("enrolments", "enrol-submit"),
    ):
        page.goto(f"/programmes/{world.programme_id}?tab={tab}")
        expect(page.get_by_test_id(ready)).to_be_visible()
        audit(page, f"programme {tab}", problems)
    page.goto("/ilrs")
    expect(page.get_by_test_id("ilr-row").first).to_be_visible()
    audit(page, "ILR list", problems)
    ilr_id = world.ilrs["sweep"]
    for tab, ready in (
        ("user", "user-form"),
        ("admin", "aims-table"),
        ("history", "versions-table"),
    ):
        page.goto(f"/ilrs/{ilr_id}?tab={tab}")
        expect(page.get_by_test_id(ready)).to_be_visible()
        audit(page, f"ILR {tab}", problems)
    page.goto(f"/ilrs/{ilr_id}?tab=validation")
    expect(page.locator("[data-testid=findings], [data-testid=no-findings]").first).to_be_visible()
    audit(page, "ILR validation", problems)
    page.goto(f"/ilrs/{ilr_id}/aims/{world.seq('sweep', 'ZPROG001')}")
    expect(page.get_by_test_id("aim-form")).to_be_visible()
    page.get_by_test_id("open-withdraw").click()
    audit(page, "aim", problems)
    page.goto(f"/ilrs/{ilr_id}/aims/new")
    expect(page.get_by_test_id("add-aim-save")).to_be_visible()
    audit(page, "add aim", problems)
    page.goto("/exports")
    expect(page.get_by_test_id("start-export")).to_be_visible()
    audit(page, "exports", problems)
    page.goto("/verify")
    expect(page.get_by_role("heading", name="Waiting for QA")).to_be_visible()
    audit(page, "verify", problems)

    learner = new_page()
    sign_in(learner, "learner", learner_id=ilr_id)
    expect(learner.get_by_test_id("learner-form")).to_be_visible()
    audit(learner, "learner's ILR", problems)
    assert not problems, "\n".join(f"{where}: {p}" for where, ps in problems.items() for p in ps)
