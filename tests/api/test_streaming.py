"""Streaming API against a real `rookery up` process: real WebSocket and SSE clients, posts made
over HTTP, events delivered through the event bus, the streaming publisher and the Realtime port.

Covers: public / user / user:notification / hashtag (multiplexed subscribe and unsubscribe) /
direct streams; followers-only and direct posts never reach others; bad tokens, missing scopes
and unknown streams refused at the handshake; server-sent events with heartbeats; a client that
stops reading is dropped instead of growing the server's memory; and (needs redis) a subscriber
on one process gets a post made on another process sharing Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import orjson
import pytest
from live_support import LiveServer, free_port
from streaming_support import LiveUser, Socket, eventually, open_socket, payload, post, register, ws_url
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def server(live_server_factory: Callable[..., Any]) -> Iterator[LiveServer]:
    with live_server_factory(
        ROOKERY_RATE_LIMITS_ENABLED="false", ROOKERY_STREAMING_HEARTBEAT_S="0.5"
    ) as live:
        yield live


@pytest.fixture
async def client(server: LiveServer) -> Any:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        yield http


_names = iter(range(10_000))


async def users(client: httpx.AsyncClient, *prefixes: str) -> list[LiveUser]:
    return [await register(client, f"{p}{next(_names)}") for p in prefixes]


def is_update(status_id: str) -> Callable[[dict[str, Any]], bool]:
    return lambda f: f.get("event") == "update" and payload(f)["id"] == status_id


async def test_public_update_reaches_a_websocket_client(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    (ana,) = await users(client, "ana")
    sock = await open_socket(server.url, stream="public")  # anonymous: public streams need no token
    try:
        status = await post(client, ana, "hello #streams from the bus")
        frame = await sock.until(is_update(status["id"]))
        assert frame["stream"] == ["public"]
        entity = payload(frame)
        assert entity["content"] == status["content"] and entity["account"]["username"] == ana.username
        assert isinstance(frame["payload"], str)  # Mastodon sends the entity as a JSON string
        await client.delete(f"/api/v1/statuses/{status['id']}", headers=ana.headers)
        deleted = await sock.until(lambda f: f["event"] == "delete")
        assert deleted["payload"] == status["id"]
    finally:
        await sock.ws.close()


async def test_user_stream_gets_home_updates_and_notifications(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    ana, ben = await users(client, "ana", "ben")
    assert (await client.post(f"/api/v1/accounts/{ana.id}/follow", headers=ben.headers)).status_code == 200
    home = await open_socket(server.url, stream="user", access_token=ben.token)
    only_notifications = await open_socket(server.url, stream="user:notification", access_token=ben.token)
    try:
        status = await post(client, ana, "for my followers")
        frame = await home.until(is_update(status["id"]))
        assert frame["stream"] == ["user"]
        mention = await post(client, ana, f"@{ben.username} look")
        notification = await home.until(lambda f: f["event"] == "notification")
        body = payload(notification)
        assert body["type"] == "mention" and body["status"]["id"] == mention["id"]
        assert body["account"]["id"] == ana.id
        first = await only_notifications.next()
        assert first["event"] == "notification" and first["stream"] == ["user:notification"]
        assert payload(first)["id"] == body["id"]
        # a favourite is a notification too; updates never reach the notification-only stream
        await client.post(f"/api/v1/statuses/{status['id']}/favourite", headers=ana.headers)  # own: none
        ben_post = await post(client, ben, "mine")
        await client.post(f"/api/v1/statuses/{ben_post['id']}/favourite", headers=ana.headers)
        second = await only_notifications.next()
        assert payload(second)["type"] == "favourite"
        assert all(f["event"] == "notification" for f in only_notifications.frames)
    finally:
        await home.ws.close()
        await only_notifications.ws.close()


async def test_multiplexed_hashtag_subscribe_and_unsubscribe(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    (ana,) = await users(client, "ana")
    sock = await open_socket(server.url, access_token=ana.token)
    try:
        await sock.send({"type": "subscribe", "stream": "hashtag", "tag": "Cats"})
        await sock.send({"type": "subscribe", "stream": "hashtag:local", "tag": "cats"})
        await sock.send({"type": "subscribe", "stream": "nonsense"})
        error = await sock.next()
        assert error == {"error": "Unknown stream type: nonsense", "status": 400}
        await sock.send({"type": "subscribe", "stream": "hashtag"})  # no tag
        assert (await sock.next())["status"] == 400
        await sock.send({"type": "subscribe", "stream": "list", "list": "1"})
        assert await sock.next() == {"error": "List not found", "status": 404}
        dogs = await post(client, ana, "woof #dogs")
        cats = await post(client, ana, "meow #cats")
        got = [await sock.next(), await sock.next()]
        assert sorted(tuple(f["stream"]) for f in got) == [("hashtag", "Cats"), ("hashtag:local", "cats")]
        assert {payload(f)["id"] for f in got} == {cats["id"]}
        await sock.send({"type": "unsubscribe", "stream": "hashtag", "tag": "Cats"})
        await sock.send({"type": "unsubscribe", "stream": "hashtag:local", "tag": "cats"})
        await sock.send({"type": "subscribe", "stream": "public"})
        await asyncio.sleep(0.3)  # let the (un)subscriptions land before the next post
        later = await post(client, ana, "again #cats")
        frame = await sock.next()
        assert frame["stream"] == ["public"] and payload(frame)["id"] == later["id"]
        assert dogs["id"] not in {payload(f)["id"] for f in sock.frames if f.get("event") == "update"}
    finally:
        await sock.ws.close()


async def test_list_stream_over_a_websocket(server: LiveServer, client: httpx.AsyncClient) -> None:
    ana, ben, cy = await users(client, "ana", "ben", "cy")
    for other in (ben, cy):
        followed = await client.post(f"/api/v1/accounts/{other.id}/follow", headers=ana.headers)
        assert followed.status_code == 200, followed.text
    created = await client.post("/api/v1/lists", headers=ana.headers, json={"title": "Ben"})
    list_id = created.json()["id"]
    added = await client.post(
        f"/api/v1/lists/{list_id}/accounts", headers=ana.headers, json={"account_ids": [ben.id]}
    )
    assert added.status_code == 200, added.text
    assert await refused(ws_url(server.url, stream="list", list=list_id, access_token=cy.token)) == 404
    sock = await open_socket(server.url, stream="list", list=list_id, access_token=ana.token)
    try:
        await post(client, cy, "cy is not in the list")
        by_ben = await post(client, ben, "ben is")
        frame = await sock.next()
        assert frame["stream"] == ["list", list_id] and frame["event"] == "update"
        assert payload(frame)["id"] == by_ben["id"]
    finally:
        await sock.ws.close()


async def test_private_and_direct_posts_reach_only_their_audience(
    server: LiveServer, client: httpx.AsyncClient
) -> None:
    ana, ben, eve = await users(client, "ana", "ben", "eve")
    await client.post(f"/api/v1/accounts/{ana.id}/follow", headers=ben.headers)
    ben_home = await open_socket(server.url, stream="user", access_token=ben.token)
    ben_direct = await open_socket(server.url, stream="direct", access_token=ben.token)
    eve_sock = await open_socket(server.url, access_token=eve.token)
    try:
        for stream in ("user", "public", "direct"):
            await eve_sock.send({"type": "subscribe", "stream": stream})
        await eve_sock.send({"type": "subscribe", "stream": "hashtag", "tag": "secret"})
        await asyncio.sleep(0.3)
        private = await post(client, ana, "followers only #secret", visibility="private")
        direct = await post(client, ana, f"@{ben.username} just us #secret", visibility="direct")
        await ben_home.until(is_update(private["id"]))
        await ben_home.until(is_update(direct["id"]))
        conversation = await ben_direct.until(lambda f: f["event"] == "conversation")
        body = payload(conversation)
        assert body["unread"] is True and body["last_status"]["id"] == direct["id"]
        assert [a["id"] for a in body["accounts"]] == [ana.id]
        sentinel = await post(client, ana, "public sentinel")
        frame = await eve_sock.until(is_update(sentinel["id"]))  # everything before it was nothing
        seen = {payload(f)["id"] for f in eve_sock.frames if f.get("event") == "update"}
        assert seen == {sentinel["id"]}, eve_sock.frames
        assert frame["stream"] == ["public"]
        assert not [f for f in eve_sock.frames if f.get("event") in ("conversation", "notification")]
    finally:
        for sock in (ben_home, ben_direct, eve_sock):
            await sock.ws.close()


async def test_blocked_and_muted_authors_are_filtered(server: LiveServer, client: httpx.AsyncClient) -> None:
    ana, ben, cy = await users(client, "ana", "ben", "cy")
    await client.post(f"/api/v1/accounts/{ana.id}/block", headers=ben.headers)
    await client.post(f"/api/v1/accounts/{cy.id}/mute", headers=ben.headers)
    sock = await open_socket(server.url, stream="public", access_token=ben.token)
    try:
        await post(client, ana, "from a blocked account")
        await post(client, cy, "from a muted account")
        sentinel = await post(client, ben, "sentinel")
        await sock.until(is_update(sentinel["id"]))
        assert [payload(f)["id"] for f in sock.frames] == [sentinel["id"]]
    finally:
        await sock.ws.close()


async def refused(url: str, **kwargs: Any) -> int:
    with pytest.raises(InvalidStatus) as caught:
        async with connect(url, **kwargs):
            pass
    return int(caught.value.response.status_code)


async def test_handshakes_refused(server: LiveServer, client: httpx.AsyncClient) -> None:
    (ana,) = await users(client, "ana")
    assert await refused(ws_url(server.url, stream="public", access_token="not-a-token")) == 401
    assert await refused(ws_url(server.url, stream="user")) == 401  # user streams need a token
    assert await refused(ws_url(server.url, stream="lists", access_token=ana.token)) == 400
    assert await refused(ws_url(server.url, stream="list", list="1", access_token=ana.token)) == 404
    assert await refused(ws_url(server.url, stream="list", list="x", access_token=ana.token)) == 400
    assert await refused(ws_url(server.url, stream="hashtag", access_token=ana.token)) == 400
    tampered = ana.token[:-4] + ("AAAA" if not ana.token.endswith("AAAA") else "BBBB")
    assert (
        await refused(
            ws_url(server.url, stream="user"), additional_headers={"Authorization": f"Bearer {tampered}"}
        )
        == 401
    )
    # a token without read scopes
    push_only = await register(client, f"push{next(_names)}", scopes="write:accounts push")
    assert await refused(ws_url(server.url, stream="user", access_token=push_only.token)) == 403
    # the token in Sec-WebSocket-Protocol (Mastodon's third way) is accepted and echoed
    async with connect(ws_url(server.url, stream="user"), subprotocols=[ana.token]) as ws:
        assert ws.subprotocol == ana.token
        sock = Socket(ws)
        status = await post(client, ana, "via subprotocol")
        await sock.until(is_update(status["id"]))


async def test_revoked_token_closes_its_streams(server: LiveServer, client: httpx.AsyncClient) -> None:
    (ana,) = await users(client, "ana")
    sock = await open_socket(server.url, stream="user", access_token=ana.token)
    async with client.stream("GET", "/api/v1/streaming/user", headers=ana.headers) as sse:
        assert sse.status_code == 200
        revoked = await client.post(
            "/oauth/revoke",
            data={"token": ana.token, "client_id": ana.client_id, "client_secret": ana.client_secret},
        )
        assert revoked.status_code == 200
        with pytest.raises(ConnectionClosed) as closed:
            async with asyncio.timeout(10):
                while True:
                    await sock.ws.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
        async with asyncio.timeout(10):  # the event stream ends (heartbeats stop with it)
            async for _ in sse.aiter_lines():
                pass
    assert await refused(ws_url(server.url, stream="user", access_token=ana.token)) == 401


async def test_server_sent_events_and_health(server: LiveServer, client: httpx.AsyncClient) -> None:
    health = await client.get("/api/v1/streaming/health")
    assert health.status_code == 200 and health.text == "OK"
    (ana,) = await users(client, "ana")
    bad = await client.get("/api/v1/streaming/user")
    assert bad.status_code == 401 and "error" in bad.json()
    assert (await client.get("/api/v1/streaming/hashtag")).status_code == 400  # no tag
    async with client.stream("GET", "/api/v1/streaming/user", headers=ana.headers) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = response.aiter_lines()
        thumps = 0
        posted: dict[str, Any] = {}
        event = None
        async with asyncio.timeout(20):
            async for line in lines:
                if line == ":thump":
                    thumps += 1
                    if not posted:  # heartbeats flow while idle; now make something happen
                        posted = await post(client, ana, "over SSE")
                elif line.startswith("event: "):
                    event = line.removeprefix("event: ")
                elif line.startswith("data: ") and event == "update":
                    entity = httpx.Response(200, content=line.removeprefix("data: ")).json()
                    if entity["id"] == posted.get("id"):
                        break
        assert thumps >= 1


def tiny_buffer_socket(port: int) -> socket.socket:
    """A TCP socket with a very small receive buffer: a client that stops reading blocks the
    server's writes after a few kilobytes instead of megabytes."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
    sock.connect(("127.0.0.1", port))
    sock.setblocking(False)
    return sock


