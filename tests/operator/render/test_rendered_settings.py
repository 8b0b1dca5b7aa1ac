"""Nothing rendered that nobody reads: every ROOKERY_* name the operator puts in a ConfigMap or a
container's env is a field of the workloads' settings (Settings, or InferenceClientSettings for the
model endpoints), and every secretKeyRef points at a Secret the tenant names or the operator creates.

Adding a rendered variable that no setting reads fails here. A FeedShard's storage (table, TTL,
bucket days, Redis prefix and TTL) reaches its worker's env and, for every reader, the tenant's
ROOKERY_FEED_SHARDS: both are checked to say the same, as the workloads parse them."""

from __future__ import annotations

from typing import Any

import pytest
from render_support import monolith, shard, tenant

from rookery.operator.models import FeedShardSpec, SecretKeyRef, model_endpoint_variable
from rookery.operator.render.children import tenant_children
from rookery.operator.render.common import Shard, ShardInfo, Tenant
from rookery.operator.render.configmaps import tenant_config_map
from rookery.operator.render.deployments import shard_deployment, shard_env
from rookery.operator.render.secrets import INTERNAL_TOKEN_KEY, generate_keys, keys_secret_name
from rookery.workloads.adapters.inference.http import InferenceClientSettings
from rookery.workloads.bootstrap.stores import own_shard_storage
from rookery.workloads.domain.shards import parse_range, parse_shards
from rookery.workloads.settings import Settings


def settings_names() -> set[str]:
    fields = {*Settings.model_fields, *InferenceClientSettings.model_fields}
    return {"ROOKERY_" + name.upper() for name in fields}


HALVES = (("a", 0, 2**31), ("b", 2**31, 2**32))


def shard_spec(start: int, end: int) -> FeedShardSpec:
    spec = shard().spec
    return spec.model_copy(update={"hashRange": spec.hashRange.model_copy(update={"start": start, "end": end})})


def with_everything(base: Tenant) -> Tenant:
    """Every optional reference set, shards and model endpoints attached."""
    datastores = base.spec.datastores.model_copy(
        update={
            "cloudinary": SecretKeyRef(name="media-credentials", key="cloudinary-url"),
            "oidcClientId": SecretKeyRef(name="keycloak-client", key="id"),
            "oidcClientSecret": SecretKeyRef(name="keycloak-client", key="secret"),
        }
    )
    endpoints = {model_endpoint_variable(t): f"http://{t}.svc" for t in ("moderation", "ranking", "embedding")}
    return Tenant(
        base.owner,
        base.spec.model_copy(update={"datastores": datastores}),
        shards=tuple(ShardInfo.of(base.name, name, shard_spec(start, end)) for name, start, end in HALVES),
        model_endpoints=endpoints,
    )


def rendered(objs: list[dict[str, Any]]) -> tuple[set[str], list[dict[str, Any]]]:
    """Every ROOKERY_* name (ConfigMap keys, container env) and every secretKeyRef."""
    names: set[str] = set()
    refs: list[dict[str, Any]] = []
    for obj in objs:
        if obj["kind"] == "ConfigMap":
            names |= set(obj["data"])
        template = (obj.get("spec") or {}).get("template")
        if obj["kind"] == "Job":
            template = obj["spec"]["template"]
        for container in ((template or {}).get("spec") or {}).get("containers") or []:
            for env in container.get("env") or []:
                names.add(env["name"])
                ref = (env.get("valueFrom") or {}).get("secretKeyRef")
                if ref:
                    refs.append(ref)
            assert all("configMapRef" in e for e in container.get("envFrom") or [])
    return names, refs


CASES = {
    "split example": lambda: with_everything(tenant()),
    "monolith": monolith,
    "monolith with everything": lambda: with_everything(monolith()),
}


@pytest.mark.parametrize("case", list(CASES))
def test_every_rendered_setting_is_read_by_the_workloads(case: str) -> None:
    t = CASES[case]()
    objs = [*tenant_children(t), shard_deployment(shard())]
    names, _ = rendered(objs)
    assert all(n.startswith("ROOKERY_") for n in names), sorted(n for n in names if not n.startswith("ROOKERY_"))
    unread = names - settings_names()
    assert unread == set(), f"rendered but no setting reads them: {sorted(unread)}"


