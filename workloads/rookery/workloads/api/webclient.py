"""The web client (web/, built by Vite into web/dist) served at ``/`` by the gateway, in every mode.

Pure ASGI in front of the API: a GET or HEAD of a path the server does not own is the client's.
``/assets/*`` (content-hashed names) are cached for a year; any other path answers ``index.html``
(never cached, so a new build is picked up at once), which the client routes itself. For public
profiles and posts (``/@user``, ``/@user/:id``) the page's title, description and OpenGraph tags are
rendered in (see ``public_pages``)."""

from __future__ import annotations

import html
import pathlib
import sys
from typing import TYPE_CHECKING, Any

from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from rookery.workloads.api.public_pages import page_meta

if TYPE_CHECKING:
    from rookery.workloads.settings import Settings

# the server's own paths (API, OAuth pages, discovery, media, operations); web/src/router.ts's
# isClientPath agrees, and a unit test checks every route of the app is covered
SERVER_PREFIXES = (
    "/api/", "/oauth/", "/.well-known/", "/nodeinfo/", "/system/", "/avatars/", "/headers/",
)  # fmt: skip
SERVER_PATHS = frozenset(
    {"/healthz", "/readyz", "/metrics", "/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"}
)

IMMUTABLE = "public, max-age=31536000, immutable"
# the page runs only its own scripts: HTML that reaches the DOM from posts, names or chats cannot
# bring a script along, even if it slipped past the client's sanitiser
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob: http: https:;"
    " media-src 'self' blob: http: https:; connect-src 'self' ws: wss: http: https:; font-src 'self';"
    " object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
NOT_BUILT = (
    "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Rookery</title></head><body>"
    "<h1>Rookery is running</h1><p>The web client is not built on this machine: <code>make up</code> builds it"
    " when Node.js and npm are installed (or <code>cd web &amp;&amp; npm ci &amp;&amp; npm run build</code>)."
    " Any Mastodon app works with this server meanwhile.</p></body></html>"
)

def is_server_path(path: str) -> bool:
    return path in SERVER_PATHS or path.startswith(SERVER_PREFIXES) or path + "/" in SERVER_PREFIXES


def locate(settings: Settings) -> pathlib.Path | None:
    """The built client: ROOKERY_WEB_DIR, else the wheel's copy (rookery/workloads/webclient), else
    web/dist of a source checkout, else the image's /opt/rookery/web (sys.prefix/web)."""
    here = pathlib.Path(__file__).resolve()
    candidates = [
        settings.web_dir,
        here.parents[1] / "webclient",
        here.parents[4] / "web" / "dist",
        pathlib.Path(sys.prefix) / "web",
    ]
    for candidate in candidates:
        if candidate is not None and (candidate / "index.html").is_file():
            return candidate.resolve()
    return None


def render_head(index: str, meta: dict[str, str]) -> str:
    """index.html with its <title> replaced and description/OpenGraph tags added (all escaped)."""
    title = html.escape(meta["title"], quote=True)
    tags = [f"<title>{title}</title>"]
    if description := meta.get("description"):
        tags.append(f'<meta name="description" content="{html.escape(description, quote=True)}" />')
    for key in ("title", "description", "type", "url", "image", "site_name"):
        if value := meta.get(key):
            tags.append(f'<meta property="og:{key}" content="{html.escape(value, quote=True)}" />')
    tags.append('<meta name="twitter:card" content="summary" />')
    start, end = index.find("<title>"), index.find("</title>")
    if start < 0 or end < 0:
        return index.replace("</head>", "\n".join(tags) + "</head>", 1)
    return index[:start] + "\n    ".join(tags) + index[end + len("</title>") :]


class WebClient:
    """Serves the client from ``root`` for paths that are not the server's; the rest goes to ``app``
    (which public pages read from, as a visitor)."""

    def __init__(self, app: ASGIApp, root: pathlib.Path | None, site_name: str = "Rookery") -> None:
        self.app = app
        self.root = root
        self.site_name = site_name
        self._index: tuple[float, str] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD") or is_server_path(path):
            await self.app(scope, receive, send)
            return
        response = await self.respond(scope)
        await response(scope, receive, send)

    async def respond(self, scope: Scope) -> Response:
        path = scope["path"]
        if self.root is None:
            status = 200 if path == "/" else 404
            return HTMLResponse(NOT_BUILT, status_code=status, headers={"Cache-Control": "no-store"})
        if path.startswith("/assets/"):
            file = self._file(path)
            if file is None:
                return Response("Not Found", status_code=404, media_type="text/plain")
            return FileResponse(file, headers={"Cache-Control": IMMUTABLE})
        if path != "/" and "." in path.rsplit("/", 1)[-1] and (file := self._file(path)) is not None:
            return FileResponse(file, headers={"Cache-Control": "public, max-age=3600"})
        index = self.index()
        status = 200
        if path.startswith("/@"):
            meta = await page_meta(self.app, scope, self.site_name)
            if meta is None:
                status = 404  # the client shows its own "not found"; nothing of a hidden page is rendered
            elif meta:
                index = render_head(index, meta)
        headers = {"Cache-Control": "no-store", "Content-Security-Policy": CONTENT_SECURITY_POLICY}
        return HTMLResponse(index, status_code=status, headers=headers)

    def index(self) -> str:
        """index.html, read again when a new build replaced it."""
        assert self.root is not None
        file = self.root / "index.html"
        modified = file.stat().st_mtime
        if self._index is None or self._index[0] != modified:
            self._index = (modified, file.read_text())
        return self._index[1]

    def _file(self, path: str) -> pathlib.Path | None:
        assert self.root is not None
        candidate = (self.root / path.lstrip("/")).resolve()
        if not candidate.is_relative_to(self.root) or not candidate.is_file():
            return None
        return candidate


def install(app: Any, settings: Settings) -> None:
    """Adds the web client in front of ``app``'s routes (call before the CORS/origin middleware)."""
    app.add_middleware(WebClient, root=locate(settings), site_name=settings.instance_title)
