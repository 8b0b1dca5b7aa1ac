"""The pinned versions of the real stack, read from versions.toml beside this file."""

from __future__ import annotations

import functools
import pathlib
import tomllib
from typing import Any

VERSIONS_FILE = pathlib.Path(__file__).with_name("versions.toml")


@functools.cache
def load() -> dict[str, dict[str, Any]]:
    with VERSIONS_FILE.open("rb") as f:
        return tomllib.load(f)


def section(name: str) -> dict[str, Any]:
    """One server's pins, e.g. section("kafka")["version"]."""
    return load().get(name, {})