def settings_of(env: dict[str, str]) -> Settings:
    fields = settings_names()
    return Settings(**{k.removeprefix("ROOKERY_").lower(): v for k, v in env.items() if k in fields})


@pytest.mark.parametrize("key_prefix", [None, "custom,odd;prefix 100%:"])
def test_a_shards_worker_and_every_reader_see_the_same_storage(key_prefix: str | None) -> None:
    """The shard's worker writes where its env says (ROOKERY_TIMELINE_TABLE, ...); the readers look
    where the tenant's ROOKERY_FEED_SHARDS says. Rendered from one place, parsed by the workloads."""
    base = shard()
    spec = base.spec.model_copy(update={"redis": base.spec.redis.model_copy(update={"keyPrefix": key_prefix})})
    one = Shard(base.owner, spec, base.tenant)
    t = Tenant(base.tenant.owner, base.tenant.spec, shards=(one.info,))
    listed = parse_shards(tenant_config_map(t)["data"]["ROOKERY_FEED_SHARDS"])
    env = settings_of({e["name"]: e["value"] for e in shard_env(one)})
    assert [s.name for s in listed] == [env.feed_shard] == [one.name]
    assert listed[0].storage == own_shard_storage(env)
    assert (listed[0].start, listed[0].end) == (parse_range("x", env.feed_shard_range).start, spec.hashRange.end)
    assert listed[0].storage is not None
    assert listed[0].storage.prefix == (key_prefix or "birdhouse:feed:birdhouse-feed-1:")


@pytest.mark.parametrize("case", list(CASES))
def test_every_secret_reference_is_one_the_tenant_names_or_the_operator_creates(case: str) -> None:
    t = CASES[case]()
    datastores = t.spec.datastores
    named = {
        getattr(datastores, field).name
        for field in type(datastores).model_fields
        if getattr(datastores, field) is not None
    }
    allowed = named | {keys_secret_name(t.name)}
    _, refs = rendered(tenant_children(t))
    assert refs and {r["name"] for r in refs} <= allowed
    keys = {(r["name"], r["key"]) for r in refs if r["name"] == keys_secret_name(t.name)}
    expected = {"signing-keys", "vapid-private-key"} | ({INTERNAL_TOKEN_KEY} if t.spec.topology == "split" else set())
    assert keys == {(keys_secret_name(t.name), key) for key in expected}
    assert expected <= set(generate_keys())  # each key is one the operator writes


def test_a_name_no_setting_reads_is_caught() -> None:
    """The check itself: an extra ConfigMap entry nobody reads shows up as unread."""
    t = monolith()
    cm = tenant_config_map(t)
    cm["data"]["ROOKERY_NOBODY_READS_THIS"] = "1"
    names, _ = rendered([cm])
    assert names - settings_names() == {"ROOKERY_NOBODY_READS_THIS"}


def test_spec_settings_of_the_example_are_settings() -> None:
    """spec.settings KEY becomes ROOKERY_KEY: the example's keys are real settings."""
    extra = {f"ROOKERY_{k}" for k in tenant().spec.settings}
    assert extra and extra <= settings_names()


def test_rate_limits_become_the_limiter_settings() -> None:
    limits = {"perIp": 120, "perAccount": 600, "authentication": 10, "contentCreation": 20}
    data = tenant_config_map(tenant(rateLimits=limits))["data"]
    settings = Settings(**{k.removeprefix("ROOKERY_").lower(): v for k, v in data.items() if k in settings_names()})
    assert (settings.rate_limit_requests, settings.rate_limit_period_s) == (120, 60.0)
    assert settings.rate_limit_account_requests == 600
    assert (settings.rate_limit_auth_requests, settings.rate_limit_auth_period_s) == (10, 60.0)
    assert (settings.rate_limit_create_requests, settings.rate_limit_create_period_s) == (20, 60.0)
