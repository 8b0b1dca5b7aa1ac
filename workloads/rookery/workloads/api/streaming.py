"""Mastodon's streaming API: a WebSocket at ``/api/v1/streaming`` (one stream by query, or many
multiplexed by ``{"type": "subscribe", "stream": ..., "tag": ...}`` messages) and the
server-sent-events endpoints ``/api/v1/streaming/<stream>``.

Frames sent on the WebSocket: ``{"stream": ["hashtag", "cats"], "event": "update", "payload":
"<json>"}``; a bad subscribe message is answered ``{"error": ..., "status": 400}``. SSE sends
``event: <name>`` / ``data: <payload>`` records and a ``:thump`` comment as heartbeat
(WebSockets: the server's ping frames, uvicorn's ``ws_ping_interval``).

The token is the REST API's (Authorization header, ``access_token`` query parameter, or the
``Sec-WebSocket-Protocol`` header), checked by the same validator; a refused handshake gets an
HTTP 401/403/400 with ``{"error": ...}`` where the server supports it, else close code 1008.
A connection that does not keep up (its queue of ``streaming_queue_size`` messages fills) is
closed with code 1013 (SSE: the response ends).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import orjson
from fastapi import APIRouter, Request, WebSocket
from starlette.requests import HTTPConnection
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.websockets import WebSocketDisconnect, WebSocketState

from rookery.workloads.api.deps import (
    AuthContext,
    OptionalAuth,
    bearer_token,
    settings_of,
    streaming_hub_of,
    token_validator,
    websocket_auth,
)
from rookery.workloads.api.errors import ApiError
from rookery.workloads.domain.unavailable import StoreUnavailable
from rookery.workloads.services.streaming import Connection, StreamHub, StreamRejected, resolve_stream
from rookery.workloads.services.tokens import InvalidToken

router = APIRouter(tags=["streaming"])
log = logging.getLogger("rookery.streaming")
SLOW_CONSUMER = 1013  # "try again later": the client did not read fast enough
POLICY = 1008
MAX_CLIENT_MESSAGE = 4096
UNAVAILABLE = "Streaming is unavailable right now; try again later"

# SSE path -> Mastodon stream name
SSE_STREAMS = {
    "user": "user",
    "user/notification": "user:notification",
    "public": "public",
    "public/local": "public:local",
    "public/remote": "public:remote",
    "public/media": "public:media",
    "public/local/media": "public:local:media",
    "hashtag": "hashtag",
    "hashtag/local": "hashtag:local",
    "direct": "direct",
    "list": "list",
}


def _hub(connection: HTTPConnection) -> StreamHub:
    hub = streaming_hub_of(connection)
    if hub is None:
        raise ApiError(503, "Streaming is not available on this server")
    return hub


async def _deny(websocket: WebSocket, status: int, message: str) -> None:
    """Refuse the handshake with an HTTP answer when the server can send one, else 1008."""
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        body = orjson.dumps({"error": message})
        await websocket.send_denial_response(
            Response(body, status_code=status, media_type="application/json")
        )
    else:
        await websocket.close(code=POLICY, reason=message[:120])


@router.websocket("/api/v1/streaming")
@router.websocket("/api/v1/streaming/")
async def streaming_socket(websocket: WebSocket) -> None:
    try:
        hub = _hub(websocket)
        ctx = await websocket_auth(websocket, "read:statuses", "read:notifications")
    except ApiError as exc:
        await _deny(websocket, exc.status, exc.message)
        return
    connection = Connection(ctx, settings_of(websocket).streaming_queue_size)
    connection.token = _token_of(websocket.headers, websocket.scope.get("query_string", b""))
    query = websocket.query_params
    try:
        if query.get("stream"):  # subscribed before the handshake completes: nothing is missed
            spec = resolve_stream(query["stream"], ctx, tag=query.get("tag"), list_id=query.get("list"))
            await hub.add(connection, spec)
    except StreamRejected as exc:
        await _deny(websocket, exc.status, exc.message)
        return
    except StoreUnavailable:
        await _deny(websocket, 503, UNAVAILABLE)
        return
    offered = websocket.headers.get("sec-websocket-protocol")
    try:
        await websocket.accept(subprotocol=offered.split(",")[0].strip() if offered else None)
        await _serve_socket(websocket, hub, connection)
    finally:
        await hub.detach(connection)


def _token_of(headers: Any, query_string: bytes) -> str | None:
    return bearer_token(headers, query_string) or headers.get("sec-websocket-protocol") or None


async def _token_lapsed(websocket: WebSocket, connection: Connection) -> None:
    """Returns once the socket's token expired or was revoked (re-checked every heartbeat
    interval with the validator's cache and deny list); never for an anonymous socket."""
    token = connection.token
    if connection.ctx is None or token is None:
        await asyncio.Event().wait()
        return
    validator = token_validator(websocket)
    while True:
        await asyncio.sleep(settings_of(websocket).streaming_heartbeat_s)
        try:
            await validator.validate(token)
        except InvalidToken:
            return


