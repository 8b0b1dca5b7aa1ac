"""Rookery's own web client end to end, in real headless Chromium (e2e/browser/web-client.mjs)
against `rookery up` serving the built client at /: two people sign up through the client's
sign-up page (one at desktop width, 1280x800, one at phone width, 390x844), follow each other,
one posts an image and the other sees it and its notification arrive live, replies, they chat,
search, one edits her profile (name, bio, avatar), the other reports her post, and an admin made
here (`rookery admin create-account --admin`) signs in on the consent page and resolves the report
in the moderation page; a visitor then reads the public post signed out; ada signs out, and her
token no longer works (revoked).

Judged here: every step done; no console error, page error or failed request (none is provoked);
hostile HTML in the post, the alt text, the display name, the bio, a profile field and a chat
message never ran
(window.__xss unset in every context); axe-core found no serious or critical violation on any page
visited. Screenshots are kept as artifacts (ROOKERY_ARTIFACTS_DIR/web-client, else the tmp dir)."""

from __future__ import annotations

import io
import pathlib
import time

import pytest
from compat_support import PASSWORD, cli_admin
from live_support import LiveServer
from PIL import Image

from bench.web_client import initial_js
from e2e.image import web
from e2e.stack.browser import artifacts_dir, browser_script

STEP_TIMEOUT_MS = 30_000
RUN_TIMEOUT_S = 420


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    return artifacts_dir("web-client", tmp_path_factory.mktemp("web-client-artifacts"))


def _png(path: pathlib.Path) -> pathlib.Path:
    image = Image.new("RGB", (320, 200), (40, 90, 140))
    for x in range(0, 320, 20):
        for y in range(120, 200):
            image.putpixel((x, y), (200, 180, 120))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return path


def steps_value(results: dict, name: str) -> object:
    return next(step["value"] for step in results["steps"] if step["name"] == name)


@pytest.mark.timeout(600)
def test_two_people_and_an_admin_use_the_web_client(
    live_server: LiveServer, artifacts: pathlib.Path, tmp_path: pathlib.Path
) -> None:
    started = time.monotonic()
    dist = web.ensure_built(artifacts / "web-build.log")
    # issue 14's budget: the initial JavaScript at most 150 KB gzipped (a size, not a timing)
    bundle = initial_js(dist)
    assert bundle["js_gzip_kb"] <= 150, bundle
    index = live_server.url + "/"
    cli_admin(live_server, "boss")
    config = {
        "origin": live_server.url, "password": PASSWORD, "image": str(_png(tmp_path / "harbour.png")),
        "admin": "boss", "timeoutMs": STEP_TIMEOUT_MS,
    }  # fmt: skip
    with browser_script("web-client.mjs", config, artifacts, timeout_s=RUN_TIMEOUT_S) as script:
        event = script.done()
    elapsed_s = time.monotonic() - started
    results = event.get("results") or {}
    print(f"\nweb client e2e ({index}): Chromium {event.get('version')}; test {elapsed_s:.1f}s; {bundle}")
    for step in results.get("steps", []):
        print(f"  {step['ms']:>6} ms  {step['name']}")
    print("screenshots: " + ", ".join(event.get("screenshots", [])))
    for checked in results.get("axe", []):
        counts = [f"{v['id']} ({v['impact']})" for v in checked["violations"]]
        found = ", ".join(counts) or "no violations"
        print(f"  axe {checked['who']:>7} {checked['page']:<22} {checked['passed']} rules passed; {found}")

    driven = {key: event.get(key) for key in ("driverError", "url", "results", "console", "failedRequests")}
    assert event["event"] == "done" and "driverError" not in event, driven
    names = [step["name"] for step in results["steps"]]
    assert names[-1] == "ada signs out and her token is revoked", names
    assert steps_value(results, names[-1]) == {"kept": None, "status": 401}
    # the alt text and the display name are text; nothing hostile ran anywhere
    steps = {step["name"]: step for step in results["steps"]}
    assert "onerror" in steps["bea sees the post arrive live"]["value"]
    assert "<img src=x onerror=__xss=1>" in steps["bea sees ada's new name and bio as text"]["value"]
    assert not [href for href in results["fieldLinks"] if href == "onclick" or href.startswith("javascript:")]
    assert results["xss"] == {"ada": None, "bea": None, "admin": None, "visitor": None}
    assert "Resolved" in steps["admin resolves the report"]["value"]
    assert results["adaSeesModeration"] == 0
    assert results["head"]["ogType"] == "article"
    # no console error, page error or failed request, but one: the hostile profile field's onclick
    # comes back from the API as HTML (the others are escaped as text by the server), and Chromium
    # reports the page's CSP blocking that handler as soon as the sanitiser parses it (inert, it
    # never runs: the sanitiser then drops it); provoked on purpose, on bea's view of ada's profile
    provoked = [
        m for m in event["console"]
        if m["who"] == "bea" and m["url"].endswith("/@ada") and m["text"].startswith("Executing inline event handler")
    ]  # fmt: skip
    errors = [m for m in event["console"] if m["type"] in ("error", "warning") and m not in provoked]
    assert errors == [], errors
    assert event["pageErrors"] == []
    assert event["failedRequests"] == [], event["failedRequests"]
    # axe-core: nothing serious or critical on any page visited
    serious = [
        (checked["who"], checked["page"], v["id"], v["nodes"])
        for checked in results["axe"]
        for v in checked["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], serious
    assert len(results["axe"]) >= 12 and all(checked["passed"] > 10 for checked in results["axe"])
    assert all(pathlib.Path(path).stat().st_size > 0 for path in event["screenshots"])
