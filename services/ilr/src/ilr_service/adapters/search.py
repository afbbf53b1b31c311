"""ILR search pages that read about one page, not every match: list filters and broad name
prefixes through windows on the sort key (`search_windows`), exact lookups and selective
name prefixes through their few matches. Design and figures: docs/search.md."""

from __future__ import annotations

import bisect
import itertools
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection

from ilr_service.adapters.documents import summary_of
from ilr_service.adapters.search_windows import (
    DATES,
    GROWTH,
    IDS,
    NAMES,
    KeySpace,
    WindowCache,
    cursor_width,
    heavy_values,
    span_per_row,
    width_for,
    widths,
)
from ilr_service.domain.listing import SearchCriteria, SearchPage
from ilr_shared.mongo import Document

# Search orders (`domain.listing.SORT_ORDERS`): sort field and direction; ties by `_id`.
SORTS = {
    "updated_at": ("updated_at", ASCENDING),
    "-updated_at": ("updated_at", DESCENDING),
    "family_name": ("family_name_lc", ASCENDING),
}
LIST_FILTERS = ("programme_id", "status", "academic_year")
# The equality fields (after tenant) of the indexes that end in each sort field, most
# selective first; `ensure_indexes` creates them.
SORT_INDEXES: dict[str, tuple[tuple[str, ...], ...]] = {
    "updated_at": (
        ("programme_id", "status"),
        ("programme_id",),
        ("status",),
        ("academic_year",),
        (),
    ),
    "family_name_lc": (("programme_id",), ("status",), ()),
}
SUMMARY_FIELDS = {
    field: 1
    for field in (
        "record",
        "programme_id",
        "enrolment_id",
        "academic_year",
        "status",
        "version",
        "updated_at",
        "family_name_lc",
        "finding_counts",
        "search_names",
        "uln",
        "learn_ref",
    )
}
# A name prefix whose window reads this many rows per wanted row without filling the
# page is selective: its own index then reads fewer rows.
NAME_WINDOW_BUDGET = 16
# Family names shared by many rows are learned from a sample of the tenant's newest rows
# (kept per tenant for SAMPLE_SECONDS): their rows are read through `_id` windows.
SAMPLE_ROWS = 400
SAMPLE_SECONDS = 600.0
SAMPLED_TENANTS = 1024
# ... plus windows of about SPREAD_ROWS rows, 1, 2, 4, ... sample sizes further back.
SPREAD_WINDOWS = 8
SPREAD_ROWS = 50
KNOWN_NAMES = 100_000  # search names kept across samples per tenant, at most
# A prefix matching at least this share of the sample is served by windows alone: they
# read about page / share rows, its own index every match.
BROAD_PREFIX = 0.1
# A narrower prefix is read through one updated-at window per name token it matches
# (known from the sample) when it matches at most this many tokens.
MAX_TOKENS = 16
_ONE_MS = timedelta(milliseconds=1)


@dataclass(frozen=True)
class Order:
    field: str
    direction: int
    space: KeySpace

    @classmethod
    def of(cls, sort: str) -> Order:
        field, direction = SORTS[sort]
        return cls(field, direction, DATES if field == "updated_at" else NAMES)

    @property
    def keys(self) -> list[tuple[str, int]]:
        return [(self.field, self.direction), ("_id", self.direction)]


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: after the row (value, id); `width` is the window that served
    the previous page (None for cursors written before windows)."""

    value: Any
    id: str
    width: float | None

    @classmethod
    def of(cls, after: Mapping[str, Any] | None, order: Order) -> Cursor | None:
        if not after:
            return None
        value: Any = after.get("v")
        if order.field == "updated_at" and isinstance(value, str):
            value = datetime.fromisoformat(value)
        return cls(value, str(after.get("id") or ""), cursor_width(after))

    def before(self, doc: Document, order: Order) -> bool:
        """A row tied with the cursor's value that came on an earlier page."""
        if doc.get(order.field) != self.value:
            return False
        row_id = str(doc["_id"])
        return row_id <= self.id if order.direction == ASCENDING else row_id >= self.id


