"""The FastAPI application: gateway middleware, error handlers and the routers of the roles."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI

from rookery.workloads import catalogue, observability
from rookery.workloads.api.errors import install_error_handlers
from rookery.workloads.api.fastpath import FastPath
from rookery.workloads.api.gateway import Gateway
from rookery.workloads.api.responses import JsonResponse

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


def create_app(container: Container) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await container.start()
        try:
            yield
        finally:
            await container.close()

    app = FastAPI(
        title="Rookery",
        version="0.1.0",
        description="Mastodon-compatible client API, plus chats.",
        default_response_class=JsonResponse,
        lifespan=lifespan,
        telemetry=_telemetry(),
    )
    app.state.container = container
    install_error_handlers(app)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    roles = set(container.roles)
    # ---- accounts role: OAuth, accounts, instance metadata ------------------------------------
    if "accounts" in roles:
        from rookery.workloads.api.routes import accounts, instance, oauth, preferences

        app.include_router(oauth.router)
        app.include_router(accounts.router)
        app.include_router(instance.router)
        app.include_router(preferences.router)

    # ---- F2: posts, graph, feed, notifications routers are included here -----------------------
    if roles & catalogue.SOCIAL_ROLES:  # posts, graph, feed, notifications
        from rookery.workloads.api.routes import graph, interactions, notifications, statuses, timelines

        app.include_router(timelines.router)  # first: the home timeline is the hottest read
        app.include_router(statuses.router)
        app.include_router(interactions.router)
        app.include_router(graph.router)
        app.include_router(notifications.router)
    if container.lists is not None:
        from rookery.workloads.api.routes import lists

        app.include_router(lists.router)

    # ---- media, chats, push (see _mount_media_chats_push below) ---------------------------------
    _mount_media_chats_push(app, container)

    # ---- streaming, conversations, search (see _mount_streaming_conversations_search) ------------
    _mount_streaming_conversations_search(app, container)

    # ---- reports, admin API, trends (see _mount_moderation_trends) ------------------------------
    _mount_moderation_trends(app, container)

    # the hottest reads (home, account statuses) answered without FastAPI's routing, behind the edge
    if container.settings.fast_path_enabled:
        app.add_middleware(FastPath)
    # the edge wraps every route (pure ASGI); added last so it runs first
    app.add_middleware(Gateway, container=container)
    # traces to Zipkin when ROOKERY_ZIPKIN_URL is set (outermost: the span covers the edge); else nothing
    observability.install(app, container)
    return app


def _mount_media_chats_push(app: FastAPI, container: Container) -> None:
    from rookery.workloads.api.routes import chats, media, push

    if "messaging" in container.roles:
        app.include_router(chats.router)
        app.openapi_tags = [*(app.openapi_tags or []), chats.OPENAPI_TAG]
    if "notifications" in container.roles:
        app.include_router(push.router)
    if "media" in container.roles:
        app.include_router(media.router)
        store = container.media.stores.files if container.media is not None else container.infra.media_store
        # local disk: serve the files (production: the CDN does)
        if store is not None and hasattr(store, "asgi_app") and hasattr(store, "mount_path"):
            app.mount(store.mount_path, store.asgi_app(), name="media-files")


def _mount_streaming_conversations_search(app: FastAPI, container: Container) -> None:
    from rookery.workloads.api import streaming
    from rookery.workloads.api.routes import conversations, search, tags

    if container.streaming_hub is not None:
        app.include_router(streaming.router)
    if container.conversations is not None:
        app.include_router(conversations.router)
    if container.search is not None:
        app.include_router(search.router)
        app.include_router(tags.router)


def _mount_moderation_trends(app: FastAPI, container: Container) -> None:
    from rookery.workloads.api.routes import admin, reports, trends

    if container.admin is not None:
        app.include_router(reports.router)
        app.include_router(admin.router)
    if container.admin is not None:
        app.include_router(trends.router)
