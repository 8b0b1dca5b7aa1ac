"""Chat messages arrive on the streaming API (a real `rookery up`, real WebSocket clients): members'
``user`` streams get a ``chat.message`` event; nobody else's does."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from live_support import LiveServer
from streaming_support import open_socket, payload, register

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def server(live_server_factory: Callable[..., Any]) -> Iterator[LiveServer]:
    with live_server_factory(ROOKERY_RATE_LIMITS_ENABLED="false") as live:
        yield live


async def test_chat_message_reaches_members_sockets_only(server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        ana, ben, eve = [await register(client, name) for name in ("chatana", "chatben", "chateve")]
        opened = await client.post("/api/v1/chats", headers=ana.headers, json={"account_ids": [ben.id]})
        assert opened.status_code == 201, opened.text
        chat_id = opened.json()["id"]
        ben_socket = await open_socket(server.url, stream="user", access_token=ben.token)
        eve_socket = await open_socket(server.url, stream="user", access_token=eve.token)
        try:
            sent = (
                await client.post(
                    f"/api/v1/chats/{chat_id}/messages", headers=ana.headers, json={"text": "over the socket"}
                )
            ).json()
            frame = await ben_socket.until(lambda f: f.get("event") == "chat.message")
            message = payload(frame)
            assert message["id"] == sent["id"] and message["chat_id"] == chat_id
            assert message["text"] == "over the socket" and message["account"]["username"] == "chatana"
            assert isinstance(frame["payload"], str)  # like every Mastodon streaming payload
            with pytest.raises((TimeoutError, asyncio.TimeoutError)):
                await eve_socket.until(lambda f: f.get("event") == "chat.message", timeout_s=1.0)
        finally:
            await ben_socket.ws.close()
            await eve_socket.ws.close()
