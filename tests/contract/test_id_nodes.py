"""Id nodes leased in Redis (single node and cluster): live processes of a tenant hold different
nodes, a lease is renewed, a node taken by another process meanwhile is given up for a free one,
a stopped process's node is free again at once, and Redis out of reach at the start delays the
lease without stopping the process."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis
from contract_support import REDIS_PARAMS, redis_client

from e2e.servers import free_port
from rookery.workloads.adapters.redis.id_nodes import IdNodeLease, IdNodesExhausted
from rookery.workloads.adapters.redis.keys import Keys, connect
from rookery.workloads.ids import COUNTER_BITS, IdGenerator
from rookery.workloads.ids import NODES as ALL_NODES  # NODES here: this test's few

NODES = range(1, 4)  # a small tenant: three processes fill it


@pytest.fixture(params=REDIS_PARAMS)
async def client(request: pytest.FixtureRequest) -> AsyncIterator[aioredis.Redis]:
    async with redis_client(request, cluster=request.param == "redis-cluster") as one:
        yield one


def lease(client: aioredis.Redis, tenant: str, generator: IdGenerator | None = None) -> IdNodeLease:
    return IdNodeLease(client, tenant, generator or IdGenerator(), ttl_ms=60_000, nodes=NODES)


def node_of(snowflake: int) -> int:
    return (snowflake >> COUNTER_BITS) & (ALL_NODES - 1)


async def test_processes_hold_different_nodes_until_none_is_left(client: aioredis.Redis, tenant: str) -> None:
    generators = [IdGenerator() for _ in NODES]
    leases = [lease(client, tenant, g) for g in generators]
    for one in leases:
        await one.start()
    try:
        assert sorted(one.node for one in leases if one.node is not None) == list(NODES)
        assert [node_of(g.next_id()) for g in generators] == [one.node for one in leases]
        with pytest.raises(IdNodesExhausted, match="3 id nodes of tenant"):
            await lease(client, tenant).start()
        other_tenant = lease(client, tenant + "-b")  # each tenant has nodes of its own
        await other_tenant.start()
        await other_tenant.stop()
        freed = leases[0].node
        await leases[0].stop()
        assert node_of(generators[0].next_id()) == 0  # nothing held: no node of anyone else's
        newcomer = lease(client, tenant)
        await newcomer.start()  # the stopped one's node is free at once
        assert newcomer.node == freed
        await newcomer.stop()
    finally:
        for one in leases:
            await one.stop()


async def test_a_renewal_extends_the_lease_and_takes_back_an_expired_one(client: aioredis.Redis, tenant: str) -> None:
    one = lease(client, tenant)
    await one.start()
    try:
        assert one.node is not None
        key = Keys(tenant)("id-node", str(one.node))
        await client.pexpire(key, 1_000)
        await one.renew()
        assert await client.pttl(key) > 30_000
        await client.delete(key)  # expired while Redis was out of reach; nobody took it
        held = one.node
        await one.renew()
        assert one.node == held and await client.exists(key)
    finally:
        await one.stop()
    assert not await client.exists(key)


async def test_a_node_taken_meanwhile_is_given_up_for_a_free_one(client: aioredis.Redis, tenant: str) -> None:
    generator = IdGenerator()
    one = lease(client, tenant, generator)
    await one.start()
    try:
        lost = one.node
        assert lost is not None
        before = generator.next_id()
        key = Keys(tenant)("id-node", str(lost))
        await client.set(key, "another process")  # the lease ran out and someone took the node
        await one.renew()
        assert one.node not in (None, lost)
        after = generator.next_id()
        assert node_of(after) == one.node and after > before
        await one.stop()
        assert await client.get(key) == b"another process"  # stopping deletes only its own key
    finally:
        await one.stop()


async def test_a_process_starting_with_redis_out_of_reach_serves_and_leases_later(
    client: aioredis.Redis, tenant: str
) -> None:
    generator = IdGenerator()
    unreachable = connect(f"redis://127.0.0.1:{free_port()}/0")
    try:
        down = lease(unreachable, tenant, generator)
        await down.start()  # no exception: the process starts
        assert down.node is None and node_of(generator.next_id()) == 0
        await down.stop()
    finally:
        await unreachable.aclose()
    later = lease(client, tenant, generator)  # Redis answers now: the next turn leases a node
    await later.renew()
    try:
        assert later.node in NODES and node_of(generator.next_id()) == later.node
    finally:
        await later.stop()
