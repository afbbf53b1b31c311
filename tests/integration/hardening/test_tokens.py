"""Bad bearer tokens are 401 on every protected operation of every service, through the
whole HTTP stack (routing, dependencies, error handlers), before any body is looked at."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest

from .conftest import TENANT_A, ServiceSpec, StartStack, operations, service_params

OTHER_SECRET = "not-the-platform-secret-0123456789abcdef"


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    base: dict[str, Any] = {
        "sub": "user-1",
        "tenant": TENANT_A,
        "roles": ["admin"],
        "iat": now,
        "exp": now + 600,
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def bad_tokens(secret: str) -> dict[str, str]:
    """Authorization header values that must all be refused."""

    def signed(**changes: Any) -> str:
        return jwt.encode(claims(**changes), secret, algorithm="HS256")

    def without(name: str) -> str:
        data = claims()
        del data[name]
        return jwt.encode(data, secret, algorithm="HS256")

    valid = signed()
    head, _, signature = valid.split(".")
    now = int(time.time())
    tokens = {
        "expired": signed(iat=now - 7200, exp=now - 3600),
        "wrong signature": jwt.encode(claims(), OTHER_SECRET, algorithm="HS256"),
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims())}.",
        "alg none, valid signature kept": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims())}.{signature}",
        "HS512 with the right secret": jwt.encode(claims(), secret, algorithm="HS512"),
        "payload tampered": f"{head}.{_b64(claims(tenant='10000002'))}.{signature}",
        "missing sub": without("sub"),
        "missing tenant": without("tenant"),
        "missing roles": without("roles"),
        "missing exp": without("exp"),
        "empty sub": signed(sub=""),
        "empty roles": signed(roles=[]),
        "unknown role": signed(roles=["superuser"]),
        "roles as a string": signed(roles="admin"),
        "tenant not a UKPRN": signed(tenant="not-a-ukprn"),
        "not yet valid": signed(nbf=now + 3600),
        "garbage": "not.a.jwt",
        "empty": "",
    }
    headers = {name: f"Bearer {token}" for name, token in tokens.items()}
    headers["basic scheme"] = "Basic " + base64.b64encode(b"admin:admin").decode()
    headers["token without scheme"] = valid
    return headers


@pytest.mark.parametrize("spec", service_params())
async def test_bad_tokens_are_401_everywhere(spec: ServiceSpec, start_stack: StartStack) -> None:
    stack = await start_stack(spec.name)
    seeded = await stack.seed(TENANT_A, "Alpha")
    admin = stack.headers(TENANT_A)
    wrong: list[str] = []
    protected = [op for op in operations(spec.name, stack.apps[spec.name]) if not op.public]
    assert protected
    for op in protected:
        for name, header in bad_tokens(stack.secret).items():
            response = await stack.request(
                op, seeded.ids, {"Authorization": header}, etag_headers=admin
            )
            body: Callable[[], Any] = response.json
            if response.status_code != 401:
                wrong.append(f"{op.key} [{name}]: {response.status_code} {response.text[:160]}")
            elif "detail" not in body() or "WWW-Authenticate" not in response.headers:
                wrong.append(f"{op.key} [{name}]: 401 without detail or WWW-Authenticate")
        if op.has_body:
            # the token is checked before the body is even parsed: no schema probing unauthenticated
            for name, headers in {
                "no token": {},
                "expired": {"Authorization": "Bearer x.y.z"},
            }.items():
                response = await stack.clients[op.service].request(
                    op.method,
                    op.url(seeded.ids),
                    content=b'{"not json',
                    headers={**headers, "Content-Type": "application/json"},
                )
                if response.status_code != 401:
                    wrong.append(
                        f"{op.key} [{name}, malformed JSON body]: {response.status_code} "
                        f"{response.text[:160]}"
                    )
            # ... while a caller who may use the route still hears what is wrong with it
            response = await stack.clients[op.service].request(
                op.method,
                op.url(seeded.ids),
                content=b'{"not json',
                headers={**admin, "Content-Type": "application/json"},
            )
            # 422, or 415 where the route takes no JSON at all (the XML import)
            if response.status_code not in (415, 422) or "detail" not in response.json():
                wrong.append(f"{op.key} [admin, malformed JSON body]: {response.status_code}")
    assert not wrong, f"{spec.name} tokens:\n" + "\n".join(wrong)
