"""Tenant isolation: whatever tenant B creates is a 404 to tenant A's admin on every route
that takes an id, A's writes there change nothing of B's, and A's lists never show B."""

from __future__ import annotations

import pytest

from .conftest import (
    TENANT_A,
    TENANT_B,
    Operation,
    ServiceSpec,
    Stack,
    StartStack,
    operations,
    service_params,
)

MARKER_A = "Alpha"
MARKER_B = "Bravotenant"  # in every name tenant B creates: a leak shows up as text


def leaks(text: str, b_ids: dict[str, object]) -> list[str]:
    found = [MARKER_B] if MARKER_B in text else []
    found += [
        f"{name}={value}"
        for name, value in b_ids.items()
        if isinstance(value, str) and value in text
    ]
    return found


async def snapshot(stack: Stack, ops: list[Operation], b_ids: dict[str, object]) -> dict[str, str]:
    """What B's admin reads on every id route (B's side of the story, to compare after)."""
    b_admin = stack.headers(TENANT_B)
    seen: dict[str, str] = {}
    for op in ops:
        if op.method == "GET" and op.path_params:
            response = await stack.request(op, b_ids, b_admin)
            assert response.status_code == 200, f"B reads its own {op.key}: {response.text}"
            seen[op.key] = response.text
    return seen


@pytest.mark.parametrize("spec", service_params())
async def test_tenant_b_is_invisible_to_tenant_a(
    spec: ServiceSpec, start_stack: StartStack
) -> None:
    stack = await start_stack(spec.name)
    a = await stack.seed(TENANT_A, MARKER_A)
    b = await stack.seed(TENANT_B, MARKER_B)
    ops = [
        op for op in operations(spec.name, stack.apps[spec.name]) if not op.public and not op.shared
    ]
    by_id = [op for op in ops if op.path_params]
    assert by_id, f"{spec.name} has no routes by id"
    before = await snapshot(stack, ops, b.ids)

    a_admin = stack.headers(TENANT_A)
    b_admin = stack.headers(TENANT_B)
    wrong: list[str] = []
    # 1. every route by id, with B's ids (and B's current ETag, so only the tenant differs)
    for op in by_id:
        response = await stack.request(op, b.ids, a_admin, etag_headers=b_admin)
        if response.status_code != 404:
            wrong.append(f"{op.key} with B's ids: {response.status_code} {response.text[:200]}")
        elif "detail" not in response.json():
            wrong.append(f"{op.key} with B's ids: 404 without detail")
        if found := leaks(response.text, b.ids):
            wrong.append(f"{op.key} with B's ids leaks {found}")

    # 2. lists and reads of A's own things, also filtered by B's ids, never show B
    for op in ops:
        if op.method != "GET":
            continue
        response = await stack.request(op, a.ids, a_admin)
        if response.status_code >= 400:
            wrong.append(f"{op.key} of A's own: {response.status_code} {response.text[:200]}")
        if found := leaks(response.text, b.ids):
            wrong.append(f"{op.key} of A's own leaks {found}")
        filters = {name: b.ids[name] for name in op.query_params if name in b.ids}
        filters.update({"q": MARKER_B} if "q" in op.query_params else {})
        if filters and not op.path_params:
            url = op.url(a.ids)
            response = await stack.clients[op.service].get(url, params=filters, headers=a_admin)
            if response.status_code != 200 or response.json().get("items"):
                wrong.append(
                    f"{op.key}?{filters}: {response.status_code} {response.text[:200]} "
                    "(want 200 and no items)"
                )

    # 3. nothing A tried changed anything of B's
    after = await snapshot(stack, ops, b.ids)
    for key, text in before.items():
        if after[key] != text and not key.endswith(("/versions", "/report", "/file")):
            wrong.append(
                f"B's {key} changed after A's attempts:\n  {text[:300]}\n  {after[key][:300]}"
            )
        elif after[key] != text:
            wrong.append(f"B's {key} changed after A's attempts")
    assert not wrong, f"{spec.name} tenancy:\n" + "\n".join(wrong)
