"""Prometheus metrics of the stores, caches and outbox (exported on each process's /metrics).

The others live beside what they measure: HTTP RED metrics in ``api/ops.py``, the Kafka bus in
``adapters/kafka/metrics.py``, model decisions in the workers, inference in ``rookery.inference``.
Every label here takes a value from a small fixed set (never a key, an id or a statement).
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Sequence
from typing import Any

from prometheus_client import Counter, Gauge, Histogram

from rookery.workloads.domain.edge import EntityKey, Fragment
from rookery.workloads.domain.unavailable import StoreUnavailable

CACHE_HITS = Counter(
    "rookery_cache_hits_total", "Cache lookups that found the entry, by cache and backend.", ["cache", "backend"]
)
CACHE_MISSES = Counter(
    "rookery_cache_misses_total",
    "Cache lookups that did not find the entry, by cache and backend.",
    ["cache", "backend"],
)
STORE_DURATION = Histogram(
    "rookery_store_request_duration_seconds",
    "Requests to a data store (postgres, cassandra) by operation, errors included.",
    ["store", "operation"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
STORE_UNAVAILABLE = Counter(
    "rookery_store_unavailable_total",
    "Requests to a data store that failed because it was down, overloaded or too slow (a 503).",
    ["store", "operation"],
)
STORE_UP = Gauge(
    "rookery_store_up", "1 when the store answered this process's last readiness check, else 0.", ["store"]
)
CASSANDRA_NODES_DOWN = Gauge(
    "rookery_cassandra_nodes_down",
    "Cassandra nodes of the local data centre that the driver has marked down (every connection to"
    " them lost), as this process's last readiness check saw them.",
)
OUTBOX_OLDEST_AGE = Gauge(
    "rookery_outbox_oldest_event_age_seconds",
    "Age of the oldest event an outbox relay of this process holds unpublished (0: none).",
)
OUTBOX_RELAYED = Counter("rookery_outbox_events_relayed_total", "Outbox events published to the event bus.")

# the cache a key belongs to: its first segment (``status:<id>``, ``account:v2:<id>`` ...), or an
# EntityCache key's kind (``("status", id)``)
CACHE_NAMES = {"status": "statuses", "account": "accounts", "ranking": "ranking", "moderation": "moderation"}
OTHER = "other"
# the statement kinds a store reports; the first word of a statement, anything else is "other"
VERBS = frozenset({"select", "insert", "update", "delete"})


class OutboxBacklog:
    """The oldest event each outbox relay of this process holds unpublished. The gauge is its age
    when scraped: a relay stuck in a publish (a broker that is down) still shows it growing."""

    def __init__(self) -> None:
        # relay -> when its oldest unpublished event occurred (a relay that is gone drops out)
        self._oldest: weakref.WeakKeyDictionary[object, float] = weakref.WeakKeyDictionary()

    def hold(self, relay: object, occurred_at: float | None) -> None:
        if occurred_at is None:
            self._oldest.pop(relay, None)
        else:
            self._oldest[relay] = occurred_at

    def age(self) -> float:
        now = time.time()
        return max((max(0.0, now - t) for t in list(self._oldest.values())), default=0.0)


OUTBOX_BACKLOG = OutboxBacklog()
OUTBOX_OLDEST_AGE.set_function(OUTBOX_BACKLOG.age)


def cache_name(key: str) -> str:
    return CACHE_NAMES.get(key.partition(":")[0], OTHER)


def count_lookups(backend: str, keys: Sequence[str], found: Sequence[bytes | None]) -> None:
    """Hits and misses of one lookup (``found[i]`` answers ``keys[i]``)."""
    tally: dict[tuple[str, bool], int] = {}
    for key, value in zip(keys, found, strict=True):
        outcome = (key.partition(":")[0], value is not None)
        tally[outcome] = tally.get(outcome, 0) + 1
    _add(backend, tally)


def count_fragments(backend: str, keys: Sequence[EntityKey], found: Sequence[Fragment]) -> None:
    """Hits and misses of one EntityCache read: keys are (kind, id), a fragment without body a miss."""
    tally: dict[tuple[str, bool], int] = {}
    for (kind, _), fragment in zip(keys, found, strict=True):
        outcome = (kind, fragment.body is not None)
        tally[outcome] = tally.get(outcome, 0) + 1
    _add(backend, tally)


def count_lookup(cache: str, backend: str, hit: bool) -> None:
    _cache_counter(cache, backend, hit).inc()


# labelled children resolved once (labels() takes a lock and builds a tuple on every call); a page
# of a timeline reads dozens of entities, so a read adds one increment per (cache, outcome)
_CACHE_COUNTERS: dict[tuple[str, str, bool], Any] = {}
_STORE_SERIES: dict[tuple[str, str], tuple[Any, Any]] = {}


def _add(backend: str, tally: dict[tuple[str, bool], int]) -> None:
    for (prefix, hit), times in tally.items():
        _cache_counter(CACHE_NAMES.get(prefix, OTHER), backend, hit).inc(times)


def _cache_counter(cache: str, backend: str, hit: bool) -> Any:
    key = (cache, backend, hit)
    child = _CACHE_COUNTERS.get(key)
    if child is None:
        child = _CACHE_COUNTERS[key] = (CACHE_HITS if hit else CACHE_MISSES).labels(cache, backend)
    return child


def statement_kind(statement: str) -> str:
    """select, insert, update, delete or other: the first word of a SQL or CQL statement."""
    words = statement[:40].split(maxsplit=1)
    verb = words[0].lower() if words else OTHER
    return verb if verb in VERBS else OTHER


class store_request:  # lower case: it reads as a function, ``with store_request("postgres", "select"):``
    """Times the block as one request to ``store``; StoreUnavailable out of it is counted too.
    A class, not a generator: it wraps every statement, so it stays cheap."""

    __slots__ = ("duration", "started", "unavailable")
    duration: Any
    unavailable: Any
    started: float

    def __init__(self, store: str, operation: str) -> None:
        series = _STORE_SERIES.get((store, operation))
        if series is None:
            series = _STORE_SERIES[(store, operation)] = (
                STORE_DURATION.labels(store, operation),
                STORE_UNAVAILABLE.labels(store, operation),
            )
        self.duration, self.unavailable = series
        self.started = 0.0

    def __enter__(self) -> None:
        self.started = time.perf_counter()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        self.duration.observe(time.perf_counter() - self.started)
        if kind is not None and issubclass(kind, StoreUnavailable):
            self.unavailable.inc()
