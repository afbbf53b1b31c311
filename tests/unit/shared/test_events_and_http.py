from __future__ import annotations

import pytest

from ilr_shared.errors import DomainError
from ilr_shared.events import (
    EventType,
    deadletter_subject,
    parse_subject,
    subject_for,
)
from ilr_shared.http import (
    ApiError,
    decode_cursor,
    encode_cursor,
    field_path,
    parse_if_match,
    status_of,
)
from ilr_shared.logging import mask_personal_data, mask_text
from ilr_shared.messaging import PermanentEventError, decode_event
from tests.integration.shared.test_messaging import enrolment_event


def test_subjects_carry_the_tenant() -> None:
    assert subject_for(EventType.ENROLMENT_CREATED, "10000001") == (
        "programmes.10000001.enrolment.created"
    )
    assert subject_for(EventType.RECORD_CHANGED, "10000001") == "ilr.10000001.record.changed"
    assert parse_subject("exports.10000001.batch.submitted") == ("10000001", "batch.submitted")
    assert parse_subject("exports.1.batch.submitted") is None
    assert deadletter_subject("ilr.10000001.record.changed").startswith("deadletter.ilr.")


def test_decode_event_accepts_a_good_event() -> None:
    event = enrolment_event()
    decoded = decode_event(event.subject, event.model_dump_json().encode(), 10_000)
    assert decoded == event


@pytest.mark.parametrize(
    ("subject", "body", "reason"),
    [
        ("programmes.10000001.enrolment.created", b"x" * 20_000, "exceeds"),
        ("programmes.10000001.enrolment.created", b"[]", "invalid envelope"),
        ("programmes.10000002.enrolment.created", None, "does not match subject"),
        ("programmes.10000001.template.changed", None, "does not match subject"),
    ],
)
def test_decode_event_refuses_bad_events(subject: str, body: bytes | None, reason: str) -> None:
    raw = body if body is not None else enrolment_event().model_dump_json().encode()
    with pytest.raises(PermanentEventError, match=reason):
        decode_event(subject, raw, 10_000)


def test_field_path_is_readable() -> None:
    assert field_path(("body", "LearningDelivery", 0, "AimType")) == (
        "body.LearningDelivery[0].AimType"
    )


def test_cursor_round_trip_and_bad_cursor() -> None:
    assert decode_cursor(encode_cursor({"a": 1, "b": "x"})) == {"a": 1, "b": "x"}
    with pytest.raises(DomainError) as caught:
        decode_cursor("%%%")
    assert status_of(caught.value) == 422


def test_if_match() -> None:
    assert parse_if_match('"ilr_1:4"', "ilr_1") == 4
    assert parse_if_match('W/"ilr_1:4"', "ilr_1") == 4
    for header, status in ((None, 428), ('"ilr_2:4"', 412), ('"ilr_1:x"', 412)):
        with pytest.raises(ApiError) as caught:
            parse_if_match(header, "ilr_1")
        assert caught.value.status_code == status


def test_personal_data_is_masked_in_logs() -> None:
    masked = mask_personal_data(
        None,
        "info",
        {
            "event": "x",
            "ULN": 1234567890,
            "FamilyName": "Smith",
            "detail": {"DateOfBirth": "2001-01-01"},
        },
    )
    assert masked["ULN"] == "***" and masked["FamilyName"] == "***"
    assert masked["detail"] == {"DateOfBirth": "***"}
    assert "1234567890" not in mask_text("learner 1234567890 failed")
    assert "AB123456C" not in mask_text("NI AB123456C")
    assert "a@b.com" not in mask_text("mail a@b.com")
