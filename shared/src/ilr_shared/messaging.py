"""NATS JetStream: streams, reliable publishing, and consumers that never lose a message.

A consumer acks only after its handler has committed. A message that can never succeed
(malformed, wrong contract, or still failing after `max_deliveries` attempts) is published
to `deadletter.<subject>` with the reason in its headers, then acked — never dropped and
never retried forever. Transient failures are NAKed with exponential back-off.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from faststream.middlewares import AckPolicy
from faststream.nats import ConsumerConfig, JStream, NatsBroker, PullSub
from faststream.nats.annotations import NatsMessage
from nats.js.api import AckPolicy as JsAckPolicy
from nats.js.api import DeliverPolicy, StreamConfig
from nats.js.client import JetStreamContext
from nats.js.errors import BadRequestError, NotFoundError
from prometheus_client import Counter
from pydantic import ValidationError

from ilr_shared.events import (
    STREAMS,
    EventEnvelope,
    deadletter_subject,
    parse_payload,
    parse_subject,
)
from ilr_shared.logging import get_logger
from ilr_shared.settings import CommonSettings

log = get_logger(__name__)

DUPLICATE_WINDOW_S = 120.0

EVENTS_HANDLED = Counter(
    "ilr_events_handled_total", "Events handled by consumers", ["consumer", "outcome"]
)


class PermanentEventError(Exception):
    """The event can never be applied (it breaks a rule of the domain): dead-letter it."""


class EventPublisher(Protocol):
    async def publish(self, event: EventEnvelope) -> None: ...


EventHandler = Callable[[EventEnvelope], Awaitable[None]]


def make_broker(settings: CommonSettings) -> NatsBroker:
    return NatsBroker(
        settings.nats_url,
        name=settings.service_name,
        allow_reconnect=True,
        max_reconnect_attempts=-1,
        reconnect_time_wait=1,
        connect_timeout=5,
        ping_interval=10,
    )


# JetStream's answers when another instance created the stream between our two calls.
_STREAM_CREATED_MEANWHILE = {10058, 10065}  # name in use; subjects overlap (with itself)


async def declare_streams(broker: NatsBroker) -> None:
    """Creates the platform's streams, or brings an existing one's subjects up to date.

    Safe when several instances start at once: the one that loses the race to create a
    stream updates the winner's instead."""
    js = broker.connection.jetstream()
    for name, subjects in STREAMS.items():
        config = StreamConfig(name=name, subjects=subjects, duplicate_window=DUPLICATE_WINDOW_S)
        await _declare_stream(js, config)


async def _declare_stream(js: JetStreamContext, config: StreamConfig) -> None:
    try:
        await js.update_stream(config)
        return
    except NotFoundError:
        pass
    try:
        await js.add_stream(config)
    except BadRequestError as exc:
        if exc.err_code not in _STREAM_CREATED_MEANWHILE:
            raise
        await js.update_stream(config)


def stream_of(subject: str) -> str:
    prefix = subject.split(".", 1)[0]
    return {"programmes": "PROGRAMMES", "ilr": "ILR", "exports": "EXPORTS"}.get(
        prefix, "DEADLETTER"
    )


class NatsEventPublisher:
    """Publishes to JetStream and waits for the stream's ack; the event id dedupes."""

    def __init__(self, broker: NatsBroker, timeout_s: float = 10.0) -> None:
        self._broker = broker
        self._timeout_s = timeout_s

    async def publish(self, event: EventEnvelope) -> None:
        await self._broker.publish(
            event.model_dump_json().encode(),
            event.subject,
            headers={"Nats-Msg-Id": str(event.event_id)},
            stream=stream_of(event.subject),
            timeout=self._timeout_s,
        )


@dataclass(frozen=True)
class ConsumerSpec:
    """One durable pull consumer: a service's share of a stream."""

    durable: str
    stream: str
    filter_subject: str
    handler: EventHandler


def decode_event(subject: str, body: bytes, max_bytes: int) -> EventEnvelope:
    """Parses and checks an event; raises PermanentEventError with the reason."""
    if len(body) > max_bytes:
        raise PermanentEventError(f"event of {len(body)} bytes exceeds {max_bytes}")
    parsed_subject = parse_subject(subject)
    if parsed_subject is None:
        raise PermanentEventError(f"subject {subject!r} is not <stream>.<ukprn>.<event>")
    try:
        envelope = EventEnvelope.model_validate_json(body)
    except ValidationError as exc:
        raise PermanentEventError(f"invalid envelope: {_errors(exc)}") from exc
    tenant, event_type = parsed_subject
    if (envelope.tenant, envelope.event_type) != (tenant, event_type):
        raise PermanentEventError(
            f"envelope ({envelope.tenant}, {envelope.event_type}) does not match subject"
        )
    try:
        parse_payload(envelope)
    except KeyError as exc:
        raise PermanentEventError(f"unknown event type {envelope.event_type!r}") from exc
    except ValidationError as exc:
        raise PermanentEventError(f"invalid {envelope.event_type} payload: {_errors(exc)}") from exc
    return envelope


