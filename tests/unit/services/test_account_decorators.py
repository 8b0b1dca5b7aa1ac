"""The account repository decorators the wiring composes: admin's TrackedAccountRepository (new
accounts tracked by moderation and counted as sign-ups) and search's IndexedAccountRepository
(accounts indexed as written); and the suspension fan-out that replaced bootstrap's hook."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from rookery.workloads.domain.accounts import Account
from rookery.workloads.services.search import IndexedAccountRepository
from rookery.workloads.services.tokens import SUSPENSIONS_CHANNEL, SuspendedAccounts, SuspensionFanout
from rookery.workloads.services.tracked_accounts import TrackedAccountRepository

CREATED = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


def account(account_id: int = 7, **changes: Any) -> Account:
    base = Account(id=account_id, username="alice", email="a@example.org", password_hash="x", created_at=CREATED)
    return dataclasses.replace(base, **changes)


class Repo:
    def __init__(self, log: list[str]) -> None:
        self.log = log

    async def create(self, account: Account) -> None:
        self.log.append(f"create {account.id}")

    async def update(self, account: Account) -> None:
        self.log.append(f"update {account.id}")

    async def get(self, account_id: int) -> str:
        return f"account {account_id}"


class Tracker:
    def __init__(self, log: list[str]) -> None:
        self.log = log

    async def track_account(self, account_id: int) -> None:
        self.log.append(f"track {account_id}")


class SignUps:
    def __init__(self, log: list[str]) -> None:
        self.log = log

    async def sign_up(self, at: dt.datetime | None = None) -> None:
        self.log.append(f"sign-up {at}")


class Index:
    def __init__(self, log: list[str], fail: bool = False) -> None:
        self.log = log
        self.fail = fail

    async def index_accounts(self, documents: Any) -> None:
        if self.fail:
            raise RuntimeError("index down")
        self.log.append(f"index {[d.id for d in documents]}")

    async def delete_account(self, account_id: int) -> None:
        self.log.append(f"unindex {account_id}")


async def test_a_new_account_is_tracked_and_counted_after_it_is_stored() -> None:
    log: list[str] = []
    repo = TrackedAccountRepository(Repo(log), Tracker(log), SignUps(log))  # type: ignore[arg-type]
    await repo.create(account())
    assert log == ["create 7", "track 7", f"sign-up {CREATED}"]


async def test_other_calls_pass_through_untracked() -> None:
    log: list[str] = []
    repo = TrackedAccountRepository(Repo(log), Tracker(log), SignUps(log))  # type: ignore[arg-type]
    await repo.update(account())
    assert await repo.get(3) == "account 3"
    assert log == ["update 7"]


async def test_accounts_are_indexed_as_written_and_a_suspended_one_leaves_the_index() -> None:
    log: list[str] = []
    repo = IndexedAccountRepository(Repo(log), Index(log))  # type: ignore[arg-type]
    await repo.create(account())
    await repo.update(account(suspended=True))
    assert log == ["create 7", "index [7]", "update 7", "unindex 7"]


async def test_an_indexing_failure_leaves_the_write_standing() -> None:
    log: list[str] = []
    repo = IndexedAccountRepository(Repo(log), Index(log, fail=True))  # type: ignore[arg-type]
    await repo.create(account())
    assert log == ["create 7"]


async def test_the_composed_order_tracks_after_indexing() -> None:
    # bootstrap's accounts wiring: Tracked(Indexed(store)) — the write, the index, then the admin side
    log: list[str] = []
    indexed = IndexedAccountRepository(Repo(log), Index(log))  # type: ignore[arg-type]
    repo = TrackedAccountRepository(indexed, Tracker(log), SignUps(log))  # type: ignore[arg-type]
    await repo.create(account())
    assert log == ["create 7", "index [7]", "track 7", f"sign-up {CREATED}"]


class Realtime:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes]] = []

    async def publish(self, channel: str, message: bytes) -> None:
        self.sent.append((channel, message))


async def test_a_suspension_locks_out_here_and_tells_the_other_replicas() -> None:
    suspended, realtime = SuspendedAccounts(), Realtime()
    fanout = SuspensionFanout(suspended, realtime)  # type: ignore[arg-type]
    await fanout(5, True)
    assert 5 in suspended
    await fanout(5, False)
    assert 5 not in suspended
    assert realtime.sent == [(SUSPENSIONS_CHANNEL, b"+5"), (SUSPENSIONS_CHANNEL, b"-5")]


async def test_without_realtime_only_this_replica_knows() -> None:
    suspended = SuspendedAccounts()
    await SuspensionFanout(suspended, None)(9, True)
    assert 9 in suspended
