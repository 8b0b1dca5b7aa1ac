"""The tenant's keys Secret, ``<tenant>-keys``: the embedded token issuer's RS256 signing key(s) and the
Web Push VAPID key every pod of the tenant reads (so every replica accepts every other's tokens).

The operator creates it once, when absent, with freshly generated keys, and never writes its data
again: rotating a key is a person's edit (README "Key rotation"). Its owner reference follows
``spec.retentionPolicy``: with ``Delete`` the Secret goes with the tenant, with ``Retain`` it stays
like the tenant's topics and keyspace (a tenant re-created with the same name keeps its users' tokens
and push subscriptions valid).
"""

from __future__ import annotations

import base64
import secrets
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from rookery.operator.render.common import Tenant, labels

# setting -> key in the Secret
KEYS_SECRET_ENV = {
    "ROOKERY_SIGNING_KEYS": "signing-keys",
    "ROOKERY_VAPID_PRIVATE_KEY": "vapid-private-key",
}


# topology split: the gateway's credential to its roles (X-Rookery-Internal), read as
# ROOKERY_INTERNAL_TOKEN; optional, so a keys Secret made before it existed still starts the pods
# (its roles then accept any caller the NetworkPolicies let through)
INTERNAL_TOKEN_KEY = "internal-token"


def keys_secret_name(tenant: str) -> str:
    return f"{tenant}-keys"


def generate_keys() -> dict[str, str]:
    """Fresh keys (not pure: the only renderer input that is random, so it is asked for once)."""
    pkcs8 = serialization.PrivateFormat.PKCS8
    pem, none = serialization.Encoding.PEM, serialization.NoEncryption()
    signing = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(pem, pkcs8, none)
    vapid = ec.generate_private_key(ec.SECP256R1()).private_bytes(pem, pkcs8, none)
    return {
        "signing-keys": signing.decode(),
        "vapid-private-key": vapid.decode(),
        INTERNAL_TOKEN_KEY: secrets.token_urlsafe(32),
    }


def keys_secret_metadata(tenant: Tenant) -> dict[str, Any]:
    """Name, labels and, with retentionPolicy Delete only, the tenant as (non-controller) owner."""
    owners = []
    if tenant.spec.retentionPolicy == "Delete":
        ref = tenant.owner.reference()
        owners = [{k: v for k, v in ref.items() if k not in ("controller", "blockOwnerDeletion")}]
    return {
        "name": keys_secret_name(tenant.name),
        "namespace": tenant.namespace,
        "labels": labels(tenant.name, "keys"),
        "ownerReferences": owners,
    }


def tenant_keys_secret(tenant: Tenant, keys: dict[str, str]) -> dict[str, Any]:
    """The Secret to create when none exists (``keys`` from generate_keys()). Without its owner
    reference: that is applied next by keys_secret_owner_patch alone, whose field manager then owns it
    and can take it away again when retentionPolicy turns to Retain."""
    meta = keys_secret_metadata(tenant)
    del meta["ownerReferences"]
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": meta,
        "data": {k: base64.b64encode(v.encode()).decode() for k, v in keys.items()},
    }


def keys_secret_owner_patch(tenant: Tenant) -> dict[str, Any]:
    """The server-side apply of the Secret's metadata alone (its data is never re-applied)."""
    meta = keys_secret_metadata(tenant)
    if not meta["ownerReferences"]:
        del meta["ownerReferences"]  # a field this manager no longer sets is removed
    return {"apiVersion": "v1", "kind": "Secret", "metadata": meta}
