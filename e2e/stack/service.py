"""The contract every real-stack server implements.

A Service knows how to obtain its binaries (cached under the cache dir), start them detached on
127.0.0.1, prove health with a real request, stop them without leaving a process or a listening
port behind, and tell clients how to reach it (``export`` lines for ``make stack-env``).
"""

from __future__ import annotations

import dataclasses
import os
import pathlib


class StackError(RuntimeError):
    """A server could not be installed or did not become healthy; names it and its log."""

    def __init__(self, service: str, message: str, log: pathlib.Path | None = None) -> None:
        where = f" (log: {log})" if log else ""
        super().__init__(f"{service}: {message}{where}")
        self.service = service
        self.log = log


@dataclasses.dataclass(frozen=True)
class StackContext:
    cache_dir: pathlib.Path  # downloads and builds, kept across runs: ~/.cache/rookery
    state_dir: pathlib.Path  # data dirs, pid files, logs of the running stack

    @classmethod
    def default(cls) -> StackContext:
        cache = pathlib.Path(os.environ.get("ROOKERY_CACHE_DIR", pathlib.Path.home() / ".cache" / "rookery"))
        state = pathlib.Path(os.environ.get("ROOKERY_STACK_DIR", cache / "stack"))
        return cls(cache_dir=cache, state_dir=state)

    def service_dir(self, name: str) -> pathlib.Path:
        path = self.state_dir / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def log_path(self, name: str) -> pathlib.Path:
        return self.service_dir(name) / f"{name}.log"


class Service:
    """Base class: subclasses set ``name``, ``ports`` and ``depends_on`` and implement the hooks."""

    name: str = ""
    ports: tuple[int, ...] = ()
    depends_on: tuple[str, ...] = ()

    def install(self, ctx: StackContext) -> None:
        """Download or build what the server needs into ctx.cache_dir; a no-op when cached."""
        raise NotImplementedError

    def healthy(self, ctx: StackContext) -> bool:
        """True when a real request (a query, a produce, GET /readyz ...) succeeds right now."""
        raise NotImplementedError

    def start(self, ctx: StackContext) -> None:
        """Spawn the server detached (own session), pid files and logs under ctx.service_dir(name)."""
        raise NotImplementedError

    def stop(self, ctx: StackContext) -> None:
        """Stop every process this service started; afterwards none of ``ports`` listens."""
        raise NotImplementedError

    def env(self, ctx: StackContext) -> dict[str, str]:
        """Settings for clients, e.g. {"ROOKERY_REDIS_URL": "redis://127.0.0.1:6379/0"}."""
        raise NotImplementedError

    def pod_env(self, ctx: StackContext) -> dict[str, str]:
        """The same settings for clients in pods, with the addresses pods reach (hostnet.POD_HOST);
        empty when pods have no use for the server."""
        return {}

    ready_timeout_s: float = 180.0
