"""Schemathesis fuzzing of every service's OpenAPI document, as tenant A's admin.

Every operation gets schema-valid and schema-invalid requests (path ids sometimes the real
seeded ones, If-Match sometimes the resource's current ETag so writes get applied):
no request may end in a 5xx or an unhandled exception, and every 4xx is JSON with
`detail`. Findings are collected over the whole run and reported together (no shrinking).

Hypothesis runs in a worker thread; each request is sent on the test's event loop (where
the app, its Mongo client and its NATS connection live) through httpx's ASGI transport.
"""

from __future__ import annotations

import asyncio
import os
import traceback
from collections import Counter
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, reject, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core.result import Err

from .conftest import TENANT_A, VALID_ULNS, ServiceSpec, StartStack, service_params

MAX_EXAMPLES = int(os.environ.get("ILR_FUZZ_EXAMPLES", "30"))
T = TypeVar("T")

# Values the schemas cannot express (supported years, ULN check digits): a drawn share of
# the cases has them put in wherever such a key appears, so requests get past validation.
KNOWN_VALUES: dict[str, list[Any]] = {
    "academic_year": ["2026/27", "2025/26"],
    "ULN": VALID_ULNS,
}
# ILR edit paths for `{"set": ...}` / `{"unset": [...]}` bodies: free-form keys in the schema.
ILR_PATHS = [
    "GivenNames",
    "FamilyName",
    "DateOfBirth",
    "Postcode",
    "Sex",
    "Ethnicity",
    "NINumber",
    "Email",
    "LLDDHealthProb",
    "LearnerFAM",
    "PriorAttain",
    "LearningDelivery[key=prog].DelLocPostCode",
    "LearningDelivery[key=prog].LearnPlanEndDate",
    "LearningDelivery[key=prog].AppFinRecord",
    "LearningDelivery[seq=1].LearnActEndDate",
    "LearningDelivery[seq=2].LearningDeliveryFAM",
    "LearningDelivery[seq=99].CompStatus",
    "LearningDelivery[key=nope].AimType",
    "LearningDelivery",
    "LearnRefNumber",
    "ULN",
]
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20) | st.dates().map(str),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
PLAUSIBLE = st.sampled_from(
    ["Grace", "B1 1AA", "M1 1AE", "2026-10-01", "AB123456C", "F", 1, 2, 31, 99, 9, ""]
)
EXTRA_BODIES: dict[str, st.SearchStrategy[Any]] = {
    "PATCH /api/ilrs/{ilr_id}": st.fixed_dictionaries(
        {},
        optional={
            "set": st.dictionaries(
                st.sampled_from(ILR_PATHS), PLAUSIBLE | JSON_VALUES, min_size=1, max_size=2
            ),
            "unset": st.lists(st.sampled_from(ILR_PATHS), max_size=3),
        },
    ),
}


