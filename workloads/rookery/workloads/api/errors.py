"""Mastodon-shaped errors: every failure is ``{"error": "..."}`` with a 4xx (or 503) status.

One table maps the domain's error kinds (``rookery.workloads.domain.errors``) to their answers;
routes raise, they never translate. ``ApiError`` is for the API's own answers (a missing
parameter, a token, a content type); anything else that escapes a route is a 500.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from rookery.workloads.api.responses import JsonResponse
from rookery.workloads.domain.errors import (
    BadRequest,
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    RuleViolation,
    TooLarge,
    Unauthorized,
)
from rookery.workloads.domain.oauth import OAuthError
from rookery.workloads.domain.unavailable import StoreUnavailable
from rookery.workloads.services.streaming import StreamRejected

__all__ = ["ERROR_TABLE", "ApiError", "Forbidden", "NotFound", "Unprocessable", "domain_error_response"]

log = logging.getLogger("rookery.api")


class ApiError(Exception):
    """An answer of the API layer itself (a parameter, a token, a content type), with its status."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


class Unprocessable(RuleViolation):
    """A request parameter the API itself refuses (422, the message as it is)."""

    prefixed = False


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> JsonResponse:
    return JsonResponse({"error": message}, status_code=status, headers=headers)


def _plain(status: int) -> Callable[[Any], JsonResponse]:
    def render(exc: DomainError) -> JsonResponse:
        return error_response(status, exc.message)

    return render


def _rule_violation(exc: RuleViolation) -> JsonResponse:
    return error_response(422, f"Validation failed: {exc.message}" if exc.prefixed else exc.message)


def _oauth(exc: OAuthError) -> JsonResponse:  # RFC 6749's own shape on the OAuth endpoints
    return JsonResponse({"error": exc.error, "error_description": exc.description}, status_code=exc.status)


def _stream(exc: StreamRejected) -> JsonResponse:  # the status Mastodon's stream rules chose
    return error_response(exc.status, exc.message)


# The one table: each kind of domain error and its answer; the nearest kind in the MRO wins.
ERROR_TABLE: dict[type[DomainError], Callable[[Any], JsonResponse]] = {
    BadRequest: _plain(400),
    Unauthorized: _plain(401),
    Forbidden: _plain(403),
    NotFound: _plain(404),
    Conflict: _plain(409),
    TooLarge: _plain(413),
    RuleViolation: _rule_violation,
    OAuthError: _oauth,
    StreamRejected: _stream,
}


def domain_error_response(exc: DomainError) -> JsonResponse:
    for cls in type(exc).__mro__:
        render = ERROR_TABLE.get(cls)
        if render is not None:
            return render(exc)
    return error_response(400, exc.message)  # a bare DomainError: the client's fault, say so


def _describe_validation(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "form"))
        parts.append(f"{loc}: {err.get('msg', 'invalid')}" if loc else str(err.get("msg", "invalid")))
    return "Validation failed: " + "; ".join(parts)


def install_error_handlers(app: FastAPI) -> None:
    handlers: dict[type[Exception], Callable[[Request, Any], Any]] = {}

    async def _domain_error(request: Request, exc: DomainError) -> JsonResponse:
        return domain_error_response(exc)

    async def _api_error(request: Request, exc: ApiError) -> JsonResponse:
        return error_response(exc.status, exc.message, exc.headers)

    async def _http_error(request: Request, exc: StarletteHTTPException) -> JsonResponse:
        message = exc.detail if isinstance(exc.detail, str) else "Request failed"
        return error_response(exc.status_code, message, dict(exc.headers or {}))

    async def _validation_error(request: Request, exc: RequestValidationError) -> JsonResponse:
        return error_response(422, _describe_validation(exc))

    async def _store_unavailable(request: Request, exc: StoreUnavailable) -> JsonResponse:
        return error_response(503, f"Service temporarily unavailable: {exc}", {"Retry-After": "5"})

    async def _unexpected(request: Request, exc: Exception) -> JsonResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, "Internal server error")

    handlers[DomainError] = _domain_error
    handlers[ApiError] = _api_error
    handlers[StarletteHTTPException] = _http_error
    handlers[RequestValidationError] = _validation_error
    handlers[StoreUnavailable] = _store_unavailable
    handlers[Exception] = _unexpected
    for cls, handler in handlers.items():
        app.add_exception_handler(cls, handler)
