"""Search pages read through windows on the sort key return exactly what a brute-force sort
of every match returns: every kind, every order, paged to the end, old and odd cursors."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ilr_service.adapters.documents import search_fields
from ilr_shared.cursors import decode_cursor, encode_cursor
from tests.integration.ilr_service.conftest import OTHER_TENANT, TENANT, Service

FAMILY = ["Smith", "Smyth", "Jones", "Zed", "O'Brien", "Ábel", "van Dyke", "", "Lee", "Li"]
GIVEN = ["Ada", "Alan", "Grace", "Sam", "Zoe", "Émile"]
STATUSES = ["newly_submitted"] * 12 + ["signature_required"] * 4 + ["signed"] * 3 + ["completed"]
PROGRAMMES = ["prg_a"] * 8 + ["prg_b"] * 3 + ["prg_rare"]
YEARS = ["2026/27", "2026/27", "2025/26"]
SORTS = {
    "-updated_at": ("updated_at", True),
    "updated_at": ("updated_at", False),
    "family_name": ("family_name_lc", False),
}


def _stamp(rng: random.Random, base: datetime, ties: list[datetime]) -> datetime:
    """Spread over 200 days, a dense recent cluster, and rows tied on a few instants."""
    roll = rng.random()
    if roll < 0.2:
        return rng.choice(ties)
    if roll < 0.5:
        return base + timedelta(days=200, milliseconds=rng.randrange(600_000))
    return base + timedelta(milliseconds=rng.randrange(200 * 86_400_000))


def _document(rng: random.Random, n: int, tenant: str, stamp: datetime) -> dict[str, Any]:
    record = {
        "LearnRefNumber": f"LRN{n % 250:04d}",  # some learners in both years
        "ULN": 1_000_000_000 + n % 250,
        "GivenNames": rng.choice(GIVEN),
        "FamilyName": rng.choice(FAMILY) + ("" if rng.random() < 0.6 else f"{n % 7}"),
    }
    return {
        "_id": f"ilr_{rng.getrandbits(40):010x}",
        "tenant": tenant,
        "programme_id": rng.choice(PROGRAMMES),
        "enrolment_id": f"enr_{n}",
        "academic_year": rng.choice(YEARS),
        "status": rng.choice(STATUSES),
        "version": 1,
        "updated_at": stamp,
        "record": record,
        "finding_counts": {"errors": 0, "warnings": 0},
        **search_fields(record),
    }


@pytest.fixture
async def seeded(service: Service) -> list[dict[str, Any]]:
    rng = random.Random(17)
    base = datetime(2026, 3, 1, tzinfo=UTC)
    ties = [base + timedelta(days=d, hours=9) for d in (3, 90, 200)]
    docs = [_document(rng, n, TENANT, _stamp(rng, base, ties)) for n in range(320)]
    others = [_document(rng, n, OTHER_TENANT, _stamp(rng, base, ties)) for n in range(40)]
    await service.app.state.ilr_repository.ilrs.insert_many(docs + others)
    for doc in docs:  # as the server returns them: milliseconds
        stamp = doc["updated_at"]
        doc["updated_at"] = stamp.replace(microsecond=stamp.microsecond // 1000 * 1000)
    return docs


def _expected(docs: list[dict[str, Any]], sort: str, **params: Any) -> list[str]:
    def matches(doc: dict[str, Any]) -> bool:
        prefix = str(params.get("q") or "").strip().lower()
        if prefix and not any(name.startswith(prefix) for name in doc["search_names"]):
            return False
        fields = ("status", "programme_id", "academic_year", "uln", "learn_ref")
        return all(doc[f] == params[f] for f in fields if f in params)

    field, descending = SORTS[sort]
    found = sorted(
        (d for d in docs if matches(d)), key=lambda d: (d[field], d["_id"]), reverse=descending
    )
    return [d["_id"] for d in found]


async def _pages(
    service: Service, limit: int, *, rewrite: Any = None, headers: Any = None, **params: Any
) -> list[str]:
    """Every id in page order, following next_cursor (rewritten by `rewrite` if given)."""
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(1000):
        query = {**params, "limit": limit, **({"cursor": cursor} if cursor else {})}
        response = await service.client.get(
            "/api/ilrs", params=query, headers=headers or service.token()
        )
        assert response.status_code == 200, response.text
        page = response.json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return seen
        if rewrite is not None:
            cursor = encode_cursor(rewrite(decode_cursor(cursor)))
    raise AssertionError("paging did not end")


KINDS: list[dict[str, Any]] = [
    {},
    {"status": "newly_submitted"},
    {"status": "completed"},
    {"programme_id": "prg_a"},
    {"programme_id": "prg_rare"},
    {"programme_id": "prg_b", "status": "signed"},
    {"academic_year": "2025/26"},
    {"academic_year": "2026/27", "status": "signature_required"},
    {"q": "sm"},
    {"q": "zed"},
    {"q": "a", "status": "newly_submitted"},
    {"q": "van dyke"},
    {"uln": 1_000_000_007},
    {"learn_ref": "LRN0011"},
    {"learn_ref": "LRN0012", "academic_year": "2026/27"},
]


@pytest.mark.parametrize("sort", list(SORTS))
async def test_every_kind_pages_as_a_full_sort_would(
    service: Service, seeded: list[dict[str, Any]], sort: str
) -> None:
    for params in KINDS:
        expected = _expected(seeded, sort, **params)
        for limit in (7, 50):
            assert await _pages(service, limit, sort=sort, **params) == expected, (params, limit)


async def test_rows_tied_on_the_sort_value_page_one_by_one(
    service: Service, seeded: list[dict[str, Any]]
) -> None:
    for sort in SORTS:
        params = {"programme_id": "prg_b", "status": "signature_required"}
        assert await _pages(service, 1, sort=sort, **params) == _expected(seeded, sort, **params)


@pytest.mark.parametrize(
    "rewrite",
    [
        lambda c: {"v": c["v"], "id": c["id"]},  # written before windows
        lambda c: {**c, "w": 1e-9},  # far too narrow
        lambda c: {**c, "w": 1e12},  # far too wide
        lambda c: {**c, "w": "wide"},  # not a number
    ],
    ids=["old", "narrow", "wide", "garbage"],
)
async def test_cursors_whatever_their_window(
    service: Service, seeded: list[dict[str, Any]], rewrite: Any
) -> None:
    for sort in SORTS:
        for params in ({"status": "newly_submitted"}, {"q": "sm"}, {}):
            expected = _expected(seeded, sort, **params)
            assert await _pages(service, 9, rewrite=rewrite, sort=sort, **params) == expected


async def test_a_learner_pages_only_their_own(
    service: Service, seeded: list[dict[str, Any]]
) -> None:
    mine = seeded[5]["_id"]
    learner = service.token(role="learner", sub="learner-5", learner_id=mine)
    for sort in SORTS:
        assert await _pages(service, 1, headers=learner, sort=sort) == [mine]
        assert await _pages(service, 1, headers=learner, sort=sort, status="nothing") == []


async def test_family_names_many_rows_share_page_through_their_ties(service: Service) -> None:
    """Names shared by many rows (read through `_id` windows) between rare names, pages
    cut inside a tie group and across groups, with filters that the index holds or not."""
    rng = random.Random(23)
    base = datetime(2026, 5, 1, tzinfo=UTC)
    docs = []
    for n in range(400):
        doc = _document(rng, n, TENANT, base + timedelta(minutes=n))
        family = rng.choice(["Smith"] * 6 + ["Jones"] * 3 + ["Ng", "Ngata", "Smithe"])
        doc["record"]["FamilyName"] = family if n % 17 else f"Rare{n}"
        doc["_id"] = f"ilr_{rng.getrandbits(96):024x}"
        doc.update(search_fields(doc["record"]))
        docs.append(doc)
    await service.app.state.ilr_repository.ilrs.insert_many(docs)
    for params in (
        {},
        {"status": "newly_submitted"},
        {"programme_id": "prg_b", "status": "signed"},
    ):
        expected = _expected(docs, "family_name", **params)
        for limit in (1, 13, 60):
            got = await _pages(service, limit, sort="family_name", **params)
            assert got == expected, (params, limit)


async def test_prefixes_matching_many_names_page_as_a_full_sort_would(
    service: Service, seeded: list[dict[str, Any]]
) -> None:
    for sort in SORTS:
        for q in ("s", "l", "a", "zo", "ada s"):
            expected = _expected(seeded, sort, q=q)
            for limit in (5, 40):
                assert await _pages(service, limit, sort=sort, q=q) == expected, (sort, q, limit)


async def test_prefixes_read_per_name_token_page_as_a_full_sort_would(service: Service) -> None:
    """A narrow prefix read through one window per sampled name token, merged, plus the
    names the sample missed (only on old rows); rows tied on their update time; twice
    (the second time the missed names are known)."""
    rng = random.Random(29)
    base = datetime(2026, 5, 1, tzinfo=UTC)
    ties = [base + timedelta(days=d) for d in (1, 2, 30)]
    docs = []
    for n in range(600):
        recent = n >= 150
        stamp = rng.choice(ties) if n % 5 == 0 else base + timedelta(minutes=n * 7)
        doc = _document(rng, n, TENANT, stamp)
        names = ["Smith", "Smithers", "Smyth"] if recent else ["Smithson", "Smit"]
        rare = rng.random() < 0.08  # a narrow prefix: the window plan reads ~page / share
        doc["record"]["FamilyName"] = rng.choice(names) if rare else rng.choice(FAMILY[2:5])
        doc["record"]["GivenNames"] = "Smilla" if n % 50 == 0 else rng.choice(["Ada", "Zoe"])
        doc["_id"] = f"ilr_{rng.getrandbits(96):024x}"
        doc.update(search_fields(doc["record"]))
        docs.append(doc)
    await service.app.state.ilr_repository.ilrs.insert_many(docs)
    for doc in docs:
        stamp = doc["updated_at"]
        doc["updated_at"] = stamp.replace(microsecond=stamp.microsecond // 1000 * 1000)
    for _ in range(2):
        for params in (
            {"q": "smi"},
            {"q": "smith"},
            {"q": "smit"},
            {"q": "sm", "status": "signed"},
        ):
            for sort in ("-updated_at", "updated_at"):
                expected = _expected(docs, sort, **params)
                for limit in (1, 17, 200):
                    got = await _pages(service, limit, sort=sort, **params)
                    assert got == expected, (params, sort, limit)
