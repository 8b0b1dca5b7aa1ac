"""Mastodon Status entities, cached by status id and composed per viewer.

The cached fragment (the EntityCache port, ``("status", id)``) holds everything that is the same for
every reader, as JSON bytes without the closing brace; ``account``, ``reblog``, ``poll``, ``emojis``
and the viewer's part (favourited, reblogged, muted, bookmarked, pinned; ``filtered``) are appended
per request, so a page is joined from cached bytes without decoding or re-encoding them. The
viewer's flags come from one batched query per page. A page of N statuses costs one cache read for
its statuses, the reblogged originals and the accounts when the timeline entries name them
(``hints``), one flag query, and a poll query when a status has a poll.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Collection, Coroutine, Sequence
from typing import Any, Protocol, TypeVar

import orjson

from rookery.workloads.domain.edge import EntityKey, Fragment
from rookery.workloads.domain.emojis import shortcodes_in
from rookery.workloads.domain.polls import Poll
from rookery.workloads.domain.statuses import Status, StatusEdit, ViewerFlags
from rookery.workloads.domain.timelines import TimelineEntry
from rookery.workloads.ports.edge import EntityCache
from rookery.workloads.ports.posts import PollStore, StatusRepository
from rookery.workloads.services.accounts import account_key
from rookery.workloads.services.interactions import InteractionsService
from rookery.workloads.services.posts import status_key
from rookery.workloads.views.accounts import (
    ACCOUNT_SCHEMA,
    AccountViews,
    emoji_json,
    join_fragment,
    split_fragment,
    with_emojis,
)
from rookery.workloads.views.emojis import status_texts
from rookery.workloads.views.filters import ActiveFilters, annotate, apply_filters
from rookery.workloads.views.moments import iso
from rookery.workloads.views.pages import RenderedPages
from rookery.workloads.views.polls import POLL_SCHEMA, render_poll

A = TypeVar("A")
B = TypeVar("B")


async def _alongside(first: Coroutine[Any, Any, A], second: Coroutine[Any, Any, B]) -> tuple[A, B]:
    """Both at once, as gather would, for one task instead of two: ``second`` runs in a task while
    this one awaits ``first`` (which cancels ``second`` when it fails)."""
    task = asyncio.get_running_loop().create_task(second)
    try:
        a = await first
    except BaseException:
        task.cancel()
        raise
    return a, await task


NULL, TRUE, FALSE = b"null", b"true", b"false"


class MediaRenderer(Protocol):
    async def rendered_for_statuses(self, status_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]: ...


def render_base(status: Status, media: list[dict[str, Any]], base_url: str) -> dict[str, Any]:
    """The viewer-independent fields that need nothing but the status and its media."""
    return {
        "id": str(status.id),
        "created_at": iso(status.created_at),
        "in_reply_to_id": str(status.in_reply_to_id) if status.in_reply_to_id else None,
        "in_reply_to_account_id": str(status.in_reply_to_account_id) if status.in_reply_to_account_id else None,
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
        "application": {"name": status.application, "website": None} if status.application else None,
        "media_attachments": media,
        "mentions": [],
        "tags": [{"name": tag, "url": f"{base_url}/tags/{tag}"} for tag in status.tags],
        "card": None,
    }


def status_fragment(
    status: Status,
    media: list[dict[str, Any]],
    base_url: str,
    has_poll: bool,
    accounts: dict[int, dict[str, Any]],
) -> bytes | None:
    """The cached form, or None while its author cannot be rendered. ``uri``, ``url`` and the
    mentions come from accounts' usernames, which never change."""
    author = accounts.get(status.account_id)
    if author is None:
        return None
    entity = render_base(status, media, base_url)
    entity["uri"] = f"{author['uri']}/statuses/{status.id}"
    entity["url"] = f"{author['url']}/{status.id}"
    entity["mentions"] = [
        {"id": str(m), "username": a["username"], "url": a["url"], "acct": a["acct"]}
        for m in status.mentions
        if (a := accounts.get(m)) is not None
    ]
    meta = {
        "a": status.account_id,
        "r": status.reblog_of_id,
        "p": has_poll,
        "e": shortcodes_in(*status_texts(entity)),
    }
    return join_fragment(meta, entity)


def _flag(name: bytes) -> tuple[bytes, bytes]:
    """A viewer flag's JSON member, off and on: indexed by the flag (False, True)."""
    return b',"' + name + b'":' + FALSE, b',"' + name + b'":' + TRUE


FAVOURITED, REBLOGGED, MUTED, BOOKMARKED, PINNED = map(
    _flag, (b"favourited", b"reblogged", b"muted", b"bookmarked", b"pinned")
)


