"""The HTTP server every Rookery process runs its app under (``ROOKERY_HTTP_SERVER``).

``granian`` (the default): Rust's hyper parses and writes HTTP/1.1 and WebSockets, and only the
ASGI calls run in Python, on this process's event loop. Through its embedded server, so the app
built and frozen by ``commands`` is the one served, in this one process. On Rookery's hot paths
it costs ~25 µs less CPU a request than uvicorn (bench/results/floor.md).

``uvicorn`` (httptools and uvloop): the fallback, for a platform without granian's wheels or
where its embedded server (which granian calls experimental) misbehaves.

Both, on SIGTERM or SIGINT: stop accepting, let the requests in flight finish, close idle
keep-alive connections, then run the lifespan's shutdown (consumers stopped, stores closed).
``tests/api/test_http_server.py`` checks this for each. What differs:

- WebSocket keep-alive: uvicorn pings every 20 s and closes a peer that stops answering; granian
  sends no pings, so a peer that vanished without closing is found when a send to it fails. The
  SSE streams send their own ``:thump`` either way.
- Exit status after a signal: granian 0; uvicorn re-raises the signal (the process ends by it).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
from typing import Any

from rookery.workloads.settings import Settings

BACKLOG = 2048
log = logging.getLogger(__name__)


def serve(app: Any, settings: Settings, log_format: str = "text") -> int:
    """Serve ``app`` on the settings' host and port until SIGTERM or SIGINT; the exit status."""
    if settings.http_server == "uvicorn":
        return _uvicorn(app, settings, log_format)
    return _granian(app, settings)


def _granian(app: Any, settings: Settings) -> int:
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings
    from granian.log import LogLevels
    from granian.server.embed import Server

    server = Server(
        app,
        address=settings.host,
        port=settings.port,
        interface=Interfaces.ASGI,  # with the lifespan protocol
        http=HTTPModes.http1,
        http1_settings=HTTP1Settings(header_read_timeout=settings.http_keep_alive_s * 1000),
        backlog=BACKLOG,
        log_level=LogLevels(settings.log_level),
        log_access=False,
        log_dictconfig=_GRANIAN_THROUGH_ROOT,  # in the process's format (observability.configure_logging)
    )

    logging.getLogger("_granian").addFilter(_known_experimental)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, server.signal_handler_interrupt)
        await server.serve()

    try:
        _refuse_taken(settings.host, settings.port)
    except OSError as e:  # the address is taken, or not this machine's
        log.error("cannot listen on %s:%s: %s", settings.host, settings.port, e)
        return 1
    _run(main())
    # a worker that ended by itself: the lifespan's startup failed (logged with its traceback)
    return 1 if server.interrupt_children else 0


_GRANIAN_THROUGH_ROOT = {
    "formatters": {},
    "handlers": {},
    "loggers": {
        "_granian": {"handlers": [], "propagate": True},
        "granian.access": {"handlers": [], "propagate": True},
    },
}


def _known_experimental(record: logging.LogRecord) -> bool:
    """Drops granian's warning that its embedded server is experimental, logged at every start:
    chosen knowingly (this module's docstring), and no news to whoever starts `rookery up`."""
    return record.getMessage() != "Embedded server is experimental!"


def _refuse_taken(host: str, port: int) -> None:
    """OSError when ``host:port`` is taken. On Linux granian listens with SO_REUSEPORT (its
    workers share the port so), which would let a second process on a taken port share its
    connections with the first instead of failing."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))


def _run(main: Any) -> None:
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)
    else:
        uvloop.run(main)


def _uvicorn(app: Any, settings: Settings, log_format: str) -> int:
    import uvicorn

    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        loop="auto",  # uvloop when installed
        http="auto",  # httptools when installed
        access_log=False,
        log_level=settings.log_level,
        lifespan="on",
        proxy_headers=False,
        server_header=False,
        backlog=BACKLOG,
        timeout_keep_alive=settings.http_keep_alive_s,  # uvicorn's 5 s races clients polling every 5 s
        # JSON logs: uvicorn's loggers go through the root handler
        **_uvicorn_log_config(log_format),
    )
    server = uvicorn.Server(config)
    server.run()
    return 0 if server.started else 1


def _uvicorn_log_config(log_format: str) -> dict[str, Any]:
    return {"log_config": None} if log_format == "json" else {}
