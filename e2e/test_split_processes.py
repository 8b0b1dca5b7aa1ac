"""Topology split end to end: `rookery serve --role gateway` in front of one `rookery serve --role R`
process per role, all on 127.0.0.1 and the real PostgreSQL, Redis, Kafka and Cassandra, configured
only by ROOKERY_* settings as the operator renders them (ROOKERY_TOPOLOGY=split,
ROOKERY_ROLE_URL_<ROLE>, ROOKERY_INTERNAL_TOKEN). A Mastodon client talks to the gateway alone."""

from __future__ import annotations

import concurrent.futures
import functools
import io
import json
import pathlib
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import websockets.sync.client

from e2e import waiting
from e2e.production_support import Client, Proc, cassandra_keyspace, production_env, rookery
from rookery.workloads.api.roles import RouteTable

pytestmark = pytest.mark.needs("postgres", "redis", "kafka", "cassandra")
TOKEN = "split-internal-token"
ROLES = sorted(RouteTable.of_roles().roles())  # the roles that own routes (gateway and workers aside)
eventually = functools.partial(waiting.eventually, timeout_s=60.0, interval_s=0.25)


@pytest.fixture(scope="module")
def split(stack_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Proc]]:
    root = tmp_path_factory.mktemp("split")
    with cassandra_keyspace(stack_env) as keyspace:
        env = production_env(stack_env, root / "data", cassandra_keyspace=keyspace)
        migrated = rookery(env, "migrate")
        assert migrated.returncode == 0, migrated.stderr
        gateway = Proc(["serve", "--role", "gateway"], {}, root / "gateway.log")
        env |= {"ROOKERY_TOPOLOGY": "split", "ROOKERY_INTERNAL_TOKEN": TOKEN, "ROOKERY_PUBLIC_URL": gateway.url}
        procs = {role: Proc(["serve", "--role", role], env, root / f"{role}.log") for role in ROLES}
        gateway.env = env | {f"ROOKERY_ROLE_URL_{role.upper()}": proc.url for role, proc in procs.items()}
        first, *rest = procs.values()
        try:
            first.start(timeout_s=180)  # alone: it applies the embedded schema the others then find
            with concurrent.futures.ThreadPoolExecutor(len(rest)) as pool:
                list(pool.map(lambda proc: proc.start(timeout_s=300), rest))
            gateway.start(timeout_s=180)
            yield {"gateway": gateway, **procs}
        finally:
            for proc in [gateway, *procs.values()]:
                proc.stop()


def png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 90)).save(out, format="PNG")
    return out.getvalue()


def test_roles_answer_the_gateway_only(split: dict[str, Proc]) -> None:
    # a role's first answer may take seconds on a loaded 2-core machine running 13 processes
    get = functools.partial(httpx.get, timeout=30)
    for role in ROLES:
        url = split[role].url
        refused = get(f"{url}/api/v1/instance")
        assert refused.status_code == 403, (role, refused.text)
        assert refused.json() == {"error": "This service answers the gateway only"}
        assert get(f"{url}/healthz").status_code == 200
        assert get(f"{url}/readyz").status_code == 200
    # the gateway's own: probes, the whole API's OpenAPI document, JSON 404s
    gateway = split["gateway"].url
    assert get(f"{gateway}/readyz").status_code == 200
    assert len(get(f"{gateway}/openapi.json").json()["paths"]) > 80
    missing = get(f"{gateway}/api/v1/nowhere")
    assert missing.status_code == 404 and "error" in missing.json()


