"""Declaring the streams when several service instances start at the same moment."""

from __future__ import annotations

from typing import cast

import pytest
from nats.js.api import StreamConfig
from nats.js.client import JetStreamContext
from nats.js.errors import BadRequestError, NotFoundError

from ilr_shared.messaging import _declare_stream

CONFIG = StreamConfig(name="ILR", subjects=["ilr.>"], duplicate_window=120.0)


class RacedJetStream:
    """The stream does not exist when we ask, and another instance creates it before our
    own create arrives: JetStream refuses ours with `add_error`."""

    def __init__(self, add_error: BadRequestError) -> None:
        self.add_error = add_error
        self.exists = False
        self.calls: list[str] = []

    async def update_stream(self, config: StreamConfig) -> None:
        self.calls.append("update")
        if not self.exists:
            raise NotFoundError(code=404, err_code=10059, description="stream not found")

    async def add_stream(self, config: StreamConfig) -> None:
        self.calls.append("add")
        self.exists = True  # the other instance won
        raise self.add_error


def _refusal(err_code: int, description: str) -> BadRequestError:
    return BadRequestError(code=400, err_code=err_code, description=description)


@pytest.mark.parametrize(
    "refusal",
    [
        _refusal(10065, "subjects overlap with an existing stream"),
        _refusal(10058, "stream name already in use with a different configuration"),
    ],
)
async def test_the_instance_that_loses_the_race_updates_the_winners_stream(
    refusal: BadRequestError,
) -> None:
    js = RacedJetStream(refusal)
    await _declare_stream(cast(JetStreamContext, js), CONFIG)
    assert js.calls == ["update", "add", "update"]


async def test_other_refusals_are_not_hidden() -> None:
    js = RacedJetStream(_refusal(10052, "replicas > 1 not supported in non-clustered mode"))
    with pytest.raises(BadRequestError):
        await _declare_stream(cast(JetStreamContext, js), CONFIG)
