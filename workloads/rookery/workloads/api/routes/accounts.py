"""Account endpoints of the accounts role: registration, credentials, profile, lookup, search.

The graph and posts roles add ``/api/v1/accounts/{id}/...``, ``relationships`` and
``follow_requests`` in their own routers; this router's ``{account_id:int}`` only matches digits,
so fixed paths registered elsewhere are never captured by it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import UploadFile

from rookery.workloads.api.deps import (
    Accounts,
    AccountViewsDep,
    AppSettings,
    AuthContext,
    Keycloak,
    OAuth,
    OptionalAuth,
    OptionalMedia,
    OptionalSearch,
    require_scopes,
    require_user,
)
from rookery.workloads.api.errors import ApiError, Forbidden, NotFound, Unprocessable
from rookery.workloads.api.params import Params, read_params
from rookery.workloads.api.responses import JsonResponse, Response
from rookery.workloads.domain.accounts import (
    InvalidAccount,
    ProfileChanges,
    ProfileField,
    apply_profile_changes,
)
from rookery.workloads.ids import parse_id
from rookery.workloads.services.media import MediaService
from rookery.workloads.views.accounts import (
    ACCOUNT_SCHEMA,
    render_credential_account,
)

router = APIRouter(tags=["accounts"])
MAX_PROFILE_IMAGE_BYTES = 8 * 1024 * 1024
ACCOUNT: dict[int | str, dict[str, Any]] = {
    200: {"description": "Account", "content": {"application/json": {"schema": ACCOUNT_SCHEMA}}}
}
ACCOUNTS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Accounts",
        "content": {"application/json": {"schema": {"type": "array", "items": ACCOUNT_SCHEMA}}},
    }
}


def _registration_error(exc: InvalidAccount) -> Response:
    """Mastodon's 422 for sign-up: the message plus per-field ``details`` (Mastodon.py reads them)."""
    body: dict[str, Any] = {"error": f"Validation failed: {exc}"}
    if exc.field:
        body["details"] = {exc.field: [{"error": exc.code, "description": str(exc)}]}
    return JsonResponse(body, status_code=422)


@router.post("/api/v1/accounts", summary="Register an account (app token)")
async def register(
    request: Request,
    settings: AppSettings,
    accounts: Accounts,
    oauth: OAuth,
    keycloak: Keycloak,
    ctx: AuthContext = Depends(require_scopes("write:accounts")),
) -> Response:
    if not settings.registrations_open:
        raise Forbidden("Registrations are closed on this server")
    if settings.oidc_issuer and keycloak is None:
        raise Forbidden(f"Accounts are created at the identity provider ({settings.oidc_issuer})")
    params = await read_params(request)
    if not params.flag("agreement", False):
        return _registration_error(InvalidAccount("Agreement must be accepted", "agreement", "ERR_ACCEPTED"))
    app = await oauth.app(ctx.app_id) if ctx.app_id is not None else None
    if app is None:
        raise Forbidden("Registration needs an application token")
    username = params.text("username", "", max_length=30) or ""
    email = params.text("email", "", max_length=254) or ""
    password = params.text("password", "", max_length=200) or ""
    try:
        if keycloak is not None:  # Keycloak mode: the user is created in Keycloak, the token is Keycloak's
            _, body = await keycloak.register(app, username, email, password, ctx.scopes)
            return JsonResponse(body)
        account = await accounts.register(username, email, password)
    except InvalidAccount as exc:
        return _registration_error(exc)
    grant = await oauth.issue(app, account.id, ctx.scopes)
    body = grant.to_dict()
    return JsonResponse(body)


@router.get("/api/v1/accounts/verify_credentials", summary="The token's own account", responses=ACCOUNT)
async def verify_credentials(
    request: Request,
    accounts: Accounts,
    settings: AppSettings,
    ctx: AuthContext = Depends(require_user("read:accounts", "profile")),
) -> Response:
    account = await accounts.get(ctx.user_id)
    if account is None:
        raise ApiError(401, "The access token is invalid")
    return JsonResponse(render_credential_account(account, settings.base_url))


def _profile_changes(params: Params) -> ProfileChanges:
    fields: tuple[ProfileField, ...] | None = None
    if "fields_attributes" in params:
        rows = params.objects("fields_attributes")
        collected = []
        for row in rows:
            name, value = row.get("name", ""), row.get("value", "")
            if not isinstance(name, str) or not isinstance(value, str):
                raise Unprocessable("fields_attributes names and values must be strings")
            collected.append(ProfileField(name.strip(), value.strip()))
        fields = tuple(collected)
    source = params.raw("source")
    if source is not None and not isinstance(source, dict):
        raise Unprocessable("source must be an object")
    source_params = Params(source or {})
    return ProfileChanges(
        display_name=params.text("display_name"),
        note=params.text("note"),
        locked=params.flag("locked"),
        bot=params.flag("bot"),
        discoverable=params.flag("discoverable"),
        fields=fields,
        privacy=source_params.text("privacy"),
        sensitive=source_params.flag("sensitive"),
        language=source_params.text("language"),
    )


