"""Custom emojis: images admins upload under a shortcode, shown where a status or a profile
writes ``:shortcode:``."""

from __future__ import annotations

import dataclasses
import io
import re
import warnings

from PIL import Image, UnidentifiedImageError

from rookery.workloads.domain import errors

SHORTCODE_RE = re.compile(r"^[a-zA-Z0-9_]{2,}$")
SHORTCODE_MAX = 64
IN_TEXT_RE = re.compile(r"(?<![a-zA-Z0-9_:]):([a-zA-Z0-9_]{2,}):(?![a-zA-Z0-9_])")
MAX_EMOJI_BYTES = 256 * 1024  # Mastodon's limit on a custom emoji image
MAX_EMOJI_PIXELS = 1024 * 1024
CATEGORY_MAX = 64
EMOJI_FORMATS = {"PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}


class EmojiRejected(errors.RuleViolation):
    """A shortcode or an image the rules refuse (the API answers 422)."""


@dataclasses.dataclass(frozen=True, slots=True)
class CustomEmoji:
    id: int
    shortcode: str
    url: str
    static_url: str
    category: str | None = None
    visible_in_picker: bool = True


def check_shortcode(raw: object) -> str:
    if not isinstance(raw, str) or not raw:
        raise EmojiRejected("Shortcode can't be blank")
    if len(raw) > SHORTCODE_MAX or not SHORTCODE_RE.match(raw):
        raise EmojiRejected(f"Shortcode must be at least 2 letters, digits or underscores (at most {SHORTCODE_MAX})")
    return raw


def check_category(raw: object) -> str | None:
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str) or len(raw) > CATEGORY_MAX:
        raise EmojiRejected(f"Category must be text of at most {CATEGORY_MAX} characters")
    return raw.strip() or None


def emoji_content_type(data: bytes) -> str:
    """The content type of a PNG, GIF or WebP image, decoded in full; EmojiRejected for anything
    else (a file named .png that is not one, a truncated image, one too large)."""
    if not data:
        raise EmojiRejected("Image is empty")
    if len(data) > MAX_EMOJI_BYTES:
        raise EmojiRejected(f"Image is larger than {MAX_EMOJI_BYTES} bytes")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(EMOJI_FORMATS)) as image:
                width, height = image.size
                if width * height > MAX_EMOJI_PIXELS:
                    raise EmojiRejected(f"Image has more than {MAX_EMOJI_PIXELS} pixels")
                image.load()
                return EMOJI_FORMATS[image.format or ""]
    except EmojiRejected:
        raise
    except (UnidentifiedImageError, KeyError):
        raise EmojiRejected("Image must be a PNG, GIF or WebP file") from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, MemoryError, Warning):
        raise EmojiRejected("Image is corrupt or truncated") from None


def shortcodes_in(*texts: str) -> list[str]:
    """Shortcodes written as ``:name:`` in these texts, in order of first appearance."""
    return list(dict.fromkeys(m.group(1) for text in texts for m in IN_TEXT_RE.finditer(text or "")))