@dataclass(frozen=True)
class Sample:
    """What a sample of a tenant's rows shows: family names many rows share, and each
    row's search names (how broad a name prefix is)."""

    taken: float
    heavy: list[str]
    names: list[list[str]]
    known: set[str]  # search names seen (the sample's, and those rare names found later)

    @classmethod
    def of(cls, rows: list[Document], taken: float) -> Sample:
        family = (str(d.get("family_name_lc") or "") for d in rows)
        names = [list(d.get("search_names") or []) for d in rows]
        return cls(taken, heavy_values(family), names, {n for row in names for n in row})

    def tokens(self, prefix: str) -> list[str]:
        """The known search names starting with `prefix`, sorted."""
        return sorted(n for n in self.known if _starts(n, prefix))

    def share(self, prefix: str) -> float:
        """The fraction of sampled rows with a name starting with `prefix`."""
        found = sum(1 for names in self.names if any(n.startswith(prefix) for n in names))
        return found / len(self.names) if self.names else 0.0


@dataclass(frozen=True)
class Plan:
    """A query the server serves from one index range, and what is checked here instead."""

    server: dict[str, Any]
    residual: dict[str, Any]
    name_prefix: str | None
    tokens: tuple[str, ...] | None = None  # one query per search name, merged here


class IlrSearch:
    def __init__(self, ilrs: AsyncCollection[Document], cache: WindowCache | None = None) -> None:
        self.ilrs = ilrs
        self.cache = cache or WindowCache()
        self._samples: OrderedDict[str, Sample] = OrderedDict()

    async def page(
        self, criteria: SearchCriteria, limit: int, after: Mapping[str, Any] | None = None
    ) -> SearchPage:
        """One page of summaries in `criteria.sort` order after the cursor `after`."""
        order = Order.of(criteria.sort)
        cursor = Cursor.of(after, order)
        wanted = limit + 1
        exact = _exact_plan(criteria)
        rows: list[Document] | None = None
        if exact is None and order.space is NAMES and not criteria.name_prefix:
            rows = await self._by_family(criteria, order, cursor, wanted)
        elif exact is None and order.space is NAMES and await self._narrow(criteria):
            rows = None  # a narrow prefix in name order: its own index holds few rows
        elif exact is None:
            tokens = await self._name_tokens(criteria, order)
            if tokens is not None:
                rows = await self._by_tokens(criteria, order, cursor, wanted, tokens)
            else:
                budget = await self._name_budget(criteria, wanted)
                rows = await self._windowed(criteria, order, cursor, wanted, budget)
        if rows is None:
            rows = await self._direct(exact or _name_plan(criteria), order, cursor, wanted)
        return self._page_of(rows, limit, order, cursor)

    def _page_of(
        self, rows: list[Document], limit: int, order: Order, cursor: Cursor | None
    ) -> SearchPage:
        items = rows[:limit]
        next_after = None
        if len(rows) > limit:
            last = items[-1]
            value = last.get(order.field)
            positions = _positions(items, order)
            span = span_per_row(positions)
            width = cursor.width if cursor and cursor.width else order.space.default_span
            next_after = {
                "v": value.isoformat() if isinstance(value, datetime) else value,
                "id": last["_id"],
                "w": width_for(span, limit + 1, order.space.floor) if span else width,
            }
        return SearchPage([summary_of(d) for d in items], next_after)

    async def _windowed(
        self,
        criteria: SearchCriteria,
        order: Order,
        cursor: Cursor | None,
        wanted: int,
        budget: int | None,
        cap: str | None = None,
        tokens: tuple[str, ...] | None = None,
    ) -> list[Document] | None:
        """Rows from windows on the sort key, widened until one holds `wanted` rows (the
        last has no far bound, or ends at `cap`); None when a name prefix's budget ran out
        first. With `tokens`, each window is read once per search name token."""
        plan = _window_plan(criteria, order) if tokens is None else _token_plan(criteria, tokens)
        keys = _cache_keys(plan, order)
        learned = self.cache.get(*keys)
        span = learned.span if learned else order.space.default_span
        first = cursor.width if cursor and cursor.width else width_for(span, wanted, 0.0)
        near = _near_position(order, cursor, _learned_start(self.cache, keys))
        read = 0
        for width in widths(first, order.space) if near is not None else [None]:
            bounds = _capped(_bounds(order, cursor, near, width), cap)
            found, fetched = await self._rows(plan, bounds, order, cursor, wanted)
            read += fetched
            if len(found) >= wanted or width is None or bounds.get("open"):
                self._learn(keys, found, order, first_page=cursor is None)
                return found
            if budget is not None and read + fetched * GROWTH > budget:
                return None  # the next, wider window would read more than the budget
        raise AssertionError("unreachable: the last width has no bound")

    async def _by_family(
        self, criteria: SearchCriteria, order: Order, cursor: Cursor | None, wanted: int
    ) -> list[Document]:
        """Family-name order: names many rows share (learned from a sample) are read through
        `_id` windows inside the name; the names between them through name windows that end
        before the next shared name. So no read holds a whole tie group."""
        heavy = (await self._sample(criteria.tenant)).heavy
        plan = _window_plan(criteria, order)
        rows: list[Document] = []
        start = cursor
        while len(rows) < wanted:
            if start is not None and start.value in heavy:
                rows += await self._tied(plan, order, start.value, start.id, wanted - len(rows))
                if len(rows) >= wanted:
                    break
                start = Cursor(start.value + "\x00", "", start.width)  # the next string
            cap = _next_heavy(heavy, start.value if start else None)
            light = await self._windowed(criteria, order, start, wanted - len(rows), None, cap)
            rows += light or []
            if cap is None:
                break
            start = Cursor(cap, "", start.width if start else None)
        return rows[:wanted]

    async def _tied(
        self, plan: Plan, order: Order, name: str, after_id: str, wanted: int
    ) -> list[Document]:
        """Rows of one family name after `after_id`, through `_id` windows (equalities
        then one range: the server reads only the window from its index)."""
        query = {**plan.server, "family_name_lc": name}
        key = (plan.server["tenant"], "ids", tuple(plan.server), tuple(plan.residual))
        learned = self.cache.get((*key, tuple(plan.server.values()), name), key)
        span = learned.span if learned else IDS.default_span
        near = IDS.position(after_id) if after_id else 0.0
        for width in widths(width_for(span, wanted, 0.0), IDS) if near is not None else [None]:
            far = IDS.bound(near + width) if near is not None and width is not None else None
            ids: dict[str, Any] = {"$gt": after_id}
            if far is not None:
                ids["$lt"] = far
            docs = self.ilrs.find({**query, "_id": ids}, SUMMARY_FIELDS).sort(order.keys)
            kept = [d async for d in docs if _passes(d, plan)]
            if len(kept) >= wanted or far is None:
                span_found = span_per_row([p for d in kept if (p := IDS.position(d["_id"]))])
                if span_found:
                    self.cache.learn((*key, tuple(plan.server.values()), name), None, span_found)
                    self.cache.learn(key, None, span_found)
                return kept[:wanted]
        raise AssertionError("unreachable: the last width has no bound")

    async def _name_tokens(self, criteria: SearchCriteria, order: Order) -> list[str] | None:
        """The sampled search names a narrow prefix matches (read one window each), or None
        when another plan fits: family-name order, a broad prefix, too many names."""
        prefix = criteria.name_prefix
        if not prefix or order.field != "updated_at":
            return None
        sample = await self._sample(criteria.tenant)
        tokens = sample.tokens(prefix)
        if sample.share(prefix) >= BROAD_PREFIX or len(tokens) > MAX_TOKENS:
            return None
        return tokens

    async def _by_tokens(
        self,
        criteria: SearchCriteria,
        order: Order,
        cursor: Cursor | None,
        wanted: int,
        tokens: list[str],
    ) -> list[Document]:
        """A narrow prefix's page: each known name token's rows through shared updated-at
        windows, plus every row of the names between them (unknown to the sample, so
        rare), merged here."""
        rows = await self._names_between(criteria, order, cursor, tokens)
        if tokens:
            found = await self._windowed(criteria, order, cursor, wanted, None, None, tuple(tokens))
            rows += found or []
        return _ordered(list({d["_id"]: d for d in rows}.values()), order)[:wanted]

    async def _names_between(
        self, criteria: SearchCriteria, order: Order, cursor: Cursor | None, tokens: list[str]
    ) -> list[Document]:
        """Every row after the cursor with a name matching the prefix that lies between the
        known tokens (guarantees completeness); the names found become known."""
        prefix = criteria.name_prefix or ""
        edges = [prefix, *tokens, prefix + "\uffff"]
        plan = Plan({}, _residual(criteria, set()), prefix)
        rows: list[Document] = []
        for index, (low, high) in enumerate(itertools.pairwise(edges)):
            if low >= high:
                continue
            names = {"$gte" if index == 0 else "$gt": low, "$lt": high}
            query = {"tenant": criteria.tenant, "search_names": names}
            rows += [d async for d in self.ilrs.find(query, SUMMARY_FIELDS)]
        sample = await self._sample(criteria.tenant)
        sample.known.update(
            n for d in rows for n in d.get("search_names") or [] if _starts(n, prefix)
        )
        kept = [d for d in rows if _passes(d, plan)]
        return _after(_ordered(kept, order), cursor, order)

    async def _narrow(self, criteria: SearchCriteria) -> bool:
        """A name prefix the sample shows few rows share (read from `search_names`)."""
        prefix = criteria.name_prefix
        if not prefix:
            return False
        return (await self._sample(criteria.tenant)).share(prefix) < BROAD_PREFIX

    async def _name_budget(self, criteria: SearchCriteria, wanted: int) -> int | None:
        """Rows a name prefix's window may read before its own index is used instead;
        None (no limit) when the sample shows a broad prefix, whose matches are many."""
        prefix = criteria.name_prefix
        if not prefix:
            return None
        sample = await self._sample(criteria.tenant)
        if sample.share(prefix) >= BROAD_PREFIX:
            return None
        return NAME_WINDOW_BUDGET * wanted

    async def _sample(self, tenant: str) -> Sample:
        """A sample of the tenant's newest rows (taken again after SAMPLE_SECONDS)."""
        now = time.monotonic()
        sample = self._samples.get(tenant)
        if sample is None or now - sample.taken > SAMPLE_SECONDS:
            order = Order.of("-updated_at")
            rows = await self._windowed(SearchCriteria(tenant), order, None, SAMPLE_ROWS, None)
            rows = (rows or []) + await self._older_sample(tenant, rows or [])
            fresh = Sample.of(rows, now)
            if sample is not None and len(sample.known) < KNOWN_NAMES:
                fresh.known.update(sample.known)  # names found since: a gap read each
            sample = fresh
        self._samples[tenant] = sample
        self._samples.move_to_end(tenant)
        while len(self._samples) > SAMPLED_TENANTS:
            self._samples.popitem(last=False)
        return sample

    async def _older_sample(self, tenant: str, newest: list[Document]) -> list[Document]:
        """Small windows ever further back in time: the newest rows alone can all share a
        few names (then a prefix's share read as 0 and its every match was read)."""
        positions = _positions(newest, Order.of("-updated_at"))
        span = span_per_row(positions)
        if span is None:
            return []
        rows: list[Document] = []
        for step in range(SPREAD_WINDOWS):
            far = positions[-1] - SAMPLE_ROWS * span * 2**step
            window = {"$lt": DATES.bound(far), "$gt": DATES.bound(far - SPREAD_ROWS * span)}
            if None in window.values():
                break
            query = {"tenant": tenant, "updated_at": window}
            rows += [d async for d in self.ilrs.find(query, SUMMARY_FIELDS)]
        return rows

    async def _rows(
        self,
        plan: Plan,
        bounds: dict[str, Any],
        order: Order,
        cursor: Cursor | None,
        wanted: int,
    ) -> tuple[list[Document], int]:
        """Up to `wanted` rows in the window that pass the checks done here, and how many
        rows the server returned. Without such checks a limit is sent (rows tied with the
        cursor may need a larger one); with them the window alone bounds the read."""
        query = dict(plan.server)
        if bounds.get("range"):
            query[order.field] = bounds["range"]
        checked = bool(plan.residual or plan.name_prefix)
        fetch = 0 if checked else wanted + (1 if cursor else 0)
        while True:
            docs, full = await self._fetch(_queries(plan, query, order), fetch, order)
            kept = [
                d
                for d in docs
                if _passes(d, plan) and not (cursor is not None and cursor.before(d, order))
            ]
            if len(kept) >= wanted or fetch == 0 or not full:
                return kept[:wanted], len(docs)
            fetch *= 2  # more rows share the cursor's value than one page holds

    async def _fetch(
        self, queries: list[dict[str, Any]], fetch: int, order: Order
    ) -> tuple[list[Document], bool]:
        """The rows of each query (at most `fetch` each, 0: all) merged in order, once
        each; and whether any query was cut by the limit."""
        docs: dict[Any, Document] = {}
        full = False
        for query in queries:
            found = self.ilrs.find(query, SUMMARY_FIELDS, limit=fetch).sort(order.keys)
            batch = [d async for d in found]
            full = full or (fetch > 0 and len(batch) >= fetch)
            docs.update((d["_id"], d) for d in batch)
        rows = list(docs.values())
        return (rows if len(queries) == 1 else _ordered(rows, order)), full

    async def _direct(
        self, plan: Plan, order: Order, cursor: Cursor | None, wanted: int
    ) -> list[Document]:
        """Every match of a selective key (few), checked, ordered and cut here."""
        docs = [d async for d in self.ilrs.find(plan.server, SUMMARY_FIELDS)]
        kept = [d for d in docs if _passes(d, plan)]
        return _after(_ordered(kept, order), cursor, order)[:wanted]

    def _learn(
        self,
        keys: tuple[tuple[Any, ...], ...],
        rows: list[Document],
        order: Order,
        first_page: bool,
    ) -> None:
        positions = _positions(rows, order)
        span = span_per_row(positions)
        if span is None:
            return
        start = positions[0] if first_page else None
        for key in keys[:2]:  # the range's own shape learns from its own pages only
            self.cache.learn(key, start, span)


