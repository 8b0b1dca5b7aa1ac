"""A real browser client: headless Chromium (Debian's, driven by playwright-core from Node, see
e2e/browser/oauth-client.mjs) opens a third-party client page served from another origin (127.0.0.2, so
another site as well) than `rookery up` (127.0.0.1). The page registers an app, signs a member up,
sends the browser to Rookery's consent page with PKCE (S256); the test signs in there and approves
as a person would; back on the page, the code is traded for a token with the verifier, and the page
calls verify_credentials, follows, posts, reads a Link header and opens the user stream, on which
an update by the followed member (posted here over HTTP) must arrive. CORS and the OAuth redirect
flow are thereby proven in a real browser; the page also proves /oauth/authorize unreadable from
its origin. Screenshots of the consent page and of the client page are kept as artifacts (their
paths are printed; ROOKERY_ARTIFACTS_DIR chooses where, the test's tmp dir otherwise)."""

from __future__ import annotations

import contextlib
import functools
import http.server
import pathlib
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from compat_support import PASSWORD, users
from live_support import LiveServer

from e2e.stack.browser import BROWSER_DIR, artifacts_dir, browser_script

PAGE_HOST = "127.0.0.2"  # another origin, and another site, than Rookery's 127.0.0.1
STEP_TIMEOUT_MS = 30_000
RUN_TIMEOUT_S = 150


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def serving_page(directory: pathlib.Path) -> Iterator[str]:
    """The client page's directory served over http on PAGE_HOST; yields its origin."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer((PAGE_HOST, 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{PAGE_HOST}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    return artifacts_dir("browser-client", tmp_path_factory.mktemp("browser-artifacts"))


def test_a_browser_client_on_another_origin_signs_in_with_pkce_and_streams(
    live_server: LiveServer, artifacts: pathlib.Path
) -> None:
    started = time.monotonic()
    poster = users(live_server, "browser-test-poster", ["read", "write"], "birgit")["birgit"]
    with serving_page(BROWSER_DIR / "oauth-client") as page_origin:
        query = f"rookery={live_server.url}&username=ada&password={PASSWORD.replace(' ', '+')}&follow=birgit"
        config = {
            "page": f"{page_origin}/index.html?{query}", "rookery": live_server.url, "username": "ada",
            "password": PASSWORD, "timeoutMs": STEP_TIMEOUT_MS,
        }  # fmt: skip
        with browser_script("oauth-client.mjs", config, artifacts, timeout_s=RUN_TIMEOUT_S) as script:
            event = script.next_event()
            if event["event"] == "stream-open":  # the page listens: another member posts
                poster.status_post("Seen live in a browser on another origin")
                event = script.done()
    elapsed_s = time.monotonic() - started
    print(f"\nbrowser client: Chromium {event.get('version')}; test {elapsed_s:.1f}s (install check included)")
    print("screenshots: " + ", ".join(event.get("screenshots", [])))

    driven = {key: event.get(key) for key in ("driverError", "url", "results", "console", "failedRequests")}
    assert event["event"] == "done" and "driverError" not in event, driven
    results = event["results"]
    steps = {step["name"]: step for step in results["steps"]}
    failed = [step for step in results["steps"] if not step["ok"]]
    assert not failed and results["error"] is None and results["done"], results["steps"]
    assert list(steps) == [
        "register app", "sign up", "authorize page closed to other origins", "to the consent page",
        "back with a code", "token", "verify_credentials", "follow", "post a status", "Link header readable",
        "streaming socket open", "update from the socket",
    ]  # fmt: skip
    assert steps["verify_credentials"]["value"] == "ada"
    assert steps["post a status"]["value"].startswith(f'<p>Hello from <a href="{page_origin}"')
    assert f"<{live_server.url}/api/v1/accounts/" in steps["Link header readable"]["value"]
    assert "Seen live in a browser on another origin" in steps["update from the socket"]["value"]
    # the one CORS refusal in the console is the one the page provoked on /oauth/authorize
    cors = [m for m in event["console"] if "CORS" in m["text"] or "Access-Control" in m["text"]]
    assert all("/oauth/authorize" in m["text"] for m in cors), cors
    assert len(cors) == 1, event["console"]
    assert event["pageErrors"] == []
    unexpected = [r for r in event["failedRequests"] if "/oauth/authorize" not in r["url"]]
    assert unexpected == [], unexpected
    assert all(pathlib.Path(path).stat().st_size > 0 for path in event["screenshots"])
