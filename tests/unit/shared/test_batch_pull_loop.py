"""The consumer's pull loop survives every kind of fetch timeout (no NATS needed)."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from faststream.nats.subscriber.usecases.stream_pull_subscriber import BatchPullStreamSubscriber
from nats.errors import TimeoutError as NatsTimeoutError

from ilr_shared.messaging import _one_fetch_per_batch
from ilr_shared.settings import CommonSettings


class FakeSubscription:
    def __init__(self, answers: list[BaseException | list[str]]) -> None:
        self.answers = answers
        self.fetches: list[tuple[int, float]] = []

    async def fetch(self, batch: int, timeout: float) -> list[str]:
        self.fetches.append((batch, timeout))
        answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer


class FakeSubscriber:
    """Runs until every prepared answer of the subscription has been used."""

    def __init__(self, subscription: FakeSubscription) -> None:
        self.subscription = subscription
        self.consumed: list[list[str]] = []

    @property
    def running(self) -> bool:
        return bool(self.subscription.answers)

    async def consume(self, messages: list[str]) -> None:
        self.consumed.append(messages)


def test_timeouts_of_either_kind_never_end_the_loop() -> None:
    # nats-py's fetch raises its own TimeoutError, or asyncio's (the builtin) near a deadline
    subscription = FakeSubscription([TimeoutError(), NatsTimeoutError(), ["a", "b"], [], ["c"], []])
    subscriber = FakeSubscriber(subscription)
    settings = CommonSettings().model_copy(
        update={"consumer_batch_size": 8, "consumer_batch_wait_s": 0.25}
    )

    loop = _one_fetch_per_batch(cast(BatchPullStreamSubscriber, cast(Any, subscriber)), settings)
    asyncio.run(loop())

    assert subscriber.consumed == [["a", "b"], ["c"]]
    assert set(subscription.fetches) == {(8, 0.25)}, "one fetch per batch, never a refill"
