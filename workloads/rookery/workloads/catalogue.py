"""The one catalogue of Rookery's names: roles, streams, consumer groups and workers.

Pure data, no imports from the rest of ``rookery``: bootstrap (``ALL_ROLES``), the CLI
(``rookery serve --role``, ``rookery worker NAME``), observability (the ``rookery-<role>`` service
name), the workers' ``bus.subscribe`` calls and the event envelope's streams read their names here.
The operator keeps its own ``Literal`` types (the CRD schemas and mypy need them written out);
``tests/operator/test_catalogue_agreement.py`` proves they agree with this module, and
``tests/unit/test_catalogue.py`` that the consumers a container subscribes are the ones below.

How they fit:
  role            a bounded context (``rookery serve --role R``); building a role subscribes its
                  consumer groups, so every serving process runs the consumers of its roles
  stream          a topic ``<tenant>.<stream>`` (Kafka) or an event-log stream (embedded)
  consumer group  ``<tenant>.<group>``: one kind of consumer with its own offsets on its streams
  worker          ``rookery worker NAME``: builds some roles and keeps only its own groups;
                  the operator deploys a subset of them (``Worker.deployed``)
"""

from __future__ import annotations

import dataclasses

# ---- roles ----------------------------------------------------------------------------------------

# every role, in the order `rookery serve --role all` builds them and the operator deploys them
ROLES: tuple[str, ...] = ("gateway", "accounts", "posts", "graph", "feed", "messaging")
ROLES += ("notifications", "search", "media", "admin", "analytics")
# the roles whose stores share the social core's embedded database (bootstrap's social section)
SOCIAL_ROLES = frozenset({"posts", "graph", "feed", "notifications"})

# ---- streams: topics are named "<tenant>.<stream>" --------------------------------------------------

POSTS = "posts"
INTERACTIONS = "interactions"
GRAPH = "graph"
MESSAGES = "messages"
NOTIFICATIONS = "notifications"
MEDIA = "media"
ANALYTICS = "analytics"
MODERATION = "moderation"
DEAD_LETTER = "dead-letter"
STREAMS = (POSTS, INTERACTIONS, GRAPH, MESSAGES, NOTIFICATIONS, MEDIA, ANALYTICS, MODERATION, DEAD_LETTER)

# ---- consumer groups --------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class ConsumerGroup:
    name: str  # the group id is "<tenant>.<name>"
    streams: tuple[str, ...]  # what it reads
    role: str  # the role whose wiring subscribes it (with the roles it needs built as well)
    consumer: str  # the class or function in workers/ that handles its events


FANOUT_GROUP = ConsumerGroup("fanout", (POSTS, GRAPH), "feed", "workers.fanout.FanoutWorker")
LISTS_GROUP = ConsumerGroup("lists", (GRAPH,), "feed", "workers.lists.ListsWorker")
NOTIFY_GROUP = ConsumerGroup("notify", (POSTS, INTERACTIONS, GRAPH), "notifications", "workers.notify.NotifyWorker")
PUSH_GROUP = ConsumerGroup("push", (NOTIFICATIONS,), "notifications", "workers.push.register")
MEDIA_PROCESSOR_GROUP = ConsumerGroup("media-processor", (MEDIA,), "media", "workers.media.register")
# detaches the media of deleted statuses
MEDIA_STATUSES_GROUP = ConsumerGroup("media-statuses", (POSTS,), "media", "workers.media.register")
INDEX_GROUP = ConsumerGroup("index", (POSTS, GRAPH), "search", "workers.index.IndexWorker")
CONVERSATIONS_GROUP = ConsumerGroup("conversations", (POSTS,), "posts", "workers.conversations.ConversationsWorker")
# the notifications stream only where the notifications store is built in the same process
STREAMING_GROUP = ConsumerGroup("streaming", (POSTS, NOTIFICATIONS), "posts", "workers.streaming.StreamingPublisher")
# only with ROOKERY_MODERATION_ENABLED (on by default)
MODERATION_GROUP = ConsumerGroup("moderation", (POSTS,), "admin", "workers.moderation.ModerationWorker")
ANALYTICS_GROUP = ConsumerGroup(
    "analytics", (POSTS, INTERACTIONS, GRAPH), "analytics", "workers.analytics.AnalyticsForwarder"
)
TRENDS_GROUP = ConsumerGroup("trends", (ANALYTICS,), "analytics", "workers.analytics.TrendAggregator")

GROUPS: dict[str, ConsumerGroup] = {
    group.name: group
    for group in (
        FANOUT_GROUP,
        LISTS_GROUP,
        NOTIFY_GROUP,
        PUSH_GROUP,
        MEDIA_PROCESSOR_GROUP,
        MEDIA_STATUSES_GROUP,
        INDEX_GROUP,
        CONVERSATIONS_GROUP,
        STREAMING_GROUP,
        MODERATION_GROUP,
        ANALYTICS_GROUP,
        TRENDS_GROUP,
    )
}

# ---- workers: `rookery worker NAME` ----------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class Worker:
    name: str
    roles: tuple[str, ...]  # the roles it builds ("accounts" comes with every worker)
    groups: tuple[str, ...]  # the consumer groups it keeps (the others its roles bring are dropped)
    # the operator runs it as the tenant's "<tenant>-worker-<name>" Deployment; "fanout" runs per
    # FeedShard instead ("<shard>-fanout"), and the rest run inside the serving Deployments only
    deployed: bool


# Every process that builds a role writing an outbox also relays it (SKIP LOCKED makes parallel
# relays safe); "outbox-relay" does only that. Groups no worker keeps ("lists", "media-statuses")
# run in every serving process that builds their role (`rookery up`, `rookery serve`): there is
# no `rookery worker lists`. In the operator's order: the deployed ones first.
WORKERS: dict[str, Worker] = {
    worker.name: worker
    for worker in (
        Worker("outbox-relay", ("posts", "media"), (), deployed=True),
        Worker("notify", ("notifications",), (NOTIFY_GROUP.name,), deployed=True),
        # the indexer reads the statuses store: it builds the posts role too (with search alone it
        # subscribed nothing, tests/unit/test_catalogue.py)
        Worker("index", ("posts", "search"), (INDEX_GROUP.name,), deployed=True),
        Worker("media", ("media",), (MEDIA_PROCESSOR_GROUP.name,), deployed=True),
        Worker("analytics", ("posts", "analytics"), (ANALYTICS_GROUP.name, TRENDS_GROUP.name), deployed=True),
        Worker("moderation", ("posts", "admin"), (MODERATION_GROUP.name,), deployed=True),
        Worker("fanout", ("feed",), (FANOUT_GROUP.name,), deployed=False),
        Worker("push", ("notifications",), (PUSH_GROUP.name,), deployed=False),
        Worker("conversations", ("posts",), (CONVERSATIONS_GROUP.name,), deployed=False),
        Worker("streaming", ("posts", "notifications"), (STREAMING_GROUP.name,), deployed=False),
    )
}
# the tenant's "<tenant>-worker-<name>" Deployments (the operator's models.Worker)
DEPLOYED_WORKERS: tuple[str, ...] = tuple(name for name, worker in WORKERS.items() if worker.deployed)