def _errors(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}"
        for err in exc.errors()[:10]
    )


def backoff_delay(deliveries: int, settings: CommonSettings) -> float:
    return float(
        min(settings.retry_max_delay_s, settings.retry_base_delay_s * 2 ** (deliveries - 1))
    )


class _Delivery:
    """Handles one message: decode, run the handler while keeping the ack alive, settle."""

    def __init__(self, spec: ConsumerSpec, settings: CommonSettings, broker: NatsBroker) -> None:
        self._spec = spec
        self._settings = settings
        self._broker = broker

    async def __call__(self, msg: NatsMessage) -> None:
        raw = msg.raw_message
        deliveries = raw.metadata.num_delivered if raw.metadata else 1
        try:
            event = decode_event(raw.subject, raw.data, self._settings.max_event_bytes)
            await self._run_with_heartbeat(msg, event)
        except PermanentEventError as exc:
            await self._dead_letter(msg, str(exc), deliveries)
        except Exception as exc:  # transient until proven otherwise
            await self._retry_or_dead_letter(msg, exc, deliveries)
        else:
            await msg.ack()
            EVENTS_HANDLED.labels(self._spec.durable, "ok").inc()

    async def _run_with_heartbeat(self, msg: NatsMessage, event: EventEnvelope) -> None:
        # Long handlers (a template fanned out to thousands of ILRs) keep the message theirs.
        async def beat() -> None:
            while True:
                await asyncio.sleep(self._settings.ack_wait_s / 3)
                await msg.in_progress()

        heartbeat = asyncio.create_task(beat())
        try:
            await self._spec.handler(event)
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat

    async def _retry_or_dead_letter(
        self, msg: NatsMessage, exc: Exception, deliveries: int
    ) -> None:
        reason = f"{type(exc).__name__}: {exc}"
        if deliveries >= self._settings.max_deliveries:
            await self._dead_letter(msg, f"gave up after {deliveries} tries: {reason}", deliveries)
            return
        delay = backoff_delay(deliveries, self._settings)
        log.warning(
            "event.retry",
            consumer=self._spec.durable,
            deliveries=deliveries,
            delay_s=delay,
            error=reason[:500],
        )
        EVENTS_HANDLED.labels(self._spec.durable, "retry").inc()
        await msg.nack(delay=delay)

    async def _dead_letter(self, msg: NatsMessage, reason: str, deliveries: int) -> None:
        raw = msg.raw_message
        sequence = raw.metadata.sequence.stream if raw.metadata else 0
        headers = {
            "Nats-Msg-Id": f"{self._spec.durable}:{self._spec.stream}:{sequence}",
            "Ilr-Deadletter-Reason": reason[:2000].replace("\n", " "),
            "Ilr-Original-Subject": raw.subject,
            "Ilr-Consumer": self._spec.durable,
            "Ilr-Deliveries": str(deliveries),
        }
        try:
            await self._broker.publish(
                raw.data,
                deadletter_subject(raw.subject),
                headers=headers,
                stream="DEADLETTER",
                timeout=10.0,
            )
        except Exception as exc:  # keep the message: it is redelivered and tried again
            log.error("event.deadletter_failed", consumer=self._spec.durable, error=str(exc))
            await msg.nack(delay=backoff_delay(deliveries, self._settings))
            return
        log.error(
            "event.deadlettered",
            consumer=self._spec.durable,
            subject=raw.subject,
            reason=reason[:500],
        )
        EVENTS_HANDLED.labels(self._spec.durable, "deadletter").inc()
        await msg.ack()


def register_consumer(broker: NatsBroker, spec: ConsumerSpec, settings: CommonSettings) -> None:
    """Subscribes a durable pull consumer shared by every instance of the service."""
    handler = _Delivery(spec, settings, broker)

    async def on_message(msg: NatsMessage) -> None:
        await handler(msg)

    on_message.__name__ = f"consume_{spec.durable.replace('-', '_')}"
    broker.subscriber(
        spec.filter_subject,
        stream=JStream(spec.stream, declare=False),
        durable=spec.durable,
        config=ConsumerConfig(
            ack_policy=JsAckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=settings.ack_wait_s,
            max_deliver=-1,
            max_ack_pending=max(1000, settings.consumer_batch_size * 4),
        ),
        pull_sub=PullSub(batch_size=settings.consumer_batch_size, timeout=2.0),
        ack_policy=AckPolicy.MANUAL,
        title=spec.durable,
        description=f"Durable pull consumer {spec.durable} on {spec.filter_subject}",
    )(on_message)
