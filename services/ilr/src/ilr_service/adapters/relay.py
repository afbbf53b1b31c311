"""Wakes the outbox relay after a commit, so committed events leave at once."""

from __future__ import annotations

from ilr_shared.service_app import Runtime


class RelayKick:
    """The `Notifier` of a running service: kicks its outbox relay (once it has one)."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    def changed(self) -> None:
        if self._runtime.relay is not None:
            self._runtime.relay.kick()
