"""Accounts and profiles: the entity, its invariants and the edits a user may make to it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import re
from collections.abc import Sequence

from rookery.workloads.domain import errors

USERNAME_RE = re.compile(r"^[A-Za-z0-9_]{1,30}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_DISPLAY_NAME = 30
MAX_NOTE = 500
MAX_FIELDS = 4
MAX_FIELD_LENGTH = 255
MIN_PASSWORD = 8
MAX_PASSWORD = 72
ROLES = ("user", "moderator", "admin")
VISIBILITIES = ("public", "unlisted", "private", "direct")


# password_hash of an account owned by an external identity provider's user: never verifies
# locally, and binds the account to that user's ``sub`` so it is never handed to another one
EXTERNAL_SUBJECT_MARK = "!oidc:"


def external_subject_mark(sub: str) -> str:
    return EXTERNAL_SUBJECT_MARK + sub


class InvalidAccount(errors.RuleViolation):
    """A profile or registration value breaks an invariant; the message is client-visible.

    ``field`` and ``code`` feed Mastodon's registration error details (``ERR_INVALID``,
    ``ERR_BLANK``, ``ERR_TOO_SHORT``, ``ERR_TOO_LONG``, ``ERR_TAKEN`` ...)."""

    def __init__(self, message: str, field: str | None = None, code: str = "ERR_INVALID") -> None:
        super().__init__(message)
        self.field = field
        self.code = code


class AccountTaken(InvalidAccount):
    """The username or e-mail is already in use."""

    def __init__(self, message: str, field: str | None = None, code: str = "ERR_TAKEN") -> None:
        if field is None:
            field = "email" if "mail" in message.lower() else "username"
        super().__init__(message, field, code)


@dataclasses.dataclass(frozen=True, slots=True)
class ProfileField:
    name: str
    value: str
    verified_at: str | None = None


@dataclasses.dataclass(slots=True)
class Account:
    id: int
    username: str
    email: str
    password_hash: str
    created_at: dt.datetime
    display_name: str = ""
    note: str = ""  # plain text as the user typed it (source.note); rendered to HTML for clients
    locked: bool = False
    bot: bool = False
    discoverable: bool = True
    role: str = "user"
    suspended: bool = False
    silenced: bool = False
    fields: tuple[ProfileField, ...] = ()
    avatar: str | None = None  # media reference (URL or media id), None = default image
    header: str | None = None
    # source defaults for new posts (Mastodon's CredentialAccount.source)
    privacy: str = "public"
    sensitive: bool = False
    language: str | None = None
    # counters maintained by other roles through adjust_counts
    followers_count: int = 0
    following_count: int = 0
    statuses_count: int = 0
    last_status_at: dt.date | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_staff(self) -> bool:
        return self.role in ("admin", "moderator")


@dataclasses.dataclass(frozen=True, slots=True)
class CountsChange:
    """Deltas of one account's counters (each kept at zero or above), and its newest post's day.

    Other roles either ask the accounts role to apply one (``AccountsService.adjust_counts``), or
    hand it to their own store's write, which applies it in the same transaction through the
    accounts adapter (compose: the status, its outbox event and the author's ``statuses_count``
    commit together); the caller then invalidates the account's cached entity."""

    account_id: int
    followers: int = 0
    following: int = 0
    statuses: int = 0
    last_status_at: dt.date | None = None


def merge_counts(changes: Sequence[CountsChange]) -> list[CountsChange]:
    """One change per account (the sums, the latest day), in first-seen order."""
    merged: dict[int, CountsChange] = {}
    for change in changes:
        seen = merged.get(change.account_id)
        if seen is None:
            merged[change.account_id] = change
            continue
        days = [d for d in (seen.last_status_at, change.last_status_at) if d is not None]
        merged[change.account_id] = CountsChange(
            change.account_id,
            seen.followers + change.followers,
            seen.following + change.following,
            seen.statuses + change.statuses,
            max(days) if days else None,
        )
    return list(merged.values())


@dataclasses.dataclass(frozen=True, slots=True)
class AccountUsage:
    """What the instance and NodeInfo report about the people here (suspended accounts left out):
    accounts, their statuses, and those who posted since the month's and the half year's start."""

    users: int
    statuses: int
    active_month: int
    active_halfyear: int