class StatusViews:
    def __init__(
        self,
        statuses: StatusRepository,
        interactions: InteractionsService,
        accounts: AccountViews,
        entities: EntityCache,
        base_url: str,
        media: MediaRenderer | None = None,
        polls: PollStore | None = None,
        filters: ActiveFilters | None = None,
        overlap_reads: bool = False,
    ) -> None:
        """``overlap_reads``: a timeline page's flags and filters are read while its fragments are
        (worth it where those are round trips over the network, the production stores: the page's
        latency drops by them; with the embedded ones each is a turn of one database thread either
        way and the extra tasks cost more than they save)."""
        self.overlap_reads = overlap_reads
        self.polls = polls
        self.filters = filters  # the viewer's filters, applied where render() is given a context
        self.statuses = statuses
        self.interactions = interactions
        self.accounts = accounts
        self.entities = entities
        self.base_url = base_url
        self.media = media
        self.pages: RenderedPages | None = None  # whole timeline pages, embedded mode (views/pages.py)

    async def _fragments(
        self,
        ids: Sequence[int],
        read: dict[EntityKey, Fragment],
        known: dict[int, Status],
        polled: Collection[int] | None = None,
    ) -> dict[int, tuple[dict[str, Any], bytes]]:
        unique = list(dict.fromkeys(ids))
        if not unique:
            return {}
        unread = [status_key(i) for i in unique if status_key(i) not in read]
        if unread:
            read.update(zip(unread, await self.entities.read(unread), strict=True))
        parts: dict[int, tuple[dict[str, Any], bytes]] = {}
        missing = []
        for status_id in unique:
            body = read[status_key(status_id)].body
            if body is None:
                missing.append(status_id)
            else:
                parts[status_id] = split_fragment(body)
        if missing:
            fresh = await self._render_missing(missing, known, read, polled)
            # a status handed in (``known``) may predate the read: shown, but not cached
            cacheable = {status_key(i): (read[status_key(i)].version, f) for i, f in fresh.items() if i not in known}
            stored = await self.entities.fill(cacheable)
            read.update((key, Fragment(version, cacheable[key][1])) for key, version in stored.items())
            parts.update((i, split_fragment(f)) for i, f in fresh.items())
        return parts

    async def _render_missing(
        self,
        missing: list[int],
        known: dict[int, Status],
        read: dict[EntityKey, Fragment],
        polled: Collection[int] | None = None,
    ) -> dict[int, bytes]:
        """``polled``: the statuses with a poll, when the caller knows (a status it just made)."""
        loaded = {i: known[i] for i in missing if i in known}
        rest = [i for i in missing if i not in loaded]
        if rest:
            loaded.update(await self.statuses.get_many(rest))
        if not loaded:
            return {}
        with_media = [s.id for s in loaded.values() if s.media_ids]
        media = await self.media.rendered_for_statuses(with_media) if self.media and with_media else {}
        with_poll: Collection[int] = set(polled) if polled is not None else {}
        if polled is None and self.polls is not None:
            with_poll = await self.polls.for_statuses(list(loaded))
        wanted = sorted({a for s in loaded.values() for a in (s.account_id, *s.mentions)})
        accounts = await self.accounts.many(wanted, read)
        fresh = {
            i: status_fragment(s, shown_media(s.media_ids, media.get(i, [])), self.base_url, i in with_poll, accounts)
            for i, s in loaded.items()
        }
        return {i: f for i, f in fresh.items() if f is not None}

    async def _assembled(
        self,
        ids: Sequence[int],
        viewer_id: int | None,
        known: Sequence[Status] = (),
        hints: Sequence[TimelineEntry] = (),
        *,
        polled: Collection[int] | None = None,
        ask_flags: bool = True,
        until: list[float] | None = None,
        seen: dict[EntityKey, str] | None = None,
    ) -> list[bytes]:
        """Each status as JSON bytes, in the order of ``ids``; gone ones are left out. ``hints``:
        the timeline entries of ``ids``, whose originals and accounts are then read together with
        the statuses (one cache round trip), as are the accounts of the ``known`` statuses.
        ``polled`` and ``ask_flags``: see ``created``; ``until`` and ``seen``: see ``render_json``."""
        wanted = [status_key(i) for i in ids]
        wanted += [status_key(e.reblog_of_id) for e in hints if e.reblog_of_id is not None]
        wanted += [account_key(a) for e in hints for a in (e.account_id, e.reblog_account_id) if a is not None]
        wanted += [account_key(a) for s in known for a in (s.account_id, *s.mentions)]
        wanted = list(dict.fromkeys(wanted))
        # the entries name each status's content (itself, or the original it reblogs): then the
        # viewer's flags are asked for while the cache is read, not after it
        overlap = self.overlap_reads and ask_flags and viewer_id is not None
        hinted = {e.status_id: e.reblog_of_id or e.status_id for e in hints} if overlap else {}
        early: ViewerFlags | None = None
        if ids and all(i in hinted for i in ids):  # only when overlapping: hinted is empty otherwise
            found, early = await _alongside(
                self.entities.read(wanted), self.interactions.flags(viewer_id, [hinted[i] for i in ids])
            )
            read = dict(zip(wanted, found, strict=True))
        else:
            read = dict(zip(wanted, await self.entities.read(wanted), strict=True)) if wanted else {}
        known_by_id = {s.id: s for s in known}
        parts = await self._fragments(ids, read, known_by_id, polled)
        originals = [m["r"] for m, _ in parts.values() if m["r"] is not None and m["r"] not in parts]
        if originals:
            parts.update(await self._fragments(originals, read, known_by_id))
        accounts = await self.accounts.many_json(sorted({m["a"] for m, _ in parts.values()}), read)
        content_ids = [m["r"] if m["r"] is not None else i for i, (m, _) in parts.items()]
        if early is not None:
            flags = early
        else:
            flags = await self.interactions.flags(viewer_id, content_ids) if ask_flags else ViewerFlags()
        polls = await self._polls([i for i in content_ids if i in parts and parts[i][0]["p"]], viewer_id, until)
        emojis = await emoji_json(self.accounts.emojis, {c for m, _ in parts.values() for c in m["e"]})
        composed = (self._compose(i, parts, accounts, flags, viewer_id, polls, emojis) for i in ids)
        if seen is not None:  # what the page shows was joined from these (a status gone is not shown)
            used = [status_key(i) for i in parts] + [account_key(a) for a in accounts]
            seen.update((key, read[key].version) for key in used)
        return [entity for entity in composed if entity is not None]

    async def render_json(
        self,
        ids: Sequence[int],
        viewer_id: int | None,
        context: str | None = None,
        hints: Sequence[TimelineEntry] = (),
        until: list[float] | None = None,
        seen: dict[EntityKey, str] | None = None,
    ) -> bytes:
        """``render`` as one JSON array, joined from the cached bytes (re-encoded only where the
        viewer's filters of ``context`` match). ``until``, when given, gets the times (epoch
        seconds) at which the page changes with the clock alone: a poll on it closing, one of the
        viewer's filters of ``context`` expiring (views/pages.py keeps a page no longer).
        ``seen``, when given, gets the cache version of each fragment the page was joined from,
        as read before its bytes were (or as filled)."""
        assembled = self._assembled(ids, viewer_id, hints=hints, until=until, seen=seen)
        if self.filters is None or viewer_id is None or context is None or not ids:
            return b"[" + b",".join(await assembled) + b"]"
        if self.overlap_reads:
            entities, active = await _alongside(assembled, self.filters.active(viewer_id, context))
        else:
            entities = await assembled
            active = await self.filters.active(viewer_id, context) if entities else []
        if until is not None:
            until.extend(f.expires_at.timestamp() for f in active if f.expires_at is not None)
        if entities and active:
            decoded = (annotate(orjson.loads(e), viewer_id, active) for e in entities)
            return orjson.dumps([e for e in decoded if e is not None])
        return b"[" + b",".join(entities) + b"]"

    async def render(
        self, ids: Sequence[int], viewer_id: int | None, known: Sequence[Status] = (), context: str | None = None
    ) -> list[dict[str, Any]]:
        """Status entities in the order of ``ids``; ids that no longer exist are left out. With a
        filter ``context`` (home, notifications, public, thread, account) the viewer's filters apply:
        matched statuses carry ``filtered``, those of a ``hide`` filter are left out."""
        rendered = [orjson.loads(e) for e in await self._assembled(ids, viewer_id, known)]
        return await apply_filters(self.filters, viewer_id, context, rendered)

    def _compose(
        self,
        status_id: int,
        parts: dict[int, tuple[dict[str, Any], bytes]],
        accounts: dict[int, bytes],
        flags: ViewerFlags,
        viewer_id: int | None,
        polls: dict[int, dict[str, Any]],
        emojis: dict[str, dict[str, Any]],
    ) -> bytes | None:
        part = parts.get(status_id)
        if part is None:
            return None
        meta, body = part
        account = accounts.get(meta["a"])
        if account is None:
            return None
        reblog_of = meta["r"]
        content_id, reblog = status_id, NULL
        if reblog_of is not None:
            inner = self._compose(reblog_of, parts, accounts, flags, viewer_id, polls, emojis)
            if inner is None:
                return None
            content_id, reblog = reblog_of, inner
        poll = polls.get(status_id) if meta["p"] else None
        out = [body, b',"account":', account, b',"reblog":', reblog, b',"poll":']
        out.append(orjson.dumps(poll) if poll is not None else NULL)
        out.append(b',"filtered":[]')
        if viewer_id is not None:
            out.append(FAVOURITED[content_id in flags.favourited])
            out.append(REBLOGGED[content_id in flags.reblogged])
            out.append(MUTED[content_id in flags.muted])
            out.append(BOOKMARKED[content_id in flags.bookmarked])
            if reblog_of is None and meta["a"] == viewer_id:
                out.append(PINNED[content_id in flags.pinned])
        return with_emojis(b"".join(out), meta["e"], emojis)

    async def _polls(
        self, status_ids: list[int], viewer_id: int | None, until: list[float] | None = None
    ) -> dict[int, dict[str, Any]]:
        """Poll entities by status id, for this viewer (``until`` gets when the open ones close)."""
        if self.polls is None or not status_ids:
            return {}
        found = await self.polls.for_statuses(status_ids)
        own = await self.polls.own_votes(viewer_id, [p.id for p in found.values()]) if viewer_id else {}
        now = dt.datetime.now(dt.UTC)
        if until is not None:
            until.extend(p.expires_at.timestamp() for p in found.values() if not p.expired(now))
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

    async def created(self, status: Status, viewer_id: int, *, has_poll: bool) -> bytes:
        """The status its author just made, as JSON bytes (compose's answer): nothing of it can be
        cached yet, it has a poll only if the author gave one, and no one can have favourited,
        reblogged, bookmarked or pinned it; only a reply can sit in a conversation the author
        muted, so only then are the viewer's flags asked for."""
        polled = [status.id] if has_poll else []
        ask_flags = status.in_reply_to_id is not None
        entities = await self._assembled([status.id], viewer_id, [status], polled=polled, ask_flags=ask_flags)
        return entities[0] if entities else orjson.dumps(self._compose_plain(status))

    def _compose_plain(self, status: Status) -> dict[str, Any]:
        return {**render_base(status, [], self.base_url), "reblog": None, "emojis": [], "poll": None, "filtered": []}

    async def history(self, status: Status, edits: list[StatusEdit]) -> list[dict[str, Any]]:
        """StatusEdit entities: each version with its media (the alt text it had), poll options and
        custom emojis. Media an edit dropped stay the status's, so one read finds every version's."""
        account = (await self.accounts.many([status.account_id])).get(status.account_id)
        shown = any(edit.media_ids for edit in edits) and self.media is not None
        media = (await self.media.rendered_for_statuses([status.id])).get(status.id, []) if self.media and shown else []
        codes = [shortcodes_in(edit.content, edit.spoiler_text) for edit in edits]
        emojis = await emoji_json(self.accounts.emojis, {code for each in codes for code in each})
        return [
            {**_version(edit, account, media), "emojis": [emojis[c] for c in each if c in emojis]}
            for edit, each in zip(edits, codes, strict=True)
        ]


def shown_media(media_ids: Sequence[int], attached: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The MediaAttachment entities of ``media_ids``, in that order (a status keeps the media its
    edits dropped, for the history)."""
    by_id = {entity["id"]: entity for entity in attached}
    return [by_id[key] for key in map(str, media_ids) if key in by_id]


def _version(edit: StatusEdit, account: dict[str, Any] | None, attached: list[dict[str, Any]]) -> dict[str, Any]:
    kept = {str(i): text for i, text in zip(edit.media_ids, edit.media_descriptions, strict=False)}
    media = [  # the alt text of that version, where it kept one
        {**e, "description": kept[e["id"]]} if e["id"] in kept else e for e in shown_media(edit.media_ids, attached)
    ]
    version: dict[str, Any] = {
        "content": edit.content,
        "spoiler_text": edit.spoiler_text,
        "sensitive": edit.sensitive,
        "created_at": iso(edit.created_at),
        "account": account,
        "media_attachments": media,
        "emojis": [],
    }
    if edit.poll_options is not None:  # Mastodon leaves the key out for a version without a poll
        version["poll"] = {"options": [{"title": title} for title in edit.poll_options]}
    return version


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