async def test_slow_consumer_is_dropped(live_server_factory: Callable[..., Any]) -> None:
    with live_server_factory(
        ROOKERY_RATE_LIMITS_ENABLED="false", ROOKERY_STREAMING_QUEUE_SIZE="2"
    ) as slow_server:
        async with httpx.AsyncClient(base_url=slow_server.url, timeout=30) as http:
            (ana,) = await users(http, "ana")
            raw = tiny_buffer_socket(slow_server.port)
            # the client stops taking frames after one: its buffers fill, the server's writes block
            lazy = await connect(ws_url(slow_server.url), sock=raw, max_queue=1)
            for stream in ("public", "public:local", "hashtag", "hashtag:local"):  # 4 frames a post
                await lazy.send(orjson.dumps({"type": "subscribe", "stream": stream, "tag": "slow"}).decode())
            watcher = await open_socket(slow_server.url, stream="public")  # a healthy client beside it
            try:
                await asyncio.sleep(0.3)
                filler = "x" * 480
                sent = []
                for i in range(150):
                    status = await post(http, ana, f"{i} #slow {filler}", spoiler_text=filler)
                    sent.append(status["id"])
                    if "dropped slow streaming consumer" in slow_server.log():
                        break

                async def dropped() -> bool:
                    return "dropped slow streaming consumer" in slow_server.log()

                await eventually(dropped, timeout_s=30, what="the slow consumer to be dropped")
                # the healthy client got every post, in order
                got = [payload(await watcher.until(lambda f: f["event"] == "update"))["id"] for _ in sent]
                assert got == sent
                # the lazy client, reading at last, finds its connection closed by the server
                with pytest.raises(ConnectionClosed):
                    async with asyncio.timeout(20):
                        while True:
                            await lazy.recv()
                assert (await http.get("/api/v1/streaming/health")).text == "OK"
            finally:
                with contextlib.suppress(Exception):
                    await lazy.close()
                await watcher.ws.close()


