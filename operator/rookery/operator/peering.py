"""Leader election through Kopf peering: the peering objects must exist before a replica may act.

Replicas announce themselves in a ClusterKopfPeering (or, watching given namespaces, a KopfPeering in
each); the live one with the highest priority works and the others stand by. Without the object
Kopf would act at once as if alone, so two replicas would reconcile side by side; without its CRD
it would pause silently. `rookery operator` therefore waits, saying which object is missing, where,
and how to create it, and starts once it exists. `--standalone` (one replica) needs none of this.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Sequence

from kubernetes import client
from kubernetes.client.rest import ApiException

GROUP, VERSION = "kopf.dev", "v1"
PEERING_YAML = "operator/deploy/peering.yaml"
# how often to look again, and to say again that we are still waiting
CHECK_S, REPEAT_S = 2.0, 30.0

log = logging.getLogger("rookery.operator.peering")


def random_priority() -> int:
    """A priority for a replica that was given none: replicas of one Deployment share their
    arguments, and Kopf pauses every replica when two live ones have the same priority."""
    return random.SystemRandom().randint(1, 2**31 - 1)


def missing(api: client.ApiClient, name: str, namespaces: Sequence[str]) -> list[str]:
    """What stops leader election now, one sentence each naming the object, where, and the fix."""
    custom = client.CustomObjectsApi(api)
    problems = []
    targets: list[str | None] = [*namespaces] if namespaces else [None]
    for namespace in targets:
        kind = "KopfPeering" if namespace else "ClusterKopfPeering"
        where = f"in namespace {namespace!r}" if namespace else "(cluster-wide)"
        try:
            if namespace:
                custom.get_namespaced_custom_object(GROUP, VERSION, namespace, "kopfpeerings", name)
            else:
                custom.get_cluster_custom_object(GROUP, VERSION, "clusterkopfpeerings", name)
        except ApiException as exc:
            problems.append(f"{kind} {name!r} {where} {_why(exc, name)}; {_fix(kind, name, namespace, exc)}")
    return problems


def _why(exc: ApiException, name: str) -> str:
    if exc.status == 404:
        details = _details(exc)
        if details.get("name") == name:
            return "does not exist"
        return f"cannot exist yet: the {GROUP} peering CRDs are not installed"
    if exc.status == 403:
        return "cannot be read: forbidden (the ServiceAccount lacks operator/deploy/rbac.yaml's rules)"
    return f"cannot be read: {exc.status} {exc.reason}"


def _details(exc: ApiException) -> dict[str, str]:
    try:
        return dict(json.loads(exc.body or "{}").get("details") or {})
    except (ValueError, AttributeError):
        return {}


def _fix(kind: str, name: str, namespace: str | None, exc: ApiException) -> str:
    if exc.status == 403:
        return "apply operator/deploy/rbac.yaml"
    crds_missing = exc.status == 404 and _details(exc).get("name") != name
    if kind == "ClusterKopfPeering" and name == "rookery-operator":
        return f"create it with `kubectl apply -f {PEERING_YAML}`"
    object_yaml = f"printf 'apiVersion: {GROUP}/{VERSION}\\nkind: {kind}\\nmetadata: {{name: {name}}}\\n'"
    create = f"`{object_yaml} | kubectl {f'-n {namespace} ' if namespace else ''}apply -f -`"
    crds_first = f"`kubectl apply -f {PEERING_YAML}` (the CRDs), then " if crds_missing else ""
    return f"create it with {crds_first}{create}"


def wait_for_peering(
    api: client.ApiClient,
    name: str,
    namespaces: Sequence[str],
    *,
    check_s: float = CHECK_S,
    repeat_s: float = REPEAT_S,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Return once every peering object exists; until then say (at once, then every repeat_s) what
    is missing and how to create it, or to run a single replica with --standalone."""
    said_at: float | None = None
    while problems := missing(api, name, namespaces):
        now = time.monotonic()
        if said_at is None or now - said_at >= repeat_s:
            for problem in problems:
                log.warning(
                    "Not reconciling yet: waiting for the peering object for leader election: %s. "
                    "(A single replica can run without it: rookery operator --standalone.) "
                    "Checking every %.0fs.",
                    problem,
                    check_s,
                )
            said_at = now
        sleep(check_s)
    if said_at is not None:
        log.info("Peering %r found: starting", name)
