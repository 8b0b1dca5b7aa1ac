"""Nothing rendered that nobody reads: every ROOKERY_* name the operator puts in a ConfigMap or a
container's env is a field of the workloads' settings (Settings, or InferenceClientSettings for the
model endpoints), and every secretKeyRef points at a Secret the tenant names or the operator creates.

Adding a rendered variable that no setting reads fails here; so does wiring one of the FeedShard
storage variables below without taking it off the list (the list is what is still to be done, and why)."""

from __future__ import annotations

from typing import Any

import pytest
from render_support import monolith, shard, tenant

from rookery.operator.models import SecretKeyRef, model_endpoint_variable
from rookery.operator.render.children import tenant_children
from rookery.operator.render.common import ShardInfo, Tenant
from rookery.operator.render.configmaps import tenant_config_map
from rookery.operator.render.deployments import shard_deployment
from rookery.operator.render.secrets import INTERNAL_TOKEN_KEY, generate_keys, keys_secret_name
from rookery.workloads.adapters.inference.http import InferenceClientSettings
from rookery.workloads.settings import Settings

# Rendered for a FeedShard's fan-out worker, not read yet: the shard's worker writes the tenant's
# home-timeline tables and Redis keys (its own users only, from its own topic and group), because the
# shard's table the operator creates has another schema than the workloads' timeline tables and the
# readers would need per-user table and key routing. Storage stays per tenant until then.
NOT_READ_YET = {
    "ROOKERY_TIMELINE_TABLE",
    "ROOKERY_TIMELINE_TTL_SECONDS",
    "ROOKERY_TIMELINE_BUCKET_DAYS",
    "ROOKERY_REDIS_KEY_PREFIX",
    "ROOKERY_REDIS_TIMELINE_TTL_SECONDS",
}


def settings_names() -> set[str]:
    fields = {*Settings.model_fields, *InferenceClientSettings.model_fields}
    return {"ROOKERY_" + name.upper() for name in fields}


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
        shards=(ShardInfo("a", 0, 2**31), ShardInfo("b", 2**31, 2**32)),
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
    assert unread - NOT_READ_YET == set(), f"rendered but no setting reads them: {sorted(unread - NOT_READ_YET)}"
    assert NOT_READ_YET - settings_names() == NOT_READ_YET, "wired now? take it off NOT_READ_YET"


def test_the_unread_list_is_exactly_what_is_rendered_and_unread() -> None:
    names, _ = rendered([*tenant_children(with_everything(tenant())), shard_deployment(shard())])
    assert names - settings_names() == NOT_READ_YET


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
