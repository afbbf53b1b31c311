"""Helpers for the end-to-end tests: an API client for the gateway, tokens, polling, ULNs."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

from ilr_shared.auth import mint_token
from ilr_shared.settings import CommonSettings

T = TypeVar("T")

TENANT = "10000001"
OTHER_TENANT = "10000002"


def token(tenant: str = TENANT, roles: tuple[str, ...] = ("admin",), sub: str = "e2e-admin") -> str:
    """A bearer token signed with the secret the services use (ILR_JWT_SECRET or its default)."""
    secret = CommonSettings().jwt_secret.get_secret_value()
    return mint_token(secret, sub=sub, tenant=tenant, roles=list(roles))


def uln_check_digit(first_nine: str) -> int | None:
    """ULN_04: weights 10..2 on the first nine digits, sum mod 11, check digit = 10 - remainder.

    The official rule (ILR validation rules 2025/26, ULN_04) errors where the derived DD01
    is 'N' or differs from the 10th digit of Learner.ULN; DD01 is this checksum, and 'N'
    when the remainder is 0 (no single check digit could be 10).
    """
    if len(first_nine) != 9 or not first_nine.isdigit():
        raise ValueError("nine digits expected")
    remainder = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True)) % 11
    if remainder == 0:
        return None
    return 10 - remainder


def uln_is_valid(uln: int | str) -> bool:
    text = str(uln)
    if len(text) != 10 or not text.isdigit() or text[0] == "0":
        return False
    return uln_check_digit(text[:9]) == int(text[9])


def make_uln(seed: int) -> int:
    """A valid ULN derived from `seed` (first digit 1-9, check digit by ULN_04)."""
    n = seed
    while True:
        first_nine = f"{(n % 900_000_000) + 100_000_000:09d}"
        check = uln_check_digit(first_nine)
        if check is not None:
            return int(first_nine + str(check))
        n += 1


def wait_until(
    predicate: Callable[[], T | bool | None],
    timeout: float = 30.0,
    interval: float = 0.25,
    message: str = "condition",
) -> T:
    """Calls `predicate` until it returns something truthy (which is returned) or time is up."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        try:
            last = predicate()
        except (httpx.TransportError, AssertionError) as exc:
            last = exc
        else:
            if last:
                result: T = last
                return result
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{message}: not met after {timeout:.0f}s (last: {last!r})")
        time.sleep(interval)


class ApiClient:
    """An httpx client for the gateway that carries a bearer token and checks statuses."""

    def __init__(self, base_url: str, bearer: str | None, timeout: float = 30.0) -> None:
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        self.http = httpx.Client(base_url=base_url, headers=headers, timeout=timeout)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def request(
        self, method: str, url: str, *, expect: int | tuple[int, ...] | None = None, **kwargs: Any
    ) -> httpx.Response:
        response = self.http.request(method, url, **kwargs)
        if expect is not None:
            allowed = (expect,) if isinstance(expect, int) else expect
            assert response.status_code in allowed, (
                f"{method} {url} -> {response.status_code} (expected {allowed}): "
                f"{response.text[:2000]}"
            )
        return response

    def get(
        self, url: str, expect: int | tuple[int, ...] | None = 200, **kw: Any
    ) -> httpx.Response:
        return self.request("GET", url, expect=expect, **kw)

    def post(
        self, url: str, expect: int | tuple[int, ...] | None = None, **kw: Any
    ) -> httpx.Response:
        return self.request("POST", url, expect=expect, **kw)

    def put(
        self, url: str, expect: int | tuple[int, ...] | None = 200, **kw: Any
    ) -> httpx.Response:
        return self.request("PUT", url, expect=expect, **kw)

    def patch(
        self, url: str, expect: int | tuple[int, ...] | None = 200, **kw: Any
    ) -> httpx.Response:
        return self.request("PATCH", url, expect=expect, **kw)

    def json(self, method: str, url: str, expect: int | tuple[int, ...] = 200, **kw: Any) -> Any:
        return self.request(method, url, expect=expect, **kw).json()

    def items(self, url: str, **params: Any) -> list[dict[str, Any]]:
        """Every item of a cursor-paginated list."""
        out: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            query = {k: v for k, v in params.items() if v is not None}
            if cursor:
                query["cursor"] = cursor
            page = self.json("GET", url, params=query)
            out.extend(page["items"])
            cursor = page.get("next_cursor")
            if not cursor:
                return out
