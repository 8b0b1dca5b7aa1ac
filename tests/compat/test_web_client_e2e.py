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
def dist(artifacts: pathlib.Path) -> pathlib.Path:
    """web/dist, built before the server starts: the server finds the client's files when it starts
    (a fresh checkout has none, and the first page would be a 404)."""
    return web.ensure_built(artifacts / "web-build.log")


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


def serious_violations(results: dict) -> list[tuple[str, str, str, list[str]]]:
    """axe-core's serious and critical violations on the pages a browser script checked."""
    return [
        (checked["who"], checked["page"], v["id"], v["nodes"])
        for checked in results["axe"]
        for v in checked["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def steps_value(results: dict, name: str) -> object:
    return next(step["value"] for step in results["steps"] if step["name"] == name)


@pytest.mark.timeout(600)
def test_two_people_and_an_admin_use_the_web_client(
    dist: pathlib.Path, live_server: LiveServer, artifacts: pathlib.Path, tmp_path: pathlib.Path
) -> None:
    started = time.monotonic()
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
    assert serious_violations(results) == [], serious_violations(results)
    assert len(results["axe"]) >= 12 and all(checked["passed"] > 10 for checked in results["axe"])
    assert all(pathlib.Path(path).stat().st_size > 0 for path in event["screenshots"])


@pytest.mark.timeout(600)
def test_edit_polls_lists_and_the_connection_banner_in_the_web_client(
    dist: pathlib.Path, live_server: LiveServer, artifacts: pathlib.Path, tmp_path: pathlib.Path
) -> None:
    """cy (desktop) and dee (phone), e2e/browser/web-client-more.mjs: profile header, fields and
    follow requests; @mention and #hashtag completion; a poll in German, voted on; an edit and its
    history; an image's focus point; lists; direct messages; explore; the banner for a 429 (the test
    answers one request with it) and for a cut live connection (the test closes the page's
    WebSocket); j / k. Judged as the first test: every step, nothing hostile ran, no console error,
    page error or failed request but those provoked, axe-core nothing serious or critical."""
    started = time.monotonic()
    config = {
        "origin": live_server.url, "password": PASSWORD, "image": str(_png(tmp_path / "flats.png")),
        "timeoutMs": STEP_TIMEOUT_MS,
    }  # fmt: skip
    with browser_script("web-client-more.mjs", config, artifacts, timeout_s=RUN_TIMEOUT_S) as script:
        event = script.done()
    results = event.get("results") or {}
    print(f"\nweb client e2e, second pair: Chromium {event.get('version')}; test {time.monotonic() - started:.1f}s")
    for step in results.get("steps", []):
        print(f"  {step['ms']:>6} ms  {step['name']}: {str(step['value'])[:100]}")
    for checked in results.get("axe", []):
        found = ", ".join(f"{v['id']} ({v['impact']})" for v in checked["violations"]) or "no violations"
        print(f"  axe {checked['who']:>4} {checked['page']:<26} {checked['passed']} rules passed; {found}")
    if "driverError" in event:
        print(f"stopped at {event.get('url')}: {event['driverError']}")
    driven = {key: event.get(key) for key in ("driverError", "url", "results", "console", "failedRequests")}
    assert event["event"] == "done" and "driverError" not in event, driven
    steps = {step["name"]: step["value"] for step in results["steps"]}
    assert "Boat <img" in steps["dee asks to follow cy"]  # the field's name is text
    assert steps["cy accepts dee's follow request"] == "dee now follows you."
    assert steps["cy writes a poll, completing @dee and #tides from the suggestions"] == {
        "text": "Which one, @dee ? #tides ", "lang": "de",
    }  # fmt: skip
    assert "100%" in steps["dee votes"] and "(your choice)" in steps["dee votes"]
    assert steps["cy edits the poll's post and reads its history"] == {"versions": 2, "poll": 2}
    # clicked a quarter from the left, a quarter from the bottom: focus about (-0.5, -0.5)
    image = steps["cy posts an image with a focus point and alt text"]
    assert image["alt"] == "Mud flats at low tide"
    x, y = (float(part.rstrip("%")) for part in image["position"].split())
    assert 20 <= x <= 30 and 70 <= y <= 80, image
    assert steps["cy makes a list with dee and reads it"].split() == ["Harbour", "friends", "Rename", "Delete"]
    assert steps["dee writes cy a direct message; cy reads it"].startswith("With dee")
    assert steps["a 429 shows the banner, which goes by itself"] == {
        "text": "Rookery is getting too many requests from this browser. Please wait 3 s before trying again.",
        "error": "Too many requests. Try again in 3 s.",
    }  # fmt: skip
    assert steps["dee's live connection is cut, the banner says so, then it is back"].startswith(
        "Live updates lost; reconnecting"
    )
    keys = steps["j and k move between posts"]
    assert [keys["first"]["index"], keys["second"]["index"], keys["back"]["index"]] == [0, 1, 0]
    assert keys["second"]["outline"] not in (None, "none")
    assert steps["dark colours"] == "rgb(21, 22, 26)"  # --bg of the dark scheme
    assert results["xss"] == {"cy": None, "dee": None}
    assert results["icons"] >= 8
    # provoked here: the 429 the test answered (Chromium logs the failed load)
    provoked = [m for m in event["console"] if m.get("who") is None and "status of 429" in m["text"]]
    errors = [m for m in event["console"] if m["type"] in ("error", "warning") and m not in provoked]
    assert len(provoked) >= 1 and errors == [], errors
    assert event["pageErrors"] == [] and event["failedRequests"] == [], (event["pageErrors"], event["failedRequests"])
    assert serious_violations(results) == [], serious_violations(results)
    assert len(results["axe"]) >= 14 and all(checked["passed"] > 10 for checked in results["axe"])
