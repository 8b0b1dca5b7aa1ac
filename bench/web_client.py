"""The web client: its initial JavaScript (gzipped) and the home timeline's first paint in a real
browser (headless Chromium through e2e/browser/first-paint.mjs) against `rookery up`.

    .venv/bin/python -m bench.web_client [--runs 7] [--posts 40] [--out FILE]

Builds web/ when its sources changed, starts `rookery up` on a free port with a temporary data
directory, signs two members up over HTTP (the writer posts ``--posts`` statuses, the reader
follows them), then the reader signs in on the consent page and opens /home ``--runs`` times, each
in a fresh page: from navigation start to the first post in the DOM (timeline paint) and the
browser's first contentful paint. The browser, the server and the load share this machine.
`make bench` runs it after the API benchmarks. Not a test: no pass/fail.
"""

from __future__ import annotations

import argparse
import gzip
import os
import pathlib
import re
import statistics
import subprocess
import sys
import tempfile
from typing import Any

import httpx

from bench.common import FAST_ENV, free_port, wait_ready, write_report
from e2e.forms import app_form, bearer, grant, signup
from e2e.image import web
from e2e.stack.browser import browser_script

PASSWORD = "correct horse battery"
ROOT = pathlib.Path(__file__).resolve().parents[1]


def initial_js(dist: pathlib.Path) -> dict[str, Any]:
    """The scripts index.html loads at once (entry and modulepreloads), gzipped at level 9."""
    index = (dist / "index.html").read_text()
    scripts = re.findall(r'<script[^>]+src="/([^"]+\.js)"', index)
    scripts += re.findall(r'<link[^>]+rel="modulepreload"[^>]+href="/([^"]+\.js)"', index)
    styles = re.findall(r'<link[^>]+rel="stylesheet"[^>]+href="/([^"]+\.css)"', index)
    size = {name: len(gzip.compress((dist / name).read_bytes(), 9)) for name in scripts + styles}
    return {
        "files": scripts,
        "js_gzip_kb": round(sum(size[name] for name in scripts) / 1024, 1),
        "css_gzip_kb": round(sum(size[name] for name in styles) / 1024, 1),
        "js_raw_kb": round(sum((dist / name).stat().st_size for name in scripts) / 1024, 1),
    }


def _member(http: httpx.Client, name: str) -> str:
    scopes = "read write follow"
    app = http.post("/api/v1/apps", data=app_form("bench", scopes)).json()
    token = http.post("/oauth/token", data=grant(app, "client_credentials", scope=scopes)).json()["access_token"]
    created = http.post("/api/v1/accounts", headers=bearer(token), data=signup(name, PASSWORD))
    created.raise_for_status()
    return str(created.json()["access_token"])


def first_paint(base: str, runs: int, posts: int, artifacts: pathlib.Path) -> dict[str, Any]:
    with httpx.Client(base_url=base, timeout=60) as http:
        writer, reader = _member(http, "writer"), _member(http, "reader")
        writer_id = http.get("/api/v1/accounts/verify_credentials", headers=bearer(writer)).json()["id"]
        http.post(f"/api/v1/accounts/{writer_id}/follow", headers=bearer(reader)).raise_for_status()
        for i in range(posts):
            body = {"status": f"Post {i} for the first paint: #bench https://example.org/{i}"}
            http.post("/api/v1/statuses", headers=bearer(writer), json=body).raise_for_status()
    config = {"origin": base, "username": "reader", "password": PASSWORD, "runs": runs, "timeoutMs": 60_000}
    with browser_script("first-paint.mjs", config, artifacts, timeout_s=120 + 20 * runs) as script:
        event = script.done()
    if "driverError" in event:
        raise RuntimeError(f"first-paint.mjs failed: {event['driverError'][:500]}")
    samples = event["results"]["samples"]
    timeline = [s["timelineMs"] for s in samples]
    contentful = [s["firstContentfulPaintMs"] for s in samples if s["firstContentfulPaintMs"] is not None]
    return {
        "chromium": event.get("version"),
        "runs": runs,
        "posts_on_first_page": samples[0]["posts"],
        "home_timeline_paint_ms_median": round(statistics.median(timeline), 1),
        "home_timeline_paint_ms_max": round(max(timeline), 1),
        "first_contentful_paint_ms_median": round(statistics.median(contentful), 1) if contentful else None,
        "samples_ms": [round(v, 1) for v in timeline],
    }


def measure(runs: int = 7, posts: int = 40) -> dict[str, Any]:
    """Bundle size and first paint; starts and stops its own `rookery up`."""
    with tempfile.TemporaryDirectory(prefix="rookery-bench-web-") as tmp_name:
        tmp = pathlib.Path(tmp_name)
        dist = web.ensure_built(tmp / "web-build.log")
        result: dict[str, Any] = {"bundle": initial_js(dist)}
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [sys.executable, "-m", "rookery.workloads.cli", "up", "--port", str(port), "--data-dir", str(tmp / "data")],
            env={**os.environ, **FAST_ENV},
            stdout=subprocess.DEVNULL,
            cwd=ROOT,
        )
        try:
            wait_ready(f"{base}/healthz", server, timeout_s=90)
            result["first_paint"] = first_paint(base, runs, posts, tmp / "browser")
        finally:
            server.terminate()
            server.wait(15)
    result["cpus"] = os.cpu_count() or 0
    result["load_average"] = [round(x, 2) for x in os.getloadavg()]
    return result


def summary(result: dict[str, Any]) -> str:
    """One line for the benchmark report's notes."""
    paint, bundle = result.get("first_paint", {}), result["bundle"]
    return (
        f"web client: initial JS {bundle['js_gzip_kb']} KB gzipped (CSS {bundle['css_gzip_kb']} KB);"
        f" home timeline first paint median {paint.get('home_timeline_paint_ms_median')} ms"
        f" (max {paint.get('home_timeline_paint_ms_max')}, first contentful paint"
        f" {paint.get('first_contentful_paint_ms_median')} ms) over {paint.get('runs')} loads in headless"
        f" Chromium {paint.get('chromium')}, assets cached, {paint.get('posts_on_first_page')} posts on the page"
    )


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.web_client")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--posts", type=int, default=40)
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "bench" / "results" / "web_client.json")
    args = parser.parse_args()
    result = measure(args.runs, args.posts)
    result["command"] = " ".join(["python -m bench.web_client", *sys.argv[1:]])
    write_report(result, args.out)
    print(summary(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