def with_known(value: Any, draw: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: draw(st.sampled_from(KNOWN_VALUES[k])) if k in KNOWN_VALUES else with_known(v, draw)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [with_known(v, draw) for v in value]
    return value


@dataclass
class Findings:
    items: dict[str, str] = field(default_factory=dict)  # signature -> description
    requests: int = 0
    statuses: Counter[str] = field(default_factory=Counter)  # "METHOD path status" -> count

    def add(self, signature: str, description: str) -> None:
        self.items.setdefault(signature, description)


def app_frames(exc: BaseException) -> str:
    """The innermost frames of the service code (not of the libraries) of `exc`."""
    frames = [
        f"{f.filename.split('/src/')[-1]}:{f.lineno} in {f.name}: {f.line}"
        for f in traceback.extract_tb(exc.__traceback__)
        if "/services/" in f.filename or "/shared/src/" in f.filename
    ]
    return " <- ".join(reversed(frames[-3:])) or "".join(
        traceback.format_exception_only(type(exc), exc)
    )


def describe(request: httpx.Request) -> str:
    body = request.content[:300].decode(errors="replace")
    return f"{request.method} {request.url.raw_path.decode()[:300]} If-Match={request.headers.get('If-Match')!r} body={body}"


@pytest.mark.parametrize("spec", service_params())
async def test_fuzz_openapi(spec: ServiceSpec, start_stack: StartStack) -> None:
    stack = await start_stack(spec.name)
    seeded = await stack.seed(TENANT_A, "Alpha")
    app = stack.apps[spec.name]
    schema = schemathesis.openapi.from_dict(app.openapi())
    admin = stack.headers(TENANT_A)
    loop = asyncio.get_running_loop()
    findings = Findings()

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=True),
        base_url="http://test",
        timeout=30,
    ) as client:

        def on_loop(coro: Coroutine[Any, Any, T]) -> T:
            return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout=60)

        def current_etag(resource: str) -> str | None:
            response = on_loop(client.get(resource, headers=admin))
            return response.headers.get("ETag") if response.status_code == 200 else None

        def check(operation: Any, case: Any, data: Any) -> None:
            if data.draw(st.booleans()):
                case.query = with_known(case.query, data.draw)
                if isinstance(case.body, dict | list):
                    case.body = with_known(case.body, data.draw)
            extra = EXTRA_BODIES.get(f"{operation.method.upper()} {operation.path}")
            if extra is not None and data.draw(st.booleans()):
                case.body = data.draw(extra)
            fresh_etag = data.draw(st.integers(0, 3)) > 0
            kwargs = case.as_transport_kwargs(base_url="http://test")
            headers = {str(k): str(v) for k, v in (kwargs.get("headers") or {}).items()}
            headers.update(admin)
            if fresh_etag and any(p.name == "If-Match" for p in operation.headers):
                first = operation.path.split("}")[0] + "}" if "{" in operation.path else None
                if first:
                    name = first.split("{")[1].rstrip("}")
                    value = (case.path_parameters or {}).get(name)
                    if value is not None:
                        tag = current_etag(first.replace("{" + name + "}", str(value)))
                        if tag:
                            headers["If-Match"] = tag
            request_args: dict[str, Any] = {
                "params": kwargs.get("params"),
                "headers": headers,
            }
            if "json" in kwargs:
                request_args["json"] = kwargs["json"]
            elif "data" in kwargs:
                raw = kwargs["data"]
                request_args["content" if isinstance(raw, bytes | str) else "data"] = raw
            if "files" in kwargs:
                request_args["files"] = kwargs["files"]
            try:
                request = client.build_request(kwargs["method"], kwargs["url"], **request_args)
                request.read()  # multipart bodies are encoded lazily: fail here, not in send
            except (UnicodeError, ValueError, TypeError, AttributeError, httpx.HTTPError):
                reject()  # not sendable over HTTP at all (e.g. a non-ASCII header)
            findings.requests += 1
            label = f"{request.method} {operation.path}"
            try:
                response = on_loop(client.send(request))
            except Exception as exc:
                frames = app_frames(exc)
                findings.add(
                    f"{label} {type(exc).__name__} {frames}",
                    f"{label}: unhandled {type(exc).__name__}: {exc!s:.200}\n"
                    f"    at {frames}\n    request: {describe(request)}",
                )
                return
            status = response.status_code
            findings.statuses[f"{label} {status}"] += 1
            if status >= 500:
                findings.add(
                    f"{label} {status}",
                    f"{label}: {status} {response.text[:200]}\n    request: {describe(request)}",
                )
            elif 400 <= status < 500:
                try:
                    detail_ok = "detail" in response.json()
                except ValueError:
                    detail_ok = False
                if not detail_ok:
                    findings.add(
                        f"{label} {status} no-detail",
                        f"{label}: {status} without a JSON detail: {response.text[:200]}\n"
                        f"    request: {describe(request)}",
                    )

        def fuzz(operation: Any) -> None:
            real = {
                p.name: seeded.ids[p.name]
                for p in operation.path_parameters
                if p.name in seeded.ids
            }
            strategies = [
                operation.as_strategy(GenerationMode.POSITIVE),
                operation.as_strategy(GenerationMode.NEGATIVE),
            ]
            if real:
                strategies += [
                    operation.as_strategy(GenerationMode.POSITIVE, path_parameters=real),
                    operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=real),
                ]

            @settings(
                max_examples=MAX_EXAMPLES * (2 if real else 1),
                deadline=None,
                database=None,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=st.one_of(strategies), data=st.data())
            def run(case: Any, data: Any) -> None:
                check(operation, case, data)

            run()

        def fuzz_all() -> None:
            for result in schema.get_all_operations():
                if isinstance(result, Err):
                    raise result.err()
                fuzz(result.ok())

        await asyncio.to_thread(fuzz_all)

    print(f"\n{spec.name}: {findings.requests} requests;", dict(sorted(findings.statuses.items())))
    assert findings.requests > 0
    assert not findings.items, (
        f"{spec.name}: {len(findings.items)} distinct problems in {findings.requests} requests:\n"
        + "\n".join(findings.items.values())
    )
