"""Consumer spans of the Kafka bus reach Zipkin, children of the producer's span (observability.py)."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from contract_support import eventually

from rookery.workloads import observability
from rookery.workloads.adapters.kafka.bus import KafkaEventBus
from rookery.workloads.domain.events import POSTS, Event, topic
from rookery.workloads.settings import Settings

pytestmark = pytest.mark.needs("kafka", "zipkin")


@pytest.fixture
def restore_consumer_tracer() -> Iterator[None]:
    saved = observability._consumer_tracer
    yield
    observability._consumer_tracer = saved


@pytest.fixture
async def bus(kafka_bootstrap: str, tenant: str) -> AsyncIterator[KafkaEventBus]:
    made = KafkaEventBus(kafka_bootstrap, tenant, max_attempts=2, backoff_s=0.01, create_topics=True)
    yield made
    await made.stop()


async def test_handler_runs_in_a_consumer_span_exported_to_zipkin(
    bus: KafkaEventBus, tenant: str, stack_env: dict[str, str], restore_consumer_tracer: None
) -> None:
    zipkin = stack_env["ROOKERY_ZIPKIN_URL"]
    provider = observability.tracer_provider(Settings(zipkin_url=zipkin, tenant=tenant), "feed")
    assert provider is not None
    handled: list[Event] = []

    async def handle(event: Event) -> None:
        handled.append(event)

    bus.subscribe(POSTS, "feed", handle)
    await bus.start()
    trace_id, producer_span = secrets.token_hex(16), secrets.token_hex(8)
    traceparent = f"00-{trace_id}-{producer_span}-01"
    await bus.publish(
        POSTS,
        Event(type="StatusCreated", key="1", payload={}, tenant=tenant, trace={"traceparent": traceparent}),
    )
    await eventually(lambda: len(handled) == 1, what="delivery")
    assert provider.force_flush(10_000)

    spans: list[dict] = []
    async with httpx.AsyncClient(timeout=10) as client:
        for _ in range(60):
            response = await client.get(f"{zipkin}/api/v2/trace/{trace_id}")
            if response.status_code == 200:
                spans = response.json()
                break
            await asyncio.sleep(0.5)
    (span,) = spans
    assert span["name"] == f"process {topic(tenant, POSTS)}".lower()
    assert span["kind"] == "CONSUMER"
    assert span["parentId"] == producer_span
    assert span["localEndpoint"]["serviceName"] == "rookery-feed"
    assert span["tags"]["messaging.consumer.group.name"] == f"{tenant}.feed"  # the Kafka group id
