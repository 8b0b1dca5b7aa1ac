"""Mastodon.py's streaming (server-sent events), unchanged, against a real `rookery up`: its
StreamListener gets updates, notifications and deletes, and stream_healthy() holds."""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import compat_support
import pytest
from live_support import LiveServer
from mastodon import Mastodon, StreamListener

from e2e.waiting import eventually

SCOPES = ["read", "write", "follow"]

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def server(live_server_factory: Callable[..., Any]) -> Iterator[LiveServer]:
    # a short heartbeat: Mastodon.py's close() returns only once the next bytes arrive
    with live_server_factory(ROOKERY_RATE_LIMITS_ENABLED="false", ROOKERY_STREAMING_HEARTBEAT_S="1") as live:
        yield live


@pytest.fixture(scope="module")
def users(server: LiveServer) -> dict[str, Mastodon]:
    made = compat_support.users(server, "rookery-compat-streaming", SCOPES, "sam", "tia")
    made["tia"].account_follow(made["sam"].me().id)
    return made


class Collector(StreamListener):
    def __init__(self) -> None:
        super().__init__()
        self.updates: list[Any] = []
        self.notifications: list[Any] = []
        self.deletes: list[Any] = []
        self.heartbeats = 0
        self.lock = threading.Lock()

    def on_update(self, status: Any) -> None:
        with self.lock:
            self.updates.append(status)

    def on_notification(self, notification: Any) -> None:
        with self.lock:
            self.notifications.append(notification)

    def on_delete(self, status_id: Any) -> None:
        with self.lock:
            self.deletes.append(status_id)

    def handle_heartbeat(self) -> None:
        self.heartbeats += 1


wait_for = functools.partial(eventually, timeout_s=15.0, interval_s=0.05, message="nothing arrived in time")


def test_stream_user_and_public_with_mastodon_py(users: dict[str, Mastodon]) -> None:
    sam, tia = users["sam"], users["tia"]
    assert tia.stream_healthy() is True
    home, public = Collector(), Collector()
    home_handle = tia.stream_user(home, run_async=True)
    public_handle = sam.stream_public(public, run_async=True)
    try:
        wait_for(lambda: home_handle.is_receiving() and public_handle.is_receiving())
        time.sleep(0.5)  # the handles report receiving once connected; let the streams settle
        status = sam.status_post("streamed to Mastodon.py #compat")
        got = wait_for(lambda: [u for u in home.updates if u.id == status.id])
        assert got[0].account.username == "sam" and got[0].content == status.content
        assert wait_for(lambda: [u for u in public.updates if u.id == status.id])
        sam.status_post(f"@{tia.me().acct} ping")
        note = wait_for(lambda: home.notifications)[0]
        assert note.type == "mention" and note.account.username == "sam"
        sam.status_delete(status.id)
        assert str(wait_for(lambda: home.deletes)[0]) == str(status.id)
    finally:
        home_handle.close()
        public_handle.close()
