"""The MediaStore port on Cloudinary (the ``cloudinary`` SDK: signed uploads, signed downloads,
delivery URLs on Cloudinary's CDN).

Every (media id, variant) is one Cloudinary asset, public id ``<folder>/<media id>/<variant>``:
images as ``image``, videos as ``video``; the private raw upload awaiting processing as a
``raw`` asset of delivery type ``private`` (reachable only through a signed download URL).
The SDK is synchronous, so calls run in a worker thread. Credentials come from a
``cloudinary://<api key>:<api secret>@<cloud name>`` URL (ROOKERY_CLOUDINARY_URL);
``upload_prefix`` points the SDK at another API host (regional hosts, the test double), given as
the URL's ``?upload_prefix=`` query as Cloudinary's own CLOUDINARY_URL allows, or as a setting.
"""

from __future__ import annotations

import asyncio
import urllib.parse
from typing import Any

import cloudinary.api
import cloudinary.exceptions
import cloudinary.uploader
import cloudinary.utils
import httpx

from rookery.workloads.domain.media import UPLOAD
from rookery.workloads.domain.unavailable import StoreUnavailable

IMAGE, VIDEO, RAW = "image", "video", "raw"
PUBLIC, PRIVATE = "upload", "private"  # Cloudinary delivery types


def resource_type(content_type: str) -> str:
    if content_type.startswith("image/"):
        return IMAGE
    if content_type.startswith("video/"):
        return VIDEO
    return RAW


def parse_cloudinary_url(url: str) -> tuple[str, str, str]:
    """``cloudinary://key:secret@cloud`` -> (cloud name, api key, api secret)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "cloudinary" or not (parts.hostname and parts.username and parts.password):
        raise ValueError("the Cloudinary URL must read cloudinary://<api key>:<api secret>@<cloud name>")
    return parts.hostname, urllib.parse.unquote(parts.username), urllib.parse.unquote(parts.password)


def url_upload_prefix(url: str) -> str:
    """The ``upload_prefix`` option in the URL's query (``...@cloud?upload_prefix=https://api-eu...``)."""
    prefixes = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query).get("upload_prefix", [""])
    prefix = prefixes[-1]
    if prefix and urllib.parse.urlsplit(prefix).scheme not in ("http", "https"):
        raise ValueError("the Cloudinary URL's upload_prefix must be an http(s) URL")
    return prefix


class CloudinaryMediaStore:
    def __init__(
        self,
        cloud_name: str,
        api_key: str,
        api_secret: str,
        *,
        folder: str = "rookery",
        upload_prefix: str = "",
        timeout_s: float = 60.0,
    ) -> None:
        self.folder = folder.strip("/")
        self.timeout_s = timeout_s
        # passed on every call rather than set globally: two stores (tenants) can coexist
        self._options: dict[str, Any] = {
            "cloud_name": cloud_name,
            "api_key": api_key,
            "api_secret": api_secret,
            "secure": True,
        }
        if upload_prefix:
            self._options["upload_prefix"] = upload_prefix.rstrip("/")
        self._http = httpx.AsyncClient(timeout=timeout_s)

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> CloudinaryMediaStore:
        """The store the URL names; an ``upload_prefix`` argument wins over the URL's own."""
        cloud_name, api_key, api_secret = parse_cloudinary_url(url)
        kwargs["upload_prefix"] = kwargs.get("upload_prefix") or url_upload_prefix(url)
        return cls(cloud_name, api_key, api_secret, **kwargs)

    async def close(self) -> None:
        await self._http.aclose()

    def public_id(self, media_id: int, variant: str) -> str:
        return f"{self.folder}/{int(media_id)}/{variant}"

    def _candidates(self, variant: str) -> tuple[tuple[str, str], ...]:
        """(resource type, delivery type) pairs an asset of this variant can be stored under."""
        if variant == UPLOAD:
            return ((RAW, PRIVATE),)
        return ((IMAGE, PUBLIC), (VIDEO, PUBLIC))

    async def _call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return await asyncio.to_thread(fn, *args, **kwargs, **self._options, timeout=self.timeout_s)
        except cloudinary.exceptions.NotFound:
            raise
        except cloudinary.exceptions.Error as exc:
            raise StoreUnavailable(f"cloudinary: {exc}") from exc

    async def put(self, media_id: int, variant: str, data: bytes, content_type: str) -> str:
        private = variant == UPLOAD
        result = await self._call(
            cloudinary.uploader.upload,
            data,
            public_id=self.public_id(media_id, variant),
            resource_type=RAW if private else resource_type(content_type),
            type=PRIVATE if private else PUBLIC,
            overwrite=True,
            invalidate=True,  # a re-processed variant must not be served stale from the CDN
        )
        return "" if private else str(result["secure_url"])

    async def get(self, media_id: int, variant: str) -> bytes | None:
        public_id = self.public_id(media_id, variant)
        for kind, delivery in self._candidates(variant):
            url = cloudinary.utils.private_download_url(
                public_id, "", resource_type=kind, type=delivery, **self._options
            )
            try:
                response = await self._http.get(url, follow_redirects=True)
            except httpx.HTTPError as exc:
                raise StoreUnavailable(f"cloudinary: downloading {public_id}: {exc}") from exc
            if response.status_code == 404:
                continue
            if response.status_code != 200:
                raise StoreUnavailable(f"cloudinary: downloading {public_id}: HTTP {response.status_code}")
            return response.content
        return None

    async def delete(self, media_id: int, variant: str | None = None) -> None:
        if variant is None:
            prefix = f"{self.folder}/{int(media_id)}/"
            for kind, delivery in ((IMAGE, PUBLIC), (VIDEO, PUBLIC), (RAW, PRIVATE)):
                await self._call(
                    cloudinary.api.delete_resources_by_prefix, prefix, resource_type=kind, type=delivery
                )
            return
        for kind, delivery in self._candidates(variant):
            result = await self._call(
                cloudinary.uploader.destroy,
                self.public_id(media_id, variant),
                resource_type=kind,
                type=delivery,
                invalidate=True,
            )
            if result.get("result") == "ok":
                return  # "not found" under this type: try the next one; absent everywhere is fine
