"""WebPushSender's last line of defence: a name that resolves to a loopback or private address is
never contacted (the endpoint check at subscription time only sees the name)."""

from __future__ import annotations

import pathlib
import socket

import pytest

from rookery.workloads.adapters.local.push import VapidKeys, WebPushSender
from rookery.workloads.domain.push import PushGone, PushKeys, PushSubscription


def subscription(endpoint: str) -> PushSubscription:
    return PushSubscription(
        id=1,
        token_id="t",
        account_id=1,
        endpoint=endpoint,
        keys=PushKeys(
            "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
            "tBHItJI5svbpez7KI4CCXg",
        ),
        alerts={"mention": True},
        standard=True,
    )


async def test_names_resolving_to_loopback_are_refused(tmp_path: pathlib.Path) -> None:
    # a listening socket that must never be connected to
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(0.2)
        port = listener.getsockname()[1]
        sender = WebPushSender(VapidKeys(tmp_path), "mailto:admin@example.org")
        try:
            with pytest.raises(PushGone, match="non-public"):
                await sender.send(subscription(f"https://localhost:{port}/push"), {"title": "x"})
        finally:
            await sender.close()
        with pytest.raises(TimeoutError):
            listener.accept()
