"""Announcements: what admins tell everyone on the server, shown while published and within
their time window; each person can dismiss one (mark it read) and react with an emoji."""

from __future__ import annotations

import dataclasses
import datetime as dt
import unicodedata

from rookery.workloads.domain import errors
from rookery.workloads.domain.emojis import SHORTCODE_RE, CustomEmoji

MAX_TEXT = 5000
MAX_REACTIONS = 8  # distinct reactions on one announcement, as Mastodon allows
MAX_UNICODE_REACTION = 16  # code points (a flag, a skin tone, a ZWJ family)


class AnnouncementRejected(errors.RuleViolation):
    """An announcement or a reaction the rules refuse (the API answers 422)."""


@dataclasses.dataclass(frozen=True, slots=True)
class Announcement:
    id: int
    text: str  # plain text as the admin wrote it; shown as escaped HTML
    published_at: dt.datetime
    updated_at: dt.datetime
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    all_day: bool = False

    def active(self, now: dt.datetime) -> bool:
        return (self.starts_at is None or self.starts_at <= now) and (self.ends_at is None or now < self.ends_at)


@dataclasses.dataclass(frozen=True, slots=True)
class ReactionCount:
    announcement_id: int
    name: str
    count: int


@dataclasses.dataclass(frozen=True, slots=True)
class Reaction:
    name: str
    count: int
    me: bool
    emoji: CustomEmoji | None  # a custom emoji's images; None for unicode


@dataclasses.dataclass(frozen=True, slots=True)
class AnnouncementView:
    announcement: Announcement
    read: bool
    reactions: tuple[Reaction, ...]


def check_text(raw: object) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise AnnouncementRejected("Text can't be blank")
    if len(raw) > MAX_TEXT:
        raise AnnouncementRejected(f"Text is too long (maximum is {MAX_TEXT} characters)")
    return raw.strip()


def check_window(starts_at: dt.datetime | None, ends_at: dt.datetime | None) -> None:
    if (starts_at is None) != (ends_at is None):
        raise AnnouncementRejected("starts_at and ends_at go together")
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        raise AnnouncementRejected("ends_at must be after starts_at")


def is_unicode_emoji(name: str) -> bool:
    """A short run of emoji code points (symbols, joiners, variation selectors, modifiers): no
    letters, digits, punctuation or spaces."""
    if not name or len(name) > MAX_UNICODE_REACTION:
        return False
    allowed = {"So", "Sk", "Mn", "Me", "Cf"}
    return any(unicodedata.category(c) == "So" for c in name) and all(unicodedata.category(c) in allowed for c in name)


def reaction_kind(name: str) -> str:
    """ "unicode" or "custom" (a shortcode whose emoji must exist); AnnouncementRejected else."""
    if is_unicode_emoji(name):
        return "unicode"
    if SHORTCODE_RE.match(name):
        return "custom"
    raise AnnouncementRejected("Name is not a recognized emoji")
