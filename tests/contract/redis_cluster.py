"""A three-node Redis Cluster on loopback for the contract tests: it proves that the adapters'
keys, scripts and pipelines work under the Cluster protocol (a script whose keys span two slots
fails there with CROSSSLOT, never on a single server). Built from the stack's redis-server."""

from __future__ import annotations

import contextlib
import pathlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest
import redis.asyncio as aioredis
from redis.asyncio.cluster import RedisCluster

NODES = 3


def _free_port() -> int:
    """A port whose cluster-bus twin (port + 10000) is free too."""
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port + 10000 > 65535:
            continue
        with socket.socket() as bus, contextlib.suppress(OSError):
            bus.bind(("127.0.0.1", port + 10000))
            return port


@contextlib.contextmanager
def redis_cluster(workdir: pathlib.Path) -> Iterator[str]:
    """Start the nodes, join them, yield a ``redis://`` URL of one node, stop them."""
    server, cli = shutil.which("redis-server"), shutil.which("redis-cli")
    if server is None or cli is None:
        pytest.fail("redis-server / redis-cli not on PATH (the stack's redis installs them)")
    ports = [_free_port() for _ in range(NODES)]
    nodes: list[subprocess.Popen[bytes]] = []
    try:
        for port in ports:
            home = workdir / str(port)
            home.mkdir(parents=True)
            nodes.append(
                subprocess.Popen(
                    [
                        server,
                        "--port",
                        str(port),
                        "--bind",
                        "127.0.0.1",
                        "--dir",
                        str(home),
                        "--cluster-enabled",
                        "yes",
                        "--cluster-config-file",
                        "nodes.conf",
                        "--save",
                        "",
                        "--appendonly",
                        "no",
                    ],
                    stdout=(home / "log").open("wb"),
                    stderr=subprocess.STDOUT,
                )
            )
        deadline = time.monotonic() + 30
        for port in ports:
            while subprocess.run([cli, "-p", str(port), "ping"], capture_output=True).stdout.strip() != b"PONG":
                if time.monotonic() > deadline:
                    pytest.fail(f"redis cluster node {port} did not start (log: {workdir / str(port) / 'log'})")
                time.sleep(0.05)
        created = subprocess.run(
            [
                cli,
                "--cluster",
                "create",
                *(f"127.0.0.1:{p}" for p in ports),
                "--cluster-replicas",
                "0",
                "--cluster-yes",
            ],
            capture_output=True,
            text=True,
        )
        if created.returncode != 0:
            pytest.fail(f"redis-cli --cluster create failed: {created.stdout}{created.stderr}")
        while (
            b"cluster_state:ok"
            not in subprocess.run([cli, "-p", str(ports[0]), "cluster", "info"], capture_output=True).stdout
        ):
            if time.monotonic() > deadline:
                pytest.fail("the redis cluster did not reach cluster_state:ok")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{ports[0]}/0"
    finally:
        for node in nodes:
            node.terminate()
        for node in nodes:
            try:
                node.wait(10)
            except subprocess.TimeoutExpired:
                node.kill()


async def move_empty_slot(cluster: RedisCluster, slot: int, target: str) -> None:
    """Reshard one slot that holds no keys to the primary named ``target`` (``host:port``), the
    way ``redis-cli --cluster reshard`` does: IMPORTING on the target, MIGRATING on the owner,
    then every primary told the new owner (the target first, so it bumps its config epoch)."""
    primaries = {node.name: node for node in cluster.get_primaries()}
    source = cluster.nodes_manager.slots_cache[slot][0].name
    clients = {name: aioredis.Redis(host=node.host, port=node.port) for name, node in primaries.items()}
    try:
        ids = {name: (await client.execute_command("CLUSTER", "MYID")).decode() for name, client in clients.items()}
        keys = await clients[source].execute_command("CLUSTER", "COUNTKEYSINSLOT", slot)
        assert keys == 0, f"slot {slot} holds {keys} keys; only an empty slot moves without MIGRATE"
        await clients[target].execute_command("CLUSTER", "SETSLOT", slot, "IMPORTING", ids[source])
        await clients[source].execute_command("CLUSTER", "SETSLOT", slot, "MIGRATING", ids[target])
        for name in sorted(clients, key=lambda name: (name != target, name != source)):
            await clients[name].execute_command("CLUSTER", "SETSLOT", slot, "NODE", ids[target])
    finally:
        for client in clients.values():
            await client.aclose()
