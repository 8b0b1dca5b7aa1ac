"""Streaming (Mastodon's streaming API): which realtime channels a stream reads, what a viewer may
receive, and the per-process hub that fans channel messages out to sockets.

Channel messages (the Realtime port's payloads, JSON): ``{"event": "update", "payload": "<json>",
"meta": {...}}``. ``meta`` describes a status for the per-viewer filter: ``a`` author, ``r``
author of the reblogged status, ``m`` mentioned, ``v`` visibility, ``md`` has media. Messages
without ``meta`` (``delete``, ``notification``, ``conversation``, ``chat.message`` published by
the messaging role) are delivered as they are; they go to channels only their audience reads.

Channels: ``user:<id>`` (home updates, notifications, chat messages), ``direct:<id>``
(conversations), ``public`` (public, not reblogs, not replies to others), ``hashtag:<tag>``,
``list:<id>`` (new statuses entering a list; only its owner may subscribe).
Everything here is local, so ``public:local`` reads ``public`` and ``hashtag:local`` reads
``hashtag:<tag>``.

Back-pressure: every connection has a bounded queue; the hub never waits for a socket. A queue
that fills marks the connection as a slow consumer, which is then closed (1013) and forgotten,
so one slow client costs at most ``queue_size`` messages of memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import orjson

from rookery.workloads.domain import errors
from rookery.workloads.domain.graph import ViewerRelations
from rookery.workloads.domain.oauth import AuthContext
from rookery.workloads.ids import parse_id
from rookery.workloads.ports.edge import Realtime, RealtimeListener
from rookery.workloads.ports.feed import ListStore
from rookery.workloads.ports.graph import GraphStore

log = logging.getLogger("rookery.streaming")

STREAMS = (
    "user",
    "user:notification",
    "public",
    "public:local",
    "public:remote",
    "public:media",
    "public:local:media",
    "public:remote:media",
    "hashtag",
    "hashtag:local",
    "direct",
    "list",
)
TAG_RE = re.compile(r"^[\w]{1,100}$", re.UNICODE)
STATUS_EVENTS = frozenset({"update", "status.update"})
ANNOUNCEMENTS_CHANNEL = "announcements"  # what every user stream also reads (Mastodon: active users)


class StreamRejected(errors.DomainError):
    """A stream the caller may not read, or does not exist (HTTP 400/401/403/404, or an error frame)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclasses.dataclass(frozen=True, slots=True)
class StreamSpec:
    """One subscribed stream: the name the client used (``["hashtag", "cats"]``), the channel it
    reads, and which events it passes."""

    name: tuple[str, ...]
    channel: str
    only_notifications: bool = False
    only_media: bool = False
    status_only: bool = False  # public/hashtag streams: a reblog or private post never belongs
    list_id: int | None = None  # the list stream: the hub checks the list is the viewer's
    also: tuple[str, ...] = ()  # channels read beside ``channel`` (the user stream: announcements)

    @property
    def key(self) -> tuple[str, ...]:
        return self.name

    @property
    def channels(self) -> tuple[str, ...]:
        return (self.channel, *self.also)


def resolve_stream(
    stream: str, ctx: AuthContext | None, *, tag: str | None = None, list_id: str | None = None
) -> StreamSpec:
    """The stream a client asked for, or StreamRejected (Mastodon's rules: user streams need a
    user token with read:statuses / read:notifications; public and hashtag streams do not)."""
    if stream not in STREAMS:
        raise StreamRejected(400, f"Unknown stream type: {stream}")
    if stream == "list":
        if ctx is None or ctx.account_id is None:
            raise StreamRejected(401, "This stream requires an authenticated user")
        if not ctx.allows("read:statuses", "read:lists"):
            raise StreamRejected(403, "This action is outside the authorized scopes")
        parsed = parse_id(list_id)
        if parsed is None:
            raise StreamRejected(400, "Missing or invalid parameter: list")
        return StreamSpec(("list", str(parsed)), f"list:{parsed}", list_id=parsed)
    if stream in ("user", "user:notification", "direct"):
        if ctx is None or ctx.account_id is None:
            raise StreamRejected(401, "This stream requires an authenticated user")
        scope = "read:notifications" if stream == "user:notification" else "read:statuses"
        if not ctx.allows(scope):
            raise StreamRejected(403, "This action is outside the authorized scopes")
        if stream == "direct":
            return StreamSpec(("direct",), f"direct:{ctx.account_id}")
        if stream == "user:notification":
            return StreamSpec((stream,), f"user:{ctx.account_id}", only_notifications=True)
        return StreamSpec((stream,), f"user:{ctx.account_id}", also=(ANNOUNCEMENTS_CHANNEL,))
    if ctx is not None and not ctx.allows("read:statuses"):
        raise StreamRejected(403, "This action is outside the authorized scopes")
    if stream.startswith("hashtag"):
        name = (tag or "").lstrip("#")
        if not TAG_RE.match(name):
            raise StreamRejected(400, "Missing or invalid parameter: tag")
        return StreamSpec((stream, name), f"hashtag:{name.lower()}", status_only=True)
    media = stream.endswith(":media")
    base = stream.removesuffix(":media")
    channel = "public:remote" if base == "public:remote" else "public"  # every account is local
    return StreamSpec((stream,), channel, only_media=media, status_only=True)


