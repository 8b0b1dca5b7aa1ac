"""The operator's own names (models.Role, Worker, Stream: Literals the CRD schemas need written
out) agree with the workloads' catalogue, and every worker Deployment it renders runs a worker
that `rookery worker` knows. No cluster here."""

from __future__ import annotations

from typing import get_args

from rookery.operator.models import ROLES, STREAMS, WORKERS, Role, SocialTenantSpec, Stream, Worker
from rookery.operator.render.common import Owner, Tenant, components
from rookery.workloads import catalogue


def test_roles_are_the_catalogues_in_its_order() -> None:
    assert get_args(Role) == ROLES == catalogue.ROLES


def test_streams_are_the_catalogues_in_its_order() -> None:
    assert get_args(Stream) == STREAMS == catalogue.STREAMS


def test_the_tenant_deploys_the_catalogues_deployed_workers() -> None:
    assert get_args(Worker) == WORKERS == catalogue.DEPLOYED_WORKERS
    assert set(WORKERS) <= set(catalogue.WORKERS)


def test_every_rendered_worker_and_role_is_one_the_cli_runs() -> None:
    for topology in ("monolith", "split"):
        spec = SocialTenantSpec(image="rookery:1", host="tiny.example.org", topology=topology)
        for component in components(Tenant(Owner("SocialTenant", "tiny", "default", "uid-2"), spec)):
            if component.args[0] == "worker":
                assert component.args[1] in catalogue.WORKERS, component
            else:
                roles = component.args[2]
                assert roles == "all" or roles in catalogue.ROLES, component
    # a FeedShard's Deployment runs `rookery worker fanout` (render/deployments.shard_deployment)
    assert "fanout" in catalogue.WORKERS and not catalogue.WORKERS["fanout"].deployed


def test_the_crd_names_the_catalogues_roles_and_workers() -> None:
    schema = SocialTenantSpec.model_json_schema()
    rules = " ".join(rule["rule"] for rule in schema["x-kubernetes-validations"])
    for name in (*catalogue.ROLES, *catalogue.DEPLOYED_WORKERS):
        assert f"'{name}'" in rules
    assert schema["properties"]["roles"]["maxProperties"] == len(catalogue.ROLES)
    assert schema["properties"]["workers"]["maxProperties"] == len(catalogue.DEPLOYED_WORKERS)
