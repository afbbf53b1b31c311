"""Personal data never reaches a log line: the three services run as subprocesses with
their output captured (JSON logs at INFO, as deployed), the test drives enrolments, edits,
searches, versions, an export and some failures with a learner whose name, ULN, NI number,
date of birth, email and postcode are unique strings, then greps every log for them."""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from ilr_shared.events import EnrolmentCreated, EventType, LearnerDetails, make_event
from tests.e2e.support import make_uln
from tests.integration.faults.conftest import Services
from tests.integration.faults.support import TEMPLATE, TENANT, auth, deadletters, publish, wait_for
from tests.support.learners import completion

# What an enrolment does not carry, completed by hand (the NI number is the test's own).
COMPLETION: dict[str, Any] = {k: v for k, v in completion().items() if k != "NINumber"}


@pytest.mark.slow
@pytest.mark.timeout(300)
async def test_no_personal_data_in_any_log(
    services: Services, mongo: AsyncMongoClient[dict[str, Any]]
) -> None:
    programmes = services.spawn("programmes")
    ilr = services.spawn("ilr")
    export = services.spawn("export")
    for service in (programmes, ilr, export):
        await service.wait_ready()

    given, family = "Quillonia", "Vexbourne"
    new_given, new_family = "Zephyrine", "Marrowgate"
    uln = make_uln(int(uuid.uuid4().int % 10**8))
    other_uln = make_uln(int(uuid.uuid4().int % 10**8) + 7)
    dob = "2003-07-14"
    email, new_email = "quillonia.vexbourne@example.org", "zmarrow@example.net"
    ni = "JK472913C"
    postcode = "N7 9QQ"
    secrets = [
        given,
        family,
        new_given,
        new_family,
        str(uln),
        str(other_uln),
        dob,
        "14/07/2003",
        email,
        new_email,
        ni,
        postcode,
    ]
    headers = auth()

    async with (
        httpx.AsyncClient(base_url=programmes.url, headers=headers, timeout=60) as prog_api,
        httpx.AsyncClient(base_url=ilr.url, headers=headers, timeout=60) as ilr_api,
        httpx.AsyncClient(base_url=export.url, headers=headers, timeout=60) as export_api,
    ):
        created = await prog_api.post(
            "/api/programmes", json={"name": "PII check", "academic_year": "2026/27"}
        )
        assert created.status_code == 201, created.text
        pid = created.json()["id"]
        assert (await prog_api.put(f"/api/programmes/{pid}/ilr-template", json=TEMPLATE)).is_success
        learner = {
            "LearnRefNumber": "PII1",
            "ULN": uln,
            "GivenNames": given,
            "FamilyName": family,
            "DateOfBirth": dob,
            "Email": email,
            "Postcode": postcode,
        }
        body = {
            "learner": learner,
            "LearnStartDate": "2026-09-01",
            "LearnPlanEndDate": "2027-12-01",
        }
        enrolled = await prog_api.post(f"/api/programmes/{pid}/enrolments", json=body)
        assert enrolled.status_code == 201, enrolled.text
        assert enrolled.json()["status"] == "active"
        # Failures that carry personal data: a duplicate learner, a bad ULN, a bad email.
        dup = await prog_api.post(f"/api/programmes/{pid}/enrolments", json=body)
        assert dup.status_code == 409, dup.text
        bad_uln = {**body, "learner": {**learner, "LearnRefNumber": "PII2", "ULN": uln + 1}}
        assert (
            await prog_api.post(f"/api/programmes/{pid}/enrolments", json=bad_uln)
        ).status_code == 422
        bad_email = {
            **body,
            "learner": {**learner, "LearnRefNumber": "PII3", "Email": f"{given} {family}@"},
        }
        assert (
            await prog_api.post(f"/api/programmes/{pid}/enrolments", json=bad_email)
        ).status_code == 422
        listed = await prog_api.get(f"/api/programmes/{pid}/enrolments")
        assert listed.status_code == 200

        async def the_ilr() -> dict[str, Any] | None:
            found = await ilr_api.get("/api/ilrs", params={"programme_id": pid})
            items = found.json()["items"] if found.status_code == 200 else []
            return items[0] if items else None

        summary = await wait_for(the_ilr, 60, "the learner's ILR", alive=[programmes, ilr])
        ilr_id = summary["id"]
        for params in ({"q": given.lower()}, {"q": family}, {"uln": uln}, {"learn_ref": "PII1"}):
            assert (await ilr_api.get("/api/ilrs", params=params)).status_code == 200

        got = await ilr_api.get(f"/api/ilrs/{ilr_id}")
        etag = got.headers["ETag"]
        edit = {
            **COMPLETION,
            "NINumber": ni,
            "GivenNames": new_given,
            "FamilyName": new_family,
            "Email": new_email,
        }
        patched = await ilr_api.patch(
            f"/api/ilrs/{ilr_id}", json={"set": edit}, headers={"If-Match": etag}
        )
        assert patched.status_code == 200, patched.text
        etag = patched.headers["ETag"]
        stale = await ilr_api.patch(
            f"/api/ilrs/{ilr_id}",
            json={"set": {"GivenNames": given}},
            headers={"If-Match": '"x:1"'},
        )
        assert stale.status_code in (409, 412), stale.text
        invalid = await ilr_api.patch(
            f"/api/ilrs/{ilr_id}",
            json={"set": {"DateOfBirth": f"{given} {ni}", "ULN": f"{other_uln}x"}},
            headers={"If-Match": etag},
        )
        assert invalid.status_code == 422, invalid.text
        unknown = await ilr_api.patch(
            f"/api/ilrs/{ilr_id}",
            json={"set": {f"{family}Field": email}},
            headers={"If-Match": etag},
        )
        assert unknown.status_code == 422, unknown.text
        assert (await ilr_api.get(f"/api/ilrs/{ilr_id}/versions")).status_code == 200
        assert (await ilr_api.get(f"/api/ilrs/{ilr_id}/versions/1")).status_code == 200
        assert (await ilr_api.get(f"/api/ilrs/{ilr_id}/validation")).status_code == 200

        # The projection must hold the edited version before the export selects it.
        export_db = mongo[services.database("export")]
        await wait_for(
            lambda: export_db["records"].find_one({"ilr_id": ilr_id, "version": {"$gte": 2}}),
            60,
            "the edit reached the export projection",
            alive=[ilr, export],
        )
        started = await export_api.post(
            "/api/exports",
            json={
                "academic_year": "2026/27",
                "statuses": ["newly_submitted"],
                "programme_ids": [pid],
            },
        )
        assert started.status_code == 202, started.text
        export_id = started.json()["id"]

        async def finished() -> dict[str, Any] | None:
            job = (await export_api.get(f"/api/exports/{export_id}")).json()
            return job if job["state"] in ("succeeded", "failed") else None

        job = await wait_for(finished, 120, "the export finished", alive=[export])
        report = (await export_api.get(f"/api/exports/{export_id}/report")).json()
        assert job["state"] == "succeeded", (job.get("error"), report)
        file = await export_api.get(f"/api/exports/{export_id}/file")
        assert file.status_code == 200
        assert new_family in file.text  # the data really went through the services
        assert (await export_api.get(f"/api/exports/{export_id}/report")).status_code == 200
        assert (
            await export_api.get(f"/api/exports/{export_id}/report", params={"format": "csv"})
        ).status_code == 200

    # An event from another system that can never apply: dead-lettered, logged with a reason.
    poison = make_event(
        EventType.ENROLMENT_CREATED,
        TENANT,
        "enr_pii_poison",
        1,
        EnrolmentCreated(
            enrolment_id="enr_pii_poison",
            programme_id=pid,
            academic_year="2031/32",
            learner=LearnerDetails(
                LearnRefNumber="PII9",
                ULN=other_uln,
                GivenNames=given,
                FamilyName=family,
                Email=email,
            ),
            LearnStartDate="2031-09-01",
        ),
    )
    await publish(services.nats.url, [poison])
    await wait_for(lambda: deadletters(services.nats.url), 60, "the poison event dead-lettered")
    await asyncio.sleep(1.0)
    for service in (programmes, ilr, export):
        service.stop()  # graceful: shutdown logs written too

    leaks = []
    for service in (programmes, ilr, export):
        text = service.log_text()
        assert "service.started" in text  # the log was captured
        for secret in secrets:
            for match in re.finditer(re.escape(secret), text, re.IGNORECASE):
                line_start = text.rfind("\n", 0, match.start()) + 1
                line_end = text.find("\n", match.end())
                leaks.append(
                    f"{service.log_path.name}: {secret!r} in: {text[line_start:line_end][:300]}"
                )
    assert leaks == [], "\n".join(leaks[:30])


LEAKY_EXCEPTION = """
import logging
from ilr_shared.logging import configure_logging, get_logger

configure_logging("INFO", True)
try:
    raise ValueError("learner Quillonia Vexbourne 1234567890 JK472913C q.v@example.org")
except ValueError:
    get_logger("faults").exception("http.unhandled", error="ValueError")
    logging.getLogger("faults.stdlib").exception("Exception in ASGI application")
"""


def test_exception_tracebacks_are_masked_too() -> None:
    """`log.exception(...)` (http.unhandled, export.error, validation rule failures) writes
    the exception text; personal data in it must be masked like any other field."""
    import subprocess
    import sys

    from tests.integration.faults.support import REPO_ROOT

    out = subprocess.run(
        [sys.executable, "-c", LEAKY_EXCEPTION],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    text = out.stdout + out.stderr
    assert "http.unhandled" in text and "Exception in ASGI application" in text
    for secret in ("1234567890", "JK472913C", "q.v@example.org"):
        assert secret not in text, f"{secret} written unmasked:\n{text}"
