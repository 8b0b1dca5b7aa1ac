"""Cassandra going away under a running app: graph and timeline requests answer 503 with a clear
{"error": ...}, the process keeps serving everything else, and it recovers by itself when the
server is reachable again.

The outage is made for this app alone: it reaches the stack's Cassandra through a TCP proxy
owned by the test, which drops every connection and refuses new ones while "down". Stopping the
shared Cassandra itself (SIGSTOP) would stall every other test session using it."""

from __future__ import annotations

import contextlib
import pathlib
import socket
import threading
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from api_support import TEST_SETTINGS, Api

from e2e.waiting import eventually_async
from rookery.workloads.api.app import create_app
from rookery.workloads.bootstrap import build
from rookery.workloads.commands import migrate_stores
from rookery.workloads.settings import Settings

pytestmark = pytest.mark.needs("cassandra")


class Proxy:
    """127.0.0.1:<port> -> target; ``down()`` cuts every connection and refuses new ones."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.up_event = threading.Event()
        self.up_event.set()
        self.sockets: set[socket.socket] = set()
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.up_event.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.sockets |= {client, upstream}
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        for s in (source, sink):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def down(self) -> None:
        self.up_event.clear()
        with self.lock:
            doomed, self.sockets = self.sockets, set()
        for s in doomed:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def up(self) -> None:
        self.up_event.set()

    def close(self) -> None:
        self.down()
        self.listener.close()


@pytest.fixture
async def proxied(
    stack_env: dict[str, str], tmp_path: pathlib.Path, api_cassandra_keyspace: str
) -> AsyncIterator[tuple[Api, Proxy]]:
    host, _, port = stack_env["ROOKERY_CASSANDRA_CONTACT_POINTS"].split(",")[0].rpartition(":")
    proxy = Proxy((host, int(port)))
    settings = Settings(
        **{
            **TEST_SETTINGS,
            "data_dir": tmp_path / "data",
            "cassandra_contact_points": f"127.0.0.1:{proxy.port}",
            "cassandra_local_dc": stack_env.get("ROOKERY_CASSANDRA_LOCAL_DC", ""),
            "cassandra_keyspace": api_cassandra_keyspace,
            "cassandra_create_keyspace": True,
            "cassandra_request_timeout_s": 2.0,
        }
    )
    await migrate_stores(settings)
    container = build(settings)
    app = create_app(container)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://testserver", timeout=60
            ) as client:
                yield Api(app, container, client), proxy
    finally:
        proxy.close()


async def test_cassandra_outage_answers_503_and_recovers(proxied: tuple[Api, Proxy]) -> None:
    api, proxy = proxied
    alice, bob = await api.make_user("alice"), await api.make_user("bob")
    followed = await api.client.post(f"/api/v1/accounts/{bob.id}/follow", headers=alice.headers)
    assert followed.status_code == 200 and followed.json()["following"], followed.text
    assert (await api.client.get("/api/v1/timelines/home", headers=alice.headers)).status_code == 200

    proxy.down()
    try:
        started = time.monotonic()
        home = await api.client.get("/api/v1/timelines/home", headers=alice.headers)
        assert home.status_code == 503, home.text
        assert "cassandra" in home.json()["error"].lower()
        assert home.headers.get("retry-after")
        relation = await api.client.get(
            "/api/v1/accounts/relationships", params={"id[]": bob.id}, headers=alice.headers
        )
        assert relation.status_code == 503, relation.text
        unfollow = await api.client.post(f"/api/v1/accounts/{bob.id}/unfollow", headers=alice.headers)
        assert unfollow.status_code == 503, unfollow.text
        assert time.monotonic() - started < 30  # bounded by the request timeout, not hanging
        # the process keeps serving what does not need Cassandra
        assert (await api.client.get("/api/v1/instance")).status_code == 200
        me = await api.client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
        assert me.status_code == 200
    finally:
        proxy.up()

    home = await eventually_async(
        lambda: api.client.get("/api/v1/timelines/home", headers=alice.headers),
        until=lambda response: response.status_code == 200,
        timeout_s=60,
        interval_s=0.5,
        message=lambda response: response.text,
    )
    assert home.status_code == 200, home.text
    relation = await api.client.get(
        "/api/v1/accounts/relationships", params={"id[]": bob.id}, headers=alice.headers
    )
    assert (
        relation.status_code == 200 and relation.json()[0]["following"]
    )  # the refused unfollow changed nothing
