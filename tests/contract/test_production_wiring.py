"""bootstrap/ picks the production adapters from settings alone, and a container built that way
starts, carries events over Kafka and stops."""

from __future__ import annotations

import pathlib

import pytest
from contract_support import eventually

from rookery.workloads import ids
from rookery.workloads.adapters.kafka.bus import KafkaEventBus
from rookery.workloads.adapters.redis.cache import RedisCache
from rookery.workloads.adapters.redis.entities import RedisEntityCache
from rookery.workloads.adapters.redis.ratelimit import RedisRateLimiter
from rookery.workloads.adapters.redis.realtime import RedisRealtime
from rookery.workloads.bootstrap import build
from rookery.workloads.domain.events import POSTS, Event
from rookery.workloads.settings import Settings


def test_embedded_when_unset(tmp_path: pathlib.Path) -> None:
    container = build(Settings(data_dir=tmp_path), roles=("gateway",))
    assert not isinstance(container.infra.cache, RedisCache)
    assert not isinstance(container.infra.entities, RedisEntityCache)
    assert not isinstance(container.infra.realtime, RedisRealtime)
    assert not isinstance(container.bus, KafkaEventBus)


def test_cloudinary_url_picks_cloudinary(tmp_path: pathlib.Path) -> None:
    settings = Settings(
        data_dir=tmp_path, cloudinary_url="cloudinary://key:secret@cloud", cloudinary_folder="acme"
    )
    store = build(settings, roles=("gateway",)).infra.media_store
    assert type(store).__name__ == "CloudinaryMediaStore" and store.folder == "acme"


@pytest.mark.needs("redis", "kafka")
async def test_production_container_runs(
    tmp_path: pathlib.Path, tenant: str, redis_url: str, kafka_bootstrap: str
) -> None:
    settings = Settings(
        data_dir=tmp_path,
        tenant=tenant,
        redis_url=redis_url,
        kafka_bootstrap=kafka_bootstrap,
        kafka_create_topics=True,
    )
    container = build(settings, roles=("gateway",))
    redis = container.infra.redis
    assert redis is not None

    async def id_nodes() -> list[bytes]:
        return [key async for key in redis.scan_iter(f"rk:{tenant}:id-node:*")]

    bus = container.bus
    assert isinstance(bus, KafkaEventBus) and isinstance(container.infra.rate_limiter, RedisRateLimiter)
    assert isinstance(container.infra.entities, RedisEntityCache)
    got: list[str] = []

    async def handle(event: Event) -> None:
        got.append(event.id)

    bus.subscribe(POSTS, "analytics", handle)
    await container.start()
    try:
        sent = Event(type="StatusCreated", key="1", payload={}, tenant=tenant)
        await bus.publish(POSTS, sent)
        await bus.publish(POSTS, sent)  # the outbox relay may publish twice after a crash
        after = Event(type="StatusCreated", key="1", payload={}, tenant=tenant)  # same key: ordered
        await bus.publish(POSTS, after)
        await eventually(lambda: after.id in got, what="the events over Kafka")
        assert got == [sent.id, after.id]  # the Redis dedupe kept the duplicate out
        await container.infra.cache.set("k", b"v")
        assert await container.infra.cache.get("k") == b"v"
        # the process issues ids under a node of the tenant's, leased in Redis (ids.py)
        assert len(await id_nodes()) == 1 and ids.generator().node != 0
    finally:
        await container.close()
    assert await id_nodes() == []  # given back at the close (asked on a connection of its own)
    await redis.aclose()
