"""Admins edit what the instance shows everyone (a Rookery extension beside Mastodon's admin API;
the accounts role, where the content is kept). Every route needs a user token with ``admin:write``
(``admin:read`` to list) of an account whose role is ``admin``; others get 403.

- ``GET/POST /api/v1/admin/rules``, ``PUT/DELETE /api/v1/admin/rules/:id``: the server rules
  (``text`` up to 300 characters, ``hint`` up to 2000, ``priority`` orders them);
- ``PUT /api/v1/admin/instance/:document`` with ``content`` (plain text: shown escaped, blank lines
  between paragraphs): ``extended_description``, ``privacy_policy``, ``terms_of_service`` (with an
  optional ``effective_date``, YYYY-MM-DD, default today).

- ``GET/POST /api/v1/admin/custom_emojis``, ``DELETE /api/v1/admin/custom_emojis/:id``: custom emojis
  (multipart ``shortcode``, at least 2 letters, digits or underscores; ``image``, a PNG, GIF or WebP
  of at most 256 KiB, checked by decoding it, not by its name or type; optional ``category``).

The command line does the same: ``rookery admin add-rule TEXT`` and ``rookery admin set-document KIND --file``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Depends, Request

from rookery.workloads.api.deps import Accounts, InstanceContents, require_user
from rookery.workloads.api.errors import Forbidden, NotFound, Unprocessable
from rookery.workloads.api.params import read_params
from rookery.workloads.api.responses import JsonResponse, Response
from rookery.workloads.api.routes.instance import Emojis, rule_entity
from rookery.workloads.api.social import path_id
from rookery.workloads.domain.emojis import MAX_EMOJI_BYTES, CustomEmoji
from rookery.workloads.domain.instance import DOCUMENT_KINDS, Rule
from rookery.workloads.domain.oauth import AuthContext
from rookery.workloads.views.emojis import render_emoji

router = APIRouter(tags=["admin"])
NOT_ADMIN = "This action is allowed only to administrators"


def admin(scope: str) -> Callable[..., Awaitable[AuthContext]]:
    check = require_user(scope)

    async def dependency(request: Request, accounts: Accounts) -> AuthContext:
        ctx = await check(request)
        account = await accounts.get(ctx.user_id)
        if account is None or account.role != "admin":
            raise Forbidden(NOT_ADMIN)
        return ctx

    return dependency


READ = admin("admin:read")
WRITE = admin("admin:write")


@router.get("/api/v1/admin/rules", summary="The server rules (admin)")
async def list_rules(content: InstanceContents, ctx: AuthContext = Depends(READ)) -> Response:
    return JsonResponse([_admin_rule(rule) for rule in await content.rules()])


@router.post("/api/v1/admin/rules", summary="Add a server rule (admin)")
async def add_rule(request: Request, content: InstanceContents, ctx: AuthContext = Depends(WRITE)) -> Response:
    params = await read_params(request)
    rule = await content.add_rule(params.raw("text"), params.raw("hint") or "", params.integer("priority"))
    return JsonResponse(_admin_rule(rule))


@router.put("/api/v1/admin/rules/{rule_id}", summary="Change a server rule (admin)")
async def update_rule(
    request: Request, rule_id: str, content: InstanceContents, ctx: AuthContext = Depends(WRITE)
) -> Response:
    params = await read_params(request)
    text, hint, priority = params.raw("text"), params.raw("hint"), params.integer("priority")
    rule = await content.update_rule(path_id(rule_id), text, hint, priority)
    return JsonResponse(_admin_rule(rule))


@router.delete("/api/v1/admin/rules/{rule_id}", summary="Remove a server rule (admin)")
async def delete_rule(rule_id: str, content: InstanceContents, ctx: AuthContext = Depends(WRITE)) -> Response:
    await content.delete_rule(path_id(rule_id))
    return JsonResponse({})


@router.put("/api/v1/admin/instance/{document}", summary="Write the extended description, privacy policy or terms")
async def write_document(
    request: Request, document: str, content: InstanceContents, ctx: AuthContext = Depends(WRITE)
) -> Response:
    if document not in DOCUMENT_KINDS:
        raise NotFound(f"Documents: {', '.join(DOCUMENT_KINDS)}")
    params = await read_params(request)
    effective = params.date("effective_date") if params.raw("effective_date") not in (None, "") else None
    saved = await content.save_document(document, params.raw("content"), effective)
    body: dict[str, Any] = {"document": saved.kind, "updated_at": saved.updated_at.isoformat()}
    if saved.effective_date is not None:
        body["effective_date"] = saved.effective_date.isoformat()
    return JsonResponse(body)


def _admin_rule(rule: Rule) -> dict[str, Any]:
    return {**rule_entity(rule), "priority": rule.position}


def _admin_emoji(emoji: CustomEmoji) -> dict[str, Any]:
    return {"id": str(emoji.id), **render_emoji(emoji)}


@router.get("/api/v1/admin/custom_emojis", summary="Custom emojis with their ids (admin)")
async def list_emojis(emojis: Emojis, ctx: AuthContext = Depends(READ)) -> Response:
    return JsonResponse([_admin_emoji(e) for e in await emojis.all()])


@router.post("/api/v1/admin/custom_emojis", summary="Add a custom emoji (admin)")
async def add_emoji(request: Request, emojis: Emojis, ctx: AuthContext = Depends(WRITE)) -> Response:
    params = await read_params(request)
    upload = params.file("image")
    if upload is None:
        raise Unprocessable("image is required (multipart/form-data field 'image')")
    data = await upload.read(MAX_EMOJI_BYTES + 1)
    await upload.close()
    emoji = await emojis.add(params.raw("shortcode"), data, params.raw("category"))
    return JsonResponse(_admin_emoji(emoji))


@router.delete("/api/v1/admin/custom_emojis/{emoji_id}", summary="Remove a custom emoji (admin)")
async def remove_emoji(emoji_id: str, emojis: Emojis, ctx: AuthContext = Depends(WRITE)) -> Response:
    await emojis.remove(path_id(emoji_id))
    return JsonResponse({})
