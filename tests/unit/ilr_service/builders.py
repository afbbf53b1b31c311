"""Events, principals and ready ILRs for the service-layer tests on the in-memory store."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from ilr_service.domain.ilr import Ilr
from ilr_service.service_layer.events import EventHandlers
from ilr_shared.auth import Principal, Role
from ilr_shared.events import (
    BatchSubmitted,
    EnrolmentCreated,
    EnrolmentWithdrawn,
    EventEnvelope,
    EventType,
    LearnerDetails,
    ProgrammeChanged,
    SubmittedRecord,
    TemplateChanged,
    make_event,
)
from tests.support.templates import APPRENTICESHIP_TEMPLATE
from tests.unit.ilr_service.fakes import FakeIlrStore

TENANT = "10000001"
PROGRAMME = "prg_1"
YEAR = "2026/27"
VALID_ULN = 1061484016  # DD01 check digit 6


def template_v2() -> dict[str, Any]:
    """The apprenticeship template with new aim postcodes and a higher TNP1 price."""
    template: dict[str, Any] = copy.deepcopy(APPRENTICESHIP_TEMPLATE)
    for aim in template["LearningDelivery"]:
        aim["DelLocPostCode"] = "M1 1AE"
    template["LearningDelivery"][0]["AppFinRecord"][0]["AFinAmount"] = 14000
    return template


def enrolment(
    n: int, *, tenant: str = TENANT, academic_year: str = YEAR, **fields: Any
) -> EventEnvelope:
    """enrolment.created of learner `n`; `fields` override the learner or the payload."""
    learner = {
        "LearnRefNumber": fields.pop("LearnRefNumber", f"LRN{n:04d}"),
        "ULN": 1000000000 + n,
        "GivenNames": fields.pop("GivenNames", "Ada"),
        "FamilyName": fields.pop("FamilyName", f"Lovelace{n}"),
        "DateOfBirth": date(2004, 2, 1),
        "Postcode": "B1 1AA",
    }
    payload = EnrolmentCreated(
        enrolment_id=f"enr_{n}",
        programme_id=PROGRAMME,
        academic_year=academic_year,
        learner=LearnerDetails(**learner),
        LearnStartDate=date(2026, 9, 1),
        **fields,
    )
    return make_event(EventType.ENROLMENT_CREATED, tenant, f"enr_{n}", 1, payload)


def template_changed(revision: int, template: dict[str, Any]) -> EventEnvelope:
    payload = TemplateChanged(
        programme_id=PROGRAMME, academic_year=YEAR, revision=revision, template=template
    )
    return make_event(EventType.TEMPLATE_CHANGED, TENANT, PROGRAMME, revision + 1, payload)


def programme_changed(sequence: int, *, ilr_enabled: bool = True) -> EventEnvelope:
    payload = ProgrammeChanged(
        programme_id=PROGRAMME,
        name="Data Technician",
        academic_year=YEAR,
        ilr_enabled=ilr_enabled,
        allow_sign_without_verification=False,
    )
    return make_event(EventType.PROGRAMME_CHANGED, TENANT, PROGRAMME, sequence, payload)


def withdrawn(n: int) -> EventEnvelope:
    payload = EnrolmentWithdrawn(
        enrolment_id=f"enr_{n}",
        programme_id=PROGRAMME,
        reason="left",
        withdrawn_on=date(2026, 10, 1),
    )
    return make_event(EventType.ENROLMENT_WITHDRAWN, TENANT, f"enr_{n}", 2, payload)


def batch_submitted(versions: dict[str, int]) -> EventEnvelope:
    records = [SubmittedRecord(ilr_id=i, version=v) for i, v in versions.items()]
    payload = BatchSubmitted(export_id="exp_1", academic_year=YEAR, records=records)
    return make_event(EventType.BATCH_SUBMITTED, TENANT, "exp_1", 1, payload)


def principal(
    role: Role, sub: str, *, tenant: str = TENANT, learner_id: str | None = None
) -> Principal:
    return Principal(sub=sub, tenant=tenant, roles=frozenset({role}), learner_id=learner_id)


ADMIN = principal(Role.ADMIN, "admin-1")


async def enrolled(store: FakeIlrStore, *numbers: int, **fields: Any) -> list[Ilr]:
    """ILRs of learners `numbers`, prefilled from the apprenticeship template (revision 1)."""
    handlers = EventHandlers(store)
    if await store.latest_template(TENANT, PROGRAMME) is None:
        await handlers.template_changed(template_changed(1, APPRENTICESHIP_TEMPLATE))
    ilrs = []
    for n in numbers:
        await handlers.enrolment_created(enrolment(n, **fields))
        found = await store.get_by_enrolment(TENANT, f"enr_{n}")
        assert found is not None
        ilrs.append(found)
    return ilrs