async def _serve_socket(websocket: WebSocket, hub: StreamHub, connection: Connection) -> None:
    send_lock = asyncio.Lock()

    async def send(body: dict[str, Any]) -> None:
        async with send_lock:
            await websocket.send_text(orjson.dumps(body).decode())

    async def sender() -> None:
        while True:
            text, _, _ = await connection.queue.get()
            async with send_lock:
                await websocket.send_text(text)

    async def receiver() -> None:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            text = message.get("text") or (message.get("bytes") or b"").decode("utf-8", "replace")
            error = await _client_message(hub, connection, text)
            if error is not None:
                await send({"error": error[1], "status": error[0]})

    lapsed = asyncio.create_task(_token_lapsed(websocket, connection))
    tasks = [
        asyncio.create_task(sender()),
        asyncio.create_task(receiver()),
        asyncio.create_task(connection.slow.wait()),
        lapsed,
    ]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, Exception):
                await task
    if connection.slow.is_set():
        log.warning("dropped slow streaming consumer (account %s)", connection.viewer_id)
        await hub.detach(connection)
        with contextlib.suppress(Exception):
            async with asyncio.timeout(2.0):
                await websocket.close(code=SLOW_CONSUMER, reason="too slow")
        return
    if lapsed.done() and not lapsed.cancelled():
        log.info("closed a streaming socket whose token expired or was revoked")
        await hub.detach(connection)
        with contextlib.suppress(Exception):
            async with asyncio.timeout(2.0):
                await websocket.close(code=POLICY, reason="The access token is invalid")
        return
    if websocket.application_state == WebSocketState.CONNECTED:
        with contextlib.suppress(Exception):
            await websocket.close()


async def _client_message(hub: StreamHub, connection: Connection, text: str) -> tuple[int, str] | None:
    """Apply a subscribe/unsubscribe message; (status, error) when it is not one."""
    if len(text) > MAX_CLIENT_MESSAGE:
        return 400, "Message too large"
    try:
        message = orjson.loads(text)
    except orjson.JSONDecodeError:
        return 400, "Message is not valid JSON"
    if not isinstance(message, dict) or message.get("type") not in ("subscribe", "unsubscribe"):
        return 400, "Message type must be 'subscribe' or 'unsubscribe'"
    stream, tag, list_id = message.get("stream"), message.get("tag"), message.get("list")
    if not isinstance(stream, str) or not all(v is None or isinstance(v, str | int) for v in (tag, list_id)):
        return 400, "Missing or invalid parameter: stream"
    try:
        spec = resolve_stream(
            stream,
            connection.ctx,
            tag=str(tag) if tag is not None else None,
            list_id=str(list_id) if list_id is not None else None,
        )
    except StreamRejected as exc:
        return exc.status, exc.message
    try:
        if message["type"] == "subscribe":
            await hub.add(connection, spec)
        else:
            await hub.remove(connection, spec.key)
    except StreamRejected as exc:
        return exc.status, exc.message
    except StoreUnavailable:
        return 503, UNAVAILABLE
    return None


# --------------------------------------------------------------------------------------------
# server-sent events
# --------------------------------------------------------------------------------------------


@router.get("/api/v1/streaming/health", summary="Streaming health", response_class=PlainTextResponse)
async def health() -> PlainTextResponse:
    return PlainTextResponse("OK")


async def _sse(request: Request, stream: str, ctx: AuthContext | None) -> StreamingResponse:
    hub = _hub(request)
    spec = resolve_stream(
        stream, ctx, tag=request.query_params.get("tag"), list_id=request.query_params.get("list")
    )
    settings = settings_of(request)
    connection = Connection(ctx, settings.streaming_queue_size)
    connection.token = _token_of(request.headers, request.scope.get("query_string", b""))
    validator = token_validator(request)
    await hub.add(connection, spec)  # live before the response starts
    heartbeat = settings.streaming_heartbeat_s

    async def events() -> AsyncIterator[bytes]:
        try:
            yield b":)\n\n"
            while not connection.slow.is_set():
                try:
                    async with asyncio.timeout(heartbeat):
                        _, event, payload = await connection.queue.get()
                except TimeoutError:
                    if connection.ctx is not None and connection.token is not None:
                        try:
                            await validator.validate(connection.token)
                        except InvalidToken:
                            return  # expired or revoked: the stream ends
                    yield b":thump\n\n"
                    continue
                yield f"event: {event}\ndata: {payload}\n\n".encode()
            log.warning("dropped slow streaming consumer (SSE, account %s)", connection.viewer_id)
        finally:
            await hub.detach(connection)

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


def _sse_route(path: str, stream: str) -> None:
    async def endpoint(
        request: Request, ctx: OptionalAuth
    ) -> StreamingResponse:
        return await _sse(request, stream, ctx)

    endpoint.__name__ = "stream_" + stream.replace(":", "_")
    router.add_api_route(
        f"/api/v1/streaming/{path}",
        endpoint,
        methods=["GET"],
        summary=f"Server-sent events of the {stream} stream",
        response_class=StreamingResponse,
    )


for _path, _stream in SSE_STREAMS.items():
    _sse_route(_path, _stream)
