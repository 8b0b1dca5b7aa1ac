"""The HTTP server a Rookery process runs under (``ROOKERY_HTTP_SERVER``, http_server.py): each
one serves `rookery up`, lets a request in flight finish after SIGTERM before the lifespan closes
the stores, closes idle keep-alive connections, refuses a port that is taken, and exits non-zero
when the app's lifespan cannot start."""

from __future__ import annotations

import os
import pathlib
import signal
import socket
import subprocess
import sys
import textwrap
import time

import pytest

from e2e.servers import free_port
from tests.live_support import FAST_ENV, REPO, LiveServer

SERVERS = ("granian", "uvicorn")


def live(tmp_path: pathlib.Path, server: str, name: str = "up") -> LiveServer:
    port = free_port()
    env = {**FAST_ENV, "ROOKERY_HTTP_SERVER": server, "ROOKERY_LOG_LEVEL": "info"}
    return LiveServer(f"http://127.0.0.1:{port}", port, tmp_path / name, env, tmp_path / f"{name}.log")


def exchange(port: int, head: bytes, body: bytes = b"") -> socket.socket:
    conn = socket.create_connection(("127.0.0.1", port), timeout=10)
    conn.sendall(head + body)
    return conn


def answer(conn: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection or goes quiet for 10 s."""
    got = b""
    try:
        while chunk := conn.recv(65536):
            got += chunk
            if b"\r\n\r\n" in got and _complete(got):
                break
    except (TimeoutError, ConnectionResetError):
        pass
    return got


def _complete(response: bytes) -> bool:
    head, _, body = response.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return False


@pytest.mark.parametrize("server", SERVERS)
def test_sigterm_lets_the_request_in_flight_finish(tmp_path: pathlib.Path, server: str) -> None:
    up = live(tmp_path, server)
    up.start()
    try:
        assert up.process is not None
        body = b"client_name=drain&redirect_uris=urn:ietf:wg:oauth:2.0:oob&scopes=read"
        head = (
            b"POST /api/v1/apps HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n"
        )
        in_flight = exchange(up.port, head, body[:10])  # the app is reading its body
        idle = exchange(up.port, b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        assert answer(idle).startswith(b"HTTP/1.1 200")  # now an idle keep-alive connection
        time.sleep(0.3)
        up.process.send_signal(signal.SIGTERM)
        time.sleep(1.0)
        assert up.process.poll() is None, "exited with a request in flight"
        in_flight.sendall(body[10:])
        reply = answer(in_flight)
        assert reply.startswith(b"HTTP/1.1 200"), reply[:300]
        assert b'"client_id"' in reply  # registered: the store was still open
        assert idle.recv(100) == b""  # the idle connection is closed, not left hanging
        up.process.wait(timeout=15)
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", up.port), timeout=2)
        log = up.log()
        assert "Traceback" not in log and "ERROR" not in log, log
    finally:
        up.stop()


@pytest.mark.parametrize("server", SERVERS)
def test_a_taken_port_is_refused(tmp_path: pathlib.Path, server: str) -> None:
    first = live(tmp_path, server, "first")
    first.start()
    try:
        second = subprocess.run(
            [sys.executable, "-m", "rookery.workloads.cli", "up", "--port", str(first.port),
             "--data-dir", str(tmp_path / "second")],
            env={**os.environ, **first.env}, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert second.returncode != 0, second.stderr[-2000:]
        assert "address already in use" in (second.stdout + second.stderr).lower()
        with socket.create_connection(("127.0.0.1", first.port), timeout=5) as conn:  # the first serves on
            conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            assert answer(conn).startswith(b"HTTP/1.1 200")
    finally:
        first.stop()


FAILING_LIFESPAN = textwrap.dedent(
    """
    import contextlib, sys
    from fastapi import FastAPI
    from rookery.workloads import http_server
    from rookery.workloads.settings import Settings

    @contextlib.asynccontextmanager
    async def lifespan(app):
        raise RuntimeError("the stores are not there")
        yield

    app = FastAPI(lifespan=lifespan)

    sys.exit(http_server.serve(app, Settings(port=int(sys.argv[1]), log_level="info")))
    """
)


@pytest.mark.parametrize("server", SERVERS)
def test_a_lifespan_that_cannot_start_exits_non_zero(server: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", FAILING_LIFESPAN, str(free_port())],
        env={**os.environ, **FAST_ENV, "ROOKERY_HTTP_SERVER": server},
        capture_output=True, text=True, timeout=60, cwd=REPO,
    )  # fmt: skip
    assert done.returncode != 0
    assert "the stores are not there" in done.stdout + done.stderr
