"""MediaStore on local disk (`rookery up`): files under ``<data_dir>/media``, served at /system/media.

Layout: ``public/<media id>/<variant><ext>`` is what the web serves; ``private/<media id>/upload``
holds raw uploads awaiting processing and is never served. Names are built from an integer id and a
fixed variant vocabulary, and the static app below resolves only inside ``public/``: a request path
cannot reach anything else.
"""

from __future__ import annotations

import asyncio
import pathlib
import re
import shutil

from starlette.responses import PlainTextResponse
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from rookery.workloads.domain.media import EXTENSIONS, UPLOAD

_VARIANT = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


def _write(path: pathlib.Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)  # readers never see a half-written file


class LocalMediaStore:
    def __init__(self, root: pathlib.Path, base_url: str, mount_path: str = "/system/media") -> None:
        self.root = pathlib.Path(root)
        self.public = self.root / "public"
        self.private = self.root / "private"
        self.base_url = base_url.rstrip("/")
        self.mount_path = mount_path

    def _public_dir(self, media_id: int) -> pathlib.Path:
        return self.public / str(int(media_id))

    def _check(self, variant: str) -> None:
        if not _VARIANT.match(variant):
            raise ValueError(f"bad media variant {variant!r}")

    async def put(self, media_id: int, variant: str, data: bytes, content_type: str) -> str:
        self._check(variant)
        if variant == UPLOAD:
            await asyncio.to_thread(_write, self.private / str(int(media_id)) / UPLOAD, data)
            return ""
        name = variant + EXTENSIONS.get(content_type, ".bin")
        directory = self._public_dir(media_id)
        for stale in directory.glob(f"{variant}.*"):  # a re-processed variant may change format
            if stale.name != name:
                stale.unlink(missing_ok=True)
        await asyncio.to_thread(_write, directory / name, data)
        return f"{self.base_url}{self.mount_path}/{int(media_id)}/{name}"

    async def get(self, media_id: int, variant: str) -> bytes | None:
        self._check(variant)
        if variant == UPLOAD:
            path = self.private / str(int(media_id)) / UPLOAD
            return await asyncio.to_thread(path.read_bytes) if path.exists() else None
        for path in self._public_dir(media_id).glob(f"{variant}.*"):
            if not path.name.endswith(".part"):
                return await asyncio.to_thread(path.read_bytes)
        return None

    async def delete(self, media_id: int, variant: str | None = None) -> None:
        if variant is None:
            for directory in (self._public_dir(media_id), self.private / str(int(media_id))):
                await asyncio.to_thread(shutil.rmtree, directory, True)
            return
        self._check(variant)
        if variant == UPLOAD:
            (self.private / str(int(media_id)) / UPLOAD).unlink(missing_ok=True)
            return
        for path in self._public_dir(media_id).glob(f"{variant}.*"):
            path.unlink(missing_ok=True)

    def asgi_app(self) -> ASGIApp:
        """Serves ``public/`` (Starlette's StaticFiles refuses paths that leave its directory)."""
        # nothing is created before the first upload (a production process writes nothing at start):
        # until then every path is simply not found
        files = StaticFiles(directory=self.public, check_dir=False)

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http" and not self.public.is_dir():
                await PlainTextResponse("Not Found", status_code=404)(scope, receive, send)
                return
            await files(scope, receive, send)

        return app
