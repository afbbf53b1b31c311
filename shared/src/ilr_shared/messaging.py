"""NATS JetStream: streams, reliable publishing, and consumers that never lose a message.

Consumers pull batches and settle each message on its own outcome once its handler has
committed: ack; a message that can never succeed (malformed, wrong contract, or failing after
`max_deliveries` tries) goes to `deadletter.<subject>` with the reason, then is acked;
transient failures are NAKed with exponential back-off. A poison message holds back nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Protocol

from faststream import Context
from faststream.message import StreamMessage
from faststream.middlewares import AckPolicy
from faststream.nats import ConsumerConfig, JStream, NatsBroker, PullSub
from faststream.nats.message import NatsBatchMessage
from faststream.nats.subscriber.usecases.stream_pull_subscriber import BatchPullStreamSubscriber
from nats.aio.msg import Msg
from nats.errors import ConnectionClosedError
from nats.js.api import AckPolicy as JsAckPolicy
from nats.js.api import DeliverPolicy, StreamConfig
from nats.js.client import JetStreamContext
from nats.js.errors import BadRequestError, NotFoundError, ServiceUnavailableError
from prometheus_client import Counter, Histogram
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
BATCH_SIZES = Histogram(
    "ilr_consumer_batch_size",
    "Messages per pulled batch",
    ["consumer"],
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
)


class PermanentEventError(Exception):
    """The event can never be applied (it breaks a rule of the domain): dead-letter it."""


class EventPublisher(Protocol):
    async def publish(self, event: EventEnvelope) -> None: ...


EventHandler = Callable[[EventEnvelope], Awaitable[None]]
# One outcome per event, in order: None = committed (ack), PermanentEventError = dead-letter
# it, any other exception = retry it with back-off.
BatchHandler = Callable[[Sequence[EventEnvelope]], Awaitable[Sequence[BaseException | None]]]


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
    """One durable pull consumer: a service's share of a stream.

    Without `batch_handler`, the events of a pulled batch run through `handler` concurrently
    (at most `consumer_concurrency` at once): handlers must be idempotent and order-independent."""

    durable: str
    stream: str
    filter_subject: str
    handler: EventHandler
    batch_handler: BatchHandler | None = None


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


class _BatchDelivery:
    """Handles one pulled batch: decode each message, handle the events (together, or one by
    one concurrently), settle each message as soon as its own outcome is known."""

    def __init__(self, spec: ConsumerSpec, settings: CommonSettings, broker: NatsBroker) -> None:
        self._spec = spec
        self._settings = settings
        self._broker = broker
        self._slots = asyncio.Semaphore(settings.consumer_concurrency)

    async def __call__(self, messages: Sequence[Msg]) -> None:
        BATCH_SIZES.labels(self._spec.durable).observe(len(messages))
        heartbeat = asyncio.create_task(self._keep_in_progress(messages))
        max_bytes = self._settings.max_event_bytes
        try:
            decoded: list[tuple[Msg, EventEnvelope]] = []
            for message in messages:
                try:
                    event = decode_event(message.subject, message.data, max_bytes)
                except PermanentEventError as exc:
                    await self._settle(message, exc)
                else:
                    decoded.append((message, event))
            if self._spec.batch_handler is not None:
                await self._handle_together(self._spec.batch_handler, decoded)
            else:
                await asyncio.gather(*(self._handle_one(m, e) for m, e in decoded))
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat

    async def _keep_in_progress(self, messages: Sequence[Msg]) -> None:
        # Long handlers (a template fanned out to thousands of ILRs), and messages waiting
        # for a free slot, stay this instance's until they are settled.
        while True:
            await asyncio.sleep(self._settings.ack_wait_s / 3)
            for message in messages:
                if not message.is_acked:
                    with contextlib.suppress(Exception):  # redelivered later if it fails
                        await message.in_progress()

    async def _handle_one(self, message: Msg, event: EventEnvelope) -> None:
        outcome: Exception | None = None
        async with self._slots:
            try:
                await self._spec.handler(event)
            except Exception as exc:
                outcome = exc
        await self._settle(message, outcome)

    async def _handle_together(
        self, batch_handler: BatchHandler, decoded: Sequence[tuple[Msg, EventEnvelope]]
    ) -> None:
        if not decoded:
            return
        events = [event for _, event in decoded]
        outcomes: Sequence[BaseException | None]
        try:
            outcomes = await batch_handler(events)
            if len(outcomes) != len(events):
                raise RuntimeError(f"{len(outcomes)} outcomes for {len(events)} events")
        except Exception as exc:  # every event of the batch is retried
            outcomes = [exc] * len(events)
        settles = zip(decoded, outcomes, strict=True)
        await asyncio.gather(*(self._settle(message, outcome) for (message, _), outcome in settles))

    async def _settle(self, message: Msg, outcome: BaseException | None) -> None:
        """Acks a committed event, dead-letters a permanent failure, NAKs the rest."""
        deliveries = message.metadata.num_delivered if message.reply else 1
        try:
            if outcome is None:
                await message.ack()
                EVENTS_HANDLED.labels(self._spec.durable, "ok").inc()
            elif isinstance(outcome, PermanentEventError):
                await self._dead_letter(message, str(outcome), deliveries)
            else:
                await self._retry_or_dead_letter(message, outcome, deliveries)
        except Exception as exc:  # the server redelivers it after ack_wait
            log.error("event.settle_failed", consumer=self._spec.durable, error=str(exc)[:500])

    async def _retry_or_dead_letter(
        self, message: Msg, exc: BaseException, deliveries: int
    ) -> None:
        reason = f"{type(exc).__name__}: {exc}"
        if deliveries >= self._settings.max_deliveries:
            await self._dead_letter(
                message, f"gave up after {deliveries} tries: {reason}", deliveries
            )
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
        await message.nak(delay=delay)

    async def _dead_letter(self, message: Msg, reason: str, deliveries: int) -> None:
        sequence = message.metadata.sequence.stream if message.reply else 0
        headers = {
            "Nats-Msg-Id": f"{self._spec.durable}:{self._spec.stream}:{sequence}",
            "Ilr-Deadletter-Reason": reason[:2000].replace("\n", " "),
            "Ilr-Original-Subject": message.subject,
            "Ilr-Consumer": self._spec.durable,
            "Ilr-Deliveries": str(deliveries),
        }
        try:
            await self._broker.publish(
                message.data,
                deadletter_subject(message.subject),
                headers=headers,
                stream="DEADLETTER",
                timeout=10.0,
            )
        except Exception as exc:  # keep the message: it is redelivered and tried again
            log.error("event.deadletter_failed", consumer=self._spec.durable, error=str(exc))
            await message.nak(delay=backoff_delay(deliveries, self._settings))
            return
        log.error(
            "event.deadlettered",
            consumer=self._spec.durable,
            subject=message.subject,
            reason=reason[:500],
        )
        EVENTS_HANDLED.labels(self._spec.durable, "deadletter").inc()
        await message.ack()


async def _undecoded(message: StreamMessage[Any]) -> None:
    """FastStream would JSON-decode the bodies; `_BatchDelivery` checks each one itself."""
    return None


def register_consumer(broker: NatsBroker, spec: ConsumerSpec, settings: CommonSettings) -> None:
    """Subscribes a durable pull consumer shared by every instance of the service; it pulls
    up to `consumer_batch_size` messages at a time (waiting at most `consumer_batch_wait_s`)."""
    delivery = _BatchDelivery(spec, settings, broker)

    async def on_batch(batch: Annotated[NatsBatchMessage, Context("message")]) -> None:
        await delivery(batch.raw_message)

    on_batch.__name__ = f"consume_{spec.durable.replace('-', '_')}"
    subscriber = broker.subscriber(
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
        pull_sub=PullSub(
            batch_size=settings.consumer_batch_size,
            timeout=settings.consumer_batch_wait_s,
            batch=True,
        ),
        decoder=_undecoded,
        ack_policy=AckPolicy.MANUAL,
        title=spec.durable,
        description=f"Durable pull consumer {spec.durable} on {spec.filter_subject}",
    )
    subscriber(on_batch)
    subscriber._consume_pull = _one_fetch_per_batch(subscriber, settings)  # type: ignore[method-assign]


def _one_fetch_per_batch(
    subscriber: BatchPullStreamSubscriber, settings: CommonSettings
) -> Callable[[], Coroutine[Any, Any, None]]:
    """The subscriber's pull loop. FastStream's own keeps fetching until the batch is full or
    its time is up, and a fetch given the little time left can raise asyncio's TimeoutError,
    which it does not catch: its task dies with the messages it holds (redelivered only after
    ack_wait). One fetch returns what is available at once, or waits for the first message."""

    async def consume_batches() -> None:
        assert subscriber.subscription is not None, "subscribed before the loop starts"
        while subscriber.running:
            try:
                messages = await subscriber.subscription.fetch(
                    batch=settings.consumer_batch_size, timeout=settings.consumer_batch_wait_s
                )
            except TimeoutError:  # nats' and asyncio's: nothing to consume
                continue
            except (ConnectionClosedError, ServiceUnavailableError):
                await asyncio.sleep(settings.consumer_batch_wait_s)  # unsettled: redelivered
                continue
            if messages and subscriber.running:
                await subscriber.consume(messages)

    return consume_batches