def _exact_plan(criteria: SearchCriteria) -> Plan | None:
    """Lookups by a key that few ILRs share: the learner's own, ULN, learner reference.
    `_id` goes first: the local server serves a filter's first clause alone from an index."""
    tenant = criteria.tenant
    if criteria.only_id is not None:
        server: dict[str, Any] = {"_id": criteria.only_id, "tenant": tenant}
    elif criteria.uln is not None:
        server = {"tenant": tenant, "uln": criteria.uln}
    elif criteria.learn_ref:
        server = {"tenant": tenant, "learn_ref": criteria.learn_ref}
    else:
        return None
    return Plan(server, _residual(criteria, set(server)), criteria.name_prefix)


def _name_plan(criteria: SearchCriteria) -> Plan:
    """Every ILR with a name starting with the prefix, from the `search_names` index."""
    prefix = criteria.name_prefix or ""
    server = {"tenant": criteria.tenant, "search_names": {"$gte": prefix, "$lt": prefix + "\uffff"}}
    return Plan(server, _residual(criteria, set()), None)


def _token_plan(criteria: SearchCriteria, tokens: tuple[str, ...]) -> Plan:
    """One `search_names_recent` range per token (equalities, then the window)."""
    return Plan({"tenant": criteria.tenant}, _residual(criteria, set()), None, tokens)


