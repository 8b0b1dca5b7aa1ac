"""Trending links: the links people post, ranked by how many accounts shared each in the last
days, and the PreviewCard each gets. Rookery fetches nothing from the web: a card says what the
URL and the posts that shared it say (host, path, the post's words around the link)."""

from __future__ import annotations

import calendar
import collections
import dataclasses
import datetime as dt
import urllib.parse
from collections.abc import Sequence

from rookery.workloads.domain.statuses import Status
from rookery.workloads.domain.text import extract_links
from rookery.workloads.ids import timestamp_ms

HISTORY_DAYS = 7
DESCRIPTION_MAX = 200


@dataclasses.dataclass(frozen=True, slots=True)
class LinkTrend:
    url: str
    accounts: int
    uses: int
    first_text: str  # what the newest post that shared it says besides the link
    history: tuple[tuple[dt.date, int, int], ...]  # (day, uses, accounts), newest first


def canonical(url: str) -> str:
    """The same page however it was written: no fragment, lower-case scheme and host."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, ""))


def _day(status: Status) -> dt.date:
    return dt.datetime.fromtimestamp(timestamp_ms(status.id) / 1000, dt.UTC).date()


def rank_links(statuses: Sequence[Status], today: dt.date) -> list[LinkTrend]:
    """Links of ``statuses`` posted in the last HISTORY_DAYS days, most accounts first, then most
    uses, then the most recent."""
    days = [today - dt.timedelta(days=n) for n in range(HISTORY_DAYS)]
    uses: dict[str, collections.Counter[dt.date]] = collections.defaultdict(collections.Counter)
    sharers: dict[str, dict[dt.date, set[int]]] = collections.defaultdict(lambda: collections.defaultdict(set))
    texts: dict[str, str] = {}
    newest: dict[str, int] = {}
    for status in sorted(statuses, key=lambda s: s.id, reverse=True):
        day = _day(status)
        if day not in days:
            continue
        for link in extract_links(status.text):
            url = canonical(link)
            uses[url][day] += 1
            sharers[url][day].add(status.account_id)
            if url not in texts:
                texts[url] = " ".join(status.text.replace(link, " ").split())[:DESCRIPTION_MAX]
                newest[url] = status.id
    trends = []
    for url, per_day in uses.items():
        accounts = set().union(*sharers[url].values())
        history = tuple((d, per_day[d], len(sharers[url].get(d, ()))) for d in days)
        trends.append(LinkTrend(url, len(accounts), sum(per_day.values()), texts[url], history))
    return sorted(trends, key=lambda t: (t.accounts, t.uses, newest[t.url]), reverse=True)


def preview_card(trend: LinkTrend) -> dict[str, object]:
    """Mastodon's PreviewCard (a "link" card) with its trend history (TrendsLink)."""
    parts = urllib.parse.urlsplit(trend.url)
    segments = [s for s in parts.path.split("/") if s]
    title = urllib.parse.unquote(segments[-1]).replace("-", " ").replace("_", " ") if segments else parts.netloc
    return {
        "url": trend.url,
        "title": title,
        "description": trend.first_text,
        "type": "link",
        "author_name": "",
        "author_url": "",
        "provider_name": parts.netloc,
        "provider_url": f"{parts.scheme}://{parts.netloc}",
        "html": "",
        "width": 0,
        "height": 0,
        "image": None,
        "image_description": "",
        "embed_url": "",
        "blurhash": None,
        "published_at": None,
        "authors": [],
        "history": [
            {"day": str(calendar.timegm(day.timetuple())), "uses": str(u), "accounts": str(a)}
            for day, u, a in trend.history
        ],
    }
