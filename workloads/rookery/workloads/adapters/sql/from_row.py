"""Row -> domain mappers shared by the SQLite and PostgreSQL stores.

The two dialects keep the same columns; what differs is how a driver hands some of them back:
SQLite stores times as ISO-8601 text, booleans as 0/1 and arrays as JSON text, PostgreSQL answers
datetimes, booleans and arrays. A ``Decoding`` says which, so one mapper per entity serves both.
A row is anything indexable by column name (``aiosqlite.Row``, ``asyncpg.Record``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

import orjson

from rookery.workloads.domain.accounts import Account, ProfileField
from rookery.workloads.domain.conversations import Conversation
from rookery.workloads.domain.moderation import AccountRestrictions, Report
from rookery.workloads.domain.oauth import AuthorizationCode, OAuthApp, TokenRecord
from rookery.workloads.domain.push import PushKeys, PushSubscription
from rookery.workloads.domain.statuses import Status


def _identity(value: Any) -> Any:
    return value


def _json_tuple(raw: Any) -> tuple[Any, ...]:
    return tuple(orjson.loads(raw))


@dataclasses.dataclass(frozen=True)
class Decoding:
    """How one dialect's driver answers the column types the two dialects store differently."""

    time: Callable[[Any], dt.datetime]
    day: Callable[[Any], dt.date]
    array: Callable[[Any], tuple[Any, ...]]

    def optional_time(self, raw: Any) -> dt.datetime | None:
        return self.time(raw) if raw else None


SQLITE = Decoding(time=dt.datetime.fromisoformat, day=dt.date.fromisoformat, array=_json_tuple)
POSTGRES = Decoding(time=_identity, day=_identity, array=tuple)


def scopes(text: str) -> frozenset[str]:
    return frozenset(text.split())


def status(row: Any, d: Decoding) -> Status:
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
        application=row["application"],
        edited_at=d.optional_time(row["edited_at"]),
        replies_count=row["replies_count"],
        reblogs_count=row["reblogs_count"],
        favourites_count=row["favourites_count"],
        media_ids=d.array(row["media_ids"]),
        conversation_id=row["conversation_id"],
    )


def account(row: Any, d: Decoding) -> Account:
    return Account(
        id=row["id"],
        username=row["username"],
        email=row["email"],
        password_hash=row["password_hash"],
        created_at=d.time(row["created_at"]),
        display_name=row["display_name"],
        note=row["note"],
        locked=bool(row["locked"]),
        bot=bool(row["bot"]),
        discoverable=bool(row["discoverable"]),
        role=row["role"],
        suspended=bool(row["suspended"]),
        silenced=bool(row["silenced"]),
        fields=tuple(ProfileField(**f) for f in orjson.loads(row["fields"])),
        avatar=row["avatar"],
        header=row["header"],
        privacy=row["privacy"],
        sensitive=bool(row["sensitive"]),
        language=row["language"],
        followers_count=row["followers_count"],
        following_count=row["following_count"],
        statuses_count=row["statuses_count"],
        last_status_at=d.day(row["last_status_at"]) if row["last_status_at"] else None,
    )


def oauth_app(row: Any, d: Decoding) -> OAuthApp:
    return OAuthApp(
        id=row["id"],
        name=row["name"],
        client_id=row["client_id"],
        client_secret=row["client_secret"],
        redirect_uris=tuple(orjson.loads(row["redirect_uris"])),
        scopes=scopes(row["scopes"]),
        website=row["website"],
        created_at=d.time(row["created_at"]),
    )


def authorization_code(row: Any, d: Decoding) -> AuthorizationCode:
    return AuthorizationCode(
        digest=row["digest"],
        app_id=row["app_id"],
        account_id=row["account_id"],
        scopes=scopes(row["scopes"]),
        redirect_uri=row["redirect_uri"],
        code_challenge=row["code_challenge"],
        code_challenge_method=row["code_challenge_method"],
        expires_at=d.time(row["expires_at"]),
    )


def token(row: Any, d: Decoding) -> TokenRecord:
    return TokenRecord(
        jti=row["jti"],
        app_id=row["app_id"],
        account_id=row["account_id"],
        scopes=scopes(row["scopes"]),
        created_at=d.time(row["created_at"]),
        expires_at=d.time(row["expires_at"]),
        refresh_digest=row["refresh_digest"],
        refresh_expires_at=d.optional_time(row["refresh_expires_at"]),
        revoked_at=d.optional_time(row["revoked_at"]),
    )


def report(row: Any, d: Decoding) -> Report:
    return Report(
        id=row["id"],
        target_account_id=row["target_account_id"],
        account_id=row["account_id"],
        category=row["category"],
        comment=row["comment"],
        status_ids=d.array(row["status_ids"]),
        rule_ids=d.array(row["rule_ids"]),
        forward=bool(row["forward"]),
        created_at=d.time(row["created_at"]),
        updated_at=d.time(row["updated_at"]),
        action_taken_at=d.optional_time(row["action_taken_at"]),
        action_taken_by_account_id=row["action_taken_by_account_id"],
        assigned_account_id=row["assigned_account_id"],
        source=row["source"],
        labels=d.array(row["labels"]),
        scores=orjson.loads(row["scores"]),
    )


def restrictions(row: Any, d: Decoding) -> AccountRestrictions:
    return AccountRestrictions(
        row["account_id"],
        silenced=bool(row["silenced"]),
        suspended=bool(row["suspended"]),
        sensitized=bool(row["sensitized"]),
        disabled=bool(row["disabled"]),
        updated_at=d.time(row["updated_at"]),
    )


def push_subscription(row: Any, d: Decoding) -> PushSubscription:
    return PushSubscription(
        id=row["id"],
        token_id=row["token_id"],
        account_id=row["account_id"],
        endpoint=row["endpoint"],
        keys=PushKeys(row["p256dh"], row["auth"]),
        alerts=orjson.loads(row["alerts"]),
        policy=row["policy"],
        standard=bool(row["standard"]),
        created_at=d.time(row["created_at"]),
    )


def participants_key(participants: Any) -> str:
    """A conversation's participants as stored: sorted, distinct, comma separated."""
    return ",".join(str(p) for p in sorted(set(participants)))


def conversation(row: Any) -> Conversation:
    ids = tuple(int(p) for p in row["participants"].split(",") if p)
    return Conversation(row["id"], row["owner_id"], ids, row["last_status_id"], bool(row["unread"]))