def _queries(plan: Plan, query: dict[str, Any], order: Order) -> list[dict[str, Any]]:
    """The server filters of one window: one, or one per token (the token before the
    window's range, in the index's field order)."""
    if plan.tokens is None:
        return [query]
    window = {k: v for k, v in query.items() if k not in plan.server}
    return [{**plan.server, "search_names": token, **window} for token in plan.tokens]


def _window_plan(criteria: SearchCriteria, order: Order) -> Plan:
    """The index that holds the most of the filter's fields before the sort field; the
    local server serves a range only when the filter is exactly such a prefix."""
    present = {name for name in LIST_FILTERS if getattr(criteria, name)}
    fields = next(f for f in SORT_INDEXES[order.field] if set(f) <= present)
    server = {"tenant": criteria.tenant, **{name: getattr(criteria, name) for name in fields}}
    return Plan(server, _residual(criteria, set(fields)), criteria.name_prefix)


def _residual(criteria: SearchCriteria, served: set[str]) -> dict[str, Any]:
    checks: dict[str, Any] = {
        name: getattr(criteria, name) for name in LIST_FILTERS if getattr(criteria, name)
    }
    if criteria.only_id is not None:
        checks["_id"] = criteria.only_id
    if criteria.uln is not None:
        checks["uln"] = criteria.uln
    if criteria.learn_ref:
        checks["learn_ref"] = criteria.learn_ref
    return {name: value for name, value in checks.items() if name not in served}


