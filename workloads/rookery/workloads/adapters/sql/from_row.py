"""Row -> domain mappers shared by the SQLite and PostgreSQL stores.

The two dialects keep the same columns; what differs is how a driver hands some of them back,
which the ``Dialect`` (adapters/sql/dialect.py) says, so one mapper per entity serves both.
A row is anything indexable by column name (``aiosqlite.Row``, ``asyncpg.Record``).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

import orjson

from rookery.workloads.adapters.sql.dialect import Dialect
from rookery.workloads.domain.accounts import Account, ProfileField
from rookery.workloads.domain.conversations import Conversation
from rookery.workloads.domain.moderation import AccountRestrictions, Report
from rookery.workloads.domain.oauth import AuthorizationCode, OAuthApp, TokenRecord
from rookery.workloads.domain.push import PushKeys, PushSubscription
from rookery.workloads.domain.statuses import Status
from rookery.workloads.domain.timelines import TimelineEntry

ENTRIES_KEPT = 20_000  # timeline entries made from rows and kept (about 7 MB); past it, start over
_entries: dict[tuple[Any, ...], TimelineEntry] = {}


def same_named(row: Any, names: str) -> dict[str, Any]:
    """The columns (``names``, space separated) that are their field's value as the driver answers."""
    return {name: row[name] for name in _split(names)}


@functools.cache
def _split(names: str) -> tuple[str, ...]:  # the mappers' few literals, split once
    return tuple(names.split())


def timeline_entries(rows: Iterable[Any]) -> list[TimelineEntry]:
    """Rows of (status_id, account_id, reblog_of_id, reblog_account_id, visibility,
    in_reply_to_account_id), in order. An entry is a frozen value of its row alone and the same
    rows come back on every page (a post is in each follower's timeline), so each row's entry is
    made once and kept: a page of 30 took 20 us of dataclass inits, 4 us from here."""
    if len(_entries) > ENTRIES_KEPT:
        _entries.clear()
    found = []
    for row in rows:
        values = tuple(row)
        entry = _entries.get(values)
        if entry is None:
            entry = _entries[values] = TimelineEntry(*values)
        found.append(entry)
    return found


def scopes(text: str) -> frozenset[str]:
    return frozenset(text.split())


def status(row: Any, d: Dialect) -> Status:
    # every field by name, without same_named's dict: a page maps 20 to 40 of these rows
    return Status(
        id=row["id"],
        account_id=row["account_id"],
        text=row["text"],
        content=row["content"],
        visibility=row["visibility"],
        spoiler_text=row["spoiler_text"],
        sensitive=bool(row["sensitive"]),
        language=row["language"],
        in_reply_to_id=row["in_reply_to_id"],
        in_reply_to_account_id=row["in_reply_to_account_id"],
        reblog_of_id=row["reblog_of_id"],
        mentions=d.array(row["mentions"]),
        tags=d.array(row["tags"]),
        media_ids=d.array(row["media_ids"]),
        application=row["application"],
        edited_at=d.optional_time(row["edited_at"]),
        replies_count=row["replies_count"],
        reblogs_count=row["reblogs_count"],
        favourites_count=row["favourites_count"],
        conversation_id=row["conversation_id"],
    )


def account(row: Any, d: Dialect) -> Account:
    return Account(
        **same_named(
            row,
            "id username email password_hash display_name note role avatar header privacy language"
            " followers_count following_count statuses_count",
        ),
        created_at=d.time(row["created_at"]),
        locked=bool(row["locked"]),
        bot=bool(row["bot"]),
        discoverable=bool(row["discoverable"]),
        suspended=bool(row["suspended"]),
        silenced=bool(row["silenced"]),
        fields=tuple(ProfileField(**f) for f in orjson.loads(row["fields"])),
        sensitive=bool(row["sensitive"]),
        last_status_at=d.day(row["last_status_at"]) if row["last_status_at"] else None,
    )


def oauth_app(row: Any, d: Dialect) -> OAuthApp:
    return OAuthApp(
        **same_named(row, "id name client_id client_secret website"),
        redirect_uris=tuple(orjson.loads(row["redirect_uris"])),
        scopes=scopes(row["scopes"]),
        created_at=d.time(row["created_at"]),
    )


def authorization_code(row: Any, d: Dialect) -> AuthorizationCode:
    return AuthorizationCode(
        **same_named(row, "digest app_id account_id redirect_uri code_challenge code_challenge_method"),
        scopes=scopes(row["scopes"]),
        expires_at=d.time(row["expires_at"]),
    )


def token(row: Any, d: Dialect) -> TokenRecord:
    return TokenRecord(
        **same_named(row, "jti app_id account_id refresh_digest"),
        scopes=scopes(row["scopes"]),
        created_at=d.time(row["created_at"]),
        expires_at=d.time(row["expires_at"]),
        refresh_expires_at=d.optional_time(row["refresh_expires_at"]),
        revoked_at=d.optional_time(row["revoked_at"]),
    )


def report(row: Any, d: Dialect) -> Report:
    return Report(
        **same_named(
            row,
            "id target_account_id account_id category comment action_taken_by_account_id assigned_account_id source",
        ),
        status_ids=d.array(row["status_ids"]),
        rule_ids=d.array(row["rule_ids"]),
        forward=bool(row["forward"]),
        created_at=d.time(row["created_at"]),
        updated_at=d.time(row["updated_at"]),
        action_taken_at=d.optional_time(row["action_taken_at"]),
        labels=d.array(row["labels"]),
        scores=orjson.loads(row["scores"]),
    )


def restrictions(row: Any, d: Dialect) -> AccountRestrictions:
    return AccountRestrictions(
        row["account_id"],
        silenced=bool(row["silenced"]),
        suspended=bool(row["suspended"]),
        sensitized=bool(row["sensitized"]),
        disabled=bool(row["disabled"]),
        updated_at=d.time(row["updated_at"]),
    )


def push_subscription(row: Any, d: Dialect) -> PushSubscription:
    return PushSubscription(
        **same_named(row, "id token_id account_id endpoint policy"),
        keys=PushKeys(row["p256dh"], row["auth"]),
        alerts=orjson.loads(row["alerts"]),
        standard=bool(row["standard"]),
        created_at=d.time(row["created_at"]),
    )


def participants_key(participants: Any) -> str:
    """A conversation's participants as stored: sorted, distinct, comma separated."""
    return ",".join(str(p) for p in sorted(set(participants)))


def conversation(row: Any) -> Conversation:
    ids = tuple(int(p) for p in row["participants"].split(",") if p)
    return Conversation(row["id"], row["owner_id"], ids, row["last_status_id"], bool(row["unread"]))
