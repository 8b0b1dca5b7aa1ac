"""The compat modules' ``server``: each of their tests runs against `rookery up` and against
`rookery serve --role all` on the stack's PostgreSQL, Redis, Kafka and Cassandra (compat_support.MODES).
A module's ``SERVER_SETTINGS`` (ROOKERY_* overrides) apply in both modes; a module that defines its
own ``server`` (one mode only) keeps it."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import compat_support
import pytest
from live_support import LiveServer


@pytest.fixture(scope="module", params=compat_support.MODES)
def server(
    request: pytest.FixtureRequest,
    live_server_factory: Callable[..., contextlib.AbstractContextManager[LiveServer]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Any]:
    settings = getattr(request.module, "SERVER_SETTINGS", {})
    with compat_support.server_in_mode(request, live_server_factory, tmp_path_factory, **settings) as started:
        yield started
