"""Tokens: only a well-signed, unexpired token with every claim makes a Principal."""

from __future__ import annotations

import time

import jwt
import pytest

from ilr_shared.auth import AuthError, Role, TokenVerifier, mint_token
from ilr_shared.settings import CommonSettings

SETTINGS = CommonSettings()
SECRET = SETTINGS.jwt_secret.get_secret_value()
VERIFIER = TokenVerifier(SETTINGS)


def claims(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "sub": "u1",
        "tenant": "10000001",
        "roles": ["admin"],
        "exp": int(time.time()) + 60,
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def test_valid_token_gives_principal() -> None:
    token = mint_token(SECRET, sub="u1", tenant="10000001", roles=["admin", "verifier"])
    principal = VERIFIER.verify(token)
    assert principal.tenant == "10000001"
    assert principal.roles == {Role.ADMIN, Role.VERIFIER}
    assert principal.has(Role.VERIFIER) and not principal.has(Role.LEARNER)


def test_learner_token_carries_learner_id() -> None:
    token = mint_token(SECRET, sub="l1", tenant="10000001", roles=["learner"], learner_id="ilr_1")
    assert VERIFIER.verify(token).learner_id == "ilr_1"


@pytest.mark.parametrize(
    "token",
    [
        jwt.encode(claims(exp=int(time.time()) - 10), SECRET, algorithm="HS256"),
        jwt.encode(claims(), "another-secret-of-enough-length-000000", algorithm="HS256"),
        jwt.encode(claims(), "", algorithm="none"),  # PyJWT takes "" as no key for alg none
        jwt.encode(claims(sub=None), SECRET, algorithm="HS256"),
        jwt.encode(claims(tenant=None), SECRET, algorithm="HS256"),
        jwt.encode(claims(tenant="123"), SECRET, algorithm="HS256"),
        jwt.encode(claims(roles=[]), SECRET, algorithm="HS256"),
        jwt.encode(claims(roles=["superuser"]), SECRET, algorithm="HS256"),
        jwt.encode(claims(exp=None), SECRET, algorithm="HS256"),
        "not-a-jwt",
    ],
    ids=[
        "expired",
        "wrong-signature",
        "alg-none",
        "no-sub",
        "no-tenant",
        "bad-tenant",
        "no-roles",
        "unknown-role",
        "no-exp",
        "garbage",
    ],
)
def test_bad_tokens_are_refused(token: str) -> None:
    with pytest.raises(AuthError):
        VERIFIER.verify(token)
