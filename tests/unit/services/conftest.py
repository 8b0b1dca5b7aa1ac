"""The ``house`` fixture: every use case over the embedded adapters (services_support.py)."""

from __future__ import annotations

import pathlib
from collections.abc import AsyncIterator

import pytest
from services_support import House, started_house


@pytest.fixture
async def house(tmp_path: pathlib.Path) -> AsyncIterator[House]:
    async with started_house(tmp_path) as started:
        yield started
