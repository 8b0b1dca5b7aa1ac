"""What an instance's admins write for everyone to read: the server rules, the extended
description, the privacy policy and the terms of service (Mastodon's Rule, ExtendedDescription,
PrivacyPolicy and TermsOfService entities). Admins write plain text; it is shown as HTML made
here (escaped, paragraphs and line breaks), so nothing an admin types can inject markup."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html

from rookery.workloads.domain.errors import RuleViolation

EXTENDED_DESCRIPTION = "extended_description"
PRIVACY_POLICY = "privacy_policy"
TERMS_OF_SERVICE = "terms_of_service"
DOCUMENT_KINDS = (EXTENDED_DESCRIPTION, PRIVACY_POLICY, TERMS_OF_SERVICE)
MAX_RULE_TEXT = 300
MAX_RULE_HINT = 2000
MAX_DOCUMENT = 100_000
MAX_RULES = 100


class InvalidInstanceContent(RuleViolation):
    """A rule or document an admin may not save (empty, too long, a bad date)."""


@dataclasses.dataclass(frozen=True, slots=True)
class Rule:
    id: int
    text: str
    hint: str = ""
    position: int = 0  # rules are shown in this order (then by id)


@dataclasses.dataclass(frozen=True, slots=True)
class InstanceDocument:
    kind: str  # one of DOCUMENT_KINDS
    text: str  # what the admin wrote
    updated_at: dt.datetime
    effective_date: dt.date | None = None  # terms of service only


def rule_text(text: object, hint: object = "") -> tuple[str, str]:
    """A rule's text and hint, trimmed; refused when the text is empty or either is too long."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidInstanceContent("text can't be blank")
    if not isinstance(hint, str):
        raise InvalidInstanceContent("hint must be a string")
    text, hint = text.strip(), hint.strip()
    if len(text) > MAX_RULE_TEXT:
        raise InvalidInstanceContent(f"text is too long (maximum is {MAX_RULE_TEXT} characters)")
    if len(hint) > MAX_RULE_HINT:
        raise InvalidInstanceContent(f"hint is too long (maximum is {MAX_RULE_HINT} characters)")
    return text, hint


def document_text(kind: str, text: object) -> str:
    if kind not in DOCUMENT_KINDS:
        raise InvalidInstanceContent(f"document must be one of {', '.join(DOCUMENT_KINDS)}")
    if not isinstance(text, str):
        raise InvalidInstanceContent("content must be a string")
    if len(text) > MAX_DOCUMENT:
        raise InvalidInstanceContent(f"content is too long (maximum is {MAX_DOCUMENT} characters)")
    if kind == TERMS_OF_SERVICE and not text.strip():
        raise InvalidInstanceContent("content can't be blank")
    return text.strip()


def to_html(text: str) -> str:
    """Plain text as HTML: escaped, blank lines between paragraphs, single newlines as <br>."""
    paragraphs = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return "".join("<p>" + "<br>\n".join(html.escape(line) for line in p.split("\n")) + "</p>\n" for p in paragraphs)
