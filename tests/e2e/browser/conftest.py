"""Browser tests of the admin web app: Playwright (Python) driving Debian's chromium.

The app is the one the gateway serves at `/` (services/admin/dist), against the stack that
tests/e2e/conftest.py starts (fixture `stack`). Set ILR_BROWSER_BASE_URL to run against an
already running gateway instead (e.g. ./run.sh on http://localhost:8000).

Skipped only when /usr/bin/chromium is missing and CI is not set; in CI they must run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
ADMIN_DIR = REPO_ROOT / "services" / "admin"
SCREENSHOTS = REPO_ROOT / "artifacts" / "screenshots"
CHROMIUM = os.environ.get("ILR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if Path(CHROMIUM).exists() or os.environ.get("CI"):
        return
    skip = pytest.mark.skip(
        reason=f"{CHROMIUM} is missing (apt-get install -y chromium); CI is not set"
    )
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(skip)


def _dist_is_stale() -> bool:
    index = ADMIN_DIR / "dist" / "index.html"
    if not index.is_file():
        return True
    built = index.stat().st_mtime
    sources = [
        ADMIN_DIR / "index.html",
        ADMIN_DIR / "package.json",
        *(ADMIN_DIR / "src").rglob("*"),
        *(ADMIN_DIR / "public").rglob("*"),
    ]
    return any(p.is_file() and p.stat().st_mtime > built for p in sources)


@pytest.fixture(scope="session")
def admin_dist() -> Path:
    """services/admin/dist, built (npm ci && npm run build) when missing or older than its sources.

    Must run before the stack starts: the launcher picks the app's root when it starts."""
    if _dist_is_stale():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("services/admin/dist is missing or stale and npm is not installed")
        if not (ADMIN_DIR / "node_modules").is_dir():
            subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=ADMIN_DIR, check=True)
        subprocess.run([npm, "run", "build"], cwd=ADMIN_DIR, check=True)
    return ADMIN_DIR / "dist"


@pytest.fixture(scope="session")
def app_url(admin_dist: Path, request: pytest.FixtureRequest) -> str:
    """The gateway origin serving the admin app and /api."""
    external = os.environ.get("ILR_BROWSER_BASE_URL")
    if external:
        return external.rstrip("/")
    stack = request.getfixturevalue("stack")
    return str(stack.base_url)


@pytest.fixture(scope="session")
def api_token_factory() -> Any:
    from tests.e2e.support import token

    return token


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    # Module scope: Playwright's sync API runs its own event loop, which must not outlive
    # the browser tests or pytest-asyncio's tests would find a loop already running.
    from playwright.sync_api import expect, sync_playwright

    # Assertions wait as long as actions do (15 s): CI machines have 2 busy cores.
    expect.set_options(timeout=15_000)

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def new_page(browser: Any, app_url: str) -> Iterator[Any]:
    """Opens a page in a fresh context (own sessionStorage: one signed-in user per context)."""
    contexts: list[Any] = []

    def make() -> Any:
        ctx = browser.new_context(
            base_url=app_url,
            locale="en-GB",
            timezone_id="Europe/London",
            viewport={"width": 1366, "height": 900},
            accept_downloads=True,
        )
        ctx.set_default_timeout(15_000)
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in contexts:
        ctx.close()


@pytest.fixture(scope="session")
def screenshot() -> Any:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def shot(page: Any, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return shot
