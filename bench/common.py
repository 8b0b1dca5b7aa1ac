"""What the stand-alone benchmarks share: a fast `rookery up` environment, waiting for a server,
wrk with latency percentiles, and an app over ASGI with signed-in users."""

from __future__ import annotations

import contextlib
import json
import os
import pathlib
import re
import subprocess
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx

from e2e.servers import free_port, wait_serving

__all__ = [
    "FAST_ENV", "asgi_client", "cpu_seconds", "free_port", "parse_wrk_output", "signed_in", "wait_ready",
    "write_report", "wrk_latency",
]  # fmt: skip

def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far (all its threads), seconds."""
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# what every benchmark's server runs with: no rate limits, cheap password hashing, quiet logs
FAST_ENV = {
    "ROOKERY_RATE_LIMITS_ENABLED": "false",
    "ROOKERY_LOG_LEVEL": "warning",
    "ROOKERY_PASSWORD_TIME_COST": "1",
    "ROOKERY_PASSWORD_MEMORY_KIB": "8192",
}


def wait_ready(
    url: str,
    process: subprocess.Popen[bytes] | None = None,
    timeout_s: float = 90.0,
    error: Callable[[str], BaseException] = SystemExit,
) -> None:
    """Until GET url answers 200; ``error`` when the server exits first or does not start in time."""
    wait_serving(
        url, process, timeout_s=timeout_s, interval_s=0.2, error=error,
        exited=lambda code: f"server exited with {code}", not_ready=lambda: f"server at {url} did not start",
    )  # fmt: skip


def wrk_latency(url: str, seconds: int, connections: int, script: str | None = None) -> dict[str, float]:
    """Closed-loop wrk (one thread): requests/s, p50/p90/p99 in ms and the non-2xx count."""
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if script:
        cmd[1:1] = ["-s", script]
    return parse_wrk_output(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)


def parse_wrk_output(out: str) -> dict[str, float]:
    """wrk --latency's output: requests/s, p50/p90/p99 in ms and the non-2xx count."""
    result = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}  # type: ignore[union-attr]
    for pct in ("50", "90", "99"):
        match = re.search(rf"\s{pct}(?:\.000)?%\s+([\d.]+)(us|ms|s)\b", out)
        if match:
            value, unit = float(match.group(1)), match.group(2)
            result[f"p{pct}_ms"] = value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    result["non_2xx"] = float(non_2xx.group(1)) if non_2xx else 0.0
    return result


def write_report(report: dict[str, Any], out: str | pathlib.Path, *, show: bool = True) -> None:
    """Print the result (unless ``show`` is off) and write it, as indented JSON, to ``out``."""
    text = json.dumps(report, indent=2)
    if show:
        print(text)
    path = pathlib.Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n")


@contextlib.asynccontextmanager
async def asgi_client(container: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The whole app of ``container`` in this process (lifespan included), over ASGI."""
    from rookery.workloads.api.app import create_app

    app = create_app(container)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=60) as client:
            yield client


async def signed_in(container: Any, scopes: str, names: tuple[str, ...]) -> list[tuple[dict[str, str], str]]:
    """Accounts made through the use cases, each with a token of ``scopes``: (headers, account id)."""
    from rookery.workloads.domain.oauth import OOB_REDIRECT, parse_scopes

    accounts, oauth = container.accounts.service, container.accounts.oauth
    registered = await oauth.register_app("bench", OOB_REDIRECT, scopes, None)
    users = []
    for name in names:
        account = await accounts.register(name, f"{name}@example.org", "correct horse battery")
        grant = await oauth.issue(registered, account.id, parse_scopes(scopes))
        users.append(({"Authorization": f"Bearer {grant.access_token}"}, str(account.id)))
    return users
