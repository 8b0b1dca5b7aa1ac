"""A local stand-in for Cloudinary's Upload, Download and Admin APIs (Cloudinary is a paid cloud
service that cannot be reached from the test machines).

It checks requests the way Cloudinary documents them rather than trusting the SDK:
- signed Upload API calls (upload, destroy) and signed download URLs: ``signature`` is the hex
  SHA-1 of the request's parameters except file, cloud_name, resource_type and api_key, sorted
  by name, joined as ``name=value`` with ``&``, followed by the API secret; ``timestamp`` must
  be within an hour; ``api_key`` must match;
- the Admin API (delete by prefix): HTTP Basic auth with api key and secret;
and answers with the documented JSON shapes (upload response: public_id, version, signature,
width, height, format, resource_type, type, bytes, url, secure_url ...). Delivery URLs point at
this server, which serves the stored bytes like the CDN would.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import datetime as dt
import hashlib
import io
import socket
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import uvicorn
from PIL import Image
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

NOT_SIGNED = {"file", "cloud_name", "resource_type", "api_key", "signature"}
FORMATS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}
DELIVERED_TYPES = {"jpg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp"}


def documented_signature(params: dict[str, str], secret: str) -> str:
    pairs = sorted(
        f"{name}={value}" for name, value in params.items() if name not in NOT_SIGNED and value != ""
    )
    return hashlib.sha1(("&".join(pairs) + secret).encode()).hexdigest()


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": {"message": message}}, status_code=status)


@dataclasses.dataclass
class Asset:
    data: bytes
    version: int
    format: str
    width: int | None
    height: int | None


@dataclasses.dataclass
class CloudinaryDouble:
    cloud_name: str = "rookery-test"
    api_key: str = "123456789012345"
    api_secret: str = "test-secret-" + uuid.uuid4().hex
    base_url: str = ""
    assets: dict[tuple[str, str, str], Asset] = dataclasses.field(default_factory=dict)  # (rtype, type, id)
    requests: list[tuple[str, str, dict[str, str]]] = dataclasses.field(default_factory=list)
    rejected: list[str] = dataclasses.field(default_factory=list)

    @property
    def url(self) -> str:
        return f"cloudinary://{self.api_key}:{self.api_secret}@{self.cloud_name}"

    def _check_signed(self, params: dict[str, str]) -> str | None:
        if params.get("api_key") != self.api_key:
            return "Unknown API key"
        if not params.get("timestamp", "").isdigit() or abs(time.time() - int(params["timestamp"])) > 3600:
            return "Stale request: timestamp missing or more than an hour off"
        if params.get("signature") != documented_signature(params, self.api_secret):
            return "Invalid Signature"
        return None

    def _delivery_url(self, rtype: str, kind: str, public_id: str, asset: Asset) -> str:
        suffix = f".{asset.format}" if asset.format else ""
        return f"{self.base_url}/{self.cloud_name}/{rtype}/{kind}/v{asset.version}/{public_id}{suffix}"

    # -- Upload API ----------------------------------------------------------------------------

    async def upload(self, request: Request) -> Response:
        rtype = request.path_params["rtype"]
        form = await request.form()
        upload = form.get("file")
        params = {name: value for name, value in form.items() if isinstance(value, str)}
        self.requests.append(("upload", rtype, params))
        if (problem := self._check_signed(params)) is not None:
            self.rejected.append(problem)
            return _error(401, problem)
        if upload is None or isinstance(upload, str):
            return _error(400, "Missing required parameter - file")
        data = await upload.read()
        kind, public_id = params.get("type", "upload"), params.get("public_id") or uuid.uuid4().hex
        width = height = None
        fmt = ""
        if rtype == "image":
            try:
                with Image.open(io.BytesIO(data)) as image:
                    width, height, fmt = image.width, image.height, FORMATS.get(image.format or "", "")
            except OSError:
                return _error(400, "Invalid image file")
        elif rtype == "video":
            fmt = "mp4"
        version = int(time.time()) + len(self.assets)
        asset = Asset(data=data, version=version, format=fmt, width=width, height=height)
        self.assets[(rtype, kind, public_id)] = asset
        url = self._delivery_url(rtype, kind, public_id, asset)
        body: dict[str, Any] = {
            "asset_id": uuid.uuid4().hex,
            "public_id": public_id,
            "version": version,
            "version_id": uuid.uuid4().hex,
            "signature": hashlib.sha1(
                f"public_id={public_id}&version={version}{self.api_secret}".encode()
            ).hexdigest(),
            "resource_type": rtype,
            "created_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "tags": [],
            "bytes": len(data),
            "type": kind,
            "etag": hashlib.md5(data).hexdigest(),
            "placeholder": False,
            "url": url,
            "secure_url": url,
            "access_mode": "public",
            "original_filename": "file",
            "api_key": self.api_key,
        }
        if fmt:
            body["format"] = fmt
        if width is not None:
            body |= {"width": width, "height": height}
        return JSONResponse(body)

    async def destroy(self, request: Request) -> Response:
        rtype = request.path_params["rtype"]
        params = {name: value for name, value in (await request.form()).items() if isinstance(value, str)}
        self.requests.append(("destroy", rtype, params))
        if (problem := self._check_signed(params)) is not None:
            self.rejected.append(problem)
            return _error(401, problem)
        gone = self.assets.pop((rtype, params.get("type", "upload"), params.get("public_id", "")), None)
        return JSONResponse({"result": "ok" if gone else "not found"})

    async def download(self, request: Request) -> Response:
        rtype = request.path_params["rtype"]
        params = dict(request.query_params)
        self.requests.append(("download", rtype, params))
        if (problem := self._check_signed(params)) is not None:
            self.rejected.append(problem)
            return _error(401, problem)
        asset = self.assets.get((rtype, params.get("type", "upload"), params.get("public_id", "")))
        if asset is None:
            return _error(404, "Resource not found")
        return Response(asset.data, media_type="application/octet-stream")

    # -- Admin API -----------------------------------------------------------------------------

    async def delete_by_prefix(self, request: Request) -> Response:
        rtype, kind = request.path_params["rtype"], request.path_params["kind"]
        params: dict[str, Any] = dict(request.query_params)  # the Admin API takes a query or a JSON body
        if request.headers.get("content-type", "").startswith("application/json"):
            params |= {name: value for name, value in (await request.json()).items() if value is not None}
        self.requests.append(("delete_resources", rtype, params))
        expected = "Basic " + base64.b64encode(f"{self.api_key}:{self.api_secret}".encode()).decode()
        if request.headers.get("authorization") != expected:
            self.rejected.append("Admin API without valid Basic auth")
            return _error(401, "Invalid credentials")
        prefix = params.get("prefix", "")
        if not prefix:
            return _error(400, "Missing required parameter - prefix")
        doomed = [
            key for key in self.assets if key[0] == rtype and key[1] == kind and key[2].startswith(prefix)
        ]
        for key in doomed:
            del self.assets[key]
        return JSONResponse({"deleted": {key[2]: "deleted" for key in doomed}, "partial": False})

    # -- delivery (the CDN) --------------------------------------------------------------------

    async def deliver(self, request: Request) -> Response:
        rtype, kind = request.path_params["rtype"], request.path_params["kind"]
        path = request.path_params["path"]  # v<version>/<public id>.<format>
        _, _, rest = path.partition("/")
        for (a_rtype, a_kind, public_id), asset in self.assets.items():
            public = (a_rtype, a_kind) == (rtype, kind) and kind == "upload"  # private: signed download only
            if public and rest in (public_id, f"{public_id}.{asset.format}"):
                # the CDN names the media type of what it serves (images by their format)
                return Response(asset.data, media_type=DELIVERED_TYPES.get(asset.format, "application/octet-stream"))
        return Response(status_code=404)

    def app(self) -> Starlette:
        prefix = f"/v1_1/{self.cloud_name}"
        return Starlette(
            routes=[
                Route(prefix + "/resources/{rtype}/{kind}", self.delete_by_prefix, methods=["DELETE"]),
                Route(prefix + "/{rtype}/upload", self.upload, methods=["POST"]),
                Route(prefix + "/{rtype}/destroy", self.destroy, methods=["POST"]),
                Route(prefix + "/{rtype}/download", self.download, methods=["GET"]),
                Route(f"/{self.cloud_name}/{{rtype}}/{{kind}}/{{path:path}}", self.deliver, methods=["GET"]),
            ]
        )


@contextlib.asynccontextmanager
async def running_double() -> AsyncIterator[CloudinaryDouble]:
    """Serve a fresh double on a free loopback port for the duration of the block."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    double = CloudinaryDouble(base_url=f"http://127.0.0.1:{port}")
    server = uvicorn.Server(uvicorn.Config(double.app(), host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield double
    finally:
        server.should_exit = True
        await task
