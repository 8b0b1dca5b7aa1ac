"""render/children.py: every Kubernetes child of a SocialTenant, in apply order."""

from __future__ import annotations

from render_support import tenant

from rookery.operator.render.children import TENANT_CHILD_KINDS, tenant_children


def test_every_child_is_owned_labelled_and_of_a_pruned_kind() -> None:
    kinds = set(TENANT_CHILD_KINDS)
    for obj in tenant_children(tenant()):
        assert (obj["apiVersion"], obj["kind"]) in kinds
        assert obj["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "rookery-operator"
        assert obj["metadata"]["labels"]["rookery.dev/tenant"] == "birdhouse"
        assert obj["metadata"]["ownerReferences"][0]["uid"] == "uid-1"
        assert obj["metadata"]["namespace"] == "social"
    assert tenant_children(tenant()) == tenant_children(tenant())


def test_children_come_in_apply_order_configuration_first() -> None:
    order = [(obj["apiVersion"], obj["kind"]) for obj in tenant_children(tenant())]
    ranks = [TENANT_CHILD_KINDS.index(kind) for kind in order]
    assert ranks == sorted(ranks)
    assert order[0] == ("v1", "ConfigMap")
    assert set(order) == set(TENANT_CHILD_KINDS)  # the example tenant has one of every kind