def _passes(doc: Document, plan: Plan) -> bool:
    if any(doc.get(name) != value for name, value in plan.residual.items()):
        return False
    prefix = plan.name_prefix
    if prefix is None:
        return True
    return any(_starts(name, prefix) for name in doc.get("search_names") or [])


def _starts(name: str, prefix: str) -> bool:
    """Whether `name` lies in the prefix's range (as the `search_names` range reads it)."""
    return prefix <= name < prefix + "\uffff"


def _cache_keys(plan: Plan, order: Order) -> tuple[tuple[Any, ...], ...]:
    """The exact filter, its shape (fields only), and the shape of the index range alone
    (where a name check's first window starts before it has learned its own)."""
    checked = tuple(sorted(plan.residual)) + (("name",) if plan.name_prefix else ())
    checked += ("tokens",) if plan.tokens is not None else ()
    base = (plan.server["tenant"], order.field, order.direction, tuple(plan.server))
    exact = (*base, checked, tuple(plan.server.values()), tuple(plan.residual.values()))
    return (*exact, plan.name_prefix, plan.tokens), (*base, checked), (*base, ())


def _learned_start(cache: WindowCache, keys: tuple[tuple[Any, ...], ...]) -> float | None:
    """The first row of the closest filter whose first page was read (a filter learned only
    from cursor pages would otherwise start at "now" and widen across an empty stretch)."""
    for key in keys:
        learned = cache.get(key)
        if learned is not None and learned.start is not None:
            return learned.start
    return None