def frame(event: str, payload: Any, meta: dict[str, Any] | None = None) -> bytes:
    """A channel message: the payload is a JSON string, as Mastodon's streaming payloads are."""
    text = payload if isinstance(payload, str) else orjson.dumps(payload).decode()
    body: dict[str, Any] = {"event": event, "payload": text}
    if meta is not None:
        body["meta"] = meta
    return orjson.dumps(body)


def ws_frame(stream: tuple[str, ...], event: str, payload: str) -> str:
    """What a WebSocket client receives: ``{"stream": [...], "event": ..., "payload": "<json>"}``."""
    return orjson.dumps({"stream": list(stream), "event": event, "payload": payload}).decode()


def status_meta(entity: dict[str, Any]) -> dict[str, Any]:
    """What the viewer filter needs to know about a rendered Status entity."""
    inner = entity.get("reblog") or None
    return {
        "a": int(entity["account"]["id"]),
        "r": int(inner["account"]["id"]) if inner else None,
        "m": [int(m["id"]) for m in (inner or entity).get("mentions", [])],
        "v": entity.get("visibility", "public"),
        "md": bool((inner or entity).get("media_attachments")),
    }


def involved(meta: dict[str, Any]) -> list[int]:
    ids = [meta["a"], *(meta.get("m") or ())]
    if meta.get("r") is not None:
        ids.append(meta["r"])
    return list(dict.fromkeys(ids))


def admits(meta: dict[str, Any], viewer_id: int | None, relations: ViewerRelations) -> bool:
    """Whether a status message may reach this viewer: nothing by or reblogged from an account the
    viewer blocks, mutes or is blocked by, nor one mentioning an account the viewer blocks (as
    Mastodon's streaming server filters)."""
    if viewer_id is None:
        return True
    author, reblogged = meta["a"], meta.get("r")
    if author != viewer_id and relations.hidden(author):
        return False
    if reblogged is not None and reblogged != viewer_id and relations.hidden(reblogged):
        return False
    return not any(m in relations.blocking for m in meta.get("m") or ())


# --------------------------------------------------------------------------------------------
# connections and the hub
# --------------------------------------------------------------------------------------------


class Connection:
    """One socket (WebSocket or SSE) as the hub sees it: its streams and a bounded queue of
    ``(WebSocket frame, event, payload)`` ready to send (the frame encoded once per message and
    stream, shared by every socket reading it)."""

    def __init__(self, ctx: AuthContext | None, queue_size: int) -> None:
        self.ctx = ctx
        self.viewer_id = ctx.account_id if ctx is not None else None
        self.queue: asyncio.Queue[tuple[str, str, str]] = asyncio.Queue(maxsize=queue_size)
        self.streams: dict[tuple[str, ...], StreamSpec] = {}
        self.slow = asyncio.Event()  # set when the queue overflowed: close the socket
        self.token: str | None = None  # re-checked while the socket lives (expiry, revocation)

    def specs_for(self, channel: str) -> list[StreamSpec]:
        return [spec for spec in self.streams.values() if channel in spec.channels]

    def offer(self, item: tuple[str, str, str]) -> None:
        if self.slow.is_set():
            return
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            self.slow.set()


RelationsLookup = Callable[[int, Sequence[int]], Any]
# (viewer id, filter context, status payload) -> the payload this viewer gets, None: hidden
PayloadFilter = Callable[[int, str, str], Awaitable[str | None]]


