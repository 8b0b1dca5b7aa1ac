"""Accounts role: accounts and profiles, markers, OAuth apps, codes and tokens, the embedded issuer's
signing keys and where the validator gets a JWKS document. SQLite embedded; PostgreSQL in production.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any, Protocol

from rookery.workloads.domain.accounts import Account, AccountUsage
from rookery.workloads.domain.oauth import AuthorizationCode, OAuthApp, TokenRecord
from rookery.workloads.domain.timelines import Marker


class AccountRepository(Protocol):
    """Accounts by id, username (case-insensitive) and e-mail.

    ``create`` raises ``domain.accounts.AccountTaken`` when the username or e-mail is in use.
    ``adjust_counts`` is called by other roles (graph, posts) with deltas; it is its own write, so
    never call it while holding an open embedded transaction.
    """

    async def get(self, account_id: int) -> Account | None: ...

    async def get_many(self, account_ids: Sequence[int]) -> dict[int, Account]: ...

    async def by_username(self, username: str) -> Account | None: ...

    async def by_email(self, email: str) -> Account | None: ...

    async def search(self, query: str, limit: int, offset: int = 0) -> list[Account]: ...

    async def create(self, account: Account) -> None: ...

    async def update(self, account: Account) -> None: ...

    async def adjust_counts(
        self,
        account_id: int,
        followers: int = 0,
        following: int = 0,
        statuses: int = 0,
        last_status_at: datetime.date | None = None,
    ) -> None: ...

    async def directory(self, order: str, limit: int, offset: int = 0) -> list[Account]:
        """Discoverable accounts in good standing for the profile directory and suggestions:
        ``order`` "active" (last_status_at, newest first; never-posted last), "new" (newest
        accounts first) or "popular" (most followers first)."""
        ...

    async def usage(self, month_since: datetime.date, halfyear_since: datetime.date) -> AccountUsage:
        """Accounts that are not suspended, the sum of their statuses_count, and how many of them
        posted on or after each day (their last_status_at)."""
        ...


class OAuthStore(Protocol):
    async def create_app(self, app: OAuthApp) -> None: ...

    async def app(self, app_id: int) -> OAuthApp | None: ...

    async def app_by_client_id(self, client_id: str) -> OAuthApp | None: ...

    async def save_code(self, code: AuthorizationCode) -> None: ...

    async def take_code(self, digest: str) -> AuthorizationCode | None:
        """Return and delete the code (single use)."""
        ...

    async def save_token(self, token: TokenRecord) -> None: ...

    async def token(self, jti: str) -> TokenRecord | None: ...

    async def token_by_refresh(self, refresh_digest: str) -> TokenRecord | None: ...

    async def revoke(self, jti: str, at: datetime.datetime) -> bool:
        """Mark revoked; False when unknown or already revoked."""
        ...

    async def revoked_since(self, not_expired_at: datetime.datetime) -> list[str]:
        """jtis of revoked tokens that have not expired yet (loaded into the in-process deny list)."""
        ...


class MarkerStore(Protocol):
    """A user's last-read position per timeline (Mastodon markers)."""

    async def get(self, account_id: int, timelines: list[str]) -> dict[str, Marker]: ...

    async def save(
        self, account_id: int, timeline: str, last_read_id: int, at: datetime.datetime
    ) -> Marker: ...


class SigningKeys(Protocol):
    """The embedded issuer's RS256 keys: the current private key and the public JWKS document."""

    @property
    def kid(self) -> str: ...

    def private_key_pem(self) -> bytes: ...

    def jwks(self) -> dict[str, Any]: ...


class JwksSource(Protocol):
    """Where the token validator gets the issuer's JWKS document (local keys or an HTTP issuer)."""

    async def fetch(self) -> dict[str, Any]: ...