@pytest.mark.needs("redis")
async def test_subscriber_on_one_process_gets_a_post_made_on_another(
    live_server_factory: Callable[..., Any], request: pytest.FixtureRequest
) -> None:
    """Two `rookery up` processes, each with its own embedded stores, share one Redis: the post is
    published by process B's streaming worker on Redis pub/sub and delivered by process A's hub."""
    redis_url = request.getfixturevalue("stack_env")["ROOKERY_REDIS_URL"]
    shared = {
        "ROOKERY_RATE_LIMITS_ENABLED": "false",
        "ROOKERY_REDIS_URL": redis_url,
        "ROOKERY_TENANT": f"xproc{next(_names)}",
    }
    with live_server_factory(**shared) as server_a, live_server_factory(**shared) as server_b:
        async with httpx.AsyncClient(base_url=server_b.url, timeout=30) as http_b:
            (ana,) = await users(http_b, "ana")
            sock = await open_socket(server_a.url, stream="hashtag", tag="across")
            try:
                status = await post(http_b, ana, "from process B #across")
                frame = await sock.until(is_update(status["id"]))
                assert frame["stream"] == ["hashtag", "across"]
                assert payload(frame)["account"]["username"] == ana.username
            finally:
                await sock.ws.close()


async def test_realtime_server_down_refuses_sockets_with_503(live_server_factory: Callable[..., Any]) -> None:
    """With the Realtime port's Redis unreachable the handshake answers 503 {"error"} (never a
    crash), and the process keeps serving."""
    dead_redis = f"redis://127.0.0.1:{free_port()}/0"
    with live_server_factory(ROOKERY_REDIS_URL=dead_redis, ROOKERY_RATE_LIMITS_ENABLED="false") as down:
        assert await refused(ws_url(down.url, stream="public")) == 503
        async with httpx.AsyncClient(base_url=down.url) as http:
            assert (await http.get("/healthz")).status_code == 200
            sse = await http.get("/api/v1/streaming/public")
            assert sse.status_code == 503 and "error" in sse.json()
        assert await refused(ws_url(down.url, stream="public")) == 503  # still answering


