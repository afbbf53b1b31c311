"""Bearer-JWT authentication and tenancy: every request is a Principal of one tenant."""

from __future__ import annotations

import time
from enum import StrEnum
from typing import Annotated, Any

import jwt
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ilr_shared.events import UKPRN_PATTERN
from ilr_shared.settings import CommonSettings


class Role(StrEnum):
    ADMIN = "admin"
    VERIFIER = "verifier"
    LEARNER = "learner"
    INTEGRATION = "integration"


class Principal(BaseModel):
    model_config = ConfigDict(frozen=True)

    sub: str = Field(min_length=1)
    tenant: str = Field(pattern=UKPRN_PATTERN)
    roles: frozenset[Role] = Field(min_length=1)
    learner_id: str | None = None

    def has(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))


class AuthError(Exception):
    pass


class TokenVerifier:
    """HS256 with a shared secret by default; RS256 against a JWKS endpoint as a setting."""

    def __init__(self, settings: CommonSettings) -> None:
        self._algorithm = settings.jwt_algorithm
        self._secret = settings.jwt_secret.get_secret_value()
        self._issuer = settings.jwt_issuer
        self._audience = settings.jwt_audience
        self._jwks = jwt.PyJWKClient(settings.jwt_jwks_url) if settings.jwt_jwks_url else None

    def verify(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                key=self._key(token),
                algorithms=[self._algorithm],
                issuer=self._issuer,
                audience=self._audience,
                options={"require": ["sub", "exp"], "verify_aud": self._audience is not None},
            )
            return Principal.model_validate(
                {
                    "sub": claims["sub"],
                    "tenant": str(claims.get("tenant", "")),
                    "roles": claims.get("roles") or [],
                    "learner_id": claims.get("learner_id"),
                }
            )
        except (jwt.PyJWTError, ValidationError, KeyError, TypeError) as exc:
            raise AuthError(str(exc).splitlines()[0]) from exc

    def _key(self, token: str) -> Any:
        if self._jwks is not None:
            return self._jwks.get_signing_key_from_jwt(token).key
        return self._secret


def mint_token(
    secret: str,
    *,
    sub: str,
    tenant: str,
    roles: list[str],
    learner_id: str | None = None,
    ttl_s: int = 8 * 3600,
    algorithm: str = "HS256",
) -> str:
    """A development token; production tokens come from the provider's identity service."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": sub,
        "tenant": tenant,
        "roles": roles,
        "iat": now,
        "exp": now + ttl_s,
    }
    if learner_id:
        claims["learner_id"] = learner_id
    return jwt.encode(claims, secret, algorithm=algorithm)


_bearer = HTTPBearer(auto_error=False, description="JWT with claims sub, tenant, roles")


def get_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    token = credentials.credentials if credentials is not None else None
    return _authenticate(request, token)


def _authenticate(request: Request, token: str | None) -> Principal:
    if not token:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "A bearer token is required",
            headers={"WWW-Authenticate": "Bearer"},
        )
    verifier: TokenVerifier = request.app.state.token_verifier
    try:
        return verifier.verify(token)
    except AuthError as exc:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            f"Invalid token: {exc}",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        ) from exc


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def require_roles(*roles: Role) -> Any:
    """Dependency: the caller must hold one of `roles`, else 403."""

    def check(principal: CurrentPrincipal) -> Principal:
        if not principal.has(*roles):
            raise _forbidden(roles)
        return principal

    check.required_roles = frozenset(roles)  # type: ignore[attr-defined]
    return Depends(check)


def _forbidden(roles: frozenset[Role] | tuple[Role, ...]) -> HTTPException:
    allowed = ", ".join(sorted(r.value for r in roles))
    return HTTPException(status.HTTP_403_FORBIDDEN, f"This needs the role: {allowed}")


def refusal_before_dependencies(request: Request) -> HTTPException | None:
    """The 401/403 the matched route's auth dependencies would give this request.

    FastAPI parses a JSON body before it solves a route's dependencies, so a malformed
    body would otherwise be answered 422 to a caller with no (or a bad) token. The
    validation error handler asks this first: who is calling is settled before what.
    """
    dependant = getattr(request.scope.get("route"), "dependant", None)
    if dependant is None:
        return None
    calls: list[Any] = []
    pending = [dependant]
    while pending:
        current = pending.pop()
        calls.append(current.call)
        pending.extend(current.dependencies)
    role_sets = [getattr(call, "required_roles", None) for call in calls]
    if get_principal not in calls and not any(role_sets):
        return None
    scheme, token = get_authorization_scheme_param(request.headers.get("Authorization"))
    try:
        principal = _authenticate(request, token if scheme.lower() == "bearer" else None)
    except HTTPException as exc:
        return exc
    for roles in role_sets:
        if roles and not principal.has(*roles):
            return _forbidden(tuple(roles))
    return None
