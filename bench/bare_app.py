"""The HTTP ceiling: a bare ASGI JSON endpoint under Rookery's HTTP server with exactly its settings
(``ROOKERY_HTTP_SERVER`` picks it, as for Rookery).

python -m bench.bare_app --port 8099
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import orjson

BODY = orjson.dumps({"status": "ok", "items": list(range(20))})
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})


def main(argv: list[str] | None = None) -> int:
    from rookery.workloads import http_server
    from rookery.workloads.settings import Settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    return http_server.serve(app, Settings(port=args.port, log_level="warning"))


if __name__ == "__main__":
    sys.exit(main())
