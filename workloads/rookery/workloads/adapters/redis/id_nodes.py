"""The id node a production process issues ids under (ids.py), leased in Redis.

Every process of a tenant holds one node of 1..1023, so two processes issuing ids in the same
millisecond issue different ones. A node is the key ``rk:<tenant>:id-node:{<n>}``, set NX to
this lease's token with a TTL and renewed at a third of it. Claims start at a random node, so
processes starting together seldom ask for the same one twice.

A renewal that finds the key gone (it expired while Redis was out of reach) takes it again; one
that finds another owner took it meanwhile leases another node and moves the generator there.
Only then, after Redis was unreachable for longer than the TTL, may two processes have used one
node for a while. Stopping deletes the key (compare-and-delete), so a restart finds it free.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import secrets

import redis.asyncio as aioredis

from rookery.workloads.adapters.redis.keys import Keys, guard
from rookery.workloads.adapters.redis.locks import RELEASE
from rookery.workloads.domain.unavailable import StoreUnavailable
from rookery.workloads.ids import NODES, IdGenerator

log = logging.getLogger(__name__)

DEFAULT_TTL_MS = 30_000
UNLEASED_RETRY_S = 1.0  # how soon a process that started with Redis out of reach asks again

RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return 1
end
return 0
"""


class IdNodesExhausted(Exception):
    """Every node of the tenant is leased: more live processes than ids can tell apart."""


class IdNodeLease:
    def __init__(
        self,
        client: aioredis.Redis,
        tenant: str,
        generator: IdGenerator,
        *,
        ttl_ms: int = DEFAULT_TTL_MS,
        nodes: range = range(1, NODES),
    ) -> None:
        self._redis = client
        self._keys = Keys(tenant)
        self._tenant = tenant
        self._generator = generator
        self._renew = client.register_script(RENEW)
        self._release = client.register_script(RELEASE)
        self._token = secrets.token_hex(16)
        self.ttl_ms = ttl_ms
        self.nodes = nodes
        self.node: int | None = None
        self._task: asyncio.Task[None] | None = None

    def _key(self, node: int) -> str:
        return self._keys("id-node", str(node))

    async def _claim(self) -> int:
        first = random.randrange(len(self.nodes))
        for node in (*self.nodes[first:], *self.nodes[:first]):
            with guard():
                if await self._redis.set(self._key(node), self._token, nx=True, px=self.ttl_ms):
                    return node
        raise IdNodesExhausted(
            f"all {len(self.nodes)} id nodes of tenant {self._tenant!r} are leased: more processes than"
            " ids can tell apart; run fewer, or wait for stopped ones' leases to expire"
        )

    async def start(self) -> None:
        """Lease a node and issue ids under it; renew it from now on. With Redis out of reach the
        process starts all the same (it serves what needs no Redis), under node 0 until a node is
        leased: only processes that started in the same outage share that."""
        try:
            await self._take()
        except StoreUnavailable as exc:
            log.warning("id node: none leased yet (%s); ids under node 0 until Redis answers", exc)
        self._task = asyncio.create_task(self._renewing(), name="id-node lease")

    async def _take(self) -> None:
        self.node = await self._claim()
        self._generator.hold(self.node)

    async def renew(self) -> None:
        """Keep the node, or move to another one when someone else holds it now (lease one when
        none is held yet)."""
        if self.node is None:
            await self._take()
            log.info("id node %d leased", self.node)
            return
        with guard():
            kept = await self._renew(keys=[self._key(self.node)], args=[self._token, self.ttl_ms])
        if kept:
            return
        lost, self.node = self.node, await self._claim()
        self._generator.hold(self.node)
        self._generator.drop(lost)
        log.warning("id node %d was leased by another process meanwhile; ids now under node %d", lost, self.node)

    async def _renewing(self) -> None:
        while True:
            await asyncio.sleep(self.ttl_ms / 3000 if self.node is not None else UNLEASED_RETRY_S)
            try:
                await self.renew()
            except StoreUnavailable as exc:  # try again at the next turn, well within the TTL
                log.warning("id node %s: lease not renewed: %s", self.node, exc)
            except IdNodesExhausted as exc:  # keep the lost node: better than stopping to serve
                log.error("id node %s: %s", self.node, exc)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self.node is None:
            return
        node, self.node = self.node, None
        self._generator.drop(node)
        try:
            with guard():
                await self._release(keys=[self._key(node)], args=[self._token])
        except StoreUnavailable as exc:  # it expires by itself
            log.warning("id node %d: lease not released: %s", node, exc)
