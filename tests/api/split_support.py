"""The API suite's ``[split]`` mode (see conftest.py): topology split inside the test process.

One ``split_api(settings)`` is what the operator's ``topology: split`` runs, on the test's own
tenant: each role that owns routes gets the app `rookery serve --role R` builds (every role's
stores and consumers, only R's routes, answering the gateway only) served by its own
``uvicorn.Server`` on a free 127.0.0.1 port, as a task of the test's event loop (no process is
started); the gateway app (`rookery serve --role gateway`) reaches them over HTTP through
``ROOKERY_ROLE_URL_<ROLE>`` with the internal credential, and the test's client talks to the
gateway alone (over ASGI, like the other modes). Each role app has its own container, so what the
roles share goes through the stores, Redis and Kafka, as between pods.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import uvicorn
from fastapi import FastAPI

from rookery.workloads.api.app import create_app
from rookery.workloads.api.proxy import create_gateway_app
from rookery.workloads.api.roles import RouteTable
from rookery.workloads.bootstrap import ALL_ROLES, Container, build
from rookery.workloads.settings import Settings

ROLES = tuple(sorted(RouteTable.of_roles().roles()))  # the roles that own routes: one server each
INTERNAL_TOKEN = "split-tests-" + uuid.uuid4().hex


@dataclasses.dataclass(frozen=True)
class RoleServer:
    role: str
    app: FastAPI
    container: Container
    url: str


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:  # the test process keeps its own signal handlers
        yield


def _bound_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def split_settings(settings: dict[str, Any], urls: dict[str, str]) -> dict[str, Any]:
    """What the operator renders for a split tenant: the topology, the internal credential, the
    roles' Service URLs (every process gets the same)."""
    return {
        **settings,
        "topology": "split",
        "internal_token": INTERNAL_TOKEN,
        **{f"role_url_{role}": url for role, url in urls.items()},
    }


@contextlib.asynccontextmanager
async def _serving(app: FastAPI, sock: socket.socket, settings: Settings) -> AsyncIterator[None]:
    """``app`` on ``sock`` until the block ends (its lifespan is run by the caller)."""
    config = uvicorn.Config(
        app,
        lifespan="off",
        log_config=None,
        access_log=False,
        proxy_headers=False,
        server_header=False,
        timeout_keep_alive=settings.http_keep_alive_s,
        timeout_graceful_shutdown=2,
    )
    server = _Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]), name=f"split-role:{sock.getsockname()[1]}")
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("a role's server stopped while starting")
            await asyncio.sleep(0.005)
        yield
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await task
        sock.close()


@contextlib.asynccontextmanager
async def served(app: FastAPI, settings: Settings) -> AsyncIterator[str]:
    """``app`` (its lifespan already running) on a free 127.0.0.1 port until the block ends, for a
    real client such as a WebSocket (the test client speaks ASGI): its base URL."""
    sock = _bound_socket()
    async with _serving(app, sock, settings):
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


@contextlib.asynccontextmanager
async def _lifespans(apps: list[FastAPI]) -> AsyncIterator[None]:
    """Every app's lifespan: the first alone (it applies the embedded schema of the data dir the
    roles share, as the first pod does), the rest at once; closed at once."""
    entered: list[contextlib.AbstractAsyncContextManager[Any]] = []

    async def enter(app: FastAPI) -> None:
        lifespan = app.router.lifespan_context(app)
        await lifespan.__aenter__()
        entered.append(lifespan)

    async def close_all() -> None:
        results = await asyncio.gather(
            *(lifespan.__aexit__(None, None, None) for lifespan in reversed(entered)), return_exceptions=True
        )
        failures = [r for r in results if isinstance(r, BaseException)]
        if failures:
            raise failures[0]

    try:
        await enter(apps[0])
        await asyncio.gather(*(enter(app) for app in apps[1:]))
        yield
    finally:
        await close_all()


@dataclasses.dataclass
class SplitTenant:
    roles: dict[str, RoleServer]
    gateway: FastAPI
    gateway_container: Container


@contextlib.asynccontextmanager
async def split_tenant(settings: dict[str, Any]) -> AsyncIterator[SplitTenant]:
    """The gateway app (not served: the caller talks to it over ASGI) and a served app per role."""
    sockets = {role: _bound_socket() for role in ROLES}
    urls = {role: f"http://127.0.0.1:{sock.getsockname()[1]}" for role, sock in sockets.items()}
    try:
        wanted = Settings(**split_settings(settings, urls))
        roles: dict[str, RoleServer] = {}
        for role in ROLES:
            # `serve --role R`: every role built (account writes feed the search index in-process...),
            # R's routes served, to the gateway only
            container = build(wanted, ALL_ROLES)
            roles[role] = RoleServer(role, create_app(container, serve=(role,)), container, urls[role])
        gateway_container = build(wanted, ("gateway", "accounts"))  # `serve --role gateway`
        gateway = create_gateway_app(gateway_container)
        async with contextlib.AsyncExitStack() as stack:
            await stack.enter_async_context(_lifespans([r.app for r in roles.values()]))
            for role, server in roles.items():
                await stack.enter_async_context(_serving(server.app, sockets[role], wanted))
            await stack.enter_async_context(gateway.router.lifespan_context(gateway))
            yield SplitTenant(roles, gateway, gateway_container)
    finally:
        for sock in sockets.values():
            sock.close()


class ClusterLag:
    """``bus.lag()`` of a split tenant: records on its topics that one of the consumer groups its
    role apps run has not committed at the broker yet (whichever app owns the partitions)."""

    def __init__(self, settings: Settings, containers: list[Container]) -> None:
        self.settings = settings
        self.groups: dict[str, set[str]] = {}  # group id -> topics
        for container in containers:
            bus = container.infra.kafka
            if bus is not None:
                for group, topics in bus.subscriptions().items():
                    self.groups.setdefault(group, set()).update(topics)
        self.admin: Any = None
        self.consumer: Any = None

    async def __call__(self) -> int:
        from aiokafka import AIOKafkaConsumer, TopicPartition
        from aiokafka.admin import AIOKafkaAdminClient

        if self.admin is None:
            self.admin = AIOKafkaAdminClient(bootstrap_servers=self.settings.kafka_bootstrap)
            await self.admin.start()
            self.consumer = AIOKafkaConsumer(bootstrap_servers=self.settings.kafka_bootstrap)
            await self.consumer.start()
        total = 0
        for group, topics in self.groups.items():
            partitions = []
            for name in sorted(topics):
                found = self.consumer.partitions_for_topic(name)
                if not found:
                    await self.consumer.topics()  # fetches the metadata again: a topic made since
                    found = self.consumer.partitions_for_topic(name) or set()
                partitions += [TopicPartition(name, p) for p in sorted(found)]
            if not partitions:
                continue
            committed = await self.admin.list_consumer_group_offsets(group)
            ends = await self.consumer.end_offsets(partitions)
            starts = await self.consumer.beginning_offsets(partitions)
            for tp in partitions:
                done = committed.get(tp)
                base = done.offset if done is not None and done.offset >= 0 else starts[tp]
                total += max(0, ends[tp] - base)
        return total

    async def aclose(self) -> None:
        if self.admin is not None:
            await self.consumer.stop()
            await self.admin.close()
            self.admin = None


