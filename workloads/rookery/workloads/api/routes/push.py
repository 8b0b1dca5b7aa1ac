"""Web Push subscriptions (Mastodon's /api/v1/push/subscription): one per access token."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from rookery.workloads.api.deps import AuthContext, Push, require_user
from rookery.workloads.api.params import read_params
from rookery.workloads.api.responses import JsonResponse
from rookery.workloads.domain.push import WEB_PUSH_SUBSCRIPTION_SCHEMA
from rookery.workloads.services.push import PushService, render

router = APIRouter(tags=["push"])
PATH = "/api/v1/push/subscription"

_ENTITY = {"content": {"application/json": {"schema": WEB_PUSH_SUBSCRIPTION_SCHEMA}}}
_ERROR = {
    "content": {
        "application/json": {"schema": {"type": "object", "properties": {"error": {"type": "string"}}}}
    }
}
_STANDARD = "true: RFC 8291 aes128gcm + RFC 8292 VAPID; false (default, as Mastodon): the legacy aesgcm draft"
_DATA = {
    "type": "object",
    "properties": {
        "alerts": {"type": "object", "additionalProperties": {"type": "boolean"}},
        "policy": {"type": "string", "enum": ["all", "followed", "follower", "none"]},
    },
}
_SUBSCRIBE_BODY = {
    "requestBody": {
        "content": {
            media_type: {
                "schema": {
                    "type": "object",
                    "required": ["subscription"],
                    "properties": {
                        "subscription": {
                            "type": "object",
                            "properties": {
                                "endpoint": {"type": "string"},
                                "standard": {"type": "boolean", "description": _STANDARD},
                                "keys": {
                                    "type": "object",
                                    "properties": {"p256dh": {"type": "string"}, "auth": {"type": "string"}},
                                },
                            },
                        },
                        "data": _DATA,
                    },
                }
            }
            for media_type in ("application/json", "application/x-www-form-urlencoded")
        }
    }
}


def _entity(service: PushService, subscription: Any) -> JsonResponse:
    return JsonResponse(render(subscription, service.server_key))


@router.post(
    PATH,
    summary="Subscribe this access token to Web Push (replaces its previous subscription)",
    responses={200: _ENTITY, 422: _ERROR},
    openapi_extra=_SUBSCRIBE_BODY,
)
async def subscribe(request: Request, push: Push, ctx: AuthContext = Depends(require_user("push"))) -> Response:
    params = await read_params(request)
    service = push
    created = await service.subscribe(
        ctx.user_id, ctx.token_id, params.raw("subscription"), params.raw("data"), params.raw("policy")
    )
    return _entity(service, created)


@router.get(PATH, summary="This access token's Web Push subscription", responses={200: _ENTITY, 404: _ERROR})
async def current(request: Request, push: Push, ctx: AuthContext = Depends(require_user("push"))) -> Response:
    service = push
    return _entity(service, await service.get(ctx.token_id))


@router.put(
    PATH,
    summary="Change which alerts are pushed, and from whom (policy)",
    responses={200: _ENTITY, 404: _ERROR, 422: _ERROR},
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {"schema": {"type": "object", "properties": {"data": _DATA}}},
                "application/x-www-form-urlencoded": {
                    "schema": {"type": "object", "properties": {"data": _DATA}}
                },
            }
        }
    },
)
async def update(request: Request, push: Push, ctx: AuthContext = Depends(require_user("push"))) -> Response:
    params = await read_params(request)
    service = push
    return _entity(service, await service.update(ctx.token_id, params.raw("data"), params.raw("policy")))


@router.delete(PATH, summary="Unsubscribe this access token", responses={200: {"description": "{}"}})
async def unsubscribe(request: Request, push: Push, ctx: AuthContext = Depends(require_user("push"))) -> Response:
    await push.unsubscribe(ctx.token_id)
    return JsonResponse({})