def test_browser_clients_discovery_and_redirects_through_the_gateway(split: dict[str, Proc]) -> None:
    """CORS at the gateway (preflights never reach a role; answers opened once), the discovery and
    instance-content routes routed to the accounts role, redirects on the public URL."""
    gateway = split["gateway"].url
    origin = {"Origin": "https://client.example"}
    asking = {**origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"}
    preflight = httpx.options(f"{gateway}/api/v1/statuses", headers=asking)
    assert preflight.status_code == 204 and preflight.headers["access-control-allow-origin"] == "*"
    instance = httpx.get(f"{gateway}/api/v1/instance", headers=origin)
    assert instance.headers.get_list("access-control-allow-origin") == ["*"]
    assert instance.json()["rules"] == [] and instance.json()["stats"]["user_count"] >= 0
    moved = httpx.get(f"{gateway}/api/v1/instance/")
    assert moved.status_code == 307 and moved.headers["location"] == f"{gateway}/api/v1/instance"
    assert httpx.get(f"{gateway}/nodeinfo/2.1").json()["software"]["name"] == "rookery"
    assert httpx.get(f"{gateway}/.well-known/host-meta").headers["content-type"].startswith("application/xrd+xml")
    assert httpx.get(f"{gateway}/.well-known/webfinger", params={"resource": "acct:nobody@x"}).status_code == 404
    assert httpx.get(f"{gateway}/api/v1/instance/activity").status_code == 200  # the analytics role
    assert httpx.post(f"{gateway}/api/v1/admin/rules", data={"text": "x"}).status_code == 401


def test_a_mastodon_client_uses_every_role_through_the_gateway(split: dict[str, Proc]) -> None:
    client = Client(split["gateway"].url)  # apps, tokens, sign-up: accounts
    http = client.http
    alice, bob = client.register("alice"), client.register("bob")
    client.follow(bob, alice)  # graph
    relationship = http.get("/api/v1/accounts/relationships", params={"id[]": alice["id"]}, headers=bob["headers"])
    assert relationship.json()[0]["following"] is True

    # bob listens on both streaming transports (feed) before alice posts
    events: dict[str, list[Any]] = {"sse": [], "ws": []}
    stop = threading.Event()

    def listen_sse() -> None:
        with httpx.stream("GET", f"{split['gateway'].url}/api/v1/streaming/user", headers=bob["headers"],
                          timeout=httpx.Timeout(5, read=30)) as answer:  # fmt: skip
            for line in answer.iter_lines():
                if line.startswith("event: update"):
                    events["sse"].append(line)
                if stop.is_set() or events["sse"]:
                    return

    def listen_ws() -> None:
        url = "ws" + split["gateway"].url.removeprefix("http") + "/api/v1/streaming?stream=user"
        with websockets.sync.client.connect(url, additional_headers=bob["headers"], open_timeout=10) as socket:
            while not stop.is_set():
                try:
                    frame = json.loads(socket.recv(timeout=1))
                except TimeoutError:
                    continue
                if frame.get("event") == "update":
                    events["ws"].append(frame)
                    return

    listeners = [threading.Thread(target=listen_sse, daemon=True), threading.Thread(target=listen_ws, daemon=True)]
    for listener in listeners:
        listener.start()
    time.sleep(1.5)  # both subscribed

    # media: a streamed multipart upload, processed by the media role's consumer
    uploaded = http.post("/api/v2/media", headers=alice["headers"], files={"file": ("red.png", png(), "image/png")})
    assert uploaded.status_code in (200, 202), uploaded.text
    media_id = uploaded.json()["id"]
    eventually(
        lambda: http.get(f"/api/v1/media/{media_id}", headers=alice["headers"]).status_code == 200, "media processed"
    )
    status = http.post("/api/v1/statuses", headers={**alice["headers"], "Idempotency-Key": "first-post"},
                       json={"status": "hello #splitworld", "media_ids": [media_id]})  # fmt: skip
    assert status.status_code == 200, status.text
    assert status.json()["media_attachments"][0]["id"] == media_id
    replay = http.post("/api/v1/statuses", headers={**alice["headers"], "Idempotency-Key": "first-post"},
                       json={"status": "hello #splitworld", "media_ids": [media_id]})  # fmt: skip
    assert replay.json()["id"] == status.json()["id"]  # the role kept the first answer

    def home() -> list[str]:
        page = http.get("/api/v1/timelines/home", headers=bob["headers"])
        assert page.status_code == 200, page.text
        assert "x-ratelimit-limit" not in page.headers or page.headers["x-request-id"]
        return [s["id"] for s in page.json()]

    eventually(lambda: status.json()["id"] in home(), "fan-out to bob's home (feed)")
    eventually(lambda: bool(events["sse"]) and bool(events["ws"]), "streaming updates over SSE and WebSocket")
    stop.set()

    notifications = http.get("/api/v1/notifications", headers=alice["headers"])  # notifications
    assert [n["type"] for n in notifications.json()] == ["follow"]
    favourite = http.post(f"/api/v1/statuses/{status.json()['id']}/favourite", headers=bob["headers"])  # posts
    assert favourite.status_code == 200 and favourite.json()["favourited"] is True
    def found() -> list[str]:
        query = {"q": "splitworld", "type": "statuses"}
        return [s["id"] for s in http.get("/api/v2/search", params=query, headers=bob["headers"]).json()["statuses"]]

    eventually(lambda: status.json()["id"] in found(), "the status indexed (search)")
    assert http.get("/api/v1/trends/tags").status_code == 200  # analytics
    chat = http.post("/api/v1/chats", headers=alice["headers"], json={"account_ids": [bob["id"]]})
    assert chat.status_code in (200, 201), chat.text  # messaging
    report = http.post("/api/v1/reports", headers=bob["headers"], json={"account_id": alice["id"], "comment": "x"})
    assert report.status_code == 200, report.text  # admin
    client.close()


def test_a_role_that_is_down_is_a_502_not_a_traceback(split: dict[str, Proc]) -> None:
    client = Client(split["gateway"].url)
    wren = client.register("wren")
    split["search"].kill()
    try:
        answer = client.http.get("/api/v2/search", params={"q": "x"}, headers=wren["headers"])
        assert answer.status_code == 502
        assert answer.json() == {"error": "The search service is unavailable"}
        # the other roles still answer
        assert client.http.get("/api/v1/timelines/home", headers=wren["headers"]).status_code == 200
    finally:
        split["search"].start(timeout_s=120)
        client.close()
    assert pathlib.Path(split["gateway"].log_path).exists()
