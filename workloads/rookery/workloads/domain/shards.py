"""FeedShards: horizontal slices of the fan-out work, by the hash of the user whose home timeline
is written (the operator's FeedShard ``hashRange``: ``feed_hash(user id)`` in ``[start, end)``).

The tenant's feed role (consumer group ``fanout``) forwards every fan-out event to each shard's topic
``<tenant>.fanout.<shard>``; each shard's worker (``rookery worker fanout`` with ROOKERY_FEED_SHARD)
consumes it in its own group and writes only the home timelines of its users. Users no shard covers
are fanned out to by the feed role itself, so gaps in the ranges lose nothing.

Each shard's users' home timelines live in the shard's own storage (``ShardStorage``): its Cassandra
table (with ``<table>_days`` and ``<table>_by_status``), partitioned by ``bucket_days``, and its
Redis key prefix. ROOKERY_FEED_SHARDS carries every shard's storage, so whichever process reads a
user's home timeline finds the shard with ``shard_of`` and reads that shard's table and keys;
the shard's worker writes them (ROOKERY_TIMELINE_TABLE, ROOKERY_REDIS_KEY_PREFIX, ...: the same
values, rendered by the operator from one place).
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import urllib.parse
import zlib
from collections.abc import Sequence

HASH_SPACE = 2**32
_RANGE = re.compile(r"^(\d+)-(\d+)$")
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
_TABLE = re.compile(r"^[a-z][a-z0-9_]{0,37}$")  # Cassandra's 48 characters, with room for "_by_status"
STORAGE_FIELDS = ("table", "ttl_s", "bucket_days", "prefix", "redis_ttl_s", "max")


def feed_hash(user_id: int) -> int:
    """Where a user's home timeline falls in the shards' hash space (stable across processes)."""
    return zlib.crc32(int(user_id).to_bytes(8, "big", signed=True))


@dataclasses.dataclass(frozen=True)
class ShardStorage:
    """Where a shard's users' home timelines live."""

    table: str  # Cassandra: <table>, <table>_days, <table>_by_status in the tenant's keyspace
    ttl_s: int  # its rows expire after this
    bucket_days: int  # days per partition (owner, bucket)
    prefix: str  # Redis keys: <prefix>home:{owner}, <prefix>home-by:{status}
    redis_ttl_s: int  # an idle Redis timeline expires after this
    max: int  # newest entries kept per timeline

    def render(self) -> str:
        """The ``;key=value`` part of a ROOKERY_FEED_SHARDS item (the prefix percent-encoded)."""
        prefix = urllib.parse.quote(self.prefix, safe=":-_.")
        return f";table={self.table};ttl_s={self.ttl_s};bucket_days={self.bucket_days};prefix={prefix}" + (
            f";redis_ttl_s={self.redis_ttl_s};max={self.max}"
        )


def check_storage(storage: ShardStorage, where: str) -> ShardStorage:
    if not _TABLE.match(storage.table):
        raise ValueError(f"{where}: table {storage.table!r} is not a table name ([a-z][a-z0-9_]*, 38 at most)")
    if "{" in storage.prefix or "}" in storage.prefix or not storage.prefix:
        raise ValueError(f"{where}: Redis key prefix {storage.prefix!r} must be set and hold no braces")
    for field in ("ttl_s", "bucket_days", "redis_ttl_s", "max"):
        if getattr(storage, field) < 1:
            raise ValueError(f"{where}: {field} must be at least 1")
    return storage


@dataclasses.dataclass(frozen=True)
class ShardRange:
    name: str
    start: int  # inclusive
    end: int  # exclusive
    storage: ShardStorage | None = None  # always set in ROOKERY_FEED_SHARDS

    def owns(self, user_id: int) -> bool:
        return self.start <= feed_hash(user_id) < self.end


def shard_of(shards: Sequence[ShardRange], user_id: int) -> ShardRange | None:
    """The shard whose range holds this user (ranges may leave gaps: then None, the tenant's own)."""
    return next((shard for shard in shards if shard.owns(user_id)), None)


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


def _parse_storage(name: str, fields: list[str], where: str) -> ShardStorage:
    values: dict[str, str] = {}
    for field in fields:
        key, sep, value = field.partition("=")
        if not sep or key.strip() not in STORAGE_FIELDS or key.strip() in values:
            raise ValueError(f"{where}: shard {name!r}: {field!r} is not one of {', '.join(STORAGE_FIELDS)}=VALUE")
        values[key.strip()] = value.strip()
    missing = [f for f in STORAGE_FIELDS if f not in values]
    if missing:
        raise ValueError(f"{where}: shard {name!r} lacks {', '.join(missing)} (where its timelines live)")
    numbers = {}
    for field in ("ttl_s", "bucket_days", "redis_ttl_s", "max"):
        if not values[field].isdigit():
            raise ValueError(f"{where}: shard {name!r}: {field} {values[field]!r} is not a number")
        numbers[field] = int(values[field])
    storage = ShardStorage(values["table"], prefix=urllib.parse.unquote(values["prefix"]), **numbers)
    return check_storage(storage, f"{where}: shard {name!r}")


def parse_shards(text: str, where: str = "ROOKERY_FEED_SHARDS") -> tuple[ShardRange, ...]:
    """``name=start-end;table=T;ttl_s=N;bucket_days=N;prefix=P;redis_ttl_s=N;max=N,...`` (the tenant's
    ConfigMap; P percent-encoded), in order; empty for none."""
    shards = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        head, *fields = item.split(";")
        name, sep, rng = head.partition("=")
        if not sep:
            raise ValueError(f"{where}: {item!r} is not NAME=START-END;table=...")
        shard = parse_range(name.strip(), rng, where)
        shards.append(dataclasses.replace(shard, storage=_parse_storage(shard.name, fields, where)))
    if len({s.name for s in shards}) != len(shards):
        raise ValueError(f"{where}: a shard is named twice")
    ordered = sorted(shards, key=lambda s: s.start)
    for before, after in itertools.pairwise(ordered):
        if after.start < before.end:
            raise ValueError(f"{where}: shards {before.name!r} and {after.name!r} overlap")
    if len({s.storage.table for s in shards if s.storage}) != len(shards):
        raise ValueError(f"{where}: two shards share a table")
    if len({s.storage.prefix for s in shards if s.storage}) != len(shards):
        raise ValueError(f"{where}: two shards share a Redis key prefix")
    return tuple(shards)
