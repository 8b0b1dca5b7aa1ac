"""Domain -> row values shared by the SQLite and PostgreSQL stores: each function answers the
values in the order of its ``*_COLUMNS``, converted as the ``Dialect`` stores them. The INSERT and
UPDATE statements themselves stay in each dialect's store."""

from __future__ import annotations

from typing import Any

import orjson

from rookery.workloads.adapters.sql.dialect import Dialect
from rookery.workloads.domain.accounts import Account
from rookery.workloads.domain.moderation import AccountRestrictions, Report
from rookery.workloads.domain.oauth import AuthorizationCode, OAuthApp, TokenRecord
from rookery.workloads.domain.push import PushSubscription

ACCOUNT_NAMES = (
    "id", "username", "email", "password_hash", "created_at", "display_name", "note", "locked", "bot",
    "discoverable", "role", "suspended", "silenced", "fields", "avatar", "header", "privacy", "sensitive",
    "language", "followers_count", "following_count", "statuses_count", "last_status_at",
)  # fmt: skip
ACCOUNT_COLUMNS = ", ".join(ACCOUNT_NAMES)
# AccountRepository.directory's orders (the same SQL in both dialects; ids are time-sortable)
DIRECTORY_ORDER = {
    "active": "last_status_at DESC NULLS LAST, id DESC",
    "new": "id DESC",
    "popular": "followers_count DESC, id",
}
REPORT_COLUMNS = (
    "id, target_account_id, account_id, category, comment, status_ids, rule_ids, forward, created_at,"
    " updated_at, action_taken_at, action_taken_by_account_id, assigned_account_id, source, labels, scores"
)
RESTRICTION_COLUMNS = "account_id, silenced, suspended, sensitized, disabled, updated_at"
PUSH_COLUMNS = "id, token_id, account_id, endpoint, p256dh, auth, alerts, policy, created_at, standard"
APP_COLUMNS = "id, name, client_id, client_secret, redirect_uris, scopes, website, created_at"
CODE_COLUMNS = "digest, app_id, account_id, scopes, redirect_uri, code_challenge, code_challenge_method, expires_at"
TOKEN_COLUMNS = (
    "jti, app_id, account_id, scopes, created_at, expires_at, refresh_digest, refresh_expires_at, revoked_at"
)


def scopes(values: frozenset[str]) -> str:
    return " ".join(sorted(values))


def account(a: Account, d: Dialect) -> tuple[Any, ...]:
    fields = orjson.dumps([{"name": f.name, "value": f.value, "verified_at": f.verified_at} for f in a.fields])
    flag = d.store_flag
    return (
        a.id, a.username, a.email, a.password_hash, d.store_time(a.created_at), a.display_name, a.note,
        flag(a.locked), flag(a.bot), flag(a.discoverable), a.role, flag(a.suspended), flag(a.silenced),
        fields.decode(), a.avatar, a.header, a.privacy, flag(a.sensitive), a.language, a.followers_count,
        a.following_count, a.statuses_count, d.store_optional_time(a.last_status_at),
    )  # fmt: skip


def report(r: Report, d: Dialect) -> tuple[Any, ...]:
    return (
        r.id, r.target_account_id, r.account_id, r.category, r.comment, d.store_array(r.status_ids),
        d.store_array(r.rule_ids), d.store_flag(r.forward), d.store_time(r.created_at), d.store_time(r.updated_at),
        d.store_optional_time(r.action_taken_at), r.action_taken_by_account_id, r.assigned_account_id, r.source,
        d.store_array(r.labels), orjson.dumps(r.scores).decode(),
    )  # fmt: skip


def restrictions(r: AccountRestrictions, d: Dialect) -> tuple[Any, ...]:
    flag = d.store_flag
    return (
        r.account_id, flag(r.silenced), flag(r.suspended), flag(r.sensitized), flag(r.disabled),
        d.store_time(r.updated_at),
    )  # fmt: skip


def push_subscription(s: PushSubscription, d: Dialect) -> tuple[Any, ...]:
    return (
        s.id, s.token_id, s.account_id, s.endpoint, s.keys.p256dh, s.keys.auth, orjson.dumps(s.alerts).decode(),
        s.policy, d.store_time(s.created_at), d.store_flag(s.standard),
    )  # fmt: skip


def oauth_app(app: OAuthApp, d: Dialect) -> tuple[Any, ...]:
    return (
        app.id, app.name, app.client_id, app.client_secret, orjson.dumps(list(app.redirect_uris)).decode(),
        scopes(app.scopes), app.website, d.store_time(app.created_at),
    )  # fmt: skip


def authorization_code(code: AuthorizationCode, d: Dialect) -> tuple[Any, ...]:
    return (
        code.digest, code.app_id, code.account_id, scopes(code.scopes), code.redirect_uri, code.code_challenge,
        code.code_challenge_method, d.store_time(code.expires_at),
    )  # fmt: skip


def token(t: TokenRecord, d: Dialect) -> tuple[Any, ...]:
    return (
        t.jti, t.app_id, t.account_id, scopes(t.scopes), d.store_time(t.created_at), d.store_time(t.expires_at),
        t.refresh_digest, d.store_optional_time(t.refresh_expires_at), d.store_optional_time(t.revoked_at),
    )  # fmt: skip
