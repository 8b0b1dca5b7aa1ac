"""Helpers for the social API tests (statuses, graph, timelines, notifications)."""

from __future__ import annotations

import asyncio
import functools
from typing import Any

from api_support import Api, User

from e2e.waiting import eventually_async


async def post(api: Api, user: User, text: str, **fields: Any) -> dict[str, Any]:
    response = await api.client.post(
        "/api/v1/statuses", headers=user.headers, json={"status": text, **fields}
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def follow(api: Api, follower: User, target: User) -> dict[str, Any]:
    response = await api.client.post(f"/api/v1/accounts/{target.id}/follow", headers=follower.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def settle(api: Api) -> None:
    """Until the outbox is relayed and every consumer has caught up (fan-out, notifications)."""
    # the embedded one + PostgreSQL's, of every app serving the API ([split]: each role's)
    outboxes = [o for container in api.containers if container.events for o in container.events.outboxes]
    for _ in range(500):
        if not any([await outbox.pending(1) for outbox in outboxes]) and await api.event_lag() == 0:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("events did not settle")


eventually = functools.partial(
    eventually_async, timeout_s=5.0, interval_s=0.02, message="condition not met in time"
)


async def ids(api: Api, path: str, user: User | None = None, **params: Any) -> list[str]:
    response = await api.client.get(path, headers=user.headers if user else {}, params=params)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()]


async def home_ids(api: Api, user: User, **params: Any) -> list[str]:
    return await ids(api, "/api/v1/timelines/home", user, **params)
