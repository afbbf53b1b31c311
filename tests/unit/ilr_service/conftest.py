"""Fixtures of the service-layer tests: the in-memory ILR store and notifier."""

from __future__ import annotations

import pytest

from tests.unit.ilr_service.fakes import FakeIlrStore, FakeNotifier


@pytest.fixture
def store() -> FakeIlrStore:
    return FakeIlrStore()


@pytest.fixture
def notifier() -> FakeNotifier:
    return FakeNotifier()
