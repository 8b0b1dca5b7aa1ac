"""Mastodon Account entities, rendered once and cached by account id.

Other roles embed accounts through ``AccountViews`` (``container.accounts.views``):
``await views.many(ids)`` returns ``{id: dict}`` in one cache round trip plus one batched read for
misses; the dicts are shared, so copy before changing one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from rookery.workloads.domain.accounts import Account
from rookery.workloads.domain.text import render_content, render_field_value
from rookery.workloads.ports.edge import Cache
from rookery.workloads.services.accounts import AccountsService, account_cache_key
from rookery.workloads.views.emojis import EmojiLookup, account_texts, attach_emojis

MISSING_AVATAR = "/avatars/original/missing.png"
MISSING_HEADER = "/headers/original/missing.png"
CACHE_TTL_S = 3600.0

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


class AccountViews:
    def __init__(
        self, accounts: AccountsService, cache: Cache, base_url: str, emojis: EmojiLookup | None = None
    ) -> None:
        self.accounts = accounts
        self.cache = cache
        self.base_url = base_url
        self.emojis = emojis  # custom emojis, looked up on every render (admins add and remove them)

    async def one(self, account_id: int) -> dict[str, Any] | None:
        return (await self.many([account_id])).get(account_id)

    async def many(self, account_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        unique = list(dict.fromkeys(account_ids))
        if not unique:
            return {}
        cached = await self.cache.get_many([account_cache_key(i) for i in unique])
        found: dict[int, dict[str, Any]] = {}
        missing: list[int] = []
        for account_id, raw in zip(unique, cached, strict=True):
            if raw is None:
                missing.append(account_id)
            else:
                found[account_id] = orjson.loads(raw)
        if missing:
            loaded = await self.accounts.get_many(missing)
            fresh = {
                account_id: render_account(account, self.base_url) for account_id, account in loaded.items()
            }
            if fresh:
                await self.cache.set_many(
                    {account_cache_key(i): orjson.dumps(entity) for i, entity in fresh.items()},
                    ttl_s=CACHE_TTL_S,
                )
            found.update(fresh)
        await attach_emojis(self.emojis, list(found.values()), account_texts)
        return found