ACTIVE_MONTH_DAYS = 28  # Mastodon's "past 4 weeks"
ACTIVE_HALFYEAR_DAYS = 180


@dataclasses.dataclass(frozen=True, slots=True)
class ProfileChanges:
    """What update_credentials may change; None leaves a value as it is."""

    display_name: str | None = None
    note: str | None = None
    locked: bool | None = None
    bot: bool | None = None
    discoverable: bool | None = None
    fields: tuple[ProfileField, ...] | None = None
    avatar: str | None = None
    header: str | None = None
    privacy: str | None = None
    sensitive: bool | None = None
    language: str | None = None


def validate_username(username: str) -> str:
    if not username:
        raise InvalidAccount("Username can't be blank", "username", "ERR_BLANK")
    if len(username) > 30:
        raise InvalidAccount("Username is too long (maximum is 30 characters)", "username", "ERR_TOO_LONG")
    if not USERNAME_RE.match(username):
        raise InvalidAccount("Username must be 1-30 letters, digits or underscores", "username")
    return username


def validate_email(email: str) -> str:
    email = email.strip()
    if not email:
        raise InvalidAccount("E-mail can't be blank", "email", "ERR_BLANK")
    if len(email) > 254 or not EMAIL_RE.match(email):
        raise InvalidAccount("E-mail address is not valid", "email")
    return email.lower()


def validate_password(password: str) -> str:
    if not password:
        raise InvalidAccount("Password can't be blank", "password", "ERR_BLANK")
    if len(password) < MIN_PASSWORD:
        raise InvalidAccount(
            f"Password is too short (minimum is {MIN_PASSWORD} characters)", "password", "ERR_TOO_SHORT"
        )
    if len(password) > MAX_PASSWORD:
        raise InvalidAccount(
            f"Password is too long (maximum is {MAX_PASSWORD} characters)", "password", "ERR_TOO_LONG"
        )
    return password


def apply_profile_changes(account: Account, changes: ProfileChanges) -> Account:
    """A copy of ``account`` with ``changes`` applied, or InvalidAccount."""
    updated = dataclasses.replace(account)
    if changes.display_name is not None:
        if len(changes.display_name) > MAX_DISPLAY_NAME:
            raise InvalidAccount(f"Display name is too long (maximum is {MAX_DISPLAY_NAME} characters)")
        updated.display_name = changes.display_name
    if changes.note is not None:
        if len(changes.note) > MAX_NOTE:
            raise InvalidAccount(f"Note is too long (maximum is {MAX_NOTE} characters)")
        updated.note = changes.note
    if changes.fields is not None:
        fields = tuple(f for f in changes.fields if f.name or f.value)
        if len(fields) > MAX_FIELDS:
            raise InvalidAccount(f"At most {MAX_FIELDS} profile fields are allowed")
        for field in fields:
            if len(field.name) > MAX_FIELD_LENGTH or len(field.value) > MAX_FIELD_LENGTH:
                raise InvalidAccount(
                    f"Profile field names and values are limited to {MAX_FIELD_LENGTH} characters"
                )
        updated.fields = fields
    if changes.privacy is not None:
        if changes.privacy not in VISIBILITIES:
            raise InvalidAccount(f"Privacy must be one of {', '.join(VISIBILITIES)}")
        updated.privacy = changes.privacy
    if changes.language is not None:
        if changes.language and not re.fullmatch(r"[a-z]{2,3}", changes.language):
            raise InvalidAccount("Language must be an ISO 639 code")
        updated.language = changes.language or None
    for name in ("locked", "bot", "discoverable", "sensitive", "avatar", "header"):
        value = getattr(changes, name)
        if value is not None:
            setattr(updated, name, value)
    return updated


def note_html(note: str) -> str:
    """The note as Mastodon renders plain text: escaped, paragraphs on blank lines, <br> on newlines."""
    if not note.strip():
        return ""
    paragraphs = re.split(r"\n\s*\n", note.strip())
    return "".join("<p>" + html.escape(p).replace("\n", "<br />") + "</p>" for p in paragraphs)