class StreamHub:
    """One per process: one Realtime listener for every socket, channels reference-counted."""

    def __init__(
        self,
        realtime: Realtime,
        graph: GraphStore | None,
        *,
        lists: ListStore | None = None,
        filters: PayloadFilter | None = None,
    ) -> None:
        self.realtime = realtime
        self.graph = graph
        self.filters = filters  # the viewer's filters (home for user and list streams, else public)
        self.lists = lists  # the list stream's owner check (feed role's store)
        self._listener: RealtimeListener | None = None
        self._reader: asyncio.Task[None] | None = None
        self._members: dict[str, set[Connection]] = {}
        self._lock = asyncio.Lock()
        self.dropped = 0  # slow consumers dropped since start

    async def start(self) -> None:
        self._listener = self.realtime.listen()
        self._reader = asyncio.create_task(self._read(), name="streaming-hub")

    async def stop(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        if self._listener is not None:
            with contextlib.suppress(Exception):
                await self._listener.close()

    async def add(self, connection: Connection, spec: StreamSpec) -> None:
        if spec.key in connection.streams:
            return
        if spec.list_id is not None:
            await self._check_list(connection, spec.list_id)
        connection.streams[spec.key] = spec
        async with self._lock:
            for channel in spec.channels:
                members = self._members.setdefault(channel, set())
                first = not members
                members.add(connection)
                if first and self._listener is not None:
                    try:
                        await self._listener.add([channel])
                    except BaseException:
                        members.discard(connection)
                        connection.streams.pop(spec.key, None)
                        if not members:
                            self._members.pop(channel, None)
                        raise

    async def _check_list(self, connection: Connection, list_id: int) -> None:
        if self.lists is None:
            raise StreamRejected(400, "Lists are not available on this server")
        found = await self.lists.get(list_id)
        if found is None or found.account_id != connection.viewer_id:
            raise StreamRejected(404, "List not found")

    async def remove(self, connection: Connection, key: tuple[str, ...]) -> None:
        spec = connection.streams.pop(key, None)
        if spec is None:
            return
        for channel in spec.channels:
            if not connection.specs_for(channel):
                await self._leave(connection, channel)

    async def detach(self, connection: Connection) -> None:
        channels = {channel for spec in connection.streams.values() for channel in spec.channels}
        connection.streams.clear()
        for channel in channels:
            await self._leave(connection, channel)

    async def _leave(self, connection: Connection, channel: str) -> None:
        async with self._lock:
            members = self._members.get(channel)
            if members is None:
                return
            members.discard(connection)
            if not members:
                del self._members[channel]
                if self._listener is not None:
                    with contextlib.suppress(Exception):
                        await self._listener.remove([channel])

    async def _read(self) -> None:
        assert self._listener is not None
        while True:
            try:
                async for channel, raw in self._listener.messages():
                    await self._dispatch(channel, raw)
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the pub/sub server went away: sockets stay, retry shortly
                log.warning("streaming hub lost its realtime feed: %r", exc)
                await asyncio.sleep(1.0)

    async def _dispatch(self, channel: str, raw: bytes) -> None:
        members = self._members.get(channel)
        if not members:
            return
        try:
            message = orjson.loads(raw)
            event, payload = str(message["event"]), message["payload"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            log.warning("ignored a malformed message on %s", channel)
            return
        if not isinstance(payload, str):
            payload = orjson.dumps(payload).decode()
        meta = message.get("meta")
        frames: dict[tuple[str, ...], str] = {}
        for connection in list(members):
            for spec in connection.specs_for(channel):
                if spec.only_notifications and event != "notification":
                    continue
                if spec.only_media and meta is not None and not meta.get("md"):
                    continue
                if meta is not None and not await self._admits(connection, meta):
                    continue
                if meta is not None and event in STATUS_EVENTS and self._filtered(connection):
                    own = await self._filter(connection, spec, payload)
                    if own is None:
                        continue
                    if own is not payload:
                        connection.offer((ws_frame(spec.name, event, own), event, own))
                        continue
                text = frames.get(spec.name)
                if text is None:
                    text = frames[spec.name] = ws_frame(spec.name, event, payload)
                connection.offer((text, event, payload))
                if connection.slow.is_set():
                    self.dropped += 1
                    break

    def _filtered(self, connection: Connection) -> bool:
        return self.filters is not None and connection.viewer_id is not None

    async def _filter(self, connection: Connection, spec: StreamSpec, payload: str) -> str | None:
        assert self.filters is not None and connection.viewer_id is not None
        context = "home" if spec.channel.startswith(("user:", "list:")) else "public"
        try:
            return await self.filters(connection.viewer_id, context, payload)
        except Exception:  # a store outage must not stall every socket: deliver it unfiltered
            log.warning("filters could not be read; status delivered without them", exc_info=True)
            return payload

    async def _admits(self, connection: Connection, meta: dict[str, Any]) -> bool:
        if connection.viewer_id is None or self.graph is None:
            return True
        try:
            relations = await self.graph.viewer_relations(connection.viewer_id, involved(meta))
        except Exception:  # a graph outage must not stall every socket: leave this one out
            log.warning("viewer filter failed; message withheld", exc_info=True)
            return False
        return admits(meta, connection.viewer_id, relations)
