"""The real browser of the end-to-end tests: Debian's chromium (headless) driven by playwright-core
from Node.

Not a stack service: a test runs a script of its own in e2e/browser/ (built on browser.mjs: one
Chromium, closed at the end) with ``browser_script`` and reads its JSON lines. This module makes
sure the pieces are there, cached like the rest of the stack: chromium's
.debs under ~/.cache/rookery/apt (a fresh machine installs without downloading them again), and
playwright-core (pinned by e2e/browser/package-lock.json) installed with `npm ci` from npm's cache
under ~/.cache/rookery/npm. playwright-core brings no browser of its own: it drives this chromium.
"""

from __future__ import annotations

import contextlib
import json
import os
import pathlib
import queue
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from typing import Any

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
    """(node, chromium): everything a script in e2e/browser/ needs."""
    chromium = ensure_chromium(log)
    return ensure_playwright(log), chromium


class BrowserScript:
    """A running browser script (e2e/browser/*.mjs, on browser.mjs): its JSON lines, one at a time."""

    def __init__(self, process: subprocess.Popen[str], deadline: float) -> None:
        self.process = process
        self.deadline = deadline
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def next_event(self) -> dict[str, Any]:
        """The script's next JSON line; EOFError when it ended without one, queue.Empty past the deadline."""
        while True:
            line = self._lines.get(timeout=max(0.1, self.deadline - time.monotonic()))
            if line is None:
                raise EOFError(f"the browser script ended (exit {self.process.wait()}) without another event")
            if line.startswith("{"):
                return dict(json.loads(line))

    def done(self) -> dict[str, Any]:
        """The script's "done" event (skipping others), after which it exits."""
        while (event := self.next_event())["event"] != "done":
            pass
        self.process.wait(timeout=max(1.0, self.deadline - time.monotonic()))
        return event


@contextlib.contextmanager
def browser_script(
    script: str, config: dict[str, Any], artifacts: pathlib.Path, *, timeout_s: float = 150.0
) -> Iterator[BrowserScript]:
    """Starts ``node e2e/browser/<script> <config>`` with chromium and artifacts filled in (installing
    what is missing; its log and the script's stderr go to ``artifacts``); killed if still running
    when the block ends or past ``timeout_s``."""
    artifacts.mkdir(parents=True, exist_ok=True)
    node, chromium = ensure_browser(artifacts / "install.log")
    settings = {"chromium": str(chromium), "artifacts": str(artifacts), **config}
    with (artifacts / f"{script}.err").open("w") as stderr:
        process = subprocess.Popen(
            [node, str(BROWSER_DIR / script), json.dumps(settings)],
            cwd=BROWSER_DIR,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    try:
        yield BrowserScript(process, time.monotonic() + timeout_s)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def artifacts_dir(name: str, fallback: pathlib.Path) -> pathlib.Path:
    """Where a browser test keeps its screenshots: $ROOKERY_ARTIFACTS_DIR/<name> when set (CI
    collects it), else ``fallback`` (the test's tmp dir)."""
    chosen = os.environ.get("ROOKERY_ARTIFACTS_DIR")
    root = pathlib.Path(chosen) / name if chosen else fallback
    root.mkdir(parents=True, exist_ok=True)
    return root
