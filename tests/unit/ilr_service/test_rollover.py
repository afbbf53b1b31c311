"""IlrRollover on the in-memory store: the official 2025/26 sample into 2026/27 (no I/O)."""

from __future__ import annotations

from typing import Any

import pytest

from ilr_service.adapters.ilr_file import read_file
from ilr_service.domain.reference import ProgrammeSettings
from ilr_service.service_layer.importing import IlrImporter
from ilr_service.service_layer.rollover import IlrRollover, RolloverRequest
from ilr_shared.auth import Role
from ilr_shared.errors import InvalidInputError, NotFoundError
from ilr_shared.ilr import validate_record
from ilr_shared.ilr.years import sample_bytes
from tests.unit.ilr_service.builders import principal
from tests.unit.ilr_service.fakes import FakeIlrStore, FakeNotifier

TENANT = "99999999"  # the UKPRN of the official sample
ADMIN = principal(Role.ADMIN, "admin-9", tenant=TENANT)
OTHER = principal(Role.ADMIN, "admin-x", tenant="10000001")
LEARNERS = 19
CONTINUING = 18  # SBLearnerEV completed both aims in 2025/26


@pytest.fixture
async def imported(store: FakeIlrStore) -> dict[str, str]:
    """LearnRefNumber -> id of the sample's ILRs, imported into programme p25."""
    body = await IlrImporter(store, read_file).run(
        ADMIN, sample_bytes("2025/26"), programme_id="p25"
    )
    return {item["LearnRefNumber"]: item["ilr_id"] for item in body["learners"]}


@pytest.fixture
def rollover(store: FakeIlrStore, notifier: FakeNotifier) -> IlrRollover:
    return IlrRollover(store, notifier, batch_size=7)


def by_outcome(body: dict[str, Any], outcome: str) -> list[dict[str, Any]]:
    return [item for item in body["learners"] if item["outcome"] == outcome]


async def test_preview_reports_everything_and_writes_nothing(
    store: FakeIlrStore, notifier: FakeNotifier, rollover: IlrRollover, imported: dict[str, str]
) -> None:
    request = RolloverRequest("2025/26", programme_id="p25", dry_run=True)
    body = await rollover.run(ADMIN, request)
    assert body["dry_run"] and body["target_year"] == "2026/27"
    assert body["counts"] == {"created": CONTINUING, "not_continuing": 1}
    assert len(store.ilrs) == LEARNERS and notifier.changes == 0
    (ended,) = by_outcome(body, "not_continuing")
    assert ended["LearnRefNumber"] == "SBLearnerEV"
    community = next(i for i in body["learners"] if i["LearnRefNumber"] == "CLLearner")
    assert {"path": "LearningDelivery[0].FundModel", "message": "Field required",
            "type": "missing"} in community["schema_problems"]  # fmt: skip
    t_level = next(i for i in body["learners"] if i["LearnRefNumber"] == "TLevel16")
    assert any(c["kind"] == "element_moved" for c in t_level["changes"])
    # the preview names the ids the run creates
    run = await rollover.run(ADMIN, RolloverRequest("2025/26", programme_id="p25"))
    assert [i["new_ilr_id"] for i in run["learners"]] == [i["new_ilr_id"] for i in body["learners"]]


async def test_run_creates_linked_ilrs_once(
    store: FakeIlrStore, notifier: FakeNotifier, rollover: IlrRollover, imported: dict[str, str]
) -> None:
    body = await rollover.run(ADMIN, RolloverRequest("2025/26", programme_id="p25"))
    assert body["counts"] == {"created": CONTINUING, "not_continuing": 1} and notifier.changes > 0
    for item in by_outcome(body, "created"):
        new = store.ilrs[item["new_ilr_id"]]
        assert new.academic_year == "2026/27" and new.programme_id == "p25"
        assert new.record["LearnRefNumber"] == item["LearnRefNumber"]
        assert store.extras[new.id]["rolled_over_from"] == item["ilr_id"]
        (first,) = await store.list_versions(new)
        assert (first.version, first.source) == (1, "rollover")
        assert first.action == f"rollover from {item['ilr_id']}"
        assert {p["source"] for p in new.state.provenance.values()} <= {"rollover", "person"}
        links = await rollover.links(ADMIN, item["ilr_id"])
        assert links["rolled_over_to"] == new.id and links["rolled_over_from"] is None
        assert (await rollover.links(ADMIN, new.id))["rolled_over_from"] == item["ilr_id"]
        problems = validate_record("2026/27", new.record)
        expected = (
            ["LearningDelivery[0].FundModel"] if item["LearnRefNumber"] == "CLLearner" else []
        )
        assert [p.path for p in problems] == expected

    again = await rollover.run(ADMIN, RolloverRequest("2025/26", programme_id="p25"))
    assert again["counts"] == {"already_rolled_over": CONTINUING, "not_continuing": 1}
    assert len(store.ilrs) == LEARNERS + CONTINUING


async def test_a_selection_into_the_next_years_programme(
    store: FakeIlrStore, rollover: IlrRollover, imported: dict[str, str]
) -> None:
    await store.store_programme(TENANT, ProgrammeSettings("p26", 1, academic_year="2026/27"))
    chosen = [imported["Levy"], imported["SBLearnerEV"], "ilr_missing"]
    request = RolloverRequest("2025/26", ilr_ids=chosen, target_programme_id="p26")
    body = await rollover.run(ADMIN, request)
    assert body["counts"] == {"created": 1, "not_continuing": 1, "not_found": 1}
    (created,) = by_outcome(body, "created")
    assert store.ilrs[created["new_ilr_id"]].programme_id == "p26"
    # an ILR of the new year is not rolled again as if it were of the old one
    again = await rollover.run(ADMIN, RolloverRequest("2025/26", ilr_ids=[created["new_ilr_id"]]))
    assert again["counts"] == {"other_year": 1}


async def test_refusals(
    store: FakeIlrStore, rollover: IlrRollover, imported: dict[str, str]
) -> None:
    await store.store_programme(TENANT, ProgrammeSettings("p25b", 1, academic_year="2025/26"))
    bad = [
        RolloverRequest("2026/27", programme_id="p25"),  # no 2027/28 yet
        RolloverRequest("2025/26"),
        RolloverRequest("2025/26", programme_id="p25", ilr_ids=["x"]),
        RolloverRequest("2025/26", programme_id="p25", target_programme_id="p25b"),
    ]
    for request in bad:
        with pytest.raises(InvalidInputError):
            await rollover.run(ADMIN, request)
    with pytest.raises(NotFoundError):
        await rollover.links(OTHER, imported["Levy"])
    other = await rollover.run(OTHER, RolloverRequest("2025/26", programme_id="p25"))
    assert other["learners"] == [] and len(store.ilrs) == LEARNERS
