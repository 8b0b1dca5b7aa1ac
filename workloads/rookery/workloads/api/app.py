"""The FastAPI application: gateway middleware, error handlers and the routers of the roles."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Sequence
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from rookery.workloads import catalogue, observability
from rookery.workloads.api import webclient
from rookery.workloads.api.cors import Cors
from rookery.workloads.api.errors import install_error_handlers
from rookery.workloads.api.fastpath import FastPath
from rookery.workloads.api.forwarded import PublicOrigin
from rookery.workloads.api.gateway import Gateway
from rookery.workloads.api.responses import JsonResponse
from rookery.workloads.api.roles import ROUTES, RouterModule, router_of

if TYPE_CHECKING:
    from rookery.workloads.bootstrap import Container


def _telemetry() -> Any:
    """FastAPI's native OpenTelemetry instrumentation asks on every request whether a tracer,
    meter or logger provider is configured (reading environment variables each time). Ask once,
    when the app is built: with none configured by then (no SDK installed by the process or by
    `opentelemetry-instrument`), it is switched off; configured, it stays as FastAPI sets it."""
    try:
        from fastapi.telemetry._api import _unconfigured
        from opentelemetry import metrics, trace
        from opentelemetry._logs import get_logger_provider
    except ImportError:
        return None
    providers = (trace.get_tracer_provider(), metrics.get_meter_provider(), get_logger_provider())
    if all(_unconfigured(provider) for provider in providers):
        return {"tracing": False, "metrics": False, "logs": False}
    return None


class RookeryApi(FastAPI):
    """FastAPI without what it runs on every request for nothing here. With FastAPI's own telemetry
    switched off (``_telemetry``) an HTTP request goes straight to the middleware stack: no
    per-request check of the tracer, meter and logger providers. The stack loses the layers that
    can never act then: the exception-telemetry layer (it reports only on requests that telemetry
    marked) and the app-wide body limit (none is set: the gateway enforces Rookery's own).
    Together ~4% of a kept page's CPU on `rookery up` (bench/results/floor.md)."""

    container: Container  # what the routes read (api/deps.py's ``container``), set by ``base_app``

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.telemetry_off = kwargs.get("telemetry") is not None and not any(kwargs["telemetry"].values())

    def build_middleware_stack(self) -> ASGIApp:
        stack = super().build_middleware_stack()
        inert = _inert_layers(self.telemetry_off, self.max_body_size is None)
        layer = stack
        while (inner := getattr(layer, "app", None)) is not None and isinstance(inner, inert):
            layer.app = inner.app  # type: ignore[attr-defined]
        return stack

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.telemetry_off and not self.root_path:
            scope["app"] = self
            if self.middleware_stack is None:
                self.middleware_stack = self.build_middleware_stack()
            await self.middleware_stack(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def _inert_layers(telemetry_off: bool, no_body_limit: bool) -> tuple[type, ...]:
    """The classes of FastAPI's outer layers that pass every request through unchanged here."""
    inert: list[type] = []
    try:
        if telemetry_off:
            from fastapi.telemetry._asgi import ExceptionTelemetryMiddleware

            inert.append(ExceptionTelemetryMiddleware)
        if no_body_limit:
            from fastapi._body_limit import AppBodyLimitMiddleware

            inert.append(AppBodyLimitMiddleware)
    except ImportError:  # another FastAPI: its stack as it is
        return ()
    return tuple(inert)


def base_app(container: Container, *, on_close: Sequence[Callable[[], Awaitable[None]]] = ()) -> RookeryApi:
    """What every serving app starts from: the container's lifespan (``on_close`` runs first at
    shutdown), JSON error handlers, /healthz."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await container.start()
        try:
            yield
        finally:
            for close in on_close:
                await close()
            await container.close()

    app = RookeryApi(
        title="Rookery",
        version="0.1.0",
        description="Mastodon-compatible client API, plus chats.",
        default_response_class=JsonResponse,
        lifespan=lifespan,
        telemetry=_telemetry(),
    )
    app.container = container
    install_error_handlers(app)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def create_app(container: Container, serve: Collection[str] | None = None) -> RookeryApi:
    """The API app of this process: every role it built, or with ``serve`` only those roles' routes
    (topology split: a role's process; the gateway routes the rest elsewhere)."""
    app = base_app(container)
    _mount_role_routers(app, container, serve)

    # the hottest reads (home, account statuses) answered without FastAPI's routing, behind the edge
    if container.settings.fast_path_enabled:
        app.add_middleware(FastPath)
    # the edge wraps every route (pure ASGI); added last so it runs first
    # (a role's process in topology split: from the gateway only, when ROOKERY_INTERNAL_TOKEN is set)
    app.add_middleware(Gateway, container=container, internal_only=serve is not None)
    # before the edge: preflights need no token and draw no rate limit (split: the gateway does it)
    if serve is None:
        app.add_middleware(Cors)
        webclient.install(app, container.settings)  # the web client at / (a role's process in split: no)
    # the client's scheme and host from trusted proxies; redirects on the public origin
    app.add_middleware(PublicOrigin, settings=container.settings, internal_only=serve is not None)
    # traces to Zipkin when ROOKERY_ZIPKIN_URL is set (outermost: the span covers the edge); else nothing
    observability.install(app, container)
    return app


def _available(container: Container, entry: RouterModule) -> bool:
    """Whether this process built what the module's routes call."""
    roles = set(container.roles)
    module = entry.module
    if module == "routes.lists":
        return container.lists is not None
    if module == "streaming":
        return container.streaming_hub is not None
    if module == "routes.conversations":
        return container.conversations is not None
    if module in ("routes.search", "routes.tags"):
        return container.search is not None
    if module in ("routes.reports", "routes.admin", "routes.trends"):
        return container.admin is not None
    if entry.role in catalogue.SOCIAL_ROLES and module not in ("routes.push",):
        return bool(roles & catalogue.SOCIAL_ROLES)  # the social core serves all of its routers
    return entry.role in roles


def _mount_role_routers(app: FastAPI, container: Container, serve: Collection[str] | None) -> None:
    """Each role's routers (api/roles.py), in the monolith's order; ``serve`` keeps only those roles'
    (a role's process in topology split), else everything this process built."""
    from rookery.workloads.api.routes import chats

    for entry in ROUTES:
        if serve is not None and entry.role not in serve:
            continue
        if not _available(container, entry):
            continue
        app.include_router(router_of(entry))
        if entry.module == "routes.chats":
            app.openapi_tags = [*(app.openapi_tags or []), chats.OPENAPI_TAG]
        if entry.module == "routes.media":
            store = container.media.stores.files if container.media is not None else container.infra.media_store
            # local disk: serve the files (production: the CDN does)
            if store is not None and hasattr(store, "asgi_app") and hasattr(store, "mount_path"):
                app.mount(store.mount_path, store.asgi_app(), name="media-files")
