"""The tenant's keys Secret (render/secrets.py): fresh, usable keys; owner reference by retentionPolicy."""

from __future__ import annotations

import base64

from render_support import monolith, tenant

from rookery.operator.render.secrets import (
    generate_keys,
    keys_secret_name,
    keys_secret_owner_patch,
    tenant_keys_secret,
)
from rookery.workloads.adapters.local.keys import SigningKeys
from rookery.workloads.adapters.local.push import VapidKeys


def test_fresh_keys_are_what_the_workloads_read() -> None:
    one, two = generate_keys(), generate_keys()
    assert one != two  # fresh every time (only ever used when the Secret is absent)
    assert SigningKeys.from_pem_bundle(one["signing-keys"]).kid != SigningKeys.from_pem_bundle(two["signing-keys"]).kid
    assert VapidKeys(private_key=one["vapid-private-key"]).public_key


def test_the_secret_carries_both_keys_and_its_owner_follows_retention() -> None:
    keys = generate_keys()
    retained = tenant_keys_secret(tenant(retentionPolicy="Retain"), keys)
    assert retained["metadata"]["name"] == keys_secret_name("birdhouse") == "birdhouse-keys"
    assert retained["metadata"]["namespace"] == "social"
    assert {k: base64.b64decode(v).decode() for k, v in retained["data"].items()} == keys
    # created without an owner: only the metadata apply below sets it (and can take it away again)
    assert "ownerReferences" not in retained["metadata"]
    assert "ownerReferences" not in tenant_keys_secret(tenant(retentionPolicy="Delete"), keys)["metadata"]
    deleted = keys_secret_owner_patch(tenant(retentionPolicy="Delete"))
    [owner] = deleted["metadata"]["ownerReferences"]
    assert (owner["kind"], owner["name"], owner["uid"]) == ("SocialTenant", "birdhouse", "uid-1")
    assert "controller" not in owner  # garbage-collected with the tenant, not one of its reconciled children


def test_the_owner_patch_never_carries_data() -> None:
    for t in (tenant(retentionPolicy="Delete"), monolith()):
        patch = keys_secret_owner_patch(t)
        assert "data" not in patch and "stringData" not in patch
    assert "ownerReferences" not in keys_secret_owner_patch(monolith())["metadata"]  # Retain: removed
