"""The hottest reads without FastAPI's routing and dependency resolution (pure ASGI).

``GET /api/v1/timelines/home``, ``GET /api/v1/accounts/:id/statuses`` and ``GET /api/v{1,2}/instance``
(what every client reads first, and the per-request floor of ``make bench``) are matched here, behind
the gateway (request id, body limits, token validation, rate limits already done), and answered
by calling the same route functions with the same access checks the FastAPI routes declare
(``require_user("read:statuses")``, ``reader``) and the same service accessors (api/deps.py): the
responses, errors, pagination and ``Link`` headers are the routes' own. What FastAPI would add
per request (matching every route in order, building the dependency graph, the exception
middleware) is skipped: on `rookery up` that was about half of a home-timeline request
(bench/results/profile.md).

Client errors (DomainError, ApiError, StoreUnavailable, HTTPException) are answered by the app's own exception
handlers; anything else propagates exactly as it would from the router. Every other request, and
any method but GET, goes to the FastAPI app unchanged; the FastAPI routes stay for OpenAPI and as
the path for everything else. ``scope["route"]`` carries the route template for the RED metrics.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from rookery.workloads.api.deps import (
    accounts_service,
    app_settings,
    feed_service,
    graph_service,
    instance_content,
    optional_auth,
    optional_push_service,
    reader,
    require_user,
    status_views,
)
from rookery.workloads.api.routes import instance, timelines

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

HOME = "/api/v1/timelines/home"
ACCOUNT_PREFIX, ACCOUNT_SUFFIX = "/api/v1/accounts/", "/statuses"
_home_access = require_user("read:statuses")


class RouteTemplate:
    """What the RED metrics read from ``scope["route"]``: the path template."""

    __slots__ = ("path",)

    def __init__(self, path: str) -> None:
        self.path = path


HOME_ROUTE = RouteTemplate(HOME)
ACCOUNT_ROUTE = RouteTemplate("/api/v1/accounts/{account_id}/statuses")


async def _home(request: Request) -> Response:
    ctx = await _home_access(request)
    return await timelines.home(request, await feed_service(request), await status_views(request), ctx)


async def _instance_v1(request: Request) -> Response:
    settings, accounts = await app_settings(request), await accounts_service(request)
    return await instance.get_instance_v1(request, settings, accounts, await instance_content(request))


async def _instance_v2(request: Request) -> Response:
    settings, accounts = await app_settings(request), await accounts_service(request)
    content, push = await instance_content(request), await optional_push_service(request)
    return await instance.get_instance_v2(request, settings, accounts, content, push)


# the paths answered here without parameters: handler and route template
EXACT: dict[str, tuple[Callable[[Request], Awaitable[Response]], RouteTemplate]] = {
    HOME: (_home, HOME_ROUTE),
    "/api/v1/instance": (_instance_v1, RouteTemplate("/api/v1/instance")),
    "/api/v2/instance": (_instance_v2, RouteTemplate("/api/v2/instance")),
}


def _account_statuses(account_id: str) -> Callable[[Request], Awaitable[Response]]:
    async def handler(request: Request) -> Response:
        viewer = await reader(await optional_auth(request))
        feed, views = await feed_service(request), await status_views(request)
        return await timelines.account_statuses(request, account_id, viewer, await graph_service(request), feed, views)

    return handler


class FastPath:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            path: str = scope["path"]
            handler: Callable[[Request], Awaitable[Response]] | None = None
            exact = EXACT.get(path)
            if exact is not None:
                handler, scope["route"] = exact
            elif path.startswith(ACCOUNT_PREFIX) and path.endswith(ACCOUNT_SUFFIX):
                account_id = path[len(ACCOUNT_PREFIX) : -len(ACCOUNT_SUFFIX)]
                if account_id and "/" not in account_id:
                    handler, scope["route"] = _account_statuses(account_id), ACCOUNT_ROUTE
                    scope["path_params"] = {"account_id": account_id}
            if handler is not None:
                await self._serve(handler, scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _serve(
        self, handler: Callable[[Request], Awaitable[Response]], scope: Scope, receive: Receive, send: Send
    ) -> None:
        request = Request(scope, receive)
        try:
            response = await handler(request)
        except Exception as exc:
            exception_handler = _handler_for(scope["app"].exception_handlers, exc)
            if exception_handler is None:
                raise
            response = exception_handler(request, exc)
            if inspect.isawaitable(response):
                response = await response
        await response(scope, receive, send)


def _handler_for(handlers: dict[Any, Any], exc: Exception) -> Any:
    """The app's handler for this exception class (nearest in the MRO), as Starlette looks it up;
    the catch-all ``Exception`` handler is left to the server-error middleware, as in the router."""
    for cls in type(exc).__mro__:
        if cls is Exception:
            return None
        if cls in handlers:
            return handlers[cls]
    return None
