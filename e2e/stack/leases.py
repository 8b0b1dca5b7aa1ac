"""Who uses the stack: test sessions sharing one stack stop a server only when the last one needing it ends.

A session that starts a server marks it session-owned; a session records a lease (its pid and needs)
while it runs. At its end a session stops the session-owned servers it needed that no live session
still needs. Servers started by `make stack-up` carry no mark and are never stopped by a session.
"""

from __future__ import annotations

import contextlib
import json
import os
import pathlib
from collections.abc import Iterable

from e2e.stack import process
from e2e.stack.service import StackContext

OWNED_MARK = "session-owned"


def _dir(ctx: StackContext) -> pathlib.Path:
    path = ctx.state_dir / "leases"
    path.mkdir(parents=True, exist_ok=True)
    return path


def take(ctx: StackContext, needs: Iterable[str]) -> pathlib.Path:
    lease = _dir(ctx) / f"{os.getpid()}.json"
    lease.write_text(json.dumps({"pid": os.getpid(), "needs": sorted(needs)}))
    return lease


def release(lease: pathlib.Path) -> None:
    lease.unlink(missing_ok=True)


def needed_by_live_sessions(ctx: StackContext) -> set[str]:
    """Union of needs of sessions still running (leases of dead sessions are cleaned up)."""
    needed: set[str] = set()
    for lease in _dir(ctx).glob("*.json"):
        with contextlib.suppress(OSError, ValueError, KeyError):
            data = json.loads(lease.read_text())
            if process.pid_alive(int(data["pid"])):
                needed.update(data["needs"])
            else:
                lease.unlink(missing_ok=True)
    return needed


def mark_owned(ctx: StackContext, names: Iterable[str]) -> None:
    for name in names:
        (ctx.service_dir(name) / OWNED_MARK).touch()


def unmark(ctx: StackContext, names: Iterable[str]) -> None:
    for name in names:
        (ctx.service_dir(name) / OWNED_MARK).unlink(missing_ok=True)


def owned(ctx: StackContext, name: str) -> bool:
    return (ctx.service_dir(name) / OWNED_MARK).exists()
