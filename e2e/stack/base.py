"""What the stack's servers share: one detached process with a pid file, a log and fixed ports."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import pathlib
import signal
from collections.abc import Coroutine, Sequence
from typing import Any, TypeVar

from e2e.stack import apt, archive, hostnet, maven, process
from e2e.stack.service import Service, StackContext, StackError
from e2e.stack.versions import section

T = TypeVar("T")


def run_async(coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
    """Run an async client call to completion from sync code, even when a loop is running here."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, asyncio.wait_for(coro, timeout)).result()


class ProcessService(Service):
    """A server that is one process group: started detached, stopped by its pid file."""

    stop_timeout_s: float = 30.0
    stop_signal: int = signal.SIGTERM
    # the ports pods use: they listen on hostnet.POD_HOST too (beside 127.0.0.1, unless only there)
    pod_ports: tuple[int, ...] = ()

    def __init__(self) -> None:
        self.pins = section(self.name)  # its versions.toml section

    def url(self) -> str:
        """The HTTP base URL of the first port (for the servers that speak HTTP)."""
        return f"http://{process.HOST}:{self.ports[0]}"

    def pid_file(self, ctx: StackContext) -> pathlib.Path:
        return ctx.service_dir(self.name) / f"{self.name}.pid"

    def log(self, ctx: StackContext) -> pathlib.Path:
        return ctx.log_path(self.name)

    def error(self, ctx: StackContext, message: str) -> StackError:
        return StackError(self.name, message, self.log(ctx))

    def spawn(self, ctx: StackContext, argv: Sequence[str | os.PathLike[str]], **how: Any) -> int:
        """process.spawn with this server's log and pid file (``how``: cwd, env, user)."""
        return process.spawn(argv, log=self.log(ctx), pid_file=self.pid_file(ctx), **how)

    def probe(self, check: Coroutine[Any, Any, bool], timeout: float) -> bool:
        """Run an async client check from healthy(); any failure (refused, timed out) is False."""
        try:
            return run_async(check, timeout=timeout)
        except Exception:
            return False

    def pod_url(self) -> str:
        """The HTTP base URL pods use: the first pod port on POD_HOST."""
        return f"http://{hostnet.POD_HOST}:{self.pod_ports[0]}"

    def ports_free(self, ctx: StackContext) -> None:
        """Before starting: POD_HOST is on this machine, and our ports are free on both addresses,
        else another server (not healthy) holds them. Our own server, still running but not
        healthy (e.g. started by an older checkout without its POD_HOST listener), is stopped first."""
        hostnet.ensure()
        if self.running(ctx):
            with self.log(ctx).open("a") as log:
                log.write(f"\n--- our {self.name} runs but is not healthy: stopping it to start it again\n")
            self.stop(ctx)
        busy = [f"{process.HOST}:{p}" for p in self.ports if process.port_open(p)]
        busy += [f"{hostnet.POD_HOST}:{p}" for p in self.pod_ports if process.port_open(p, hostnet.POD_HOST)]
        if busy:
            raise self.error(ctx, f"port(s) {', '.join(busy)} in use by a process that is not a healthy {self.name}")

    def reachable_from_pods(self) -> bool:
        """Every pod port accepts connections on POD_HOST (False while that address is absent)."""
        return all(process.port_open(p, hostnet.POD_HOST) for p in self.pod_ports)

    def healthy(self, ctx: StackContext) -> bool:
        """Its (first) port listens, pods can connect, and a real request succeeds right now."""
        return process.port_open(self.ports[0]) and self.reachable_from_pods() and self.answers(ctx)

    def answers(self, ctx: StackContext) -> bool:
        """The real request: a query, a produce, GET /ready ...; False when it fails."""
        raise NotImplementedError

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
        still += process.wait_ports_closed(self.pod_ports, timeout=5, host=hostnet.POD_HOST)
        if still:
            raise self.error(ctx, f"stopped our process but port(s) {still} still listen (not ours?)")

    def running(self, ctx: StackContext) -> bool:
        """True when the process we started (its pid file) is alive."""
        return process.running(self.pid_file(ctx))

    def rss_kib(self, ctx: StackContext) -> int | None:
        return process.rss_kib(self.pid_file(ctx))

    def version(self) -> str:
        return ""


class DebianService(ProcessService):
    """A server from Debian's package (pins: debian_package, major), installed with apt-get."""

    def server(self) -> pathlib.Path:
        """A file the package provides: its presence means installed."""
        raise NotImplementedError

    def version(self) -> str:
        return f"{self.pins['major']} (Debian {self.pins['debian_package']})"

    def install(self, ctx: StackContext) -> None:
        apt.ensure(self.name, [self.pins["debian_package"]], self.server(), self.log(ctx))


class JavaService(ProcessService):
    """A server from Maven Central (pins: artifact, version) run on the stack's Java."""

    def version(self) -> str:
        return str(self.pins["version"])

    def java(self, ctx: StackContext) -> str:
        return apt.ensure_java(self.name, self.log(ctx))

    def fetch(self, ctx: StackContext) -> pathlib.Path:
        """Download what the server runs from into the cache: by default the classpath (the artifact
        and its dependencies); a server run from one jar or a distribution says so."""
        return self.classpath(ctx)

    def install(self, ctx: StackContext) -> None:
        self.java(ctx)
        self.fetch(ctx)

    def artifact(self, ctx: StackContext, **kind: str) -> pathlib.Path:
        """The pinned artifact itself (``packaging=``, ``classifier=`` as maven.fetch takes them)."""
        return maven.fetch(ctx, self.name, self.pins["artifact"], self.pins["version"], self.log(ctx), **kind)

    def distribution(self, ctx: StackContext, product: str) -> pathlib.Path:
        """The pinned distribution zip, unpacked once into the cache: its top folder."""
        zip_path = self.artifact(ctx, packaging=self.pins["packaging"])
        return archive.unpack_once(zip_path, ctx.cache_dir / "dist" / f"{product}-{self.pins['version']}")

    def artifacts(self) -> list[str]:
        """The pinned artifact and the pins' extra_artifacts, as "group:name:version"."""
        return [f"{self.pins['artifact']}:{self.pins['version']}", *self.pins.get("extra_artifacts", [])]

    def classpath(self, ctx: StackContext) -> pathlib.Path:
        """The folder of jars the artifacts and their dependencies need at run time."""
        return maven.runtime_classpath(ctx, self.name, self.artifacts(), self.log(ctx))
