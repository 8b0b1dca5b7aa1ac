"""Media uploads (Mastodon's /api/v1/media and /api/v2/media)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from rookery.workloads.api.deps import AuthContext, Media, require_user
from rookery.workloads.api.errors import ApiError
from rookery.workloads.api.params import Params, read_params
from rookery.workloads.api.responses import JsonResponse
from rookery.workloads.domain.media import (
    FAILED,
    MEDIA_ATTACHMENT_SCHEMA,
    MediaAttachment,
    render,
)
from rookery.workloads.ids import parse_id
from rookery.workloads.services.media import MediaService

router = APIRouter(tags=["media"])

_ENTITY = {"content": {"application/json": {"schema": MEDIA_ATTACHMENT_SCHEMA}}}
_ERROR = {
    "content": {
        "application/json": {"schema": {"type": "object", "properties": {"error": {"type": "string"}}}}
    }
}
_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "JPEG, PNG, WebP, GIF, MP4, WebM",
                        },
                        "description": {"type": "string", "maxLength": 1500},
                        "focus": {"type": "string", "description": "'x,y', each between -1.0 and 1.0"},
                    },
                }
            }
        },
    }
}


async def _upload(request: Request, service: MediaService, ctx: AuthContext) -> MediaAttachment:
    params: Params = await read_params(request)
    upload = params.file("file")
    if upload is None:
        raise ApiError(422, "file is required (multipart/form-data field 'file')")
    ceiling = max(service.limits.max_image_bytes, service.limits.max_video_bytes)
    data = await upload.read(ceiling + 1)
    await upload.close()
    return await service.upload(
        ctx.user_id,
        data,
        description=params.text("description"),
        focus=params.text("focus"),
    )


@router.post(
    "/api/v2/media",
    summary="Upload media (processed asynchronously)",
    description="Answers 202 with `url: null` while the variants are being made; poll GET /api/v1/media/:id.",
    status_code=202,
    responses={202: _ENTITY, 200: _ENTITY, 413: _ERROR, 422: _ERROR},
    openapi_extra=_UPLOAD_BODY,
)
async def upload_v2(
    request: Request, service: Media, ctx: AuthContext = Depends(require_user("write:media"))
) -> JsonResponse:
    media = await _upload(request, service, ctx)
    return JsonResponse(render(media), status_code=200 if media.processed else 202)


@router.post(
    "/api/v1/media",
    summary="Upload media (processed before answering)",
    responses={200: _ENTITY, 413: _ERROR, 422: _ERROR},
    openapi_extra=_UPLOAD_BODY,
)
async def upload_v1(
    request: Request, service: Media, ctx: AuthContext = Depends(require_user("write:media"))
) -> JsonResponse:
    media = await _upload(request, service, ctx)
    processed = await service.process(media.id)
    if processed is None or processed.state == FAILED:
        await service.discard(media.id)  # a refused upload leaves nothing behind
        raise ApiError(422, (processed.error if processed else None) or "file could not be processed")
    return JsonResponse(render(processed))


async def _own(service: MediaService, ctx: AuthContext, media_id: str) -> MediaAttachment:
    return await service.get(ctx.user_id, parse_id(media_id))


@router.get(
    "/api/v1/media/{media_id}",
    summary="Get one of your attachments",
    description="206 while still processing (url null), 200 when ready, 422 when processing failed.",
    responses={200: _ENTITY, 206: _ENTITY, 404: _ERROR, 422: _ERROR},
)
async def get_media(
    media_id: str, request: Request, service: Media, ctx: AuthContext = Depends(require_user("write:media"))
) -> JsonResponse:
    media = await _own(service, ctx, media_id)
    if media.state == FAILED:
        raise ApiError(422, media.error or "file could not be processed")
    return JsonResponse(render(media), status_code=200 if media.processed else 206)


@router.put(
    "/api/v1/media/{media_id}",
    summary="Change the description or focus point of an attachment not yet posted",
    responses={200: _ENTITY, 206: _ENTITY, 404: _ERROR, 422: _ERROR},
)
async def update_media(
    media_id: str, request: Request, service: Media, ctx: AuthContext = Depends(require_user("write:media"))
) -> JsonResponse:
    params = await read_params(request)
    media = await service.update(
        ctx.user_id, parse_id(media_id), params.text("description"), params.text("focus")
    )
    return JsonResponse(render(media), status_code=200 if media.processed else 206)


def media_entities(items: list[MediaAttachment]) -> list[dict[str, Any]]:
    return [render(media) for media in items]


@router.delete(
    "/api/v1/media/{media_id}",
    summary="Delete an attachment not yet posted",
    description="422 while a status carries it (delete the status instead).",
    responses={200: {"content": {"application/json": {"schema": {"type": "object"}}}}, 404: _ERROR, 422: _ERROR},
)
async def delete_media(
    media_id: str, service: Media, ctx: AuthContext = Depends(require_user("write:media"))
) -> JsonResponse:
    await service.delete(ctx.user_id, parse_id(media_id))
    return JsonResponse({})
