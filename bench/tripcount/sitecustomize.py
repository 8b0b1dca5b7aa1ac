"""Counts a server's round trips to its stores, split into "request" (inside an HTTP request's task
or a task it started) and "background" (workers, relays, consumers) or "thread" (driver threads,
``asyncio.to_thread``). Not imported by Rookery itself:
bench/compose_ab.py (--trips) puts this folder on the server's PYTHONPATH (a ``sitecustomize``).

SIGUSR1 writes the counts since the last signal to ``$ROOKERY_TRIPS_OUT`` (JSON) and resets them.
What counts as one round trip:
- PostgreSQL (asyncpg): each statement sent (BEGIN and COMMIT included); ``executemany`` once;
- Redis: each packed send (a pipeline or a MULTI is one);
- Cassandra: each ``execute_async`` (a statement or a batch);
- Kafka: each ``send`` / ``send_and_wait`` / ``send_batch`` (the producer batches them on its own).
"""

from __future__ import annotations

import asyncio
import collections
import contextvars
import json
import os
import signal
import sys
from typing import Any

COUNTS: collections.Counter[str] = collections.Counter()
DETAIL = bool(os.environ.get("ROOKERY_TRIPS_DETAIL"))  # also by asking function


IN_REQUEST: contextvars.ContextVar[bool] = contextvars.ContextVar("in_request", default=False)


def _where() -> str:
    """"request" inside an HTTP request's task or a task it started (they inherit its context)."""
    try:
        task = asyncio.current_task()
    except RuntimeError:
        return "thread"
    if task is None:
        return "thread"
    return "request" if IN_REQUEST.get() else "background"


def _caller() -> str:
    """The innermost Rookery frame outside the adapters: which use case or worker asked."""
    frame = sys._getframe(3)
    while frame is not None:
        name = frame.f_code.co_filename
        if "/rookery/workloads/" in name and "/adapters/" not in name and not name.endswith(("commands.py", "cli.py")):
            return f"{name.rsplit('/rookery/workloads/', 1)[1]}:{frame.f_code.co_name}"
        frame = frame.f_back
    task = asyncio.current_task()  # a task of its own (a coalesced trip): name what it runs
    coro = task.get_coro() if task is not None else None
    what = getattr(coro, "__qualname__", "?")
    owner = getattr(getattr(coro, "cr_frame", None), "f_locals", {}).get("self")
    send = getattr(owner, "send", None)  # Batched: whose reads it sends
    if send is not None and hasattr(send, "__qualname__"):
        what += f" {send.__qualname__}"
    return f"task {what}"


def _count(store: str, what: str) -> None:
    where = _where()
    COUNTS[f"{where} {store} {what}"] += 1
    if DETAIL:
        COUNTS[f"{where} {store} {what} <- {_caller()}"] += 1


def _wrap(cls: Any, name: str, store: str, what: str, only_without_args: bool = False) -> None:
    original = getattr(cls, name)

    if asyncio.iscoroutinefunction(original):

        async def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
            if not only_without_args or len(args) <= 1:
                _count(store, what)
            return await original(self, *args, **kwargs)
    else:

        def counted(self: Any, *args: Any, **kwargs: Any) -> Any:  # type: ignore[misc]
            _count(store, what)
            return original(self, *args, **kwargs)

    setattr(cls, name, counted)


def _dump(*_: Any) -> None:
    out = os.environ.get("ROOKERY_TRIPS_OUT")
    if out:
        with open(out + ".tmp", "w") as f:
            json.dump(dict(COUNTS), f)
        os.replace(out + ".tmp", out)
    COUNTS.clear()


def _mark_requests() -> None:
    from uvicorn.protocols.http import h11_impl, httptools_impl

    for module in (httptools_impl, h11_impl):
        cycle = module.RequestResponseCycle
        original = cycle.run_asgi

        async def run_asgi(self: Any, app: Any, _original: Any = original) -> None:
            IN_REQUEST.set(True)
            await _original(self, app)

        cycle.run_asgi = run_asgi


def install() -> None:
    _mark_requests()
    import asyncpg.connection
    import redis.asyncio.connection
    from aiokafka import AIOKafkaProducer
    from cassandra.cluster import Session

    # execute(query) without args is a simple query; with args it goes through _execute
    _wrap(asyncpg.connection.Connection, "execute", "postgres", "statement", only_without_args=True)
    _wrap(asyncpg.connection.Connection, "_execute", "postgres", "statement")
    _wrap(asyncpg.connection.Connection, "_executemany", "postgres", "statement")
    _wrap(redis.asyncio.connection.AbstractConnection, "send_packed_command", "redis", "send")
    _wrap(Session, "execute_async", "cassandra", "statement")
    for name in ("send", "send_batch"):
        _wrap(AIOKafkaProducer, name, "kafka", name)
    signal.signal(signal.SIGUSR1, _dump)


if os.environ.get("ROOKERY_TRIPS_OUT"):
    install()
