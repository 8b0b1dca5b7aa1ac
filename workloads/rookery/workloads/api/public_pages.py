"""The head of a public profile (``/@user``) or post (``/@user/:id``): title, description and
OpenGraph tags, so shared links preview well.

Read through the public API itself, without a token (an in-process GET to the app behind the web
client, which in topology split is the gateway's proxy): what a visitor may not read, the page
does not show. Followers-only and direct posts, unknown and suspended accounts answer None (the
page is then a 404)."""

from __future__ import annotations

import asyncio
import html
import json
import re
import urllib.parse
from typing import Any

from starlette.types import ASGIApp, Message, Scope

TAG = re.compile(r"<[^>]*>")
BREAK = re.compile(r"</p>\s*<p>|<br\s*/?>", re.IGNORECASE)
PROFILE = re.compile(r"^/@([A-Za-z0-9_]+(?:@[A-Za-z0-9.\-]+)?)/?$")
POST = re.compile(r"^/@([A-Za-z0-9_]+(?:@[A-Za-z0-9.\-]+)?)/(\d+)/?$")
DESCRIPTION_LIMIT = 300


def text_of(content: str) -> str:
    """Server HTML (a post, a bio) as one line of plain text."""
    spaced = BREAK.sub(" ", content or "")
    return " ".join(html.unescape(TAG.sub("", spaced)).split())


def _shorten(text: str) -> str:
    return text if len(text) <= DESCRIPTION_LIMIT else text[: DESCRIPTION_LIMIT - 1].rstrip() + "…"


async def _get_json(app: ASGIApp, page: Scope, path: str, query: str = "") -> Any:
    """GET ``path`` on ``app`` as a visitor (the page request's scope without its headers, so no
    token or cookie); the JSON body of a 200, else None."""
    host = [(name, value) for name, value in page.get("headers", []) if name == b"host"]
    scope = {
        **page, "method": "GET", "path": path, "raw_path": path.encode(), "query_string": query.encode(),
        "headers": [*host, (b"accept", b"application/json")],
    }  # fmt: skip
    status = 0
    body = bytearray()
    requested = False
    answered = asyncio.Event()

    async def receive() -> Message:
        # the (empty) body once; then, like a client that stays, nothing until the answer is complete
        # (a proxy listening for a disconnect while it streams must not be told at once)
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await answered.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            body.extend(message.get("body", b""))
            if not message.get("more_body", False):
                answered.set()

    try:
        await app(scope, receive, send)
    finally:
        answered.set()
    return json.loads(body) if status == 200 else None


async def _account(app: ASGIApp, page: Scope, acct: str) -> dict[str, Any] | None:
    account = await _get_json(app, page, "/api/v1/accounts/lookup", urllib.parse.urlencode({"acct": acct}))
    if not isinstance(account, dict) or account.get("suspended") or account.get("limited"):
        return None
    return account


def _name(account: dict[str, Any]) -> str:
    return str(account.get("display_name") or account.get("username") or "")


async def page_meta(app: ASGIApp, page: Scope, site_name: str) -> dict[str, str] | None:
    """The head tags of a public page, None when the page shows nothing (404); {} when ``path``
    is another client route under /@user (the client renders it)."""
    path = page["path"]
    if match := PROFILE.match(path):
        account = await _account(app, page, match.group(1))
        if account is None:
            return None
        acct = str(account.get("acct", ""))
        return {
            "title": f"{_name(account)} (@{acct})",
            "description": _shorten(text_of(str(account.get("note", "")))) or f"@{acct} on {site_name}",
            "type": "profile",
            "url": str(account.get("url", "")),
            "image": str(account.get("avatar_static") or account.get("avatar") or ""),
            "site_name": site_name,
        }
    if match := POST.match(path):
        account = await _account(app, page, match.group(1))
        if account is None:
            return None
        status = await _get_json(app, page, f"/api/v1/statuses/{match.group(2)}")
        if not isinstance(status, dict) or status.get("visibility") not in ("public", "unlisted"):
            return None
        if str(status.get("account", {}).get("id")) != str(account.get("id")):
            return None
        warning = str(status.get("spoiler_text") or "")
        images = [m for m in status.get("media_attachments") or [] if m.get("type") == "image"]
        image = "" if status.get("sensitive") or not images else str(images[0].get("preview_url") or "")
        return {
            "title": f"{_name(account)} (@{account.get('acct', '')})",
            "description": _shorten(warning or text_of(str(status.get("content", "")))),
            "type": "article",
            "url": str(status.get("url") or ""),
            "image": image or str(account.get("avatar_static") or ""),
            "site_name": site_name,
        }
    return {}
