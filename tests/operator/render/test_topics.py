"""render/topics.py: the tenant's '<tenant>.<stream>' topics and each FeedShard's fan-out topic."""

from __future__ import annotations

from render_support import shard, tenant

from rookery.operator.render.topics import shard_topics, tenant_topics


def test_topics_follow_defaults_and_overrides() -> None:
    topics = {t.name: t for t in tenant_topics(tenant())}
    streams = "posts interactions graph messages notifications media analytics moderation dead-letter"
    assert set(topics) == {f"birdhouse.{s}" for s in streams.split()}
    assert topics["birdhouse.posts"].partitions == 6
    assert topics["birdhouse.posts"].replication_factor == 1
    assert topics["birdhouse.posts"].configs == {
        "retention.ms": str(168 * 3600_000),
        "cleanup.policy": "delete",
    }
    assert topics["birdhouse.dead-letter"].partitions == 1
    assert topics["birdhouse.dead-letter"].configs["retention.ms"] == str(720 * 3600_000)
    assert topics["birdhouse.analytics"].configs["retention.ms"] == str(24 * 3600_000)


def test_shard_renders_its_topic() -> None:
    (topic,) = shard_topics(shard())
    assert (topic.name, topic.partitions) == ("birdhouse.fanout.birdhouse-feed-1", 3)
    assert topic.configs == {"retention.ms": str(168 * 3600_000), "cleanup.policy": "delete"}


def test_dead_letters_are_kept_a_month_unless_the_tenant_says_otherwise() -> None:
    plain = {t.name: t for t in tenant_topics(tenant(kafka={"partitions": 3, "retentionHours": 48}))}
    assert plain["birdhouse.dead-letter"].configs["retention.ms"] == str(720 * 3600_000)
    assert plain["birdhouse.posts"].configs["retention.ms"] == str(48 * 3600_000)
    assert {t.partitions for name, t in plain.items() if name != "birdhouse.dead-letter"} == {3}
