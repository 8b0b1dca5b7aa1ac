"""Mastodon Status entities, cached by status id and composed per viewer.

The cached part (``status:<id>``, orjson bytes) holds everything that is the same for every reader;
accounts come from the account cache, and the viewer's flags (favourited, reblogged, bookmarked,
pinned, muted conversation) from one batched query per request. Rendering N statuses costs one
cache round trip for the statuses, one for the reblogged originals, one for the accounts and one flag query.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Protocol

import orjson

from rookery.workloads.domain.polls import Poll
from rookery.workloads.domain.statuses import Status, StatusEdit, ViewerFlags
from rookery.workloads.ports.edge import Cache
from rookery.workloads.ports.posts import PollStore, StatusRepository
from rookery.workloads.services.interactions import InteractionsService
from rookery.workloads.services.posts import status_cache_key
from rookery.workloads.views.accounts import ACCOUNT_SCHEMA, AccountViews
from rookery.workloads.views.emojis import attach_emojis, status_texts
from rookery.workloads.views.filters import ActiveFilters, apply_filters
from rookery.workloads.views.moments import iso
from rookery.workloads.views.polls import POLL_SCHEMA, render_poll

CACHE_TTL_S = 3600.0


class MediaRenderer(Protocol):
    async def rendered_for_statuses(self, status_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]: ...


def render_base(
    status: Status, media: list[dict[str, Any]], base_url: str, has_poll: bool = False
) -> dict[str, Any]:
    """The viewer-independent part; ``_a`` / ``_m`` / ``_r`` carry the ids composed in later, ``_p``
    whether a poll is composed in (rendered per viewer: its counts and own votes change)."""
    return {
        "id": str(status.id),
        "created_at": iso(status.created_at),
        "in_reply_to_id": str(status.in_reply_to_id) if status.in_reply_to_id else None,
        "in_reply_to_account_id": str(status.in_reply_to_account_id)
        if status.in_reply_to_account_id
        else None,
        "sensitive": status.sensitive,
        "spoiler_text": status.spoiler_text,
        "visibility": status.visibility,
        "language": status.language,
        "uri": "",
        "url": "",
        "replies_count": status.replies_count,
        "reblogs_count": status.reblogs_count,
        "favourites_count": status.favourites_count,
        "edited_at": iso(status.edited_at) if status.edited_at else None,
        "content": status.content,
        "reblog": None,
        "application": {"name": status.application, "website": None} if status.application else None,
        "media_attachments": media,
        "mentions": [],
        "tags": [{"name": tag, "url": f"{base_url}/tags/{tag}"} for tag in status.tags],
        "emojis": [],
        "card": None,
        "poll": None,
        "filtered": [],
        "_a": status.account_id,
        "_m": list(status.mentions),
        "_r": status.reblog_of_id,
        "_p": has_poll,
    }


class StatusViews:
    def __init__(
        self,
        statuses: StatusRepository,
        interactions: InteractionsService,
        accounts: AccountViews,
        cache: Cache,
        base_url: str,
        media: MediaRenderer | None = None,
        polls: PollStore | None = None,
        filters: ActiveFilters | None = None,
    ) -> None:
        self.polls = polls
        self.filters = filters  # the viewer's filters, applied where render() is given a context
        self.statuses = statuses
        self.interactions = interactions
        self.accounts = accounts
        self.cache = cache
        self.base_url = base_url
        self.media = media

    async def _bases(self, ids: Sequence[int], known: dict[int, Status]) -> dict[int, dict[str, Any]]:
        unique = list(dict.fromkeys(ids))
        if not unique:
            return {}
        raw = await self.cache.get_many([status_cache_key(i) for i in unique])
        bases: dict[int, dict[str, Any]] = {}
        missing = []
        for status_id, value in zip(unique, raw, strict=True):
            if value is None:
                missing.append(status_id)
            else:
                bases[status_id] = orjson.loads(value)
        if missing:
            loaded = {i: known[i] for i in missing if i in known}
            rest = [i for i in missing if i not in loaded]
            if rest:
                loaded.update(await self.statuses.get_many(rest))
            with_media = [s.id for s in loaded.values() if s.media_ids]
            media = await self.media.rendered_for_statuses(with_media) if self.media and with_media else {}
            with_poll = await self.polls.for_statuses(list(loaded)) if self.polls is not None and loaded else {}
            fresh = {
                i: render_base(s, media.get(i, []), self.base_url, i in with_poll) for i, s in loaded.items()
            }
            if fresh:
                await self.cache.set_many(
                    {status_cache_key(i): orjson.dumps(base) for i, base in fresh.items()}, ttl_s=CACHE_TTL_S
                )
            bases.update(fresh)
        return bases

    async def render(
        self, ids: Sequence[int], viewer_id: int | None, known: Sequence[Status] = (), context: str | None = None
    ) -> list[dict[str, Any]]:
        """Status entities in the order of ``ids``; ids that no longer exist are left out. With a
        filter ``context`` (home, notifications, public, thread, account) the viewer's filters apply:
        matched statuses carry ``filtered``, those of a ``hide`` filter are left out."""
        known_by_id = {s.id: s for s in known}
        bases = await self._bases(ids, known_by_id)
        reblogged = [b["_r"] for b in bases.values() if b["_r"] is not None and b["_r"] not in bases]
        bases.update(await self._bases(reblogged, known_by_id))
        await attach_emojis(self.accounts.emojis, list(bases.values()), status_texts)
        account_ids = {b["_a"] for b in bases.values()} | {m for b in bases.values() for m in b["_m"]}
        accounts = await self.accounts.many(sorted(account_ids))
        content_ids = [b["_r"] if b["_r"] is not None else i for i, b in bases.items()]
        flags = await self.interactions.flags(viewer_id, content_ids)
        polls = await self._polls([i for i in content_ids if bases.get(i, {}).get("_p")], viewer_id)
        rendered = []
        for status_id in ids:
            base = bases.get(status_id)
            if base is None:
                continue
            entity = self._compose(base, bases, accounts, flags, viewer_id, polls)
            if entity is not None:
                rendered.append(entity)
        return await apply_filters(self.filters, viewer_id, context, rendered)

    async def _polls(self, status_ids: list[int], viewer_id: int | None) -> dict[int, dict[str, Any]]:
        """Poll entities by status id, for this viewer."""
        if self.polls is None or not status_ids:
            return {}
        found = await self.polls.for_statuses(status_ids)
        own = await self.polls.own_votes(viewer_id, [p.id for p in found.values()]) if viewer_id else {}
        now = dt.datetime.now(dt.UTC)
        return {i: render_poll(p, viewer_id, own.get(p.id, []), now) for i, p in found.items()}

    async def poll(self, poll: Poll, viewer_id: int | None) -> dict[str, Any]:
        own = await self.polls.own_votes(viewer_id, [poll.id]) if self.polls is not None and viewer_id else {}
        return render_poll(poll, viewer_id, own.get(poll.id, []), dt.datetime.now(dt.UTC))

    async def one(self, status: Status, viewer_id: int | None, context: str | None = None) -> dict[str, Any]:
        """One status; with a filter ``context`` it carries the viewer's ``filtered`` results, a
        ``hide`` filter's too (a status asked for by id is not left out)."""
        entities = await self.render([status.id], viewer_id, known=[status])
        if not entities:  # deleted meanwhile: render what we have
            entities = [self._compose_plain(status)]
        shown = await apply_filters(self.filters, viewer_id, context, entities, drop_hidden=False)
        return shown[0]

    def _compose_plain(self, status: Status) -> dict[str, Any]:
        base = render_base(status, [], self.base_url)
        for key in ("_a", "_m", "_r", "_p"):
            base.pop(key)
        return base

    def _compose(
        self,
        base: dict[str, Any],
        bases: dict[int, dict[str, Any]],
        accounts: dict[int, dict[str, Any]],
        flags: ViewerFlags,
        viewer_id: int | None,
        polls: dict[int, dict[str, Any]],
    ) -> dict[str, Any] | None:
        entity = dict(base)
        account = accounts.get(entity.pop("_a"))
        mentions = entity.pop("_m")
        reblog_of = entity.pop("_r")
        if entity.pop("_p", False):
            entity["poll"] = polls.get(int(entity["id"]))
        if account is None:
            return None
        entity["account"] = account
        entity["uri"] = f"{account['uri']}/statuses/{entity['id']}"
        entity["url"] = f"{account['url']}/{entity['id']}"
        entity["mentions"] = [
            {"id": str(m), "username": a["username"], "url": a["url"], "acct": a["acct"]}
            for m in mentions
            if (a := accounts.get(m)) is not None
        ]
        content_id = int(entity["id"])
        if reblog_of is not None:
            original = bases.get(reblog_of)
            inner = self._compose(original, bases, accounts, flags, viewer_id, polls) if original else None
            if inner is None:
                return None
            entity["reblog"] = inner
            content_id = reblog_of
        if viewer_id is not None:
            entity["favourited"] = content_id in flags.favourited
            entity["reblogged"] = content_id in flags.reblogged
            entity["muted"] = content_id in flags.muted
            entity["bookmarked"] = content_id in flags.bookmarked
            if reblog_of is None and int(base["_a"]) == viewer_id:
                entity["pinned"] = content_id in flags.pinned
        return entity

    async def history(self, status: Status, edits: list[StatusEdit]) -> list[dict[str, Any]]:
        account = (await self.accounts.many([status.account_id])).get(status.account_id)
        return [
            {
                "content": edit.content,
                "spoiler_text": edit.spoiler_text,
                "sensitive": edit.sensitive,
                "created_at": iso(edit.created_at),
                "account": account,
                "poll": None,
                "media_attachments": [],
                "emojis": [],
            }
            for edit in edits
        ]


STATUS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Mastodon Status entity",
    "properties": {
        **{
            name: {"type": kind}
            for name, kind in {
                "id": "string",
                "created_at": "string",
                "in_reply_to_id": "string",
                "in_reply_to_account_id": "string",
                "sensitive": "boolean",
                "spoiler_text": "string",
                "visibility": "string",
                "language": "string",
                "uri": "string",
                "url": "string",
                "replies_count": "integer",
                "reblogs_count": "integer",
                "favourites_count": "integer",
                "edited_at": "string",
                "favourited": "boolean",
                "reblogged": "boolean",
                "muted": "boolean",
                "bookmarked": "boolean",
                "pinned": "boolean",
                "content": "string",
                "reblog": "object",
                "application": "object",
                "media_attachments": "array",
                "mentions": "array",
                "tags": "array",
                "emojis": "array",
                "card": "object",
                "filtered": "array",
            }.items()
        },
        "account": ACCOUNT_SCHEMA,
        "poll": {"anyOf": [POLL_SCHEMA, {"type": "null"}]},
    },
}
