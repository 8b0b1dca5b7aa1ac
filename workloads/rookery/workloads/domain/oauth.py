"""OAuth 2 as Mastodon speaks it: apps, scopes, authorization codes with PKCE, token metadata.

Scope semantics (Mastodon's): a top-level scope implies its granular ones (``read`` grants
``read:statuses``), the legacy ``follow`` scope grants reading and writing follows, blocks and
mutes, ``admin:read`` grants every ``admin:read:*``. An endpoint accepts a token that satisfies
any one of the scopes it lists.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import hmac

from rookery.workloads.domain import errors

TOP_LEVEL = frozenset({"read", "write", "follow", "push", "profile", "admin:read", "admin:write"})
GRANULAR = frozenset(
    {
        f"read:{name}"
        for name in (
            "accounts",
            "blocks",
            "bookmarks",
            "favourites",
            "filters",
            "follows",
            "lists",
            "mutes",
            "notifications",
            "search",
            "statuses",
            "chats",
        )
    }
    | {
        f"write:{name}"
        for name in (
            "accounts",
            "blocks",
            "bookmarks",
            "conversations",
            "favourites",
            "filters",
            "follows",
            "lists",
            "media",
            "mutes",
            "notifications",
            "reports",
            "statuses",
            "chats",
        )
    }
    | {
        f"admin:read:{name}"
        for name in (
            "accounts",
            "reports",
            "domain_allows",
            "domain_blocks",
            "ip_blocks",
            "email_domain_blocks",
            "canonical_email_blocks",
        )
    }
    | {
        f"admin:write:{name}"
        for name in (
            "accounts",
            "reports",
            "domain_allows",
            "domain_blocks",
            "ip_blocks",
            "email_domain_blocks",
            "canonical_email_blocks",
        )
    }
)
VALID_SCOPES = TOP_LEVEL | GRANULAR
DEFAULT_SCOPES = frozenset({"read"})
FOLLOW_GRANTS = frozenset(
    {"read:follows", "write:follows", "read:blocks", "write:blocks", "read:mutes", "write:mutes"}
)
OOB_REDIRECT = "urn:ietf:wg:oauth:2.0:oob"
GRANT_TYPES = ("authorization_code", "password", "client_credentials", "refresh_token")


class OAuthError(errors.DomainError):
    """An RFC 6749 error: ``error`` is the code (invalid_grant ...), ``status`` the HTTP status;
    the OAuth endpoints answer it in RFC 6749's shape, ``{"error", "error_description"}``."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


class AppRejected(errors.RuleViolation, OAuthError):
    """An app registration that breaks a rule (blank name, bad redirect URI, unknown scope): the
    API answers 422 ``Validation failed: <description>``."""

    def __init__(self, description: str, error: str = "invalid_client_metadata") -> None:
        OAuthError.__init__(self, error, description, 422)


class AuthorizationRejected(errors.BadRequest, OAuthError):
    """An authorization request (the login page) naming an unknown app, a redirect URI or scopes
    the app was not registered with: the API answers 400 with the description as the message."""

    def __init__(self, error: str, description: str) -> None:
        OAuthError.__init__(self, error, description, 400)


def parse_scopes(text: str | None, default: frozenset[str] = DEFAULT_SCOPES) -> frozenset[str]:
    """Space- (or '+'-) separated scopes; OAuthError(invalid_scope) for unknown ones."""
    if text is None or not text.strip():
        return default
    scopes = frozenset(text.replace("+", " ").split())
    unknown = sorted(scopes - VALID_SCOPES)
    if unknown:
        raise OAuthError(
            "invalid_scope", f"The requested scope is invalid, unknown, or malformed: {unknown[0]}"
        )
    return scopes


def scope_granted(granted: frozenset[str], required: str) -> bool:
    if required in granted:
        return True
    parts = required.split(":")
    if parts[0] == "admin":
        return len(parts) == 3 and f"admin:{parts[1]}" in granted
    if len(parts) == 2 and parts[0] in granted:
        return True
    return required in FOLLOW_GRANTS and "follow" in granted


def any_scope_granted(granted: frozenset[str], required: tuple[str, ...]) -> bool:
    return not required or any(scope_granted(granted, scope) for scope in required)


def scopes_within(requested: frozenset[str], allowed: frozenset[str]) -> bool:
    """Whether a token may carry ``requested`` when its app registered ``allowed``."""
    return all(scope_granted(allowed, scope) for scope in requested)


def pkce_matches(verifier: str, challenge: str, method: str) -> bool:
    if method == "S256":
        digest = hashlib.sha256(verifier.encode()).digest()
        computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    else:
        computed = verifier
    return hmac.compare_digest(computed, challenge)


def secret_digest(secret: str) -> str:
    """What is stored for codes and refresh tokens: never the secret itself."""
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclasses.dataclass(frozen=True, slots=True)
class AuthContext:
    """Who is calling: the verified claims of a bearer token."""

    account_id: int | None  # None for an app-only (client_credentials) token
    app_id: int | None
    scopes: frozenset[str]
    token_id: str  # the token's jti
    expires_at: float = 0.0  # unix time

    @property
    def user_id(self) -> int:
        """The account id of a user token (routes behind require_user only)."""
        if self.account_id is None:
            raise ValueError("app-only token has no user")
        return self.account_id

    def allows(self, *scopes: str) -> bool:
        return any_scope_granted(self.scopes, scopes)


@dataclasses.dataclass(frozen=True, slots=True)
class OAuthApp:
    id: int
    name: str
    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]
    scopes: frozenset[str]
    website: str | None
    created_at: dt.datetime

    def accepts_redirect(self, uri: str) -> bool:
        return uri in self.redirect_uris


@dataclasses.dataclass(frozen=True, slots=True)
class AuthorizationCode:
    digest: str  # secret_digest(code)
    app_id: int
    account_id: int
    scopes: frozenset[str]
    redirect_uri: str
    code_challenge: str | None
    code_challenge_method: str | None
    expires_at: dt.datetime


@dataclasses.dataclass(frozen=True, slots=True)
class TokenRecord:
    """Metadata of an issued access token (the JWT itself is never stored)."""

    jti: str
    app_id: int | None
    account_id: int | None
    scopes: frozenset[str]
    created_at: dt.datetime
    expires_at: dt.datetime
    refresh_digest: str | None = None
    refresh_expires_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None
