"""IlrImporter on the in-memory store with the official sample files (no I/O)."""

from __future__ import annotations

from typing import Any

import pytest

from ilr_service.adapters.ilr_file import read_file
from ilr_service.service_layer.events import EventHandlers
from ilr_service.service_layer.importing import IlrImporter, ImportSettings
from ilr_shared.auth import Role
from ilr_shared.errors import InvalidInputError
from ilr_shared.ilr.years import sample_bytes
from tests.unit.ilr_service.builders import enrolment, principal
from tests.unit.ilr_service.fakes import FakeIlrStore, FakeNotifier

SAMPLE_TENANT = "99999999"  # the UKPRN of the official sample files
ADMIN = principal(Role.ADMIN, "admin-9", tenant=SAMPLE_TENANT)
SAMPLE_2526 = sample_bytes("2025/26")
LEARNERS_2526 = 19


def outcomes(body: dict[str, Any]) -> tuple[int, int, int]:
    return body["created"], body["updated"], body["unchanged"]


@pytest.fixture
def importer(store: FakeIlrStore, notifier: FakeNotifier) -> IlrImporter:
    return IlrImporter(store, read_file, notifier, ImportSettings(ILR_IMPORT_BATCH=7))


async def test_a_new_file_creates_then_reimports_unchanged_or_updated(
    store: FakeIlrStore, importer: IlrImporter, notifier: FakeNotifier
) -> None:
    first = await importer.run(ADMIN, SAMPLE_2526)
    assert outcomes(first) == (LEARNERS_2526, 0, 0)
    assert len(store.ilrs) == LEARNERS_2526 and notifier.changes == 3  # one per batch of 7
    ids = {item["LearnRefNumber"]: item["ilr_id"] for item in first["learners"]}

    again = await importer.run(ADMIN, SAMPLE_2526)
    assert outcomes(again) == (0, 0, LEARNERS_2526)
    assert all(ilr.version == 1 for ilr in store.ilrs.values())

    changed = SAMPLE_2526.replace(b"<FamilyName>", b"<FamilyName>Re", 1)
    third = await importer.run(ADMIN, changed, file_name="ILR.xml")
    assert outcomes(third) == (0, 1, LEARNERS_2526 - 1)
    updated = next(item for item in third["learners"] if item["outcome"] == "updated")
    assert updated["ilr_id"] == ids[updated["LearnRefNumber"]]
    ilr = store.ilrs[updated["ilr_id"]]
    assert ilr.version == 2 and ilr.record["FamilyName"].startswith("Re")
    assert ilr.state.provenance["FamilyName"]["source"] == "import"
    history = await store.list_versions(ilr)
    assert [(v.version, v.source) for v in history] == [(2, "import"), (1, "import")]
    assert history[0].changed_fields == ["FamilyName"]
    assert "Filename_1" in {f["rule"] for f in third["file_findings"]}


async def test_invalid_learners_refuse_the_file_unless_skipped(
    store: FakeIlrStore, importer: IlrImporter
) -> None:
    sample = sample_bytes("2026/27")
    with pytest.raises(InvalidInputError) as refused:
        await importer.run(ADMIN, sample)
    assert refused.value.extra["invalid_learners"] == ["GrowthskillsAppunits"]
    assert store.ilrs == {}

    body = await importer.run(ADMIN, sample, skip_invalid=True)
    assert [s["LearnRefNumber"] for s in body["skipped"]] == ["GrowthskillsAppunits"]
    assert body["created"] == len(store.ilrs) == len(body["learners"]) - 1


async def test_a_learner_matching_two_ilrs_refuses_the_file_and_writes_nothing(
    store: FakeIlrStore, importer: IlrImporter
) -> None:
    handlers = EventHandlers(store)
    for n in (1, 2):  # two enrolments of the year with the first sample learner's reference
        event = enrolment(
            n, tenant=SAMPLE_TENANT, academic_year="2025/26", LearnRefNumber="16Learner"
        )
        await handlers.enrolment_created(event)
    before = {ilr.id: ilr.version for ilr in store.ilrs.values()}

    with pytest.raises(InvalidInputError) as refused:
        await importer.run(ADMIN, SAMPLE_2526)
    assert refused.value.extra["invalid_learners"] == ["16Learner"]
    assert refused.value.errors()[0]["type"] == "ambiguous"
    assert {ilr.id: ilr.version for ilr in store.ilrs.values()} == before


async def test_another_providers_file_is_refused(
    store: FakeIlrStore, importer: IlrImporter
) -> None:
    with pytest.raises(InvalidInputError) as refused:
        await importer.run(principal(Role.ADMIN, "admin-1"), SAMPLE_2526)
    assert {e["path"] for e in refused.value.errors()} == {
        "LearningProvider.UKPRN",
        "Header.Source.UKPRN",
    }
    assert store.ilrs == {}
