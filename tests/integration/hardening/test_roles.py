"""Roles matrix: every operation of every service's OpenAPI document, with every role and
with no token, against the explicit table below (docs/api.md)."""

from __future__ import annotations

import pytest

from .conftest import TENANT_A, ServiceSpec, Stack, StartStack, operations, service_params

A, V, L, INT = "admin", "verifier", "learner", "integration"
ROLES = (L, INT, V, A)  # admin last: its writes (transitions) change what the others would meet
PUBLIC = "public"  # no token needed
READERS = frozenset({A, V, INT})
ADMIN = frozenset({A})
ENROLLERS = frozenset({A, INT})
EVERYONE = frozenset({A, V, L, INT})  # the learner: their own ILR only (learner_id = the ILR)

# Who may call what. A role in the set must get past authorisation (anything but 401/403);
# a role not in the set gets 403; no token gets 401 unless PUBLIC.
ROLE_MATRIX: dict[str, dict[str, frozenset[str] | str]] = {
    "programmes": {
        "GET /healthz": PUBLIC,
        "GET /readyz": PUBLIC,
        "GET /metrics": PUBLIC,
        "GET /api/programmes/code-lists": EVERYONE,  # reference data for the learner form
        "POST /api/programmes": ADMIN,
        "GET /api/programmes": READERS,
        "GET /api/programmes/{programme_id}": READERS,
        "PATCH /api/programmes/{programme_id}": ADMIN,
        "POST /api/programmes/{programme_id}/clone": ADMIN,
        "GET /api/programmes/{programme_id}/ilr-template": READERS,
        "PUT /api/programmes/{programme_id}/ilr-template": ADMIN,
        "POST /api/programmes/{programme_id}/enrolments": ENROLLERS,
        "GET /api/programmes/{programme_id}/enrolments": READERS,
        "GET /api/programmes/{programme_id}/enrolments/{enrolment_id}": READERS,
        "POST /api/programmes/{programme_id}/enrolments/{enrolment_id}/withdraw": ENROLLERS,
        # the sending system's corrections
        "PATCH /api/programmes/{programme_id}/enrolments/{enrolment_id}": ENROLLERS,
    },
    "ilr": {
        "GET /healthz": PUBLIC,
        "GET /readyz": PUBLIC,
        "GET /metrics": PUBLIC,
        "GET /api/ilrs": EVERYONE,
        "GET /api/ilrs/{ilr_id}": EVERYONE,
        # the learner edits the User part of their own ILR; verifier/integration never edit
        "PATCH /api/ilrs/{ilr_id}": frozenset({A, L}),
        "POST /api/ilrs/{ilr_id}/deliveries": ADMIN,
        "PATCH /api/ilrs/{ilr_id}/deliveries/{seq}": ADMIN,
        "POST /api/ilrs/{ilr_id}/deliveries/{seq}/withdraw": ADMIN,
        "POST /api/ilrs/{ilr_id}/reset-to-template": ADMIN,
        "GET /api/ilrs/{ilr_id}/versions": EVERYONE,
        "GET /api/ilrs/{ilr_id}/versions/{version}": EVERYONE,
        "POST /api/ilrs/{ilr_id}/versions/{version}/restore": ADMIN,
        # body {"action": "request_signature"} on a newly submitted ILR: admin only
        "POST /api/ilrs/{ilr_id}/transitions": ADMIN,
        "GET /api/ilrs/{ilr_id}/validation": EVERYONE,
        "POST /api/ilrs/import": ADMIN,
        "POST /api/ilrs/rollover": ADMIN,
        "GET /api/ilrs/rollover/links/{ilr_id}": ADMIN,
        # the official rule catalogue: what a finding means, for everyone who sees findings
        "GET /api/rules": EVERYONE,
        "GET /api/rules/{name}": EVERYONE,
    },
    "export": {
        "GET /healthz": PUBLIC,
        "GET /readyz": PUBLIC,
        "GET /metrics": PUBLIC,
        "POST /api/exports": ADMIN,
        "GET /api/exports": ADMIN,
        "GET /api/exports/serials": ADMIN,
        "GET /api/exports/calendar": ADMIN,
        "GET /api/exports/{export_id}": ADMIN,
        "GET /api/exports/{export_id}/file": ADMIN,
        "GET /api/exports/{export_id}/report": ADMIN,
        "POST /api/exports/{export_id}/submitted": ADMIN,
    },
}


def role_headers(stack: Stack, role: str, ids: dict[str, object]) -> dict[str, str]:
    learner_id = str(ids["ilr_id"]) if role == L and "ilr_id" in ids else None
    return stack.headers(TENANT_A, role, sub=f"{role}-1", learner_id=learner_id)


@pytest.mark.parametrize("spec", service_params())
async def test_roles_matrix(spec: ServiceSpec, start_stack: StartStack) -> None:
    stack = await start_stack(spec.name)
    seeded = await stack.seed(TENANT_A, "Alpha")
    table = ROLE_MATRIX[spec.name]
    ops = operations(spec.name, stack.apps[spec.name])
    unlisted = [op.key for op in ops if op.key not in table]
    assert not unlisted, f"{spec.name}: classify these operations in ROLE_MATRIX: {unlisted}"

    wrong: list[str] = []
    admin = stack.headers(TENANT_A)
    for op in ops:
        expected = table[op.key]
        anonymous = await stack.request(op, seeded.ids, {}, etag_headers=admin)
        if expected == PUBLIC:
            if anonymous.status_code != 200:
                wrong.append(f"{op.key} no token: {anonymous.status_code} (want 200)")
            continue
        if anonymous.status_code != 401:
            wrong.append(f"{op.key} no token: {anonymous.status_code} (want 401)")
        elif "detail" not in anonymous.json():
            wrong.append(f"{op.key} no token: 401 without detail")
        assert isinstance(expected, frozenset)
        for role in ROLES:
            response = await stack.request(
                op, seeded.ids, role_headers(stack, role, seeded.ids), etag_headers=admin
            )
            status = response.status_code
            if role in expected and (status in (401, 403) or status >= 500):
                wrong.append(f"{op.key} as {role}: {status} (want access) {response.text[:200]}")
            if role not in expected and status != 403:
                wrong.append(f"{op.key} as {role}: {status} (want 403) {response.text[:200]}")
    assert not wrong, f"{spec.name} roles:\n" + "\n".join(wrong)
