"""The few kinds of failure a use case reports on purpose; every domain and service error is one.

The API maps each kind to one answer in one table (``api.errors.ERROR_TABLE``): ``NotFound`` 404,
``Forbidden`` 403, ``RuleViolation`` 422, ``Conflict`` 409, ``TooLarge`` 413, ``Unauthorized``
401, ``BadRequest`` 400. The message (``str(error)``) is client-visible. Anything that is not a
``DomainError`` (a ``ValueError`` from a bug, say) is a server error, never a 4xx.
"""

from __future__ import annotations

from typing import ClassVar


class DomainError(Exception):
    """Root of every error raised on purpose by the domain and the services."""

    default_message: ClassVar[str] = "Request failed"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(self.default_message if message is None else message)

    @property
    def message(self) -> str:
        return str(self)


class NotFound(DomainError):
    """An id that does not exist, or that the caller may not know exists."""

    default_message = "Record not found"


class Forbidden(DomainError):
    """The caller may not do this at all."""

    default_message = "This action is not allowed"


class RuleViolation(DomainError):
    """A value or a change that breaks a rule.

    The API answers ``Validation failed: <message>``; a rule whose messages are already complete
    sentences for the client (chats, push, media uploads) sets ``prefixed = False``."""

    prefixed: ClassVar[bool] = True


class Conflict(DomainError):
    """The change collides with the current state (a concurrent change); trying again may work."""


class TooLarge(DomainError):
    """A payload over a size limit."""


class Unauthorized(DomainError):
    """The caller's credentials are missing, malformed, expired or revoked."""


class BadRequest(DomainError):
    """A request that is malformed as a whole (not one value breaking a rule)."""
