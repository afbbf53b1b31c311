"""End to end, through the gateway only: programme → template → enrolments → prefilled ILRs
→ export → a schema-valid ILR XML file named by the official convention. Plus auth and
tenancy at the edge. Written to the contract in docs/api.md.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import nats
import pytest
from lxml import etree

from ilr_shared.outbox_barrier import pending_in_outbox
from tests.e2e.conftest import RunningStack
from tests.e2e.support import TENANT, ApiClient, make_uln, uln_is_valid, wait_until
from tests.support.learners import completion
from tests.support.templates import APPRENTICESHIP_TEMPLATE

REPO_ROOT = Path(__file__).resolve().parents[2]
XSD_CANDIDATES = (
    REPO_ROOT / "shared/src/ilr_shared/ilr/schemas/ILR-2026-27-schemafile-January.xsd",
    REPO_ROOT.parent / "shared/reference/ilr-schema/ILR-2026-27-schemafile-January.xsd",
)
NS = "ILR/2026-27"
FILE_NAME = re.compile(rf"^ILR-{TENANT}-2627-(\d{{8}})-(\d{{6}})-(\d{{2}})\.XML$")

TEMPLATE = APPRENTICESHIP_TEMPLATE


@dataclass
class Enrolled:
    programme: dict[str, Any]
    enrolments: list[dict[str, Any]]
    ilrs: list[dict[str, Any]]  # full Ilr resources, in the order of `enrolments`

    @property
    def programme_id(self) -> str:
        return str(self.programme["id"])


def _deliveries(ilr: dict[str, Any]) -> list[dict[str, Any]]:
    return list(ilr.get("record", {}).get("LearningDelivery") or [])


def _prefilled(ilr: dict[str, Any]) -> bool:
    return any(d.get("LearnAimRef") == "ZPROG001" for d in _deliveries(ilr))


@pytest.fixture(scope="module")
def enrolled(admin: ApiClient) -> Enrolled:
    suffix = uuid.uuid4().hex[:6].upper()
    programme = admin.json(
        "POST",
        "/api/programmes",
        201,
        json={"name": f"E2E Data Technician {suffix}", "academic_year": "2026/27"},
    )
    assert programme["academic_year"] == "2026/27"
    pid = programme["id"]

    saved = admin.json("PUT", f"/api/programmes/{pid}/ilr-template", json=TEMPLATE)
    assert saved["programme_id"] == pid and saved["revision"] >= 1, saved

    learners = [
        ("Ada", "Lovelace", make_uln(int(uuid.uuid4().int % 10**8))),
        ("Grace", "Hopper", make_uln(int(uuid.uuid4().int % 10**8))),
    ]
    enrolments = []
    for n, (given, family, uln) in enumerate(learners, start=1):
        assert uln_is_valid(uln)
        body = {
            "learner": {
                "LearnRefNumber": f"E2E{suffix}{n}",
                "ULN": uln,
                "GivenNames": given,
                "FamilyName": family,
                "DateOfBirth": "2004-02-01",
                "Email": f"{given.lower()}@example.com",
                "Postcode": "B1 1AA",
            },
            "LearnStartDate": "2026-09-01",
            "LearnPlanEndDate": "2027-12-01",
        }
        enrolment = admin.json("POST", f"/api/programmes/{pid}/enrolments", 201, json=body)
        assert enrolment["status"] == "active"
        enrolments.append(enrolment)

    def both_listed() -> list[dict[str, Any]] | None:
        items = admin.items("/api/ilrs", programme_id=pid)
        return items if len(items) == len(enrolments) else None

    summaries = wait_until(both_listed, 60, message="both ILRs listed")
    by_enrolment = {s["enrolment_id"]: s for s in summaries}
    assert set(by_enrolment) == {e["id"] for e in enrolments}, summaries

    ilrs = []
    for enrolment in enrolments:
        ilr_id = by_enrolment[enrolment["id"]]["id"]

        def prefilled(ilr_id: str = ilr_id) -> dict[str, Any] | None:
            ilr: dict[str, Any] = admin.json("GET", f"/api/ilrs/{ilr_id}")
            return ilr if _prefilled(ilr) else None

        ilrs.append(wait_until(prefilled, 60, message=f"ILR {ilr_id} prefilled"))
    return Enrolled(programme=programme, enrolments=enrolments, ilrs=ilrs)


def test_enrolled_learners_get_prefilled_ilrs(enrolled: Enrolled) -> None:
    for enrolment, ilr in zip(enrolled.enrolments, enrolled.ilrs, strict=True):
        assert ilr["programme_id"] == enrolled.programme_id
        assert ilr["enrolment_id"] == enrolment["id"]
        assert ilr["academic_year"] == "2026/27"
        assert ilr["status"] == "newly_submitted"
        record = ilr["record"]
        assert record["LearnRefNumber"] == enrolment["learner"]["LearnRefNumber"]
        assert int(record["ULN"]) == enrolment["learner"]["ULN"]
        assert record["GivenNames"] == enrolment["learner"]["GivenNames"]

        deliveries = _deliveries(ilr)
        prog = next(d for d in deliveries if d["LearnAimRef"] == "ZPROG001")
        assert prog["AimType"] == 1
        assert prog["FundModel"] == 36
        assert prog["ProgType"] == 25
        assert prog["StdCode"] == 28
        assert str(prog["LearnStartDate"]) == "2026-09-01"
        tnp = [f for f in prog.get("AppFinRecord") or [] if f["AFinType"] == "TNP"]
        assert [(f["AFinCode"], f["AFinAmount"]) for f in tnp] == [(1, 12000), (2, 3000)]
        component = next(d for d in deliveries if d["LearnAimRef"] == "60347024")
        assert component["AimType"] == 3
        assert component["FundModel"] == 36
        assert sorted(d["AimSeqNumber"] for d in deliveries) == list(range(1, len(deliveries) + 1))
        source = (ilr.get("provenance") or {}).get("LearningDelivery[key=prog].FundModel", {})
        assert source.get("source") == "template", ilr.get("provenance")


def _complete(admin: ApiClient, ilr: dict[str, Any], n: int) -> dict[str, Any]:
    """Fills the learner fields an enrolment does not carry (PATCH with If-Match), as an admin
    would before the learner goes into the return."""
    response = admin.get(f"/api/ilrs/{ilr['id']}")
    etag = response.headers["ETag"]
    current = response.json()["record"]
    wanted = completion(n)
    changes = {k: v for k, v in wanted.items() if current.get(k) in (None, [], "")}
    if not changes:
        return dict(response.json())
    updated = admin.patch(
        f"/api/ilrs/{ilr['id']}", json={"set": changes}, headers={"If-Match": etag}
    )
    assert updated.headers.get("ETag") != etag
    return dict(updated.json())


def _schema() -> etree.XMLSchema:
    path = next(p for p in XSD_CANDIDATES if p.exists())
    return etree.XMLSchema(etree.parse(str(path)))


def _export(admin: ApiClient, programme_id: str) -> tuple[str, dict[str, Any], dict[str, Any], str]:
    """POST /api/exports for the programme, wait until it finishes: (id, export, report, text)."""
    created = admin.post(
        "/api/exports",
        expect=202,
        json={
            "academic_year": "2026/27",
            "statuses": ["newly_submitted", "signature_required", "signed", "qa_verified"],
            "programme_ids": [programme_id],
        },
    )
    export = created.json()
    export_id = str(export["id"])
    assert export["state"] in ("queued", "running", "succeeded"), export
    assert created.headers.get("Location", "").endswith(export_id)

    def finished() -> dict[str, Any] | None:
        current: dict[str, Any] = admin.json("GET", f"/api/exports/{export_id}")
        return current if current["state"] in ("succeeded", "failed") else None

    done = wait_until(finished, 120, 0.5, message=f"export {export_id} finished")
    response = admin.get(f"/api/exports/{export_id}/report", expect=None)
    report = response.json() if response.status_code == 200 else {}
    return export_id, done, report, response.text[:3000]


def test_export_builds_a_schema_valid_file(
    enrolled: Enrolled, admin: ApiClient, other_admin: ApiClient, stack: RunningStack
) -> None:
    for n, ilr in enumerate(enrolled.ilrs):
        _complete(admin, ilr, n)

    for ilr in enrolled.ilrs:  # the ILR service's own view: nothing left that blocks export

        def clean(ilr_id: str = ilr["id"]) -> bool:
            findings = admin.json("GET", f"/api/ilrs/{ilr_id}/validation")["findings"]
            return not [f for f in findings if f.get("severity") == "error"]

        wait_until(clean, 30, message=f"ILR {ilr['id']} validates without errors")

    # The export waits until its projection holds every change published before it started,
    # so the edits above are in the file.
    export_id, done, report, report_text = _export(admin, enrolled.programme_id)
    assert done["state"] == "succeeded", f"{done}\nreport: {report_text}"
    assert done["counts"] == {"included": 2, "left_out": 0}, report

    response = admin.get(f"/api/exports/{export_id}/file")
    disposition = response.headers.get("Content-Disposition", "")
    match = re.search(r'filename="?([^";]+)"?', disposition)
    assert match, disposition
    file_name = match.group(1)
    parts = FILE_NAME.match(file_name)
    assert parts, file_name
    assert file_name == done["file_name"]
    datetime.strptime(parts.group(1) + parts.group(2), "%Y%m%d%H%M%S")  # a real date-time
    assert int(parts.group(3)) >= 1

    document = etree.fromstring(response.content)
    schema = _schema()
    assert schema.validate(document), str(schema.error_log)[:4000]
    assert document.tag == f"{{{NS}}}Message"
    ukprn = document.findtext(f"{{{NS}}}LearningProvider/{{{NS}}}UKPRN")
    assert ukprn == TENANT
    learners = document.findall(f"{{{NS}}}Learner")
    refs = {learner.findtext(f"{{{NS}}}LearnRefNumber") for learner in learners}
    assert refs == {e["learner"]["LearnRefNumber"] for e in enrolled.enrolments}
    for learner in learners:
        aims = {
            d.findtext(f"{{{NS}}}LearnAimRef"): d
            for d in learner.findall(f"{{{NS}}}LearningDelivery")
        }
        assert aims["ZPROG001"].findtext(f"{{{NS}}}FundModel") == "36"

    included = {r["LearnRefNumber"]: r["included"] for r in report["learners"]}
    assert all(included[ref] for ref in refs), report

    # Another tenant sees none of it.
    other_admin.get(f"/api/exports/{export_id}", expect=404)
    other_admin.get(f"/api/exports/{export_id}/file", expect=404)


def test_every_service_answers_whether_its_outbox_is_drained(stack: RunningStack) -> None:
    """The export's wait for committed ILR changes relies on this answer (over NATS)."""

    async def ask() -> dict[str, int | None]:
        connection = await nats.connect(stack.nats_url)
        try:
            return {
                source: await pending_in_outbox(connection, source, TENANT)
                for source in ("programmes", "ilr", "exports")
            }
        finally:
            await connection.close()

    answers = asyncio.run(ask())
    assert all(isinstance(pending, int) for pending in answers.values()), answers


