"""FeedShards: horizontal slices of the fan-out work, by the hash of the user whose home timeline
is written (the operator's FeedShard ``hashRange``: ``feed_hash(user id)`` in ``[start, end)``).

The tenant's feed role (consumer group ``fanout``) forwards every fan-out event to each shard's topic
``<tenant>.fanout.<shard>``; each shard's worker (``rookery worker fanout`` with ROOKERY_FEED_SHARD)
consumes it in its own group and writes only the home timelines of its users. Users no shard covers
are fanned out to by the feed role itself, so gaps in the ranges lose nothing.
"""

from __future__ import annotations

import dataclasses
import re
import zlib

HASH_SPACE = 2**32
_RANGE = re.compile(r"^(\d+)-(\d+)$")
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")


def feed_hash(user_id: int) -> int:
    """Where a user's home timeline falls in the shards' hash space (stable across processes)."""
    return zlib.crc32(int(user_id).to_bytes(8, "big", signed=True))


@dataclasses.dataclass(frozen=True)
class ShardRange:
    name: str
    start: int  # inclusive
    end: int  # exclusive

    def owns(self, user_id: int) -> bool:
        return self.start <= feed_hash(user_id) < self.end


def parse_range(name: str, text: str, where: str = "ROOKERY_FEED_SHARD_RANGE") -> ShardRange:
    """``start-end`` (0 <= start < end <= 2^32)."""
    match = _RANGE.match(text.strip())
    if not _NAME.match(name):
        raise ValueError(f"{where}: {name!r} is not a shard name (a FeedShard's name)")
    if match is None:
        raise ValueError(f"{where}: {text!r} is not START-END")
    start, end = int(match.group(1)), int(match.group(2))
    if not 0 <= start < end <= HASH_SPACE:
        raise ValueError(f"{where}: {text!r} needs 0 <= START < END <= {HASH_SPACE}")
    return ShardRange(name, start, end)


def parse_shards(text: str, where: str = "ROOKERY_FEED_SHARDS") -> tuple[ShardRange, ...]:
    """``name=start-end,...`` (the tenant's ConfigMap), in order; empty for none."""
    shards = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        name, sep, rng = item.partition("=")
        if not sep:
            raise ValueError(f"{where}: {item!r} is not NAME=START-END")
        shards.append(parse_range(name.strip(), rng, where))
    if len({s.name for s in shards}) != len(shards):
        raise ValueError(f"{where}: a shard is named twice")
    return tuple(shards)