async def _profile_image(media: MediaService | None, account_id: int, name: str, upload: UploadFile) -> str:
    """Store an avatar or header through the media role; the profile keeps its URL."""
    if media is None:
        raise ApiError(422, f"{name} uploads need the media role, which this server does not run")
    data = await upload.read(MAX_PROFILE_IMAGE_BYTES + 1)
    await upload.close()
    if len(data) > MAX_PROFILE_IMAGE_BYTES:
        raise ApiError(413, f"{name} is too large (limit {MAX_PROFILE_IMAGE_BYTES} bytes)")
    return await media.profile_image(account_id, data, name)


@router.patch("/api/v1/accounts/update_credentials", summary="Update the profile", responses=ACCOUNT)
async def update_credentials(
    request: Request,
    accounts: Accounts,
    media: OptionalMedia,
    settings: AppSettings,
    ctx: AuthContext = Depends(require_user("write:accounts")),
) -> Response:
    params = await read_params(request)
    changes = _profile_changes(params)
    avatar, header = params.file("avatar"), params.file("header")
    if avatar is not None or header is not None:  # check the rest first: no orphan uploads on 422
        current = await accounts.get(ctx.user_id)
        if current is not None:
            apply_profile_changes(current, changes)
    if avatar is not None:
        changes = dataclasses.replace(
            changes, avatar=await _profile_image(media, ctx.user_id, "avatar", avatar)
        )
    if header is not None:
        changes = dataclasses.replace(
            changes, header=await _profile_image(media, ctx.user_id, "header", header)
        )
    account = await accounts.update_profile(ctx.user_id, changes)
    return JsonResponse(render_credential_account(account, settings.base_url))


def _remove_profile_image(field: str) -> None:
    async def remove(
        accounts: Accounts, settings: AppSettings, ctx: AuthContext = Depends(require_user("write:accounts"))
    ) -> Response:
        account = await accounts.remove_profile_image(ctx.user_id, field)
        return JsonResponse(render_credential_account(account, settings.base_url))

    remove.__name__ = f"delete_{field}"
    summary = f"Back to the default {field}"
    router.add_api_route(f"/api/v1/profile/{field}", remove, methods=["DELETE"], summary=summary, responses=ACCOUNT)


_remove_profile_image("avatar")
_remove_profile_image("header")


@router.get("/api/v1/accounts/lookup", summary="Find an account by acct", responses=ACCOUNT)
async def lookup(
    request: Request, accounts: Accounts, views: AccountViewsDep, _: OptionalAuth
) -> Response:
    params = await read_params(request)
    acct = params.text("acct", max_length=400)
    if not acct:
        raise ApiError(400, "Missing required parameter: acct")
    account = await accounts.lookup(acct)
    if account is None or account.suspended:
        raise NotFound()
    entity = await views.one(account.id)
    if entity is None:
        raise NotFound()
    return JsonResponse(entity)


@router.get(
    "/api/v1/accounts/search", summary="Search accounts by username or display name", responses=ACCOUNTS
)
async def search(
    request: Request,
    accounts: Accounts,
    views: AccountViewsDep,
    index: OptionalSearch,
    ctx: AuthContext = Depends(require_scopes("read:accounts")),
) -> Response:
    params = await read_params(request)
    query = params.text("q", max_length=400)
    if query is None:
        raise ApiError(400, "Missing required parameter: q")
    limit = params.integer("limit", 40, minimum=1, maximum=80) or 40
    offset = params.integer("offset", 0, minimum=0) or 0
    if index is not None:  # the search role's index (same ranking: exact, prefix, followers)
        following = bool(params.flag("following", False))
        ids = await index.accounts(
            query, viewer_id=ctx.account_id, limit=limit, offset=offset, following=following
        )
        by_id = await views.many(ids)
        return JsonResponse([by_id[i] for i in ids if i in by_id])
    found = await accounts.search(query, limit=limit, offset=offset)
    entities = await views.many([a.id for a in found])
    return JsonResponse([entities[a.id] for a in found if a.id in entities])


@router.get("/api/v1/accounts", summary="Several accounts by id", responses=ACCOUNTS)
async def many(request: Request, views: AccountViewsDep, _: OptionalAuth) -> Response:
    params = await read_params(request)
    raw = params.strings("id") or params.strings("ids")
    if len(raw) > 80:
        raise Unprocessable("At most 80 ids may be requested")
    ids = [parsed for value in raw if (parsed := parse_id(value)) is not None]
    entities = await views.many(ids)
    ordered: list[dict[str, Any]] = [entities[i] for i in dict.fromkeys(ids) if i in entities]
    return JsonResponse(ordered)


@router.get("/api/v1/accounts/{account_id:int}", summary="One account", responses=ACCOUNT)
async def get_account(
    request: Request, account_id: int, views: AccountViewsDep, _: OptionalAuth
) -> Response:
    if parse_id(account_id) is None:
        raise NotFound()
    entity = await views.one(account_id)
    if entity is None:
        raise NotFound()
    return JsonResponse(entity)
