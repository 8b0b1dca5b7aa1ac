"""An unchanged Mastodon.py client of a tenant on the real node, reached at its gateway Service's
ClusterIP from this machine, and the retrying request loop the end-to-end tests run while pods go.

A real client resolves the tenant's host to its Ingress; here the host (which the instance names as
its streaming URL) is sent to the Service by a requests transport adapter on the client's session:
Mastodon.py itself is not changed. ``Traffic`` retries as a real client does (idempotent requests,
and POSTs carrying an Idempotency-Key, on a connection error, 502, 503 or 504) and counts what still
fails after its retries.
"""

from __future__ import annotations

import io
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import requests
from mastodon import (
    Mastodon,
    MastodonBadGatewayError,
    MastodonGatewayTimeoutError,
    MastodonNetworkError,
    MastodonServiceUnavailableError,
)
from requests.adapters import HTTPAdapter

T = TypeVar("T")

PASSWORD = "correct horse battery"
SCOPES = ["read", "write", "follow", "push"]
OOB = "urn:ietf:wg:oauth:2.0:oob"
RETRIED = (MastodonNetworkError, MastodonBadGatewayError, MastodonServiceUnavailableError, MastodonGatewayTimeoutError)


class ToService(HTTPAdapter):
    """Sends https://HOST/... (the tenant's public URL) to the Service's plain-HTTP address."""

    def __init__(self, host: str, service_url: str) -> None:
        super().__init__()
        self.prefix, self.service_url = f"https://{host}", service_url

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        if request.url and request.url.startswith(self.prefix):
            request.url = self.service_url + request.url[len(self.prefix) :]
        return super().send(request, *args, **kwargs)


def session(host: str, service_url: str) -> requests.Session:
    made = requests.Session()
    made.mount(f"https://{host}", ToService(host, service_url))
    return made


def retrying(call: Callable[[], T], *, attempts: int = 30, pause_s: float = 0.5, retries: list[str] | None = None) -> T:
    """``call`` retried as a client retries an idempotent request; the last error is raised."""
    for attempt in range(attempts):
        try:
            return call()
        except RETRIED as error:
            if retries is not None:
                retries.append(type(error).__name__)
            if attempt == attempts - 1:
                raise
            time.sleep(pause_s)
    raise AssertionError("unreachable")


def users(service_url: str, host: str, *names: str) -> dict[str, Mastodon]:
    """One app made by Mastodon.create_app, and a signed-up client (with its token) per name."""
    http = session(host, service_url)
    client_id, client_secret = retrying(
        lambda: Mastodon.create_app(
            "rookery-e2e", api_base_url=service_url, scopes=SCOPES, redirect_uris=OOB, session=http
        )
    )
    made = {}
    for name in names:
        api = Mastodon(
            client_id=client_id, client_secret=client_secret, api_base_url=service_url, session=http, request_timeout=30
        )
        api.create_account(name, PASSWORD, f"{name}@example.org", agreement=True, scopes=SCOPES)
        made[name] = api
    return made


def png(size: tuple[int, int] = (32, 24)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(out, format="PNG")
    return out.getvalue()


class Traffic:
    """A thread of client requests (home timeline, own account, a post with an Idempotency-Key,
    notifications) until stopped: each retried like a real client; failures are what is left."""

    def __init__(self, poster: Mastodon, reader: Mastodon) -> None:
        self.poster, self.reader = poster, reader
        self.ok = 0
        self.failures: list[str] = []
        self.retries: list[str] = []
        self.posted: list[Any] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="e2e-traffic", daemon=True)

    def _one(self, n: int) -> None:
        key = uuid.uuid4().hex
        calls: list[Callable[[], Any]] = [
            lambda: self.reader.timeline_home(limit=5),
            self.reader.account_verify_credentials,
            lambda: self.reader.notifications(limit=5),
        ]
        if n % 3 == 0:  # within the tenant's content-creation limit (30 a minute)
            calls.append(lambda: self.posted.append(self.poster.status_post(f"traffic {n}", idempotency_key=key)))
        for call in calls:
            try:
                retrying(call, retries=self.retries)
                self.ok += 1
            except Exception as error:  # a failure the client would see
                self.failures.append(f"request {n}: {type(error).__name__}: {error}")

    def _run(self) -> None:
        n = 0
        while not self._stop.is_set():  # about 4 requests a second: within 300 a minute per IP
            self._one(n)
            n += 1
            self._stop.wait(1.0)

    def __enter__(self) -> Traffic:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=120)

    def report(self) -> str:
        retried = f"{len(self.retries)} retried ({sorted(set(self.retries))})"
        return f"{self.ok} requests answered, {retried}, {len(self.failures)} failed"
