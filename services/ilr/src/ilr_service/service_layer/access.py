"""Who sees and may do what: staff or the learner, and the workflow's view of an ILR."""

from __future__ import annotations

from typing import Any

from ilr_service.domain import ilr_model
from ilr_service.domain.ilr import Ilr
from ilr_service.domain.workflow import Actor, Subject
from ilr_service.service_layer.ports import IlrStore
from ilr_shared.auth import Principal, Role

STAFF = (Role.ADMIN, Role.VERIFIER, Role.INTEGRATION)


def is_learner_only(principal: Principal) -> bool:
    return not principal.has(*STAFF)


def actor_of(principal: Principal) -> Actor:
    return Actor(
        sub=principal.sub,
        roles=frozenset(r.value for r in principal.roles),
        learner_id=principal.learner_id,
    )


def learner_part(academic_year: str) -> set[str]:
    """What a learner sees of their own ILR: the User part and their identifiers."""
    return set(ilr_model.user_part(academic_year)) | {"LearnRefNumber", "ULN"}


async def subject_of(
    store: IlrStore, ilr: Ilr, findings: list[dict[str, Any]] | None = None
) -> Subject:
    """The workflow's view of an ILR; error findings from the stored findings unless
    fresh ones are given."""
    programme = await store.programme_settings(ilr.tenant, ilr.programme_id)
    current = ilr.findings if findings is None else findings
    return Subject(
        ilr_id=ilr.id,
        status=ilr.status,
        allow_sign_without_verification=bool(
            programme and programme.allow_sign_without_verification
        ),
        last_editor=ilr.last_editor,
        error_count=sum(1 for f in current if f.get("severity") == "error"),
    )
