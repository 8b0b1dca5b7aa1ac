"""`make stack-secret NAMESPACE=ns`: the datastores Secret that points a namespace's tenants at the stack.

Writes Secret `rookery-datastores` with the addresses pods reach (hostnet.POD_HOST, runner.pod_env),
under exactly the keys the operator's rendered Deployments and Jobs read through secretKeyRef (found
by rendering a tenant, so a key the operator adds is never missed), creating the namespace when absent
(annotated so that its pods go to the real node). It prints what it wrote, never a value.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

from e2e.stack import runner
from e2e.stack.service import StackError

# the servers whose addresses the Secret carries
DATASTORE_SERVERS = ["postgres", "redis", "kafka", "cassandra", "search", "keycloak"]
# Keycloak mode also needs the gateway's client: a tenant names these keys in
# spec.datastores.oidcClientId / oidcClientSecret (they have no default key)
OIDC_CLIENT_KEYS = {"ROOKERY_OIDC_CLIENT_ID": "oidc-client-id", "ROOKERY_OIDC_CLIENT_SECRET": "oidc-client-secret"}
NODE_SELECTOR_ANNOTATION = "scheduler.alpha.kubernetes.io/node-selector"
REAL_NODE_SELECTOR = "rookery.dev/node=real"
MANAGED_BY = {"app.kubernetes.io/managed-by": "rookery-stack"}
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
Printer = Callable[[str], None]


def secret_keys() -> dict[str, str]:
    """{Secret key: setting} the operator's pods read from the datastores Secret, by rendering a
    default tenant: every container's secretKeyRef into that Secret."""
    from rookery.operator.models import DATASTORES_SECRET, SocialTenantSpec
    from rookery.operator.render.children import tenant_children
    from rookery.operator.render.common import Owner, Tenant

    spec = SocialTenantSpec(image="localhost/rookery:dev", host="keys.example.org")
    keys: dict[str, str] = {}
    for child in tenant_children(Tenant(Owner("SocialTenant", "keys", "keys", "uid"), spec)):
        for container in _containers(child):
            for entry in container.get("env", []):
                ref = entry.get("valueFrom", {}).get("secretKeyRef")
                if ref and ref["name"] == DATASTORES_SECRET:
                    keys[ref["key"]] = entry["name"]
    return keys


def _containers(obj: dict[str, Any]) -> Iterator[dict[str, Any]]:
    pod = obj.get("spec", {}).get("template", {}).get("spec", {})
    yield from pod.get("initContainers", [])
    yield from pod.get("containers", [])


def secret_data(pod_env: dict[str, str], oidc: str = "keycloak") -> dict[str, str]:
    """The Secret's values: each key's setting as pods get it. ``oidc``: "keycloak" (the stack's realm
    on POD_HOST, with the gateway client's keys) or "embedded" (an empty issuer: Rookery signs itself)."""
    if oidc not in ("keycloak", "embedded"):
        raise StackError("secret", f"--oidc must be keycloak or embedded, not {oidc!r}")
    data: dict[str, str] = {}
    missing = []
    for key, setting in secret_keys().items():
        if setting == "ROOKERY_OIDC_ISSUER" and oidc == "embedded":
            data[key] = ""
        elif setting in pod_env:
            data[key] = pod_env[setting]
        else:
            missing.append(f"{key} ({setting})")
    if missing:
        raise StackError("secret", f"the stack has no address for pods for: {', '.join(missing)}")
    if oidc == "keycloak":
        data.update({key: pod_env[setting] for setting, key in OIDC_CLIENT_KEYS.items()})
    return data


def describe(value: str) -> str:
    """Where an address points, without credentials: scheme://host:port/path, or host:port,..."""
    if not value:
        return "(empty)"
    if "://" not in value:
        return value if re.fullmatch(r"[\w.-]+:\d+(,[\w.-]+:\d+)*", value) else "(set)"
    parts = urlsplit(value)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}{parts.path}"


def write(namespace: str, *, oidc: str = "keycloak", kubeconfig: str | None = None, out: Printer = print) -> None:
    """Create or replace Secret rookery-datastores in namespace (created when absent)."""
    from kubernetes import client, config
    from kubernetes.client.rest import ApiException

    from rookery.operator.models import DATASTORES_SECRET

    if not DNS_LABEL.match(namespace):
        raise StackError("secret", f"namespace {namespace!r} is not a DNS label (a-z, 0-9, '-', at most 63)")
    data = secret_data(runner.pod_env(DATASTORE_SERVERS), oidc)
    kubeconfig = kubeconfig or runner.env(["kube"])["KUBECONFIG"]
    try:
        api = config.new_client_from_config(config_file=kubeconfig)
    except (OSError, config.ConfigException) as exc:
        raise StackError("secret", f"cannot read kubeconfig {kubeconfig} (is the stack's kube up?): {exc}") from exc
    with api:
        core = client.CoreV1Api(api)
        try:
            _ensure_namespace(core, namespace, out)
            body = client.V1Secret(
                metadata=client.V1ObjectMeta(name=DATASTORES_SECRET, namespace=namespace, labels=MANAGED_BY),
                type="Opaque",
                string_data=data,
            )
            try:
                core.create_namespaced_secret(namespace, body)
                verb = "created"
            except ApiException as exc:
                if exc.status != 409:
                    raise
                core.replace_namespaced_secret(DATASTORES_SECRET, namespace, body)
                verb = "replaced"
        except ApiException as exc:
            raise StackError("secret", f"the API server refused: {exc.status} {exc.reason}: {exc.body}") from exc
        except OSError as exc:  # urllib3 wraps most; a refused connection may still surface as OSError
            raise StackError("secret", f"cannot reach the API server ({kubeconfig}): {exc}") from exc
    out(f"secret {namespace}/{DATASTORES_SECRET} {verb} ({len(data)} keys, values not shown):")
    addresses = secret_keys()
    for key in sorted(data):
        out(f"  {key:<26} -> {describe(data[key]) if key in addresses else '(set)'}")


def _ensure_namespace(core: Any, namespace: str, out: Printer) -> None:
    from kubernetes import client
    from kubernetes.client.rest import ApiException

    try:
        core.read_namespace(namespace)
        out(f"namespace {namespace} exists")
        return
    except ApiException as exc:
        if exc.status != 404:
            raise
    core.create_namespace(
        client.V1Namespace(
            metadata=client.V1ObjectMeta(
                name=namespace, labels=MANAGED_BY, annotations={NODE_SELECTOR_ANNOTATION: REAL_NODE_SELECTOR}
            )
        )
    )
    selector = f"{NODE_SELECTOR_ANNOTATION}={REAL_NODE_SELECTOR}"
    out(f"namespace {namespace} created (its pods go to the real node: {selector})")
