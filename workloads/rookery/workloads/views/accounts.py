"""Mastodon Account entities, rendered once and cached by account id (the EntityCache port).

Other roles embed accounts through ``AccountViews`` (``container.accounts.views``):
``await views.many(ids)`` returns ``{id: dict}`` in one cache round trip plus one batched read for
misses; ``await views.many_json(ids)`` the entities as JSON bytes, for pages assembled without
re-serialising them. The cached fragment is everything but ``emojis``, which follow the custom
emojis admins add and remove (looked up on every render).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from rookery.workloads.domain.accounts import Account
from rookery.workloads.domain.edge import EntityKey, Fragment
from rookery.workloads.domain.emojis import shortcodes_in
from rookery.workloads.domain.text import render_content, render_field_value
from rookery.workloads.ports.edge import EntityCache
from rookery.workloads.services.accounts import AccountsService, account_key
from rookery.workloads.views.emojis import EmojiLookup, account_texts, render_emoji

MISSING_AVATAR = "/avatars/original/missing.png"
MISSING_HEADER = "/headers/original/missing.png"

ACCOUNT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Mastodon Account entity",
    "properties": {
        name: {"type": kind}
        for name, kind in {
            "id": "string",
            "username": "string",
            "acct": "string",
            "display_name": "string",
            "locked": "boolean",
            "bot": "boolean",
            "discoverable": "boolean",
            "group": "boolean",
            "created_at": "string",
            "note": "string",
            "url": "string",
            "uri": "string",
            "avatar": "string",
            "avatar_static": "string",
            "header": "string",
            "header_static": "string",
            "followers_count": "integer",
            "following_count": "integer",
            "statuses_count": "integer",
            "last_status_at": "string",
            "emojis": "array",
            "fields": "array",
        }.items()
    },
}


def _media_url(ref: str | None, default: str, base_url: str) -> str:
    if not ref:
        return base_url + default
    return ref if "://" in ref else f"{base_url}/{ref.lstrip('/')}"


def render_account(account: Account, base_url: str) -> dict[str, Any]:
    """``note`` and ``fields[].value`` are HTML made here from the plain text the user typed
    (escaped, links made); ``display_name`` and ``fields[].name`` stay plain text, as in Mastodon."""
    avatar = _media_url(account.avatar, MISSING_AVATAR, base_url)
    header = _media_url(account.header, MISSING_HEADER, base_url)

    def tag_url(tag: str) -> str:
        return f"{base_url}/tags/{tag}"

    entity: dict[str, Any] = {
        "id": str(account.id),
        "username": account.username,
        "acct": account.username,
        "display_name": account.display_name,
        "locked": account.locked,
        "bot": account.bot,
        "discoverable": account.discoverable,
        "group": False,
        "created_at": account.created_at.strftime("%Y-%m-%dT00:00:00.000Z"),
        "note": render_content(account.note, {}, tag_url),
        "url": f"{base_url}/@{account.username}",
        "uri": f"{base_url}/users/{account.username}",
        "avatar": avatar,
        "avatar_static": avatar,
        "header": header,
        "header_static": header,
        "followers_count": account.followers_count,
        "following_count": account.following_count,
        "statuses_count": account.statuses_count,
        "last_status_at": account.last_status_at.isoformat() if account.last_status_at else None,
        "emojis": [],
        "fields": [
            {"name": f.name, "value": render_field_value(f.value, tag_url), "verified_at": f.verified_at}
            for f in account.fields
        ],
    }
    if account.silenced:
        entity["limited"] = True
    if account.suspended:  # Mastodon keeps the shell of a suspended account and empties the profile
        missing_avatar, missing_header = base_url + MISSING_AVATAR, base_url + MISSING_HEADER
        entity.update(
            suspended=True,
            display_name="",
            note="",
            fields=[],
            avatar=missing_avatar,
            avatar_static=missing_avatar,
            header=missing_header,
            header_static=missing_header,
        )
    return entity


def render_credential_account(account: Account, base_url: str) -> dict[str, Any]:
    """The owner's view (verify_credentials, update_credentials): adds ``source`` and ``role``."""
    entity = render_account(account, base_url)
    entity["source"] = {
        "privacy": account.privacy,
        "sensitive": account.sensitive,
        "language": account.language,
        "note": account.note,
        "fields": [{"name": f.name, "value": f.value, "verified_at": f.verified_at} for f in account.fields],
        "follow_requests_count": 0,
    }
    entity["role"] = {
        "id": str(("user", "moderator", "admin").index(account.role)) if account.role != "user" else "-99",
        "name": "" if account.role == "user" else account.role.capitalize(),
        "permissions": "1" if account.role == "admin" else "0",
        "color": "",
        "highlighted": account.role != "user",
    }
    return entity


