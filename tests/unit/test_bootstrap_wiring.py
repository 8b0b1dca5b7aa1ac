"""What build() wires for a set of roles, without starting anything: the typed parts present or
None, the accounts repository's decorators in their one order, the objects that break cycles
shared by both sides, and Keycloak mode's grant hook."""

from __future__ import annotations

import datetime as dt
import pathlib

from rookery.workloads.bootstrap import build
from rookery.workloads.domain.oauth import TokenRecord
from rookery.workloads.services.keycloak_mode import RecordedGrants
from rookery.workloads.services.search import IndexedAccountRepository
from rookery.workloads.services.tokens import SuspensionFanout
from rookery.workloads.services.tracked_accounts import TrackedAccountRepository
from rookery.workloads.settings import Settings


def settings(tmp_path: pathlib.Path) -> Settings:
    return Settings(data_dir=tmp_path)


def test_a_gateway_alone_has_the_infrastructure_and_the_validator_only(tmp_path: pathlib.Path) -> None:
    container = build(settings(tmp_path), ("gateway",))
    assert container.tokens.account_gate is None
    assert container.infra.signing_keys is not None  # the embedded issuer's keys
    assert container.streaming_hub is not None
    assert container.accounts is None and container.social is None and container.events is None
    assert container.bus is None


def test_the_kafka_bus_takes_its_partitions_and_client_id_from_settings(tmp_path: pathlib.Path) -> None:
    from rookery.workloads.adapters.kafka.bus import KafkaEventBus

    configured = Settings(
        data_dir=tmp_path,
        tenant="birds",
        kafka_bootstrap="127.0.0.1:1",
        kafka_partitions=6,
        kafka_replication_factor=3,
    )
    bus = build(configured, ("posts",)).bus  # built, never started: nothing connects
    assert isinstance(bus, KafkaEventBus)
    assert (bus.partitions, bus.replication, bus.client_id) == (6, 3, "rookery-birds")


def test_a_split_social_role_still_reads_accounts(tmp_path: pathlib.Path) -> None:
    container = build(settings(tmp_path), ("posts",))
    assert container.accounts is not None and container.social is not None
    assert container.lists is None and container.admin is None and container.search is None
    assert container.tokens.account_gate == container.accounts.service.may_act


def test_the_accounts_repository_is_indexed_then_tracked(tmp_path: pathlib.Path) -> None:
    container = build(settings(tmp_path))
    assert container.accounts is not None and container.search is not None and container.admin is not None
    repo = container.accounts.service.repo
    assert isinstance(repo, TrackedAccountRepository)
    indexed = repo._inner
    assert isinstance(indexed, IndexedAccountRepository)
    assert indexed._inner is container.accounts.repository  # the store itself, as other roles get it


def test_without_search_and_admin_the_store_is_used_as_it_is(tmp_path: pathlib.Path) -> None:
    container = build(settings(tmp_path), ("accounts",))
    assert container.accounts is not None
    assert container.accounts.service.repo is container.accounts.repository


def test_posts_analytics_and_moderation_share_one_read_filter(tmp_path: pathlib.Path) -> None:
    container = build(settings(tmp_path))
    assert container.social is not None and container.admin is not None
    read_filter = container.admin.moderation.filter
    assert container.social.posts.moderation is read_filter
    assert container.admin.analytics.read_filter is read_filter


def test_a_suspension_reaches_the_validator_through_the_shared_set(tmp_path: pathlib.Path) -> None:
    container = build(settings(tmp_path), ("accounts",))
    assert container.accounts is not None
    fanout = container.accounts.service.on_suspension
    assert isinstance(fanout, SuspensionFanout)
    assert fanout._suspended is container.tokens._suspended


class Store:
    def __init__(self, record: TokenRecord | None) -> None:
        self.record = record
        self.asked: list[str] = []

    async def token(self, jti: str) -> TokenRecord | None:
        self.asked.append(jti)
        return self.record


async def test_recorded_grants_answer_for_tokens_issued_through_our_endpoint() -> None:
    now = dt.datetime.now(dt.UTC)
    record = TokenRecord(jti="j1", app_id=3, account_id=7, scopes=frozenset({"read"}), created_at=now, expires_at=now)
    store = Store(record)
    assert await RecordedGrants(store)({"jti": "j1"}) == (7, 3, frozenset({"read"}))  # type: ignore[arg-type]
    assert await RecordedGrants(Store(None))({"jti": "other"}) is None  # type: ignore[arg-type]
    assert store.asked == ["j1"]


def test_an_embedded_process_reads_and_writes_the_graph_through_its_relations_cache(tmp_path: pathlib.Path) -> None:
    """As in production: every use of the graph goes through the one caching store, so each write
    invalidates the snapshot every read is answered from (tests/contract/test_graph_store.py runs
    the store contract on it, "sqlite-cached")."""
    from rookery.workloads.adapters.cached_relations import RelationsCachingGraphStore

    container = build(settings(tmp_path))
    assert container.social is not None
    store = container.social.stores.graph
    assert isinstance(store, RelationsCachingGraphStore)
    assert container.social.graph.graph is store and container.social.feed.graph is store
    assert container.social.notifications.graph is store
