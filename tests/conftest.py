"""Fixtures shared by every test tier.

``live_server`` (module scope): ``rookery up`` started as a SUBPROCESS on a free port with a
temporary data directory, ready once ``/healthz`` answers. Yields a ``LiveServer`` with ``url``,
``data_dir``, ``env`` (the ROOKERY_* overrides it runs with) and ``process``; ``restart()``
stops and starts it on the same port and data directory. Used by the Mastodon.py compatibility
tests and the streaming tests.

``live_server_factory``: the same as a context manager taking extra ROOKERY_* overrides, e.g.
``with live_server_factory(ROOKERY_RATE_LIMITS_ENABLED="false") as server: ...``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import pytest
from live_support import FAST_ENV, LiveServer, free_port


@pytest.fixture(scope="module")
def live_server_factory(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., contextlib.AbstractContextManager[LiveServer]]]:
    @contextlib.contextmanager
    def start(**env: str) -> Iterator[LiveServer]:
        port = free_port()
        root = tmp_path_factory.mktemp("live")
        server = LiveServer(
            url=f"http://127.0.0.1:{port}",
            port=port,
            data_dir=root / "data",
            env={**FAST_ENV, **env},
            log_path=root / "server.log",
        )
        server.start()
        try:
            yield server
        finally:
            server.stop()

    yield start


@pytest.fixture(scope="module")
def live_server(
    live_server_factory: Callable[..., contextlib.AbstractContextManager[LiveServer]],
) -> Iterator[LiveServer]:
    with live_server_factory() as server:
        yield server
