"""The web client's assets for the image: `npm ci` (when web/node_modules is missing or stale) and
`npm run build` in web/, so web/dist goes into the image at /opt/rookery/web. Seconds when warm.
Without npm on this machine the image is built without them, and says so."""

from __future__ import annotations

import pathlib
import shutil
import subprocess
import time
from collections.abc import Callable

from e2e.image import ROOT, SERVICE, log_path
from e2e.stack.service import StackContext, StackError

WEB = ROOT / "web"


def _stale(web: pathlib.Path) -> bool:
    installed = web / "node_modules" / ".package-lock.json"
    return not installed.exists() or installed.stat().st_mtime < (web / "package-lock.json").stat().st_mtime


def build(ctx: StackContext, web: pathlib.Path = WEB, out: Callable[[str], None] = print) -> pathlib.Path | None:
    """web/dist, built; None when npm is not installed."""
    npm = shutil.which("npm")
    if npm is None:
        out("web: npm is not installed: the image gets no web client (apt-get install npm, then make image)")
        return None
    started = time.monotonic()
    steps = [["ci", "--no-audit", "--no-fund", "--loglevel=error"]] if _stale(web) else []
    log = log_path(ctx)
    for args in [*steps, ["run", "build"]]:
        with log.open("a") as log_file:
            log_file.write(f"\n--- {time.strftime('%F %T')} npm {' '.join(args)} (in {web})\n")
            log_file.flush()
            done = subprocess.run(
                ["nice", "-n", "10", npm, *args], cwd=web, stdout=log_file, stderr=subprocess.STDOUT, timeout=900
            )
        if done.returncode != 0:
            raise StackError(SERVICE, f"npm {args[0]} in {web} failed (exit {done.returncode})", log)
    out(f"web: {web / 'dist'} built in {time.monotonic() - started:.0f}s")
    return web / "dist"


def _newest_source(web: pathlib.Path) -> float:
    names = ("index.html", "package.json", "package-lock.json", "vite.config.ts", "tsconfig.json")
    sources = [web / name for name in names]
    sources += [p for p in (web / "src").rglob("*") if p.is_file()]
    return max(p.stat().st_mtime for p in sources if p.exists())


def ensure_built(log: pathlib.Path, web: pathlib.Path = WEB) -> pathlib.Path:
    """web/dist, rebuilt when a source is newer than its index.html (what `make web` does), for the
    browser tests run without make; npm is required here (StackError without it)."""
    index = web / "dist" / "index.html"
    if index.exists() and index.stat().st_mtime >= _newest_source(web):
        return web / "dist"
    npm = shutil.which("npm")
    if npm is None:
        raise StackError(SERVICE, "npm is not installed: the web client cannot be built (apt-get install npm)", log)
    log.parent.mkdir(parents=True, exist_ok=True)
    steps = [["ci", "--no-audit", "--no-fund", "--loglevel=error"]] if _stale(web) else []
    for args in [*steps, ["run", "build"]]:
        with log.open("a") as log_file:
            done = subprocess.run([npm, *args], cwd=web, stdout=log_file, stderr=subprocess.STDOUT, timeout=900)
        if done.returncode != 0:
            raise StackError(SERVICE, f"npm {args[0]} in {web} failed (exit {done.returncode})", log)
    return web / "dist"
