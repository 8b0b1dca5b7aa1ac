"""The account repository as the admin role sees it (a decorator, like search's
``IndexedAccountRepository``): a new account is made known to the admin accounts list (the
moderation store) and counted as a sign-up (analytics). Everything else passes through."""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from rookery.workloads.delegation import delegate
from rookery.workloads.domain.accounts import Account
from rookery.workloads.ports.accounts import AccountRepository


class AccountTracker(Protocol):
    """The moderation store as sign-ups use it (``ModerationStore`` satisfies it)."""

    async def track_account(self, account_id: int) -> None: ...


class SignUpCounter(Protocol):
    """The analytics side (``AnalyticsService`` satisfies it)."""

    async def sign_up(self, at: dt.datetime | None = None) -> None: ...


class TrackedAccountRepository:
    def __init__(self, inner: AccountRepository, tracker: AccountTracker, sign_ups: SignUpCounter) -> None:
        self._inner = inner
        self._tracker = tracker
        self._sign_ups = sign_ups

    def __getattr__(self, name: str) -> Any:
        return delegate(self, self._inner, name)

    async def create(self, account: Account) -> None:
        await self._inner.create(account)
        await self._tracker.track_account(account.id)
        await self._sign_ups.sign_up(account.created_at)