@pytest.mark.parametrize(
    "api_mode",
    [pytest.param("production", marks=pytest.mark.needs("postgres", "redis", "kafka", "cassandra"))],
    indirect=True,
)
async def test_streaming_in_production_mode(
    api_settings_overrides: dict[str, Any], live_server_factory: Callable[..., Any]
) -> None:
    """The whole production path: a `rookery up` process on PostgreSQL, Cassandra, Kafka and Redis
    (`rookery migrate` first); the post goes outbox -> Kafka -> streaming publisher -> Redis pub/sub
    -> hub -> WebSocket, and a followers-only post reaches the follower only."""
    env = {
        f"ROOKERY_{name.upper()}": (str(value).lower() if isinstance(value, bool) else str(value))
        for name, value in api_settings_overrides.items()
    }
    env["ROOKERY_RATE_LIMITS_ENABLED"] = "false"
    migrated = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "rookery.workloads.cli", "migrate"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert migrated.returncode == 0, migrated.stderr
    with live_server_factory(**env) as prod:
        async with httpx.AsyncClient(base_url=prod.url, timeout=30) as http:
            ana, ben, eve = await users(http, "ana", "ben", "eve")
            await http.post(f"/api/v1/accounts/{ana.id}/follow", headers=ben.headers)
            ben_home = await open_socket(prod.url, stream="user", access_token=ben.token)
            eve_home = await open_socket(prod.url, stream="user", access_token=eve.token)
            public = await open_socket(prod.url, stream="public")
            try:
                private = await post(http, ana, "for followers, via Kafka", visibility="private")
                open_post = await post(http, ana, "for everyone, via Kafka")
                await ben_home.until(is_update(private["id"]), timeout_s=30)
                await ben_home.until(is_update(open_post["id"]), timeout_s=30)
                await public.until(is_update(open_post["id"]), timeout_s=30)
                eve_post = await post(http, eve, "sentinel")
                await eve_home.until(is_update(eve_post["id"]), timeout_s=30)
                assert [payload(f)["id"] for f in eve_home.frames] == [eve_post["id"]]
                assert private["id"] not in {payload(f)["id"] for f in public.frames}
            finally:
                for sock in (ben_home, eve_home, public):
                    await sock.ws.close()
