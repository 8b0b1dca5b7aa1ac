"""Search semantics shared by every SearchIndex adapter: how a query splits into words, and what
each kind of search matches.

* accounts: every word is a prefix of a word of the username or display name; an exact username
  ranks first, then usernames starting with the query, then by followers.
* statuses: every word must occur, the last one as a prefix (typing "hello wor" finds "hello
  world"); newest first. Who may find what is decided by the viewer rules (StatusSearch, below).
* hashtags: names starting with the query (without '#'), most used first.
Words are runs of letters, digits and '_', lower-cased, at most MAX_WORDS of them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

MAX_WORDS = 8
_WORD = re.compile(r"\w+", re.UNICODE)
TAG_RE = re.compile(r"^\w{1,100}$", re.UNICODE)


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)][:MAX_WORDS]


def account_terms(text: str) -> tuple[list[str], str]:
    """The words of an account query and the username it names exactly: ``@ana@this.domain``
    searches for ``ana`` (there is no federation: the domain part is not searched)."""
    exact = text.strip().lstrip("@").split("@", 1)[0].lower()
    return words(exact), exact


def fts_account_query(text: str) -> tuple[str | None, str]:
    """An FTS5 MATCH expression over username and display name (every word a prefix), and the
    query as an exact username (for ranking)."""
    found, exact = account_terms(text)
    if not found:
        return None, exact
    return "{username display_name} : " + " ".join(f'"{w}"*' for w in found), exact


def fts_status_query(text: str) -> str | None:
    found = words(text)
    if not found:
        return None
    *whole, last = found
    return " ".join([*(f'"{w}"' for w in whole), f'"{last}"*'])


def tag_prefix(text: str) -> str | None:
    name = text.strip().lstrip("#").lower()
    return name if TAG_RE.match(name) else None


@dataclasses.dataclass(frozen=True, slots=True)
class AccountDocument:
    id: int
    username: str
    display_name: str = ""
    note: str = ""
    followers_count: int = 0
    discoverable: bool = True


@dataclasses.dataclass(frozen=True, slots=True)
class StatusDocument:
    id: int
    account_id: int
    text: str  # plain text (content warning included) as typed
    visibility: str
    tags: tuple[str, ...] = ()
    mentions: tuple[int, ...] = ()
    created_at: dt.datetime | None = None  # default: from the snowflake id


@dataclasses.dataclass(frozen=True, slots=True)
class StatusSearch:
    """Which statuses a viewer may find: public and unlisted ones, plus the viewer's own and those
    mentioning the viewer (any visibility); never by an excluded (blocked, muted) author."""

    text: str
    viewer_id: int | None = None
    exclude_account_ids: frozenset[int] = frozenset()
    account_id: int | None = None  # only this author's
    max_id: int | None = None
    min_id: int | None = None
    limit: int = 20
    offset: int = 0


@dataclasses.dataclass(frozen=True, slots=True)
class TagUse:
    day: dt.date
    uses: int  # public/unlisted statuses with the tag that day
    accounts: int  # distinct authors among them
