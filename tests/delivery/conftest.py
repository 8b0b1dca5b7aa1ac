"""Fixtures of the delivery tests: the pinned helm, built from its Go module and cached."""

from __future__ import annotations

import pathlib

import pytest

from e2e import helm as helm_build


@pytest.fixture(scope="session")
def helm() -> pathlib.Path:
    """helm v<[helm] version> (cold: minutes of `go install`; cached: instant)."""
    try:
        return helm_build.ensure()
    except helm_build.HelmUnavailable as exc:
        pytest.fail(f"cannot build helm: {exc}", pytrace=False)
