"""Per-learner and per-delivery memos: computed once on the engine's view, afresh on a dict."""

from __future__ import annotations

from typing import Any

from ilr_shared.validation.access import LearnerView, deliveries, learner_memo


def _record() -> dict[str, Any]:
    fam = {"LearnDelFAMType": "sof", "LearnDelFAMCode": "105"}
    return {"LearnRefNumber": "L1", "LearningDelivery": [{"LearningDeliveryFAM": [fam]}]}


def test_learner_memo_computes_once_per_view() -> None:
    calls: list[int] = []

    def count(record: Any) -> int:
        calls.append(1)
        return len(calls)

    view = LearnerView(_record())
    assert learner_memo(view, "k", count) == learner_memo(view, "k", count) == 1
    assert learner_memo(LearnerView(_record()), "k", count) == 2  # a new learner, a new memo


def test_learner_memo_on_a_plain_record_computes_every_time() -> None:
    calls: list[int] = []

    def count(record: Any) -> int:
        calls.append(1)
        return len(calls)

    record = _record()
    assert (learner_memo(record, "k", count), learner_memo(record, "k", count)) == (1, 2)


def test_delivery_memo_and_has_fam() -> None:
    view = LearnerView(_record())
    (delivery,) = deliveries(view)
    assert deliveries(view)[0] is delivery  # parsed once per view
    assert delivery.memo("n", lambda d: d.index) == 0
    assert delivery.has_fam("SOF") and delivery.has_fam("SOF", "105")
    assert not delivery.has_fam("SOF", "107") and not delivery.has_fam("sof")
