"""The real browser of the end-to-end tests: Debian's chromium (headless) driven by playwright-core
from Node.

Not a stack service: a test starts its own Chromium through e2e/browser/run.mjs and closes it.
This module only makes sure the pieces are there, cached like the rest of the stack: chromium's
.debs under ~/.cache/rookery/apt (a fresh machine installs without downloading them again), and
playwright-core (pinned by e2e/browser/package-lock.json) installed with `npm ci` from npm's cache
under ~/.cache/rookery/npm. playwright-core brings no browser of its own: it drives this chromium.
"""

from __future__ import annotations

import pathlib
import shutil
import subprocess
import threading
import time

from e2e.stack import apt
from e2e.stack.service import StackError
from e2e.stack.versions import section

CACHE = pathlib.Path.home() / ".cache" / "rookery"
BROWSER_DIR = pathlib.Path(__file__).resolve().parents[1] / "browser"
SERVICE = "browser"
_npm_lock = threading.Lock()


def ensure_chromium(log: pathlib.Path) -> pathlib.Path:
    """Debian's chromium binary, installed (root) when missing."""
    browser = section("browser")
    binary = pathlib.Path(browser["binary"])
    apt.ensure(SERVICE, [browser["debian_package"]], binary, log, archives=CACHE / "apt")
    return binary


def ensure_node(log: pathlib.Path) -> tuple[str, str]:
    """(node, npm): Debian's nodejs and npm, installed (root) when missing."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        apt.ensure(SERVICE, ["nodejs", "npm"], pathlib.Path("/usr/bin/npm"), log, archives=CACHE / "apt")
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        raise StackError(SERVICE, "node and npm are not on PATH", log)
    return node, npm


def _stale(directory: pathlib.Path) -> bool:
    installed = directory / "node_modules" / ".package-lock.json"
    lock = directory / "package-lock.json"
    return not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime


def ensure_playwright(log: pathlib.Path, directory: pathlib.Path = BROWSER_DIR) -> str:
    """The node binary, with e2e/browser/node_modules installed by `npm ci` when missing or stale."""
    node, npm = ensure_node(log)
    with _npm_lock:
        if _stale(directory):
            started = time.monotonic()
            with log.open("a") as out:
                out.write(f"\n--- {time.strftime('%F %T')} npm ci (in {directory})\n")
                out.flush()
                done = subprocess.run(
                    [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error", "--cache", str(CACHE / "npm")],
                    cwd=directory,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    timeout=600,
                    env={"PATH": str(pathlib.Path(node).parent) + ":/usr/bin:/bin", "HOME": str(pathlib.Path.home())},
                )
                out.write(f"--- npm ci exit {done.returncode} in {time.monotonic() - started:.1f}s\n")
            if done.returncode != 0:
                raise StackError(SERVICE, f"npm ci in {directory} failed (exit {done.returncode})", log)
    return node


def ensure_browser(log: pathlib.Path) -> tuple[str, pathlib.Path]:
    """(node, chromium): everything e2e/browser/run.mjs needs."""
    chromium = ensure_chromium(log)
    return ensure_playwright(log), chromium
