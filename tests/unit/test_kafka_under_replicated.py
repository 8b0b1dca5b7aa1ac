"""``rookery_kafka_under_replicated_partitions`` from a metadata answer: the readiness check's view of
the tenant's partitions (a broker down shows here while the store as a whole still serves)."""

from __future__ import annotations

from aiokafka.protocol.metadata import MetadataResponse_v0, MetadataResponse_v1, MetadataResponse_v5

from rookery.workloads.adapters.kafka.metrics import under_replicated

BROKERS = [(1, "10.251.0.31", 9092, None), (2, "10.251.0.32", 9092, None)]


def test_partitions_with_fewer_in_sync_replicas_or_no_leader_count() -> None:
    answer = MetadataResponse_v5(
        throttle_time_ms=0,
        brokers=BROKERS,
        cluster_id="c",
        controller_id=1,
        topics=[
            # posts: one partition whole, one missing broker 3 from its ISR, one without a leader
            (0, "t.posts", False, [(0, 0, 1, [1, 2, 3], [1, 2, 3], []), (0, 1, 2, [2, 3, 1], [2, 1], [3]),
                                   (5, 2, -1, [3, 1, 2], [3], [])]),
            (0, "t.graph", False, [(0, 0, 1, [1, 2, 3], [3, 1, 2], [])]),
            (3, "t.media", False, []),  # not created yet: unknown topic
        ],
    )  # fmt: skip
    assert under_replicated(answer) == 2


def test_a_whole_cluster_and_older_answer_versions() -> None:
    whole = MetadataResponse_v1(
        brokers=BROKERS, controller_id=1, topics=[(0, "t.posts", False, [(0, 0, 1, [1, 2], [2, 1])])]
    )
    assert under_replicated(whole) == 0
    behind = MetadataResponse_v0(brokers=[(1, "h", 9092)], topics=[(0, "t.posts", [(0, 0, 1, [1, 2], [1])])])
    assert under_replicated(behind) == 1
