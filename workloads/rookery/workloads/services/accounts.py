"""Accounts use cases: registration, sign-in checks, profile edits, lookup, search, counters.

Rendered account entities are cached by id under ``account_key`` (the EntityCache port); every
change here invalidates that key after it is stored, so other roles call
``AccountsService.adjust_counts`` (not the repository).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import argon2

from rookery.workloads.domain.accounts import (
    ACTIVE_HALFYEAR_DAYS,
    ACTIVE_MONTH_DAYS,
    EXTERNAL_SUBJECT_MARK,
    ROLES,
    Account,
    AccountTaken,
    AccountUsage,
    InvalidAccount,
    ProfileChanges,
    apply_profile_changes,
    external_subject_mark,
    validate_email,
    validate_password,
    validate_username,
)
from rookery.workloads.domain.edge import EntityKey
from rookery.workloads.ids import new_id
from rookery.workloads.ports.accounts import AccountRepository
from rookery.workloads.ports.edge import EntityCache


def account_key(account_id: int) -> EntityKey:
    return ("account", account_id)


@dataclasses.dataclass(frozen=True)
class PasswordPolicy:
    time_cost: int = 3
    memory_kib: int = 65536
    parallelism: int = 1


class Passwords:
    """argon2id hashing, run off the event loop (it is deliberately slow)."""

    def __init__(self, policy: PasswordPolicy) -> None:
        self._hasher = argon2.PasswordHasher(
            time_cost=policy.time_cost, memory_cost=policy.memory_kib, parallelism=policy.parallelism
        )

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        def check() -> bool:
            try:
                return self._hasher.verify(password_hash, password)
            except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
                return False

        return await asyncio.to_thread(check)

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)


class AccountsService:
    def __init__(
        self,
        repo: AccountRepository,
        entities: EntityCache,
        passwords: Passwords,
        local_domain: str,
        *,
        on_suspension: Callable[[int, bool], Awaitable[None]] | None = None,
    ) -> None:
        self.repo = repo
        self.entities = entities
        self.passwords = passwords
        self.local_domain = local_domain.lower()
        self._active_since: tuple[int, tuple[dt.date, dt.date]] | None = None  # (UTC day, usage's dates)
        # a valid hash to verify against when the login is unknown, so timing does not reveal it
        self._dummy_hash: str | None = None
        # told when an account is suspended or reinstated (the token validator, other replicas)
        self.on_suspension = on_suspension

    async def register(
        self,
        username: str,
        email: str,
        password: str,
        *,
        role: str = "user",
        locked: bool = False,
        display_name: str = "",
    ) -> Account:
        validate_username(username)
        email = validate_email(email)
        validate_password(password)
        if role not in ROLES:
            raise InvalidAccount(f"Role must be one of {', '.join(ROLES)}")
        account = Account(
            id=new_id(),
            username=username,
            email=email,
            password_hash=await self.passwords.hash(password),
            created_at=dt.datetime.now(dt.UTC),
            display_name=display_name,
            locked=locked,
            role=role,
        )
        await self.repo.create(account)
        return account

    async def authenticate(self, login: str, password: str) -> Account | None:
        """The account whose e-mail (or username) and password match, unless suspended."""
        login = login.strip()
        account = await (self.repo.by_email(login.lower()) if "@" in login else self.repo.by_username(login))
        if account is None:
            if self._dummy_hash is None:
                self._dummy_hash = await self.passwords.hash("not-a-real-password")
            await self.passwords.verify(self._dummy_hash, password)
            return None
        if not await self.passwords.verify(account.password_hash, password) or account.suspended:
            return None
        if self.passwords.needs_rehash(account.password_hash):
            account.password_hash = await self.passwords.hash(password)
            await self.repo.update(account)
        return account

    async def account_for_external_subject(self, claims: dict[str, Any]) -> int | None:
        """The local account of an external issuer's user (Keycloak), bound to its ``sub``:
        found by ``preferred_username`` (an unbound account is bound on first sight, one bound to
        another ``sub`` is never handed over) or created without a local password."""
        sub, username = claims.get("sub"), claims.get("preferred_username")
        if not isinstance(sub, str) or not sub or not isinstance(username, str):
            return None
        mark = external_subject_mark(sub)
        account = await self.repo.by_username(username)
        if account is not None:
            if account.password_hash.startswith(EXTERNAL_SUBJECT_MARK) and account.password_hash != mark:
                return None
            if account.password_hash != mark:
                account.password_hash = mark
                await self.repo.update(account)
            return None if account.suspended else account.id
        email = claims.get("email")
        try:
            validate_username(username)
            account = Account(
                id=new_id(),
                username=username,
                email=validate_email(email if isinstance(email, str) else f"{username}@{self.local_domain}"),
                password_hash=mark,
                created_at=dt.datetime.now(dt.UTC),
                display_name=str(claims.get("name") or "")[:30],
            )
            await self.repo.create(account)
        except AccountTaken:
            existing = await self.repo.by_username(username)
            if existing is None or existing.password_hash != mark or existing.suspended:
                return None
            return existing.id
        except InvalidAccount:
            return None
        return account.id

    async def get(self, account_id: int) -> Account | None:
        return await self.repo.get(account_id)

    async def get_many(self, account_ids: Sequence[int]) -> dict[int, Account]:
        return await self.repo.get_many(account_ids)

    async def lookup(self, acct: str) -> Account | None:
        """A local account by ``username``, ``@username`` or ``username@this.domain``."""
        name = acct.strip().lstrip("@")
        if "@" in name:
            name, _, domain = name.partition("@")
            if domain.lower() != self.local_domain:
                return None
        if not name:
            return None
        return await self.repo.by_username(name)

    async def usage(self, today: dt.date | None = None) -> AccountUsage:
        """The instance's numbers (user_count, status_count, active_month; NodeInfo's usage):
        active means posted in the last 4 weeks (half year), as last_status_at records it."""
        if today is not None:
            return await self.repo.usage(*_active_since(today))
        epoch_day = int(time.time() // 86400)  # read on every /api/v1/instance: the dates once a day
        if self._active_since is None or self._active_since[0] != epoch_day:
            self._active_since = (epoch_day, _active_since(dt.datetime.now(dt.UTC).date()))
        return await self.repo.usage(*self._active_since[1])

    async def search(self, query: str, limit: int = 40, offset: int = 0) -> list[Account]:
        return await self.repo.search(query, limit=max(1, min(limit, 80)), offset=max(0, offset))

    async def directory(self, order: str, limit: int, offset: int = 0) -> list[Account]:
        return await self.repo.directory(order, max(1, min(limit, 80)), max(0, offset))

    async def remove_profile_image(self, account_id: int, field: str) -> Account:
        """Back to the default avatar or header (``field``)."""
        account = await self.repo.get(account_id)
        if account is None:
            raise InvalidAccount("Account not found")
        updated = dataclasses.replace(account)
        if field == "avatar":
            updated.avatar = None
        else:
            updated.header = None
        await self.repo.update(updated)
        await self.entities.invalidate([account_key(account_id)])
        return updated

    async def update_profile(self, account_id: int, changes: ProfileChanges) -> Account:
        account = await self.repo.get(account_id)
        if account is None:
            raise InvalidAccount("Account not found")
        updated = apply_profile_changes(account, changes)
        await self.repo.update(updated)
        await self.entities.invalidate([account_key(account_id)])
        return updated

    async def set_role(self, account_id: int, role: str) -> None:
        account = await self.repo.get(account_id)
        if account is None or role not in ROLES:
            raise InvalidAccount("Unknown account or role")
        account.role = role
        await self.repo.update(account)
        await self.entities.invalidate([account_key(account_id)])

    async def may_act(self, account_id: int) -> bool:
        """Whether the account exists and is not suspended (checked once per new token)."""
        account = await self.repo.get(account_id)
        return account is not None and not account.suspended

    async def moderate(
        self, account_id: int, *, suspended: bool | None = None, silenced: bool | None = None
    ) -> Account:
        """Set the moderation flags; a suspension locks the account's tokens out at once."""
        account = await self.repo.get(account_id)
        if account is None:
            raise InvalidAccount("Account not found")
        if silenced is not None:
            account.silenced = silenced
        changed = suspended is not None and suspended != account.suspended
        if suspended is not None:
            account.suspended = suspended
        await self.repo.update(account)
        await self.entities.invalidate([account_key(account_id)])
        if changed and self.on_suspension is not None:
            await self.on_suspension(account_id, account.suspended)
        return account

    async def adjust_counts(
        self,
        account_id: int,
        followers: int = 0,
        following: int = 0,
        statuses: int = 0,
        last_status_at: dt.date | None = None,
    ) -> None:
        """Move the Mastodon counters by deltas (never below zero). Call outside open transactions."""
        await self.repo.adjust_counts(account_id, followers, following, statuses, last_status_at)
        await self.entities.invalidate([account_key(account_id)])


def _active_since(day: dt.date) -> tuple[dt.date, dt.date]:
    """Since when an account that posted counts as active this month and this half year, on ``day``."""
    return day - dt.timedelta(days=ACTIVE_MONTH_DAYS), day - dt.timedelta(days=ACTIVE_HALFYEAR_DAYS)
