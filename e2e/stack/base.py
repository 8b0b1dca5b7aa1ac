"""What the stack's servers share: one detached process with a pid file, a log and fixed ports."""

from __future__ import annotations

import asyncio
import concurrent.futures
import pathlib
import signal
from collections.abc import Coroutine
from typing import Any, TypeVar

from e2e.stack import process
from e2e.stack.service import Service, StackContext, StackError

T = TypeVar("T")


def run_async(coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
    """Run an async client call to completion from sync code, even when a loop is running here."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, asyncio.wait_for(coro, timeout)).result()


class ProcessService(Service):
    """A server that is one process group: started detached, stopped by its pid file."""

    stop_timeout_s: float = 30.0
    stop_signal: int = signal.SIGTERM

    def pid_file(self, ctx: StackContext) -> pathlib.Path:
        return ctx.service_dir(self.name) / f"{self.name}.pid"

    def log(self, ctx: StackContext) -> pathlib.Path:
        return ctx.log_path(self.name)

    def error(self, ctx: StackContext, message: str) -> StackError:
        return StackError(self.name, message, self.log(ctx))

    def ports_free(self, ctx: StackContext) -> None:
        """Before starting: our ports must be free, else another server (not healthy) holds them."""
        busy = [p for p in self.ports if process.port_open(p)]
        if busy:
            raise self.error(ctx, f"port(s) {busy} in use by a process that is not a healthy {self.name}")

    def wait_healthy(self, ctx: StackContext) -> None:
        process.wait_until(
            self.name,
            lambda: self.healthy(ctx),
            timeout=self.ready_timeout_s,
            log=self.log(ctx),
            pid_file=self.pid_file(ctx),
        )

    def stop(self, ctx: StackContext) -> None:
        process.stop_pid_file(self.pid_file(ctx), timeout=self.stop_timeout_s, signum=self.stop_signal)
        still = process.wait_ports_closed(self.ports, timeout=15)
        if still:
            raise self.error(ctx, f"stopped our process but port(s) {still} still listen (not ours?)")

    def running(self, ctx: StackContext) -> bool:
        """True when the process we started (its pid file) is alive."""
        return process.running(self.pid_file(ctx))

    def rss_kib(self, ctx: StackContext) -> int | None:
        return process.rss_kib(self.pid_file(ctx))

    def version(self) -> str:
        return ""
