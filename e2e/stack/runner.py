"""Bring the stack up (in parallel, with progress), down, report its status and its client settings."""

from __future__ import annotations

import concurrent.futures
import contextlib
import fcntl
import threading
import time
from collections.abc import Callable, Iterator

from e2e.stack import process
from e2e.stack.registry import select, select_to_stop
from e2e.stack.service import Service, StackContext, StackError

Printer = Callable[[str], None]


class StackUpError(StackError):
    """Some servers failed; ``started`` lists those this call did start (so a caller can stop them)."""

    def __init__(self, errors: list[StackError], started: list[str]) -> None:
        RuntimeError.__init__(self, "\n".join(str(e) for e in errors))
        self.service = ",".join(e.service for e in errors)
        self.log = errors[0].log
        self.errors = errors
        self.started = started


@contextlib.contextmanager
def stack_lock(ctx: StackContext) -> Iterator[None]:
    """One stack-up / stack-down at a time per state dir (two test sessions must not race on ports)."""
    ctx.state_dir.mkdir(parents=True, exist_ok=True)
    with (ctx.state_dir / "stack.lock").open("w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


class Progress:
    def __init__(self, out: Printer) -> None:
        self.t0 = time.monotonic()
        self.out = out
        self.lock = threading.Lock()

    def __call__(self, name: str, message: str) -> None:
        with self.lock:
            self.out(f"[{time.monotonic() - self.t0:6.1f}s] {name}: {message}")


def _bring_up(
    svc: Service, ctx: StackContext, say: Progress, deps: list[concurrent.futures.Future[bool]]
) -> bool:
    """install -> start -> wait healthy; True when this call started the server, False when reused."""
    if svc.healthy(ctx):
        say(svc.name, "already healthy, reused")
        return False
    t0 = time.monotonic()
    say(svc.name, "installing")
    svc.install(ctx)
    for dep in deps:
        dep.result()
    say(svc.name, f"installed ({time.monotonic() - t0:.1f}s), starting")
    t1 = time.monotonic()
    try:
        svc.start(ctx)
        wait = getattr(svc, "wait_healthy", None)
        if wait is not None:
            wait(ctx)
        else:
            process.wait_until(
                svc.name, lambda: svc.healthy(ctx), timeout=svc.ready_timeout_s, log=ctx.log_path(svc.name)
            )
    except BaseException:
        # a server that never became healthy is not left running behind the error (its log stays)
        with contextlib.suppress(Exception):
            svc.stop(ctx)
        raise
    say(svc.name, f"healthy (start {time.monotonic() - t1:.1f}s, total {time.monotonic() - t0:.1f}s)")
    return True


def up(
    names: list[str] | set[str] | None, ctx: StackContext | None = None, out: Printer = print
) -> list[str]:
    """Start the named servers (all when none); returns the names this call started (not reused ones)."""
    ctx = ctx or StackContext.default()
    services = select(names)
    say = Progress(out)
    say("stack", f"up: {' '.join(s.name for s in services)} (state {ctx.state_dir})")
    started: list[str] = []
    errors: list[StackError] = []
    with stack_lock(ctx), concurrent.futures.ThreadPoolExecutor(max_workers=len(services) or 1) as pool:
        futures: dict[str, concurrent.futures.Future[bool]] = {}
        for svc in services:  # start order: dependencies come first, so their futures exist
            deps = [futures[d] for d in svc.depends_on if d in futures]
            futures[svc.name] = pool.submit(_bring_up, svc, ctx, say, deps)
        for name, fut in futures.items():
            try:
                if fut.result():
                    started.append(name)
            except StackError as exc:
                say(name, f"FAILED: {exc}")
                errors.append(exc)
            except Exception as exc:  # a bug or an unexpected failure still names the server and its log
                err = StackError(name, f"{type(exc).__name__}: {exc}", ctx.log_path(name))
                say(name, f"FAILED: {err}")
                errors.append(err)
    if errors:
        raise StackUpError(errors, started)
    say("stack", "ready")
    return started


def down(names: list[str] | set[str] | None, ctx: StackContext | None = None, out: Printer = print) -> None:
    """Stop the named servers (all when none) that this stack started, and those that depend on them
    (first); leaves others' servers, and what the named ones depend on, alone."""
    ctx = ctx or StackContext.default()
    services = list(reversed(select_to_stop(names)))
    say = Progress(out)
    errors: list[StackError] = []

    futures: dict[str, concurrent.futures.Future[None]] = {}

    def stop(svc: Service) -> None:
        for other in services:  # what depends on svc stops first (the node before the control plane)
            if svc.name in other.depends_on and other.name in futures:
                with contextlib.suppress(Exception):
                    futures[other.name].result()
        ours = getattr(svc, "running", None)
        if ours is not None and not ours(ctx):
            busy = [p for p in svc.ports if process.port_open(p)]
            say(svc.name, f"not started by this stack; port(s) {busy} left alone" if busy else "not running")
            return
        svc.stop(ctx)
        say(svc.name, "stopped")

    with stack_lock(ctx), concurrent.futures.ThreadPoolExecutor(max_workers=len(services) or 1) as pool:
        for s in services:  # reverse start order: dependents are submitted before what they need
            futures[s.name] = pool.submit(stop, s)
        for svc, fut in [(s, futures[s.name]) for s in services]:
            try:
                fut.result()
            except StackError as exc:
                say(svc.name, f"FAILED: {exc}")
                errors.append(exc)
    if errors:
        raise StackUpError(errors, [])


def status(names: list[str] | set[str] | None, ctx: StackContext | None = None) -> list[dict[str, object]]:
    ctx = ctx or StackContext.default()
    rows = []
    for svc in select(names):
        running = getattr(svc, "running", None)
        rss = getattr(svc, "rss_kib", None)
        version = getattr(svc, "version", None)
        rows.append(
            {
                "name": svc.name,
                "version": version() if callable(version) else "",
                "ports": list(svc.ports),
                "ours": bool(running(ctx)) if running else None,
                "healthy": svc.healthy(ctx),
                "rss_mib": round(kib / 1024) if rss and (kib := rss(ctx)) else None,
                "log": str(ctx.log_path(svc.name)),
            }
        )
        members = getattr(svc, "member_rows", None)
        if members is not None:  # a replicated store (the ha profile): each node with its address
            rows[-1]["members"] = members(ctx)
    return rows


def env(names: list[str] | set[str] | None, ctx: StackContext | None = None) -> dict[str, str]:
    """The client settings of the named servers (all when none), for clients on this machine."""
    context = ctx or StackContext.default()
    return {k: v for svc in select(names) for k, v in svc.env(context).items()}


def pod_env(names: list[str] | set[str] | None, ctx: StackContext | None = None) -> dict[str, str]:
    """The client settings for pods: the same names as env(), with addresses pods reach (POD_HOST)."""
    context = ctx or StackContext.default()
    return {k: v for svc in select(names) for k, v in svc.pod_env(context).items()}
