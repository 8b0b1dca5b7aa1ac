"""What the posts, graph, feed and notifications use cases share: the account directory they
read (the accounts role's service), their errors, and the events they exchange."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Protocol

from rookery.workloads.domain import errors
from rookery.workloads.domain.accounts import Account
from rookery.workloads.domain.events import Event
from rookery.workloads.domain.statuses import Status

# event types
STATUS_CREATED = "StatusCreated"
STATUS_UPDATED = "StatusUpdated"
STATUS_DELETED = "StatusDeleted"
FAVOURITED = "Favourited"
FOLLOWED = "Followed"
FOLLOW_REQUESTED = "FollowRequested"
UNFOLLOWED = "Unfollowed"
BLOCKED = "Blocked"


class AccountDirectory(Protocol):
    """The accounts role as the social roles use it (``AccountsService`` satisfies it)."""

    async def get(self, account_id: int) -> Account | None: ...

    async def get_many(self, account_ids: Sequence[int]) -> dict[int, Account]: ...

    async def lookup(self, acct: str) -> Account | None: ...

    async def adjust_counts(
        self,
        account_id: int,
        followers: int = 0,
        following: int = 0,
        statuses: int = 0,
        last_status_at: dt.date | None = None,
    ) -> None: ...


class NotFoundError(errors.NotFound):
    """An id that does not exist, or that the viewer may not know exists (API: 404)."""


def status_payload(status: Status, reblog_account_id: int | None = None) -> dict[str, Any]:
    return {
        "status_id": status.id,
        "account_id": status.account_id,
        "visibility": status.visibility,
        "in_reply_to_id": status.in_reply_to_id,
        "in_reply_to_account_id": status.in_reply_to_account_id,
        "reblog_of_id": status.reblog_of_id,
        "reblog_account_id": reblog_account_id,
        "mentions": list(status.mentions),
    }


def event(type_: str, key: int, payload: dict[str, Any], tenant: str) -> Event:
    return Event(type=type_, key=str(key), payload=payload, tenant=tenant)
