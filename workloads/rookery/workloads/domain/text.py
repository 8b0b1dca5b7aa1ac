"""Status text: mentions and hashtags found in plain text, and the Mastodon-style HTML content.

The HTML has the shape Mastodon clients expect: paragraphs, ``<br />`` for line breaks,
``h-card`` mention links, ``mention hashtag`` links, and URLs split into invisible / visible /
ellipsis spans. Everything that is not markup is escaped.
"""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Callable

from linkify_it import LinkifyIt

# a mention is @user or @user@domain, not preceded by a word character, '/', or '@'
MENTION_RE = re.compile(
    r"(?<![\w/@])@([a-zA-Z0-9_]+(?:[.-]+[a-zA-Z0-9_]+)*)(?:@([a-zA-Z0-9.-]+[a-zA-Z0-9]))?"
)
# a hashtag holds word characters with at least one letter (so "#1" is not a tag)
HASHTAG_RE = re.compile(r"(?<![\w/&#])#(\w*[^\W\d]\w*)")
URL_SCHEMES = ("http:", "https:")
URL_VISIBLE_CHARS = 30
STATUS_LINK_REL = "nofollow noopener"
FIELD_LINK_REL = "me nofollow noopener noreferrer"  # profile field links, as Mastodon renders them

_linkify = LinkifyIt(options={"fuzzy_link": False, "fuzzy_email": False})


@dataclasses.dataclass(frozen=True, slots=True)
class Mention:
    username: str  # as written
    domain: str | None  # None: local

    @property
    def acct(self) -> str:
        return self.username if self.domain is None else f"{self.username}@{self.domain}"


@dataclasses.dataclass(frozen=True, slots=True)
class MentionTarget:
    """A mention resolved to an account: where its link points and the name it shows."""

    url: str
    username: str


@dataclasses.dataclass(frozen=True, slots=True)
class _Span:
    start: int
    end: int
    kind: str  # "url" | "mention" | "hashtag"
    value: str  # url href, mention acct (lowercase), tag as written


def _url_spans(text: str) -> list[_Span]:
    matches = _linkify.match(text) or []
    return [_Span(m.index, m.last_index, "url", m.url) for m in matches if m.schema in URL_SCHEMES]


def _spans(text: str) -> list[_Span]:
    spans = _url_spans(text)

    def free(start: int, end: int) -> bool:
        return all(end <= s.start or start >= s.end for s in spans)

    for match in MENTION_RE.finditer(text):
        if free(match.start(), match.end()):
            mention = Mention(match.group(1), match.group(2))
            spans.append(_Span(match.start(), match.end(), "mention", mention.acct.lower()))
    for match in HASHTAG_RE.finditer(text):
        if free(match.start(), match.end()):
            spans.append(_Span(match.start(), match.end(), "hashtag", match.group(1)))
    return sorted(spans, key=lambda s: s.start)


def extract_mentions(text: str) -> list[Mention]:
    """Distinct mentions in order of appearance (case-insensitive), outside URLs."""
    seen: set[str] = set()
    found = []
    for match in MENTION_RE.finditer(text):
        if any(s.start <= match.start() < s.end for s in _url_spans(text)):
            continue
        mention = Mention(match.group(1), match.group(2))
        if mention.acct.lower() not in seen:
            seen.add(mention.acct.lower())
            found.append(mention)
    return found


def extract_links(text: str) -> list[str]:
    """Distinct http(s) links, in order of appearance."""
    return list(dict.fromkeys(span.value for span in _url_spans(text)))


def extract_hashtags(text: str) -> list[str]:
    """Distinct hashtags, normalised to lower case, in order of appearance, outside URLs."""
    seen: dict[str, None] = {}
    for span in _spans(text):
        if span.kind == "hashtag":
            seen.setdefault(span.value.lower(), None)
    return list(seen)


def _render_url(href: str, raw: str, rel: str) -> str:
    scheme_end = raw.find("://") + 3 if "://" in raw else 0
    prefix, rest = raw[:scheme_end], raw[scheme_end:]
    if len(rest) > URL_VISIBLE_CHARS:
        visible = f'<span class="ellipsis">{html.escape(rest[:URL_VISIBLE_CHARS])}</span>'
        hidden = html.escape(rest[URL_VISIBLE_CHARS:])
    else:
        visible = f'<span class="">{html.escape(rest)}</span>'
        hidden = ""
    return (
        f'<a href="{html.escape(href)}" target="_blank" rel="{rel}" translate="no">'
        f'<span class="invisible">{html.escape(prefix)}</span>{visible}'
        f'<span class="invisible">{hidden}</span></a>'
    )


def _render_inline(
    text: str, mentions: dict[str, MentionTarget], tag_url: Callable[[str], str], rel: str = STATUS_LINK_REL
) -> str:
    out: list[str] = []
    cursor = 0
    for span in _spans(text):
        out.append(html.escape(text[cursor : span.start]))
        raw = text[span.start : span.end]
        if span.kind == "url":
            out.append(_render_url(span.value, raw, rel))
        elif span.kind == "mention" and span.value in mentions:
            target = mentions[span.value]
            out.append(
                f'<span class="h-card" translate="no"><a href="{html.escape(target.url)}" '
                f'class="u-url mention">@<span>{html.escape(target.username)}</span></a></span>'
            )
        elif span.kind == "hashtag":
            out.append(
                f'<a href="{html.escape(tag_url(span.value.lower()))}" class="mention hashtag" rel="tag">'
                f"#<span>{html.escape(span.value)}</span></a>"
            )
        else:  # a mention of nobody we know stays text
            out.append(html.escape(raw))
        cursor = span.end
    out.append(html.escape(text[cursor:]))
    return "".join(out)


def render_content(text: str, mentions: dict[str, MentionTarget], tag_url: Callable[[str], str]) -> str:
    """Plain text -> HTML. ``mentions`` maps a lower-case acct (as written) to its target."""
    normalised = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not normalised:
        return ""
    paragraphs = re.split(r"\n{2,}", normalised)
    rendered = []
    for paragraph in paragraphs:
        lines = [_render_inline(line, mentions, tag_url) for line in paragraph.split("\n")]
        rendered.append("<p>" + "<br />".join(lines) + "</p>")
    return "".join(rendered)


def render_field_value(text: str, tag_url: Callable[[str], str]) -> str:
    """A profile field value (plain text, one line) -> HTML: escaped, URLs and hashtags linked.

    Mentions stay text: the account renderer has no account lookup to resolve them with.
    """
    return _render_inline(" ".join(text.split("\n")).strip(), {}, tag_url, FIELD_LINK_REL)
