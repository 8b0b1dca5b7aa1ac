"""Filters (Mastodon 4.x, server-side): a titled group of keywords and statuses that applies in
some contexts until it expires; a status it matches is shown with a warning (``warn``, ``blur``)
or left out (``hide``).

Matching follows Mastodon's: a keyword matches case-insensitively anywhere in the status's text,
content warning, media descriptions and poll options; with ``whole_word`` it must start and end on
a word boundary (only where the keyword itself starts or ends with a word character). A status
filter matches the status and the reblogs of it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
from collections.abc import Iterable, Sequence

from rookery.workloads.domain.errors import RuleViolation

CONTEXTS = ("home", "notifications", "public", "thread", "account")
ACTIONS = ("warn", "hide", "blur")
MAX_TITLE_CHARS = 256
MAX_KEYWORD_CHARS = 512
MAX_FILTERS = 1000  # per account
MAX_KEYWORDS = 1000  # per filter


class FilterRuleError(RuleViolation):
    """Bad filter input (422 ``Validation failed: ...``)."""


@dataclasses.dataclass(frozen=True, slots=True)
class FilterKeyword:
    id: int
    keyword: str
    whole_word: bool = True


@dataclasses.dataclass(frozen=True, slots=True)
class FilterStatus:
    id: int
    status_id: int


@dataclasses.dataclass(frozen=True, slots=True)
class Filter:
    id: int
    account_id: int
    title: str
    context: tuple[str, ...]
    action: str = "warn"
    expires_at: dt.datetime | None = None
    keywords: tuple[FilterKeyword, ...] = ()
    statuses: tuple[FilterStatus, ...] = ()

    def active(self, context: str, now: dt.datetime) -> bool:
        return context in self.context and (self.expires_at is None or self.expires_at > now)


@dataclasses.dataclass(frozen=True, slots=True)
class FilterMatch:
    """One filter that matched a status (Mastodon's FilterResult)."""

    filter: Filter
    keyword_matches: tuple[str, ...] | None
    status_matches: tuple[str, ...] | None


def check_title(title: str | None) -> str:
    title = (title or "").strip()
    if not title:
        raise FilterRuleError("Title can't be blank")
    if len(title) > MAX_TITLE_CHARS:
        raise FilterRuleError(f"Title is too long (maximum is {MAX_TITLE_CHARS} characters)")
    return title


def check_context(context: Sequence[str]) -> tuple[str, ...]:
    if not context:
        raise FilterRuleError("Context can't be blank, Context None or invalid context supplied")
    if any(c not in CONTEXTS for c in context):
        raise FilterRuleError("Context None or invalid context supplied")
    return tuple(dict.fromkeys(context))


def check_action(action: str) -> str:
    if action not in ACTIONS:
        raise FilterRuleError(f"Filter action must be one of {', '.join(ACTIONS)}")
    return action


def check_keyword(keyword: str | None) -> str:
    keyword = (keyword or "").strip()
    if not keyword:
        raise FilterRuleError("Keyword can't be blank")
    if len(keyword) > MAX_KEYWORD_CHARS:
        raise FilterRuleError(f"Keyword is too long (maximum is {MAX_KEYWORD_CHARS} characters)")
    return keyword


def expires_at_of(expires_in: int | None, now: dt.datetime) -> dt.datetime | None:
    """``expires_in`` seconds from now; None (or 0/empty, as Mastodon's clients send) never expires."""
    if expires_in is None or expires_in == 0:
        return None
    if expires_in < 0 or expires_in > 10 * 365 * 86400:
        raise FilterRuleError("Expires in must be a positive number of seconds")
    return now + dt.timedelta(seconds=expires_in)


@functools.lru_cache(maxsize=4096)
def keyword_pattern(keyword: str, whole_word: bool) -> re.Pattern[str]:
    escaped = re.escape(keyword)
    if whole_word:
        start = r"\b" if re.match(r"\w", keyword[:1]) else ""
        end = r"\b" if re.match(r"\w", keyword[-1:]) else ""
        escaped = f"{start}{escaped}{end}"
    return re.compile(escaped, re.IGNORECASE)


def match_status(filters: Iterable[Filter], text: str, status_ids: Sequence[int]) -> list[FilterMatch]:
    """The filters that match a status whose searchable text is ``text`` and whose ids (itself and,
    for a reblog, the original) are ``status_ids``."""
    matches = []
    for found in filters:
        keywords = tuple(k.keyword for k in found.keywords if keyword_pattern(k.keyword, k.whole_word).search(text))
        statuses = tuple(str(s.status_id) for s in found.statuses if s.status_id in status_ids)
        if keywords or statuses:
            matches.append(FilterMatch(found, keywords or None, statuses or None))
    return matches


def hides(matches: Sequence[FilterMatch]) -> bool:
    return any(m.filter.action == "hide" for m in matches)
