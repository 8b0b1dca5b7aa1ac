"""Home timeline read throughput against a bare ASGI JSON endpoint, both under uvicorn, with wrk.

    .venv/bin/python -m bench.home_timeline [--seconds 10] [--connections 32] [--out FILE]

Starts `rookery up` (embedded defaults, rate limits off) on a free loopback port with a temporary
data directory, seeds one reader following 20 authors with 10 posts each (some reblogs and
private posts), then runs ``wrk`` against GET /api/v1/timelines/home (20 statuses per page) and
against a bare ASGI app returning a small JSON body, each served by uvicorn with the same options
(one process, uvloop/httptools when installed). Reports requests/s and latency percentiles of
both, and their ratio. Needs ``wrk`` (Debian package). Not a test: no pass/fail.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pathlib
import subprocess
import sys
import tempfile

import httpx

from bench import common
from bench.common import free_port
from e2e.forms import app_form, bearer, grant, signup

BARE_APP = """
import orjson
BODY = orjson.dumps({"status": "ok", "items": list(range(20))})
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": BODY})
"""

LUA_AUTH = 'wrk.headers["Authorization"] = "Bearer {token}"\n'


def wait_ready(url: str) -> None:
    common.wait_ready(url, timeout_s=60)


def wrk(url: str, seconds: int, connections: int, script: str | None = None) -> dict[str, float]:
    return common.wrk_latency(url, seconds, connections, script)


async def seed(base: str) -> str:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        app = (
            await client.post("/api/v1/apps", data=app_form("bench", "read write follow"))
        ).json()

        async def register(name: str) -> str:
            form = grant(app, "client_credentials", scope="read write follow")
            app_token = (await client.post("/oauth/token", data=form)).json()["access_token"]
            form = signup(name, "bench password", agreement="1")
            response = await client.post("/api/v1/accounts", headers=bearer(app_token), data=form)
            return str(response.json()["access_token"])

        reader = await register("reader")
        reader_headers = {"Authorization": f"Bearer {reader}"}
        authors = [await register(f"author{i}") for i in range(20)]
        for token in authors:
            me = (
                await client.get(
                    "/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {token}"}
                )
            ).json()
            await client.post(f"/api/v1/accounts/{me['id']}/follow", headers=reader_headers)
        last = None
        for round_ in range(10):
            for i, token in enumerate(authors):
                headers = {"Authorization": f"Bearer {token}"}
                visibility = "private" if (i + round_) % 5 == 0 else "public"
                body = {
                    "status": f"post {round_} by {i} #bench @reader https://example.com/{round_}",
                    "visibility": visibility,
                }
                last = (await client.post("/api/v1/statuses", headers=headers, json=body)).json()
                if i % 7 == 0 and last:
                    await client.post(
                        f"/api/v1/statuses/{last['id']}/reblog",
                        headers={"Authorization": f"Bearer {authors[(i + 1) % 20]}"},
                    )
        for _ in range(100):  # until fan-out has delivered the newest post
            page = (await client.get("/api/v1/timelines/home", headers=reader_headers)).json()
            if last and any(
                s["id"] == last["id"] or (s.get("reblog") or {}).get("id") == last["id"] for s in page
            ):
                break
            await asyncio.sleep(0.1)
        assert len(page) == 20, page
        return reader


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--out", default="bench/results/home_timeline.json")
    args = parser.parse_args()
    env = {**os.environ, **common.FAST_ENV}
    rookery = pathlib.Path(sys.executable).with_name("rookery")
    with tempfile.TemporaryDirectory() as tmp:
        port, bare_port = free_port(), free_port()
        bare_module = pathlib.Path(tmp) / "bare_app.py"
        bare_module.write_text(BARE_APP)
        server = subprocess.Popen(
            [str(rookery), "up", "--port", str(port), "--data-dir", f"{tmp}/data"], env=env
        )
        bare = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "bare_app:app", "--port", str(bare_port), "--no-access-log",
             "--log-level", "warning"],
            cwd=tmp,
        )  # fmt: skip
        try:
            base, bare_url = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{bare_port}/"
            wait_ready(base + "/healthz")
            wait_ready(bare_url)
            token = asyncio.run(seed(base))
            script = pathlib.Path(tmp) / "auth.lua"
            script.write_text(LUA_AUTH.format(token=token))
            wrk(base + "/api/v1/timelines/home", 2, args.connections, str(script))  # warm caches
            home = wrk(base + "/api/v1/timelines/home", args.seconds, args.connections, str(script))
            bare_result = wrk(bare_url, args.seconds, args.connections)
        finally:
            for process in (server, bare):
                process.terminate()
                process.wait(timeout=15)
    report = {
        "home_timeline": home,
        "bare_asgi": bare_result,
        "ratio": round(home["rps"] / bare_result["rps"], 3),
        "connections": args.connections,
        "seconds": args.seconds,
        "cpus": os.cpu_count(),
    }
    common.write_report(report, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
