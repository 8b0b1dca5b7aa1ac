"""render/configmaps.py: the tenant's ConfigMap of ROOKERY_* settings and its hash."""

from __future__ import annotations

from render_support import monolith, shard, tenant

from rookery.operator.render.common import CONFIG_HASH_ANNOTATION, Shard, ShardInfo, Tenant
from rookery.operator.render.configmaps import config_hash, tenant_config_map
from rookery.operator.render.deployments import shard_deployment, tenant_deployments


def test_config_map_carries_settings_shards_and_models() -> None:
    t = Tenant(
        tenant().owner,
        tenant().spec,
        shards=(ShardInfo.of("birdhouse", "birdhouse-feed-0", shard().spec),),
        model_endpoints={"ROOKERY_MODEL_ENDPOINT_MODERATION": "http://mod.social.svc"},
    )
    data = tenant_config_map(t)["data"]
    assert data["ROOKERY_TENANT"] == "birdhouse"
    assert data["ROOKERY_PUBLIC_URL"] == "https://birdhouse.example.org"
    assert data["ROOKERY_CASSANDRA_KEYSPACE"] == "birdhouse"
    assert data["ROOKERY_FANOUT_THRESHOLD"] == "1000"
    assert data["ROOKERY_RATE_LIMIT_AUTH_REQUESTS"] == "20"
    assert data["ROOKERY_INSTANCE_TITLE"] == "Birdhouse"
    assert data["ROOKERY_ROLE_URL_POSTS"] == "http://birdhouse-posts.social.svc:8080"
    assert data["ROOKERY_FEED_SHARDS"] == (  # its users, and where their home timelines live
        "birdhouse-feed-0=2147483648-4294967296;table=home_timeline_birdhouse_feed_0;ttl_s=2592000;bucket_days=7"
        ";prefix=birdhouse:feed:birdhouse-feed-0:;redis_ttl_s=259200;max=800"
    )
    assert data["ROOKERY_MODEL_ENDPOINT_MODERATION"] == "http://mod.social.svc"


def _template_hashes(t: Tenant) -> dict[str, str]:
    deployments = [*tenant_deployments(t), shard_deployment(Shard(shard().owner, shard().spec, t))]
    return {
        d["metadata"]["name"]: d["spec"]["template"]["metadata"]["annotations"][CONFIG_HASH_ANNOTATION]
        for d in deployments
    }


def test_a_config_change_changes_the_pod_template_hash() -> None:
    before, after = tenant(), tenant(settings={"INSTANCE_TITLE": "Nest"})
    assert config_hash(before) != config_hash(after)
    old, new = _template_hashes(before), _template_hashes(after)
    assert len(old) > 10 and all(new[name] != old[name] for name in old)  # every Deployment rolls
    assert _template_hashes(tenant()) == old  # deterministic


def test_a_rate_limit_change_rolls_only_the_pods_serving_the_public_api() -> None:
    """Rate limits are drawn at the public edge (the split gateway, the monolith's pods): the
    roles, the workers and the shards' fan-out workers keep their pods."""
    for make, public in ((tenant, "birdhouse-gateway"), (monolith, "tiny-platform")):
        before = make()
        limits = before.spec.rateLimits.model_copy(update={"perIp": before.spec.rateLimits.perIp + 1})
        after = Tenant(before.owner, before.spec.model_copy(update={"rateLimits": limits}))
        old, new = _template_hashes(before), _template_hashes(after)
        assert {name for name in old if new[name] != old[name]} == {public}, make


def test_a_monolith_routes_nothing_and_names_its_keyspace_after_the_tenant() -> None:
    config = tenant_config_map(monolith())
    assert config["metadata"]["name"] == "tiny-config"
    data = config["data"]
    assert data["ROOKERY_TOPOLOGY"] == "monolith"
    assert not any(key.startswith("ROOKERY_ROLE_URL_") for key in data)
    assert "ROOKERY_FEED_SHARDS" not in data
    assert data["ROOKERY_CASSANDRA_KEYSPACE"] == "tiny"
    assert data["ROOKERY_MODERATION_ENABLED"] == "true"  # the features default
    assert data["ROOKERY_MODELS_WARM_UP"] == "true"  # in-process models load at start, not on a first post


def test_model_endpoint_variables_match_the_workloads_model_names() -> None:
    from rookery.operator.models import model_endpoint_variable

    assert model_endpoint_variable("embedding") == "ROOKERY_MODEL_ENDPOINT_EMBEDDINGS"
    assert model_endpoint_variable("moderation") == "ROOKERY_MODEL_ENDPOINT_MODERATION"
