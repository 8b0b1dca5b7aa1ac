"""Instance metadata (Mastodon's /api/v1/instance and /api/v2/instance), custom emojis and the
default avatar/header images. Clients read the version string: it is Mastodon-compatible."""

from __future__ import annotations

import datetime as dt
import functools
import struct
import zlib
from collections.abc import Callable
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Request

from rookery.workloads.api.deps import Accounts, AppSettings, InstanceContents, OptionalPush, container
from rookery.workloads.api.errors import NotFound
from rookery.workloads.api.responses import JsonResponse, RawJsonResponse, Response
from rookery.workloads.domain.accounts import AccountUsage
from rookery.workloads.domain.instance import (
    EXTENDED_DESCRIPTION,
    PRIVACY_POLICY,
    TERMS_OF_SERVICE,
    InstanceDocument,
    Rule,
    to_html,
)
from rookery.workloads.domain.media import DESCRIPTION_MAX
from rookery.workloads.services.emojis import CustomEmojis
from rookery.workloads.settings import Settings
from rookery.workloads.views.emojis import render_emoji

router = APIRouter(tags=["instance"])
ROOKERY_VERSION = "0.1.0"
MASTODON_VERSION = "4.3.0"
VERSION = f"{MASTODON_VERSION} (compatible; Rookery {ROOKERY_VERSION})"
SOURCE_URL = "https://github.com/rookery-social/rookery"
MAX_CHARACTERS = 500
MAX_MEDIA_ATTACHMENTS = 4
IMAGE_TYPES = ["image/jpeg", "image/png", "image/gif", "image/webp"]
VIDEO_TYPES = ["video/mp4", "video/webm", "video/quicktime"]


def _streaming_url(settings: Settings) -> str:
    return settings.base_url.replace("https://", "wss://", 1).replace("http://", "ws://", 1)


def _configuration(settings: Settings) -> dict[str, Any]:
    return {
        "accounts": {"max_featured_tags": 10, "max_pinned_statuses": 5},
        "statuses": {
            "max_characters": MAX_CHARACTERS,
            "max_media_attachments": MAX_MEDIA_ATTACHMENTS,
            "characters_reserved_per_url": 23,
        },
        "media_attachments": {
            "description_limit": DESCRIPTION_MAX,
            "supported_mime_types": IMAGE_TYPES + VIDEO_TYPES,
            "image_size_limit": min(settings.media_max_image_bytes, settings.max_media_body_bytes),
            "image_matrix_limit": settings.media_max_pixels,
            "video_size_limit": min(settings.media_max_video_bytes, settings.max_media_body_bytes),
            "video_frame_rate_limit": 120,
            "video_matrix_limit": 8294400,
        },
        "polls": {
            "max_options": 4,
            "max_characters_per_option": 50,
            "min_expiration": settings.poll_min_expires_in_s,
            "max_expiration": 2629746,
        },
    }


def rule_entity(rule: Rule) -> dict[str, Any]:
    """Mastodon's Rule (``translations``: none, Rookery keeps one language)."""
    return {"id": str(rule.id), "text": rule.text, "hint": rule.hint, "translations": {}}


def instance_v1(
    settings: Settings, usage: AccountUsage | None = None, rules: list[Rule] | None = None
) -> dict[str, Any]:
    return {
        "uri": settings.account_domain,
        "title": settings.instance_title,
        "short_description": settings.instance_description,
        "description": settings.instance_description,
        "email": settings.contact_email,
        "version": VERSION,
        "urls": {"streaming_api": _streaming_url(settings)},
        "stats": {
            "user_count": usage.users if usage else 0,
            "status_count": usage.statuses if usage else 0,
            "domain_count": 1,  # this one: Rookery does not federate
        },
        "thumbnail": None,
        "languages": ["en"],
        "registrations": settings.registrations_open,
        "approval_required": False,
        "invites_enabled": False,
        "configuration": _configuration(settings),
        "contact_account": None,
        "rules": [rule_entity(rule) for rule in rules or ()],
    }


def instance_v2(
    settings: Settings, usage: AccountUsage | None = None, rules: list[Rule] | None = None
) -> dict[str, Any]:
    configuration = _configuration(settings)
    # about: the web client (served at /); no HTML policy or terms pages (the API serves them)
    configuration["urls"] = {
        "streaming": _streaming_url(settings),
        "status": None,
        "about": f"{settings.base_url}/",
        "privacy_policy": None,
        "terms_of_service": None,
    }
    configuration["translation"] = {"enabled": False}
    configuration["vapid"] = {"public_key": ""}
    return {
        "domain": settings.account_domain,
        "title": settings.instance_title,
        "version": VERSION,
        "source_url": SOURCE_URL,
        "description": settings.instance_description,
        "usage": {"users": {"active_month": usage.active_month if usage else 0}},
        "thumbnail": {"url": f"{settings.base_url}/headers/original/missing.png"},
        "icon": [],
        "languages": ["en"],
        "configuration": configuration,
        "registrations": {
            "enabled": settings.registrations_open,
            "approval_required": False,
            "reason_required": False,
            "message": None,
            "min_age": None,
            "url": None,
        },
        "api_versions": {"mastodon": 2},
        "contact": {"email": settings.contact_email, "account": None},
        "rules": [rule_entity(rule) for rule in rules or ()],
    }


