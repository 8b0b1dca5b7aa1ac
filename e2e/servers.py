"""Server subprocesses that tests, e2e scenarios and benchmarks start themselves (`rookery up`,
`rookery serve`, a model server): a free port, waiting until one answers over HTTP, stopping it.

The real stack's long-lived servers have their own machinery (e2e/stack/process.py); this is for
the short-lived processes a test or a benchmark owns through a ``subprocess.Popen``.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx

from e2e.waiting import eventually


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_serving(
    url: str,
    process: subprocess.Popen[bytes] | None,
    *,
    timeout_s: float,
    interval_s: float,
    exited: Callable[[int], str],
    not_ready: Callable[[], str],
    error: Callable[[str], BaseException] = RuntimeError,
    on_timeout: Callable[[], None] | None = None,
) -> None:
    """Poll GET url until it answers 200. Raises ``error(exited(returncode))`` as soon as the
    process exits, and after ``timeout_s`` calls ``on_timeout`` (a stop, say), then raises
    ``error(not_ready())``."""

    def answering() -> bool:
        if process is not None and process.poll() is not None:
            raise error(exited(process.returncode))
        with contextlib.suppress(httpx.HTTPError):
            return httpx.get(url, timeout=1.0).status_code == 200
        return False

    try:
        eventually(answering, timeout_s=timeout_s, interval_s=interval_s)
    except AssertionError:
        if on_timeout is not None:
            on_timeout()
        raise error(not_ready()) from None


def launch(
    command: list[str],
    *,
    health_url: str,
    name: str,
    timeout_s: float,
    interval_s: float,
    evidence: Callable[[], str],
    stop_timeout_s: float = 30.0,
    **popen: Any,
) -> subprocess.Popen[bytes]:
    """Start ``command`` (``popen``: Popen's keywords) and wait until ``health_url`` answers 200.
    When it exits first, or is stopped for not answering in time, the RuntimeError names ``name``
    and tells ``evidence()`` (its log, or where that is)."""
    process = subprocess.Popen(command, **popen)
    wait_serving(
        health_url, process, timeout_s=timeout_s, interval_s=interval_s,
        on_timeout=lambda: stop(process, stop_timeout_s),
        exited=lambda code: f"{name} exited with {code}:\n{evidence()}",
        not_ready=lambda: f"{name} did not answer {health_url} within {timeout_s}s:\n{evidence()}",
    )  # fmt: skip
    return process


def stop(process: subprocess.Popen[bytes], timeout_s: float, kill_timeout_s: float | None = None) -> None:
    """SIGTERM, then SIGKILL when it has not exited within ``timeout_s``; waits for it either way."""
    process.terminate()
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=kill_timeout_s)


@contextlib.asynccontextmanager
async def serving_asgi(app: Any, port: int | None = None) -> AsyncIterator[str]:
    """An ASGI app served by uvicorn in this event loop on a loopback port (free unless given; no
    lifespan, no proxy headers): its base URL while the block runs."""
    import asyncio

    import uvicorn

    port = port or free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning", proxy_headers=False)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
