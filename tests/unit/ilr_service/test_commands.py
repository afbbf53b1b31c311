"""IlrCommands and IlrQueries on the in-memory store: versions, access, workflow, history,
search (no I/O)."""

from __future__ import annotations

from typing import Any

import pytest

from ilr_service.domain.ilr import Ilr
from ilr_service.domain.workflow import (
    NEWLY_SUBMITTED,
    QA_VERIFIED,
    SIGNATURE_REQUIRED,
    SIGNED,
)
from ilr_service.service_layer.commands import IlrCommands
from ilr_service.service_layer.queries import IlrQueries
from ilr_shared.auth import Principal, Role
from ilr_shared.cursors import decode_cursor
from ilr_shared.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    StaleVersionError,
)
from tests.support.learners import completion
from tests.unit.ilr_service.builders import ADMIN, VALID_ULN, enrolled, principal
from tests.unit.ilr_service.fakes import FakeIlrStore, FakeNotifier

VERIFIER = principal(Role.VERIFIER, "verifier-9")


def learner_of(ilr: Ilr) -> Principal:
    return principal(Role.LEARNER, "learner-1", learner_id=ilr.id)


@pytest.fixture
def commands(store: FakeIlrStore, notifier: FakeNotifier) -> IlrCommands:
    return IlrCommands(store, notifier)


async def signed(commands: IlrCommands, ilr: Ilr) -> Ilr:
    asked = await commands.transition(ADMIN, ilr, "request_signature", None, ilr.version)
    return await commands.transition(learner_of(ilr), asked, "sign", None, asked.version)


async def test_an_edit_at_a_stale_version_is_refused(
    store: FakeIlrStore, commands: IlrCommands
) -> None:
    (ilr,) = await enrolled(store, 1)
    edited = await commands.edit(ADMIN, ilr, ilr.version, {"GivenNames": "Augusta"}, [])
    assert edited.version == 2
    with pytest.raises(StaleVersionError):
        await commands.edit(ADMIN, ilr, ilr.version, {"GivenNames": "Grace"}, [])
    current = await store.get(ilr.tenant, ilr.id)
    assert current is not None and current.record["GivenNames"] == "Augusta"


async def test_an_edit_that_loses_the_race_is_stale(
    store: FakeIlrStore, commands: IlrCommands, notifier: FakeNotifier
) -> None:
    (ilr,) = await enrolled(store, 1)
    store.lose_races(1)
    with pytest.raises(StaleVersionError, match="changed meanwhile"):
        await commands.edit(ADMIN, ilr, ilr.version, {"GivenNames": "Augusta"}, [])
    assert notifier.changes == 0


async def test_a_learner_cannot_see_or_edit_another_learners_ilr(
    store: FakeIlrStore, commands: IlrCommands
) -> None:
    mine, theirs = await enrolled(store, 1, 2)
    learner = learner_of(mine)
    with pytest.raises(NotFoundError):
        await IlrQueries(store).load(learner, theirs.id)
    with pytest.raises(ForbiddenError):
        await commands.edit(learner, theirs, theirs.version, {"GivenNames": "Eve"}, [])
    own = await commands.edit(learner, mine, mine.version, {"GivenNames": "Augusta"}, [])
    assert own.record["GivenNames"] == "Augusta"
    assert own.state.provenance["GivenNames"]["actor"] == "learner-1"


async def test_editing_signed_content_asks_for_a_new_signature(
    store: FakeIlrStore, commands: IlrCommands
) -> None:
    (ilr,) = await enrolled(store, 1)
    done = await signed(commands, ilr)
    assert done.status == SIGNED
    assert done.signature is not None and done.signature["by"] == "learner-1"
    assert done.signature["version"] == done.version

    edited = await commands.edit(ADMIN, done, done.version, {"GivenNames": "Augusta"}, [])
    assert (edited.status, edited.signature) == (SIGNATURE_REQUIRED, None)
    stored = await store.get(ilr.tenant, ilr.id)
    assert stored is not None and (stored.status, stored.signature) == (SIGNATURE_REQUIRED, None)