def test_requests_without_a_token_are_refused(anonymous: ApiClient) -> None:
    for url in ("/api/programmes", "/api/ilrs", "/api/exports"):
        response = anonymous.get(url, expect=401)
        assert response.json().get("detail"), response.text
    anonymous.post("/api/programmes", expect=401, json={"name": "x", "academic_year": "2026/27"})


def test_invalid_token_is_refused(stack: RunningStack) -> None:
    with ApiClient(stack.base_url, "not-a-jwt") as client:
        client.get("/api/programmes", expect=401)


def test_another_tenants_resources_are_not_found(
    enrolled: Enrolled, other_admin: ApiClient
) -> None:
    other_admin.get(f"/api/programmes/{enrolled.programme_id}", expect=404)
    other_admin.get(f"/api/programmes/{enrolled.programme_id}/ilr-template", expect=404)
    other_admin.get(f"/api/programmes/{enrolled.programme_id}/enrolments", expect=404)
    for ilr in enrolled.ilrs:
        other_admin.get(f"/api/ilrs/{ilr['id']}", expect=404)
        other_admin.get(f"/api/ilrs/{ilr['id']}/versions", expect=404)
    assert other_admin.items("/api/ilrs", programme_id=enrolled.programme_id) == []
    listed = {p["id"] for p in other_admin.items("/api/programmes")}
    assert enrolled.programme_id not in listed


def test_gateway_serves_the_admin_app_with_spa_fallback(stack: RunningStack) -> None:
    with ApiClient(stack.base_url, None) as client:
        index = client.get("/")
        assert "text/html" in index.headers["content-type"]
        assert "<html" in index.text.lower()
        deep = client.get("/programmes/some-id/learners")  # a client-side route
        assert deep.text == index.text
        missing = client.get("/api/nothing-here", expect=404)
        assert missing.headers["content-type"].startswith("application/json")
