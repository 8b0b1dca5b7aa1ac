"""Discovery documents (the accounts role): host-meta, WebFinger for local accounts, and NodeInfo.

- ``/.well-known/host-meta``: XRD (RFC 6415) by default, JRD with ``?format=json`` or
  ``Accept: application/json``; its one link is WebFinger's LRDD template.
- ``/.well-known/webfinger?resource=``: ``acct:user@domain``, ``user@domain`` or the account's
  profile URL (``/@user``, ``/users/user``) on this server; answers a JRD with the profile page,
  the ``self`` link and the avatar, as Mastodon does. No resource is a 400; another domain or an
  unknown (or suspended) account a 404.
- ``/.well-known/nodeinfo`` links NodeInfo 2.0 and 2.1 (``/nodeinfo/2.0``, ``/nodeinfo/2.1``):
  software ``rookery``, real usage (users total / active in the last 4 weeks / half year, local
  posts), registrations. ``protocols`` is empty: Rookery does not federate.

Every URL in them is on ROOKERY_PUBLIC_URL.
"""

from __future__ import annotations

import html
import urllib.parse
from typing import Any

from fastapi import APIRouter, Request

from rookery.workloads.api.deps import Accounts, AppSettings
from rookery.workloads.api.errors import ApiError, NotFound
from rookery.workloads.api.params import read_params
from rookery.workloads.api.responses import JsonResponse, Response
from rookery.workloads.api.routes.instance import ROOKERY_VERSION, SOURCE_URL
from rookery.workloads.views.accounts import render_account

router = APIRouter(tags=["discovery"])
JRD = "application/jrd+json; charset=utf-8"
XRD = "application/xrd+xml; charset=utf-8"
NODEINFO_SCHEMAS = ("2.0", "2.1")
_CACHE = {"Cache-Control": "public, max-age=300"}


def _lrdd(base: str) -> str:
    return f"{base}/.well-known/webfinger?resource={{uri}}"


@router.get("/.well-known/host-meta", summary="Host metadata (XRD, or JRD with format=json)")
async def host_meta(request: Request, settings: AppSettings) -> Response:
    template = _lrdd(settings.base_url)
    params = await read_params(request)
    wanted = params.text("format") or ""
    if wanted not in ("", "json", "xml"):
        raise ApiError(400, "format must be json or xml")
    accept = request.headers.get("accept", "")
    if wanted == "json" or (not wanted and "json" in accept and "xml" not in accept):
        body = {"links": [{"rel": "lrdd", "template": template}]}
        return JsonResponse(body, headers=_CACHE, media_type=JRD)
    document = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
        f'  <Link rel="lrdd" template="{html.escape(template, quote=True)}"/>\n'
        "</XRD>\n"
    )
    return Response(document, media_type=XRD, headers=_CACHE)


def _username_of(resource: str, base_url: str, domain: str) -> str | None:
    """The local username a WebFinger resource names, None when it names nothing here."""
    resource = resource.strip()
    if resource.lower().startswith(("https://", "http://")):
        try:
            parsed = urllib.parse.urlsplit(resource)
        except ValueError:  # "http://[" and the like
            return None
        if f"{parsed.scheme}://{parsed.netloc}".lower() != base_url.lower():
            return None
        path = parsed.path
        for prefix in ("/@", "/users/"):
            if path.startswith(prefix) and "/" not in path[len(prefix) :]:
                return path[len(prefix) :] or None
        return None
    name = resource[5:] if resource.lower().startswith("acct:") else resource
    name = name.lstrip("@")
    user, at, host = name.rpartition("@")
    if not at or not user or "@" in user or host.lower() != domain.lower():
        return None
    return user


@router.get("/.well-known/webfinger", summary="WebFinger: a local account's links (JRD)")
async def webfinger(request: Request, settings: AppSettings, accounts: Accounts) -> Response:
    params = await read_params(request)
    resource = params.text("resource")
    if not resource:
        raise ApiError(400, "resource is required (acct:username@domain)")
    username = _username_of(resource, settings.base_url, settings.account_domain)
    account = await accounts.lookup(username) if username else None
    if account is None or account.suspended:
        raise NotFound()
    entity = render_account(account, settings.base_url)
    links: list[dict[str, Any]] = [
        {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": entity["url"]},
        {"rel": "self", "type": "application/activity+json", "href": entity["uri"]},
        {"rel": "http://webfinger.net/rel/avatar", "type": _image_type(entity["avatar"]), "href": entity["avatar"]},
    ]
    wanted = set(params.strings("rel")) if params.raw("rel") is not None else set()
    if wanted:  # RFC 7033 4.3: only the links asked for
        links = [link for link in links if link["rel"] in wanted]
    body = {
        "subject": f"acct:{account.username}@{settings.account_domain}",
        "aliases": [entity["url"], entity["uri"]],
        "links": links,
    }
    return JsonResponse(body, media_type=JRD, headers=_CACHE)


def _image_type(url: str) -> str:
    suffix = url.rsplit(".", 1)[-1].lower() if "." in url.rsplit("/", 1)[-1] else ""
    return {"jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp"}.get(
        suffix, "image/png"
    )


@router.get("/.well-known/nodeinfo", summary="Where the NodeInfo documents are")
async def nodeinfo_links(settings: AppSettings) -> Response:
    schema = "http://nodeinfo.diaspora.software/ns/schema"
    links = [{"rel": f"{schema}/{v}", "href": f"{settings.base_url}/nodeinfo/{v}"} for v in NODEINFO_SCHEMAS]
    return JsonResponse({"links": links}, headers=_CACHE)


@router.get("/nodeinfo/{version}", summary="NodeInfo 2.0 / 2.1: software and usage")
async def nodeinfo(version: str, settings: AppSettings, accounts: Accounts) -> Response:
    if version not in NODEINFO_SCHEMAS:
        raise NotFound("NodeInfo schema versions: 2.0, 2.1")
    usage = await accounts.usage()
    software: dict[str, Any] = {"name": "rookery", "version": ROOKERY_VERSION}
    if version == "2.1":
        software |= {"repository": SOURCE_URL, "homepage": SOURCE_URL}
    body = {
        "version": version,
        "software": software,
        "protocols": [],
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": settings.registrations_open,
        "usage": {
            "users": {
                "total": usage.users,
                "activeMonth": usage.active_month,
                "activeHalfyear": usage.active_halfyear,
            },
            "localPosts": usage.statuses,
        },
        "metadata": {"nodeName": settings.instance_title, "nodeDescription": settings.instance_description},
    }
    profile = f'application/json; profile="http://nodeinfo.diaspora.software/ns/schema/{version}#"'
    return JsonResponse(body, media_type=profile, headers={"Cache-Control": "public, max-age=60"})
