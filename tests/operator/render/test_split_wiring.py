"""The operator's topology split matches what the workloads run (api/proxy.py, api/roles.py):
the role URL variables are the settings the gateway reads and point at the role Services' port,
each role Deployment runs `serve --role R` with ROOKERY_TOPOLOGY=split, its probes are paths a
role answers without the gateway's credential, and the Ingress goes to the gateway's Service."""

from __future__ import annotations

from render_support import by_name, tenant

from rookery.operator.models import ROLES
from rookery.operator.render.common import HTTP_PORT, components
from rookery.operator.render.configmaps import settings as rendered_settings
from rookery.operator.render.deployments import tenant_deployments
from rookery.operator.render.ingress import tenant_ingresses
from rookery.operator.render.services import tenant_services
from rookery.workloads import catalogue
from rookery.workloads.api.gateway import PROBE_PATHS
from rookery.workloads.api.roles import RouteTable
from rookery.workloads.settings import Settings


def test_role_urls_are_the_settings_the_gateway_reads_and_reach_each_role_service() -> None:
    split = tenant()
    data = rendered_settings(split)
    wanted = {k: v for k, v in data.items() if k.startswith("ROOKERY_ROLE_URL_") or k == "ROOKERY_TOPOLOGY"}
    settings = Settings(**{k.removeprefix("ROOKERY_").lower(): v for k, v in wanted.items()})
    assert settings.topology == "split"
    services = by_name(tenant_services(split))
    # every role that owns routes has a URL the gateway can use
    for role in RouteTable.of_roles().roles():
        url = settings.role_url(role)
        assert url == f"http://birdhouse-{role}.social.svc:{HTTP_PORT}", role
        service = services[f"birdhouse-{role}"]
        assert service["spec"]["ports"][0]["port"] == HTTP_PORT
        assert service["spec"]["selector"]["app.kubernetes.io/component"] == role
    assert set(ROLES) == set(catalogue.ROLES)


def test_each_role_deployment_serves_its_role_with_probes_it_answers_without_the_credential() -> None:
    split = tenant()
    deployments = by_name(tenant_deployments(split))
    for comp in components(split):
        if not comp.serving:
            continue
        container = deployments[comp.name]["spec"]["template"]["spec"]["containers"][0]
        assert container["args"] == ["serve", "--role", comp.component]
        assert container["ports"] == [{"name": "http", "containerPort": HTTP_PORT, "protocol": "TCP"}]
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            assert container[probe]["httpGet"]["path"] in PROBE_PATHS
            assert container[probe]["httpGet"]["port"] == "http"


def test_the_ingress_sends_everything_to_the_gateway() -> None:
    (ingress,) = tenant_ingresses(tenant())
    backends = {
        path["backend"]["service"]["name"]
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
    }
    assert backends == {"birdhouse-gateway"}
    paths = {path["path"] for rule in ingress["spec"]["rules"] for path in rule["http"]["paths"]}
    assert paths == {"/"}


def test_split_pods_read_the_internal_token_from_the_keys_secret() -> None:
    from render_support import monolith

    from rookery.operator.render.secrets import INTERNAL_TOKEN_KEY, generate_keys

    one, two = generate_keys()[INTERNAL_TOKEN_KEY], generate_keys()[INTERNAL_TOKEN_KEY]
    assert one != two and len(one) >= 32
    assert "internal_token" in Settings.model_fields
    for deployment in tenant_deployments(tenant()):
        env = {e["name"]: e for e in deployment["spec"]["template"]["spec"]["containers"][0]["env"]}
        ref = env["ROOKERY_INTERNAL_TOKEN"]["valueFrom"]["secretKeyRef"]
        assert ref == {"name": "birdhouse-keys", "key": INTERNAL_TOKEN_KEY, "optional": True}
    for deployment in tenant_deployments(monolith()):
        env = {e["name"] for e in deployment["spec"]["template"]["spec"]["containers"][0]["env"]}
        assert "ROOKERY_INTERNAL_TOKEN" not in env
