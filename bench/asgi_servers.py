"""Rookery's processes under another ASGI server, for comparing servers on the same hot paths.

    python -m bench.asgi_servers granian up --port 8080 --data-dir DIR
    python -m bench.asgi_servers granian bare --port 8099

``rookery up`` (or the bare endpoint, bench/bare_app.py) exactly as usual (the same app, built
and frozen the same way), served by ``granian`` through its in-process server instead of uvicorn:
one process, the app object handed over, SIGTERM/SIGINT stop it. ``uvicorn`` runs the usual
commands unchanged. bench/floor.py's ``--server`` uses this.

Not used by Rookery itself, and granian is no dependency of the project: to rerun the comparison,
install it into the environment first (``uv pip install granian``). bench/results/floor.md has
the comparison and why `rookery up` and `rookery serve` stay on uvicorn.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from typing import Any

SERVERS = ("uvicorn", "granian")


def serve_granian(app: Any, settings: Any, logging_options: dict[str, Any] | None = None) -> int:
    """What ``commands._uvicorn`` does, with granian's embedded server (ASGI, lifespan on)."""
    try:
        from granian.constants import Interfaces
    except ImportError:
        raise SystemExit("granian is not installed (uv pip install granian): see bench/asgi_servers.py") from None
    from granian.log import LogLevels
    from granian.server.embed import Server

    server = Server(
        app, address=settings.host, port=settings.port, interface=Interfaces.ASGI,
        log_level=LogLevels(settings.log_level), log_access=False, backlog=2048,
    )  # fmt: skip

    async def main() -> None:
        loop = asyncio.get_running_loop()

        def stop() -> None:
            server.signal_handler_interrupt()
            server.main_loop_interrupt.set()

        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop)
        await server.serve()

    try:
        import uvloop

        uvloop.run(main())
    except ImportError:
        asyncio.run(main())
    return 0


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] not in SERVERS or argv[1] not in ("up", "bare"):
        print(__doc__, file=sys.stderr)
        return 2
    server, command, rest = argv[0], argv[1], argv[2:]
    from rookery.workloads import commands

    if server == "granian":
        commands._uvicorn = serve_granian  # type: ignore[assignment]
    if command == "bare":
        from bench import bare_app

        return bare_app.main(rest)
    return commands.up(rest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
