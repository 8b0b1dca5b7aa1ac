"""The FastAPI application: gateway middleware, error handlers and the routers of the roles."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI
from fastapi.responses import ORJSONResponse

from rookery.workloads.api.errors import install_error_handlers
from rookery.workloads.bootstrap import Container


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
        default_response_class=ORJSONResponse,
        lifespan=lifespan,
    )
    app.state.container = container
    install_error_handlers(app)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    # routers of each role are included here (by role), e.g.
    # app.include_router(accounts.router)
    return app
