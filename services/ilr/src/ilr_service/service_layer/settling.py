"""Compare-and-set until settled: commit what is pending, recompute the losers, retry."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from ilr_service.domain.ilr import Revision
from ilr_service.service_layer.ports import IlrStore, Notifier

# Rounds in a row that commit nothing before a use case gives up.
MAX_ATTEMPTS = 20


class ConflictRetriesExhaustedError(RuntimeError):
    """Still losing compare-and-set races: the event is retried later."""


def _ignore(_: set[str]) -> None:
    return None


async def commit_until_settled(
    store: IlrStore,
    notifier: Notifier,
    pending: Callable[[], Awaitable[Sequence[Revision]]],
    *,
    give_up: Callable[[], Exception],
    committed: Callable[[set[str]], None] = _ignore,
) -> int:
    """Commits what `pending()` computes from a fresh read until it computes nothing;
    `committed` hears the ids of each round's winners. Raises `give_up()` after
    MAX_ATTEMPTS rounds in a row that won nothing. Returns how many revisions won."""
    won_total = fruitless = 0
    while True:
        revisions = await pending()
        if not revisions:
            return won_total
        won = await store.commit(revisions)
        if won:
            notifier.changed()
            committed(won)
            won_total += len(won)
            fruitless = 0
            continue
        fruitless += 1
        if fruitless >= MAX_ATTEMPTS:
            raise give_up()