@router.get("/api/v1/instance", summary="Instance metadata (v1)")
async def get_instance_v1(
    request: Request, settings: AppSettings, accounts: Accounts, content: InstanceContents
) -> Response:
    usage, rules = await accounts.usage(), await content.rules()
    return _rendered("v1", (settings, usage, tuple(rules)), lambda: instance_v1(settings, usage, rules))


@router.get("/api/v2/instance", summary="Instance metadata (v2)")
async def get_instance_v2(
    request: Request, settings: AppSettings, accounts: Accounts, content: InstanceContents, push: OptionalPush
) -> Response:
    usage, rules = await accounts.usage(), await content.rules()
    server_key = push.server_key if push is not None else None

    def entity() -> dict[str, Any]:
        made = instance_v2(settings, usage, rules)
        if server_key is not None:  # the VAPID key Web Push subscriptions are made with
            made["configuration"]["vapid"]["public_key"] = server_key
        return made

    return _rendered("v2", (settings, usage, tuple(rules), server_key), entity)


# the body last sent for each version and what it was made from: every client reads the instance
# first, and what it shows changes only with a write (its numbers, its rules) or new settings
_LAST_BODY: dict[str, tuple[tuple[Any, ...], bytes]] = {}


def _rendered(version: str, made_from: tuple[Any, ...], entity: Callable[[], dict[str, Any]]) -> Response:
    """The body made from ``made_from`` (the Settings object by identity: one per app; the rest by
    value), rendered again only when it differs from the last one's."""
    last = _LAST_BODY.get(version)
    if last is None or last[0][0] is not made_from[0] or last[0][1:] != made_from[1:]:
        last = _LAST_BODY[version] = (made_from, orjson.dumps(entity()))
    return RawJsonResponse(last[1])


async def emoji_service(request: Request) -> CustomEmojis:
    role = container(request).accounts
    if role is None or role.emojis is None:
        raise NotFound()
    return role.emojis


Emojis = Annotated[CustomEmojis, Depends(emoji_service)]


@router.get("/api/v1/custom_emojis", summary="The custom emojis admins added")
async def custom_emojis(emojis: Emojis) -> Response:
    return JsonResponse([render_emoji(e) for e in await emojis.all()])


@router.get("/api/v1/instance/rules", summary="Server rules")
async def rules(content: InstanceContents) -> Response:
    return JsonResponse([rule_entity(rule) for rule in await content.rules()])


@router.get("/api/v1/instance/peers", summary="Domains this server knows (none: Rookery does not federate)")
async def peers() -> Response:
    return JsonResponse([])


# what a server shows until its admins write their own (PUT /api/v1/admin/instance/<document>)
DEFAULT_DOCUMENT_DATE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@router.get("/api/v1/instance/extended_description", summary="Extended description (ExtendedDescription)")
async def extended_description(settings: AppSettings, content: InstanceContents) -> Response:
    document = await content.document(EXTENDED_DESCRIPTION)
    if document is None:
        document = InstanceDocument(EXTENDED_DESCRIPTION, settings.instance_description, DEFAULT_DOCUMENT_DATE)
    return JsonResponse({"updated_at": _iso(document.updated_at), "content": to_html(document.text)})


@router.get("/api/v1/instance/privacy_policy", summary="Privacy policy (PrivacyPolicy)")
async def privacy_policy(settings: AppSettings, content: InstanceContents) -> Response:
    document = await content.document(PRIVACY_POLICY)
    if document is None:
        text = (
            f"{settings.instance_title} has not published a privacy policy yet. "
            f"Ask its administrators at {settings.contact_email}."
        )
        document = InstanceDocument(PRIVACY_POLICY, text, DEFAULT_DOCUMENT_DATE)
    return JsonResponse({"updated_at": _iso(document.updated_at), "content": to_html(document.text)})


def _terms(document: InstanceDocument) -> dict[str, Any]:
    effective = document.effective_date or document.updated_at.date()
    return {
        "effective_date": effective.isoformat(),
        "effective": effective <= dt.datetime.now(dt.UTC).date(),
        "content": to_html(document.text),
        "succeeded_by": None,
    }


@router.get("/api/v1/instance/terms_of_service", summary="Terms of service (TermsOfService), 404 when none")
async def terms_of_service(content: InstanceContents) -> Response:
    document = await content.document(TERMS_OF_SERVICE)
    if document is None:
        raise NotFound()
    return JsonResponse(_terms(document))


@router.get("/api/v1/instance/terms_of_service/{date}", summary="The terms of service effective on a date")
async def terms_of_service_on(date: str, content: InstanceContents) -> Response:
    document = await content.document(TERMS_OF_SERVICE)
    if document is None or (document.effective_date or document.updated_at.date()).isoformat() != date:
        raise NotFound()
    return JsonResponse(_terms(document))


@functools.cache
def _png(width: int, height: int, gray: int) -> bytes:
    """A flat grey PNG (the default avatar and header), built without an image library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    rows = b"".join(b"\x00" + bytes([gray]) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


_IMAGE_HEADERS = {"Cache-Control": "public, max-age=86400"}


@router.get("/avatars/original/missing.png", include_in_schema=False)
async def missing_avatar() -> Response:
    return Response(_png(120, 120, 0xC8), media_type="image/png", headers=_IMAGE_HEADERS)


@router.get("/headers/original/missing.png", include_in_schema=False)
async def missing_header() -> Response:
    return Response(_png(300, 100, 0xE6), media_type="image/png", headers=_IMAGE_HEADERS)
