"""Cross-record rules: within one learner (R_07, R_31) and across the file (R_06, R_59)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator

from ..access import Record, deliveries, learn_ref
from ..model import Hit, ValidationContext
from ..registry import file_rule, rule
from .common import COMPONENT_AIM, DEFAULT_ULN, PROGRAMME_AIM, uln

CORE_AIM = 5


@rule("R_07")
def r_07(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """A learner must not have two learning deliveries with the same AimSeqNumber."""
    seen: set[int] = set()
    for d in deliveries(record):
        seq = d.number("AimSeqNumber")
        if seq is None:
            continue
        if seq in seen:
            yield Hit(d.at("AimSeqNumber"))
        seen.add(seq)


@rule(
    "R_31",
    note="The published text names the component as 'AimType = 1'; read as AimType 3, "
    "as the rule's description ('associated component aim') says. A core aim (AimType 5) "
    "also counts, as for T Level programmes (R_126) and in DfE's own implementation.",
)
def r_31(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """An open programme aim needs a component or core aim of its ProgType/StdCode."""
    aims = deliveries(record)
    components = {
        (d.number("ProgType"), d.number("StdCode"))
        for d in aims
        if d.number("AimType") in (COMPONENT_AIM, CORE_AIM)
    }
    for d in aims:
        if d.number("AimType") != PROGRAMME_AIM or d.is_known("LearnActEndDate"):
            continue
        if (d.number("ProgType"), d.number("StdCode")) not in components:
            yield Hit(d.at("AimType"))


@file_rule("R_06")
class DuplicateLearnRefNumber:
    """Learner reference numbers must be unique within the file."""

    def __init__(self, ctx: ValidationContext) -> None:
        self.counts: Counter[str] = Counter()

    def observe(self, record: Record) -> None:
        ref = learn_ref(record)
        if ref:
            self.counts[ref] += 1

    def finish(self) -> Iterable[tuple[str, Hit]]:
        return [(ref, Hit("LearnRefNumber")) for ref, n in self.counts.items() if n > 1]


@file_rule("R_59")
class DuplicateUln:
    """No two learners in the file may share a ULN, except 9999999999."""

    def __init__(self, ctx: ValidationContext) -> None:
        self.refs_by_uln: defaultdict[str, list[str]] = defaultdict(list)

    def observe(self, record: Record) -> None:
        value = uln(record)
        if value is not None and value != DEFAULT_ULN:
            self.refs_by_uln[value].append(learn_ref(record))

    def finish(self) -> Iterable[tuple[str, Hit]]:
        hits: list[tuple[str, Hit]] = []
        for refs in self.refs_by_uln.values():
            if len(refs) > 1:
                hits.extend((ref, Hit("ULN")) for ref in dict.fromkeys(refs))
        return hits
