"""A consumer process for the crash test: ``python kafka_crash_consumer.py BOOTSTRAP REDIS_URL TENANT``.

It consumes ``<tenant>.posts`` in group ``fanout`` with the Kafka bus, each handler wrapped in the
Redis processed-events dedupe. Per delivery it appends the event id to ``deliveries``; the effect
(appending to ``effects``) and the processed mark commit together in one MULTI. After the
``ARM_AT``-th effect it sets ``armed`` and sleeps inside the handler, so a SIGKILL sent then lands
in the middle of a batch whose offsets are not committed yet.
"""

from __future__ import annotations

import asyncio
import signal
import sys

from rookery.workloads.adapters.kafka.bus import KafkaEventBus
from rookery.workloads.adapters.redis.dedupe import ProcessedEvents
from rookery.workloads.adapters.redis.keys import Keys, connect
from rookery.workloads.domain.events import POSTS, Event

ARM_AT = 100
GROUP = "fanout"


async def main(bootstrap: str, redis_url: str, tenant: str) -> None:
    redis = connect(redis_url)
    keys = Keys(tenant)
    effects, deliveries, armed = keys("test", "effects"), keys("test", "deliveries"), keys("test", "armed")
    processed = ProcessedEvents(redis, tenant)

    async def apply(event: Event) -> None:
        async with redis.pipeline(transaction=True) as pipe:
            pipe.rpush(effects, event.id)
            await processed.mark(GROUP, event.id, pipe=pipe)
            count, _ = await pipe.execute()
        await asyncio.sleep(0.002)
        if count == ARM_AT and not await redis.exists(armed):
            await redis.set(armed, b"1")
            await asyncio.sleep(30)  # the test kills us here

    once = processed.idempotent(GROUP, apply)

    async def handle(event: Event) -> None:
        await redis.rpush(deliveries, event.id)
        await once(event)

    bus = KafkaEventBus(bootstrap, tenant, create_topics=True, session_timeout_ms=6000, backoff_s=0.05)
    bus.subscribe(POSTS, GROUP, handle)
    await bus.start()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await bus.stop()
    await redis.aclose()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
