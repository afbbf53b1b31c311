"""Malformed, oversized and wrong-schema events on every subject a service consumes are
dead-lettered with the reason, and the consumer goes on with the next event."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import nats
import pytest
from nats.js.api import ConsumerConfig, DeliverPolicy

from tests.integration.hardening.conftest import TENANT_A, StartStack

MAX_EVENT_BYTES = 65_536

# subject -> the durable consumer that must dead-letter what cannot apply
CONSUMED: dict[str, str] = {
    f"programmes.{TENANT_A}.template.changed": "ilr-service",
    f"programmes.{TENANT_A}.programme.changed": "ilr-service",
    f"programmes.{TENANT_A}.enrolment.created": "ilr-service",
    f"programmes.{TENANT_A}.enrolment.withdrawn": "ilr-service",
    f"ilr.{TENANT_A}.record.changed": "export-service",
    f"exports.{TENANT_A}.batch.submitted": "ilr-service-exports",
}


def wrong_schema(subject: str) -> bytes:
    """A well-formed envelope whose payload breaks its contract."""
    event_type = subject.split(".", 2)[2]
    return json.dumps(
        {"event_type": event_type, "tenant": TENANT_A, "aggregate_id": "x", "sequence": 1,
         "payload": {"unexpected": True}}
    ).encode()  # fmt: skip


BAD: dict[str, Any] = {
    "malformed": lambda subject: b"{not json",
    "oversized": lambda subject: b'{"pad": "' + b"x" * (MAX_EVENT_BYTES + 10) + b'"}',
    "wrong-schema": wrong_schema,
}
REASON = {"malformed": "invalid envelope", "oversized": "exceeds", "wrong-schema": "payload"}


async def dead_letters(url: str, expected: int) -> list[Any]:
    connection = await nats.connect(url)
    sub = await connection.jetstream().pull_subscribe(
        "deadletter.>", stream="DEADLETTER",
        config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL),
    )  # fmt: skip
    found: list[Any] = []
    deadline = asyncio.get_running_loop().time() + 60
    while len(found) < expected and asyncio.get_running_loop().time() < deadline:
        try:
            found.extend(await sub.fetch(expected - len(found), timeout=1))
        except (nats.errors.TimeoutError, TimeoutError):  # fetch raises either
            continue
    await connection.close()
    return found


async def test_bad_events_on_every_subject_are_dead_lettered(
    start_stack: StartStack, service_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ILR_MAX_EVENT_BYTES", str(MAX_EVENT_BYTES))
    stack = await start_stack("programmes", "ilr", "export")
    connection = await nats.connect(service_env["NATS_URL"])
    js = connection.jetstream()
    for subject in CONSUMED:
        for make in BAD.values():
            await js.publish(subject, make(subject))
    await connection.close()

    found = await dead_letters(service_env["NATS_URL"], len(CONSUMED) * len(BAD))
    seen: dict[tuple[str, str], str] = {}
    for message in found:
        original = message.headers["Ilr-Original-Subject"]
        assert message.subject == f"deadletter.{original}"
        assert message.headers["Ilr-Consumer"] == CONSUMED[original]
        reason = message.headers["Ilr-Deadletter-Reason"]
        kind = next(k for k, text in REASON.items() if text in reason)
        seen[(original, kind)] = reason
    assert set(seen) == {(s, k) for s in CONSUMED for k in BAD}

    # and the consumers go on: a good enrolment after the bad ones becomes an ILR
    seeded = await stack.seed(TENANT_A, "After")
    assert seeded.ids["ilr_id"]