def split_fragment(fragment: bytes) -> tuple[dict[str, Any], bytes]:
    """A cached fragment's side data and its JSON object without the closing brace."""
    meta, _, body = fragment.partition(b"\n")
    return orjson.loads(meta), body


def join_fragment(meta: dict[str, Any], entity: dict[str, Any]) -> bytes:
    """The cached form: side data (what composing needs: ids, shortcodes) on the first line, then
    the entity's JSON without its closing brace, so fields are appended without re-encoding."""
    return orjson.dumps(meta) + b"\n" + orjson.dumps(entity)[:-1]


def account_fragment(account: Account, base_url: str) -> bytes:
    entity = render_account(account, base_url)
    del entity["emojis"]
    return join_fragment({"e": shortcodes_in(*account_texts(entity))}, entity)


async def emoji_json(emojis: EmojiLookup | None, codes: set[str]) -> dict[str, dict[str, Any]]:
    """Rendered custom emojis by shortcode (no lookup when no text names one)."""
    if emojis is None or not codes:
        return {}
    return {code: render_emoji(emoji) for code, emoji in (await emojis.lookup(codes)).items()}


def with_emojis(body: bytes, codes: list[str], known: dict[str, dict[str, Any]]) -> bytes:
    found = [known[code] for code in codes if code in known]
    return body + b',"emojis":' + (orjson.dumps(found) if found else b"[]") + b"}"


class AccountViews:
    def __init__(
        self, accounts: AccountsService, entities: EntityCache, base_url: str, emojis: EmojiLookup | None = None
    ) -> None:
        self.accounts = accounts
        self.entities = entities
        self.base_url = base_url
        self.emojis = emojis  # custom emojis, looked up on every render (admins add and remove them)

    async def one(self, account_id: int) -> dict[str, Any] | None:
        return (await self.many([account_id])).get(account_id)

    async def many(
        self, account_ids: Sequence[int], read: dict[EntityKey, Fragment] | None = None
    ) -> dict[int, dict[str, Any]]:
        """Fresh dicts (the caller may change them); ``read``: as for ``many_json``."""
        return {i: orjson.loads(body) for i, body in (await self.many_json(account_ids, read)).items()}

    async def many_json(
        self, account_ids: Sequence[int], read: dict[EntityKey, Fragment] | None = None
    ) -> dict[int, bytes]:
        """Account entities as JSON bytes; ``read``: fragments the caller already read in its own
        round trip (a page reads statuses and accounts together), to which the ones rendered here
        are added (a second call within the same render finds them)."""
        fragments = await self.fragments(account_ids, read)
        parts = {i: split_fragment(f) for i, f in fragments.items()}
        known = await emoji_json(self.emojis, {code for meta, _ in parts.values() for code in meta["e"]})
        return {i: with_emojis(body, meta["e"], known) for i, (meta, body) in parts.items()}

    async def fragments(
        self, account_ids: Sequence[int], read: dict[EntityKey, Fragment] | None = None
    ) -> dict[int, bytes]:
        unique = list(dict.fromkeys(account_ids))
        if not unique:
            return {}
        read = read if read is not None else {}
        unread = [account_key(i) for i in unique if account_key(i) not in read]
        if unread:
            read.update(zip(unread, await self.entities.read(unread), strict=True))
        found = read
        bodies: dict[int, bytes] = {}
        missing: list[int] = []
        for account_id in unique:
            fragment = found[account_key(account_id)]
            if fragment.body is None:
                missing.append(account_id)
            else:
                bodies[account_id] = fragment.body
        if missing:
            loaded = await self.accounts.get_many(missing)
            fresh = {i: account_fragment(account, self.base_url) for i, account in loaded.items()}
            filled = {account_key(i): (found[account_key(i)].version, f) for i, f in fresh.items()}
            stored = await self.entities.fill(filled)
            bodies.update(fresh)
            # the version each is valid for now, when the fill stood (a page records it: views/pages.py)
            read.update((key, Fragment(stored.get(key, version), f)) for key, (version, f) in filled.items())
        return bodies