async def test_transitions_check_roles_errors_and_reasons(
    store: FakeIlrStore, commands: IlrCommands
) -> None:
    (ilr,) = await enrolled(store, 1)
    with pytest.raises(ForbiddenError):
        await commands.transition(VERIFIER, ilr, "request_signature", None, ilr.version)
    with pytest.raises(ConflictError) as early:
        await commands.transition(learner_of(ilr), ilr, "sign", None, ilr.version)
    assert early.value.extra["allowed_actions"] == []

    done = await signed(commands, ilr)
    with pytest.raises(ConflictError) as blocked:
        await commands.transition(VERIFIER, done, "qa_verify", None, done.version)
    findings = blocked.value.extra["findings"]
    assert findings and all(f["severity"] == "error" for f in findings)

    with pytest.raises(InvalidInputError, match="reason"):
        await commands.transition(ADMIN, done, "reopen", " ", done.version)
    reopened = await commands.transition(ADMIN, done, "reopen", "fix", done.version)
    assert (reopened.status, reopened.signature) == (NEWLY_SUBMITTED, None)
    assert store.extras[ilr.id]["reopen_reason"] == "fix"


async def test_a_completed_record_is_verified_by_someone_other_than_its_last_editor(
    store: FakeIlrStore, commands: IlrCommands
) -> None:
    (ilr,) = await enrolled(store, 1)
    editor = principal(Role.ADMIN, "editor-1")
    complete = {**completion(), "ULN": VALID_ULN, "FamilyName": "Lovelace"}
    edited = await commands.edit(editor, ilr, ilr.version, complete, [])
    done = await signed(commands, edited)
    with pytest.raises(ForbiddenError):
        own = principal(Role.VERIFIER, "editor-1")
        await commands.transition(own, done, "qa_verify", None, done.version)
    verified = await commands.transition(VERIFIER, done, "qa_verify", None, done.version)
    assert verified.status == QA_VERIFIED
    assert store.extras[ilr.id]["verified_by"] == "verifier-9"


async def test_an_old_version_is_restored_as_a_new_one(
    store: FakeIlrStore, commands: IlrCommands
) -> None:
    (ilr,) = await enrolled(store, 1)
    edited = await commands.edit(ADMIN, ilr, ilr.version, {"GivenNames": "Augusta"}, [])
    restored = await commands.restore(ADMIN, edited, 1, edited.version)
    assert (restored.version, restored.record["GivenNames"]) == (3, "Ada")
    history = await IlrQueries(store).versions(ADMIN, ilr.id)
    assert [(v["version"], v["source"]) for v in history] == [
        (3, "restore"),
        (2, "person"),
        (1, "enrolment"),
    ]
    with pytest.raises(NotFoundError):
        await commands.restore(ADMIN, restored, 9, restored.version)


async def test_search_by_status_and_name_pages_with_a_cursor(
    store: FakeIlrStore, commands: IlrCommands
) -> None:
    await enrolled(store, 1, 2, 3, FamilyName="Hopper")
    (lovelace,) = await enrolled(store, 4)
    await commands.transition(ADMIN, lovelace, "request_signature", None, lovelace.version)
    queries = IlrQueries(store)

    async def search(
        status: str | None = None, q: str | None = None, cursor: str | None = None
    ) -> tuple[list[dict[str, Any]], str | None]:
        page = await queries.search(
            ADMIN, q=q, uln=None, learn_ref=None, status=status, programme_id=None,
            academic_year=None, sort="family_name", limit=2, cursor=cursor,
        )  # fmt: skip
        return page["items"], page["next_cursor"]

    waiting, _ = await search(status=SIGNATURE_REQUIRED)
    assert [i["id"] for i in waiting] == [lovelace.id]
    first, cursor = await search(q="Hop")
    assert [i["FamilyName"] for i in first] == ["Hopper", "Hopper"]
    assert cursor is not None and decode_cursor(cursor)["v"] == "hopper"
    second, last = await search(q="Hop", cursor=cursor)
    assert [i["FamilyName"] for i in second] == ["Hopper"] and last is None
    assert len({i["id"] for i in first + second}) == 3
    everyone, _ = await search(q="ada")
    assert len(everyone) == 2  # first names match too