def _near_position(order: Order, cursor: Cursor | None, start: float | None) -> float | None:
    """Where the first window starts: the cursor; for a first page the learned first row
    (newest: now when unknown; names: the start of the alphabet). None: read unbounded."""
    if cursor is not None:
        return order.space.position(cursor.value)
    if order.space is NAMES:
        return 0.0
    if order.direction == DESCENDING:
        return start if start is not None else datetime.now(UTC).timestamp()
    return start


def _bounds(
    order: Order, cursor: Cursor | None, near: float | None, width: float | None
) -> dict[str, Any]:
    """The range on the sort field: from the cursor (strictly, one millisecond out for
    dates: the local server's indexes drop rows equal to an inclusive far-side bound) to
    the window's far end; "open" when the far end falls outside the key space."""
    bounded: dict[str, Any] = _from(cursor.value, order.direction) if cursor else {}
    if width is None or near is None:
        return {"range": bounded}
    sign = 1 if order.direction == ASCENDING else -1
    far = order.space.bound(near + sign * width)
    if far is None:
        return {"range": bounded, "open": True}
    bounded["$lt" if order.direction == ASCENDING else "$gt"] = far
    return {"range": bounded}


def _capped(bounds: dict[str, Any], cap: str | None) -> dict[str, Any]:
    """An ascending name range ended before `cap` (the next name read another way)."""
    if cap is None:
        return bounds
    far = bounds["range"].get("$lt")
    if far is not None and far < cap:
        return bounds
    return {"range": {**bounds["range"], "$lt": cap}, "open": True}


def _next_heavy(heavy: list[str], after: Any) -> str | None:
    """The first shared name after `after` (from the start when not a name)."""
    index = bisect.bisect_right(heavy, after) if isinstance(after, str) else 0
    return heavy[index] if index < len(heavy) else None


def _from(value: Any, direction: int) -> dict[str, Any]:
    """`value` and what follows it in `direction`. Dates use the equivalent strict bound one
    millisecond out (BSON dates hold milliseconds): the local test server's compound
    indexes drop the rows equal to an inclusive bound on the far side of their order."""
    if isinstance(value, datetime):
        if direction == ASCENDING:
            return {"$gt": value - _ONE_MS}
        return {"$lt": value + _ONE_MS}
    return {"$gte": value} if direction == ASCENDING else {"$lte": value}


def _positions(rows: list[Document], order: Order) -> list[float]:
    found = (order.space.position(d.get(order.field)) for d in rows)
    return [p for p in found if p is not None]


def _ordered(rows: list[Document], order: Order) -> list[Document]:
    rows = sorted(rows, key=lambda d: _sort_key(d.get(order.field), d["_id"]))
    return rows[::-1] if order.direction == DESCENDING else rows


def _after(rows: list[Document], cursor: Cursor | None, order: Order) -> list[Document]:
    """The rows beyond the cursor (all without one)."""
    if cursor is None:
        return rows
    after = _sort_key(cursor.value, cursor.id)
    return [d for d in rows if _beyond(_sort_key(d.get(order.field), d["_id"]), after, order)]


def _sort_key(value: Any, row_id: Any) -> tuple[bool, Any, str]:
    """Missing values first (as BSON null sorts), without comparing None to a value."""
    return (value is not None, value, str(row_id))


def _beyond(key: tuple[bool, Any, str], cursor: tuple[bool, Any, str], order: Order) -> bool:
    return key > cursor if order.direction == ASCENDING else key < cursor
