"""End to end on the real node: the operator, run as operator/deploy's Deployment of the image built
here, runs the example tenant, whose pods use the real stack through `make stack-secret`.

The fixtures, in the order a platform team works:
- ``rookery_image``: `make image` (python -m e2e.image build) builds localhost/rookery:dev (the
  dependency layer from the cache after the first time) and imports it into the node's containerd;
- ``operator_deployed``: crds/, operator/deploy/rbac.yaml (namespace rookery-system, annotated so
  its pods go to the real node), peering.yaml and operator.yaml with the image overridden to
  localhost/rookery:dev (never pulled), until both replicas are Ready;
- ``tenant_namespace``: a namespace made by `python -m e2e.stack secret` (annotated for the real
  node; Secret rookery-datastores with the stack's pod addresses; the embedded issuer), plus the
  key ``cloudinary``: the Cloudinary stand-in on POD_HOST (e2e/pod_cloudinary.py), so media work
  across replicas and roles as they do on Cloudinary;
- ``tenant``: crds/examples/tenant.yaml in the topology asked for (``monolith`` or ``split``), with
  the image overridden, replication 1, fewer pods, no Ingress, retentionPolicy Delete, applied and
  waited for until the SocialTenant is Ready. Torn down in reverse order, each waited for.
"""

from __future__ import annotations

import io
import json
import pathlib
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml
from mastodon import StreamListener

from e2e import node_client, pod_cloudinary, waiting
from e2e.kopf_peering import RESUMED, paused
from e2e.stack.node_config import NODE_LABEL, NODE_NAME
from e2e.test_stack_node import Kubectl

ROOT = pathlib.Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "operator" / "deploy"
IMAGE = "localhost/rookery:dev"
REAL_NODE = {"scheduler.alpha.kubernetes.io/node-selector": f"{NODE_LABEL[0]}={NODE_LABEL[1]}"}
READY_S = 600  # a cold tenant: migrations, topics, keyspace, every Deployment's pods Ready on 2 cores
TENANT_NEEDS = ("node", "postgres", "redis", "kafka", "cassandra", "search", "keycloak")


def _run(*argv: str, timeout: float = READY_S) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False)
    output = done.stdout[-2000:] + done.stderr[-3000:]
    assert done.returncode == 0, f"{' '.join(argv)} exited {done.returncode}:\n{output}"
    return done


@pytest.fixture(scope="session")
def rookery_image() -> str:
    """localhost/rookery:dev built here and imported into the node's containerd (`make image`)."""
    _run(sys.executable, "-m", "e2e.image", "build", timeout=3600)
    return IMAGE


def _until(what: str, probe: Any, timeout_s: float = READY_S) -> Any:
    """Poll (kubectl's own calls are short: Kubectl.run allows each two minutes)."""
    return waiting.eventually(probe, what, timeout_s=timeout_s, interval_s=2)


def with_image(docs: list[dict[str, Any]], image: str) -> list[dict[str, Any]]:
    """operator/deploy/operator.yaml's objects with the operator's image replaced (never pulled)."""
    for doc in docs:
        if doc["kind"] == "Deployment":
            for container in doc["spec"]["template"]["spec"]["containers"]:
                container["image"], container["imagePullPolicy"] = image, "Never"
    return docs


@pytest.fixture(scope="module")
def operator_deployed(stack_env: dict[str, str], rookery_image: str) -> Iterator[Kubectl]:
    """The operator as a Deployment of the image in rookery-system, both replicas Ready."""
    kubectl = Kubectl(stack_env, "rookery-system")
    for crd in sorted((ROOT / "crds").glob("*.yaml")):
        kubectl.run("apply", "--server-side", "--force-conflicts", "-f", str(crd))
    kubectl.run("wait", "--for=condition=Established", "crd", "--all", "--timeout=120s")
    kubectl.run("apply", "-f", str(DEPLOY / "rbac.yaml"))
    kubectl.run("annotate", "--overwrite", "namespace", "rookery-system", *(f"{k}={v}" for k, v in REAL_NODE.items()))
    kubectl.run("apply", "-f", str(DEPLOY / "peering.yaml"))
    deploy = with_image(list(yaml.safe_load_all((DEPLOY / "operator.yaml").read_text())), rookery_image)
    kubectl.apply(*deploy)
    _until("the operator's replicas Ready", lambda: _available(kubectl) == 2)
    yield kubectl
    kubectl.run("delete", "-f", "-", "--wait=true", stdin="\n---\n".join(json.dumps(d) for d in deploy))


def example_tenant(name: str, topology: str, image: str) -> dict[str, Any]:
    """crds/examples/tenant.yaml, made to fit this machine: the image built here, replication 1, one
    pod per Deployment, no autoscaling, no Ingress (clients use the gateway Service), deleted with
    its topics and keyspace."""
    body = yaml.safe_load((ROOT / "crds" / "examples" / "tenant.yaml").read_text())
    spec = body["spec"]
    spec.update(
        image=image,
        imagePullPolicy="Never",
        host=f"{name}.example.test",
        topology=topology,
        retentionPolicy="Delete",
        ingress={"enabled": False},
    )
    spec["workloads"]["replicas"] = 1
    # small CPU requests: a split tenant's 17 pods (and a rolling update's surge pods, and the pods
    # of a test that runs beside this one) fit the node's 2 cores
    spec["workloads"]["resources"]["requests"]["cpu"] = "20m"
    spec["roles"] = {"gateway": {"replicas": 1}} if topology == "split" else {}
    spec["workers"] = {"outbox-relay": {"replicas": 1}}
    spec["kafka"] = {"partitions": 2, "replicationFactor": 1}
    spec["cassandra"] = {"replication": {"strategy": "SimpleStrategy", "replicationFactor": 1}}
    spec["features"]["ranking"] = False  # no model server on this machine
    spec["datastores"] = {"cloudinary": {"key": "cloudinary"}}  # media: tenant_namespace's stand-in
    body["metadata"] = {"name": name}
    return body


@pytest.fixture(scope="module")
def cloudinary() -> Iterator[Any]:
    """The Cloudinary stand-in where pods reach it."""
    with pod_cloudinary.serving() as double:
        yield double


@pytest.fixture(scope="module")
def tenant_namespace(operator_deployed: Kubectl, stack_env: dict[str, str], cloudinary: Any) -> Iterator[Kubectl]:
    """A namespace for the real node with the datastores Secret from `make stack-secret`, and the
    Cloudinary URL in it."""
    namespace = f"e2e-tenant-{uuid.uuid4().hex[:8]}"
    _run(sys.executable, "-m", "e2e.stack", "secret", "--namespace", namespace, "--oidc", "embedded", timeout=120)
    kubectl = Kubectl(stack_env, namespace)
    media = {"stringData": {"cloudinary": pod_cloudinary.secret_url(cloudinary)}}
    kubectl.run("patch", "secret", "rookery-datastores", "--type=merge", "-p", json.dumps(media))
    yield kubectl
    kubectl.run("delete", "namespace", namespace, "--wait=false", check=False)


@pytest.fixture(scope="module", params=["monolith", "split"])
def tenant(request: pytest.FixtureRequest, tenant_namespace: Kubectl, kafka_tenants: set[str]) -> Iterator[dict]:
    """The example tenant in one topology, Ready; deleted (and waited for) afterwards."""
    name = f"bird{request.param[:1]}{uuid.uuid4().hex[:5]}"
    kafka_tenants.add(name)
    body = example_tenant(name, request.param, IMAGE)
    applied = time.monotonic()
    tenant_namespace.apply(body)
    seen: dict[str, float] = {}

    def ready() -> bool:  # also notes the first answered API call (GET /api/v1/instance at the front)
        if "api" not in seen and _first_api_call(tenant_namespace, name, request.param):
            seen["api"] = time.monotonic() - applied
        phase = tenant_namespace.json("socialtenant", name).get("status", {}).get("phase")
        if phase == "Ready" and "ready" not in seen:
            seen["ready"] = time.monotonic() - applied
        return "ready" in seen and "api" in seen

    try:
        _until(f"SocialTenant {name} Ready and answering", ready)
        TIMINGS[request.param] = {"apply_to_ready_s": seen["ready"], "apply_to_first_api_call_s": seen["api"]}
        print(f"\n[e2e] {request.param} tenant {name}: {TIMINGS[request.param]}")
        yield tenant_namespace.json("socialtenant", name)
    finally:
        tenant_namespace.run("delete", "socialtenant", name, "--wait=false", check=False)
        _until(
            f"SocialTenant {name} deleted",
            lambda: not tenant_namespace.run("get", "socialtenant", name, "--ignore-not-found", "-o", "name").stdout,
        )


TIMINGS: dict[str, dict[str, float]] = {}  # topology -> apply->Ready, apply->first answered API call


def front_url(kubectl: Kubectl, name: str, topology: str) -> str | None:
    """http://CLUSTER-IP:PORT of the tenant's front Service (platform or gateway), once it exists."""
    front = "platform" if topology == "monolith" else "gateway"
    found = kubectl.run("get", "service", f"{name}-{front}", "--ignore-not-found", "-o", "json").stdout
    if not found:
        return None
    spec = json.loads(found)["spec"]
    return f"http://{spec['clusterIP']}:{spec['ports'][0]['port']}"


def _first_api_call(kubectl: Kubectl, name: str, topology: str) -> bool:
    url = front_url(kubectl, name, topology)
    try:
        return url is not None and httpx.get(f"{url}/api/v1/instance", timeout=3).status_code == 200
    except httpx.HTTPError:
        return False


# a test's setup may include a cold `make image` (7-10 minutes), the operator's rollout and a tenant
# coming Ready (each bounded by READY_S): beyond the suite's 300 s default per test
pytestmark = [pytest.mark.needs(*TENANT_NEEDS), pytest.mark.timeout(2400)]


def _peers(kubectl: Kubectl) -> dict[str, int]:
    """Live entries of the ClusterKopfPeering: pod name -> priority."""
    peering = json.loads(kubectl.run("get", "clusterkopfpeering", "rookery-operator", "-o", "json").stdout)
    return {pod: entry["priority"] for pod, entry in (peering.get("status") or {}).items() if isinstance(entry, dict)}


def _available(kubectl: Kubectl) -> int:
    return int(kubectl.json("deployment", "rookery-operator").get("status", {}).get("readyReplicas") or 0)


def _log(kubectl: Kubectl, pod: str) -> str:
    return str(kubectl.run("logs", pod, check=False).stdout)


def _operator_pods(kubectl: Kubectl) -> list[dict[str, Any]]:
    pods = kubectl.json("pods", "-l", "app.kubernetes.io/name=rookery-operator")["items"]
    return [p for p in pods if not p["metadata"].get("deletionTimestamp")]


def test_the_operator_runs_as_two_replicas_and_killing_the_leader_hands_over(operator_deployed: Kubectl) -> None:
    kubectl = operator_deployed
    pods = _operator_pods(kubectl)
    assert len(pods) == 2
    for pod in pods:
        assert pod["spec"]["nodeName"] == NODE_NAME
        assert all(c["ready"] for c in pod["status"]["containerStatuses"]), pod["status"]
    names = {p["metadata"]["name"] for p in pods}
    peers = waiting.eventually(
        lambda: _peers(kubectl),
        "both replicas in the ClusterKopfPeering",
        until=lambda found: names <= found.keys(),
        timeout_s=60,
        interval_s=1,
    )
    leader = max(names, key=lambda name: peers[name])  # Kopf: the live peer with the highest priority acts
    standby = (names - {leader}).pop()
    for pod, acts in ((leader, True), (standby, False)):  # one acts, the other stands by

        def settled(pod: str = pod, acts: bool = acts) -> bool:
            return paused(_log(kubectl, pod)) != acts

        waiting.eventually(settled, f"{pod} {'acting' if acts else 'paused'}", timeout_s=60, interval_s=0.5)
    before = _log(kubectl, standby).count(RESUMED)
    deleted = time.monotonic()
    kubectl.run("delete", "pod", leader, "--wait=false")

    def acting() -> str | None:
        """The replica that acts now, once the old leader has left: the live peer with the highest
        priority, unpaused. The standby resumes; or, when the Deployment's replacement for the old
        leader joined first with a higher priority (drawn at random), the replacement acts and
        the standby stays paused (seen in CI and here: half the runs)."""
        live = _peers(kubectl)
        if leader in live or not live:
            return None
        top = max(live, key=lambda name: live[name])
        log = _log(kubectl, top)
        if top == standby:
            return top if log.count(RESUMED) > before else None
        return top if "Leader election through" in log and not paused(log) else None

    new_leader = waiting.eventually(
        acting,
        timeout_s=60,
        interval_s=0.5,
        message=lambda _: (
            f"no replica took over within 60 s; peering {_peers(kubectl)};"
            f" the standby's log:\n{_log(kubectl, standby)[-3000:]}"
        ),
    )
    took_over_s = time.monotonic() - deleted
    assert took_over_s < 30, took_over_s  # a leader that stops leaves the peering: no lifetime to wait out
    if new_leader != standby:  # the replacement outranks it: the standby stands by, or pauses again
        waiting.eventually(  # if it acted in the gap, it pauses within a peering event
            lambda: _log(kubectl, standby),
            "the standby paused in favour of the replacement",
            until=paused,
            timeout_s=30,
            interval_s=0.5,
            message=lambda log: f"the standby is not paused in favour of {new_leader} after 30 s:\n{log[-3000:]}",
        )
    _until("the Deployment's two replicas Ready again", lambda: _available(kubectl) == 2)


def test_the_tenant_serves_from_the_real_node(tenant: dict[str, Any], tenant_namespace: Kubectl) -> None:
    """Every pod of the tenant Running and Ready on the real node, the migration Job complete, and
    the gateway Service answering from this machine at its ClusterIP."""
    name = tenant["metadata"]["name"]
    pods = tenant_namespace.json("pods", "-l", f"app.kubernetes.io/instance={name}")["items"]
    serving = [p for p in pods if p["status"].get("phase") != "Succeeded"]  # the migration Job's pod is done
    assert serving, pods
    for pod in serving:
        assert pod["spec"]["nodeName"] == NODE_NAME, pod["metadata"]["name"]
        assert pod["status"]["phase"] == "Running" and all(c["ready"] for c in pod["status"]["containerStatuses"])
    jobs = tenant_namespace.json("jobs", "-l", f"app.kubernetes.io/instance={name}")["items"]
    assert jobs and all(j["status"].get("succeeded") == 1 for j in jobs), [j["status"] for j in jobs]
    front = "platform" if tenant["spec"]["topology"] == "monolith" else "gateway"
    service = tenant_namespace.json("service", f"{name}-{front}")
    url = f"http://{service['spec']['clusterIP']}:{service['spec']['ports'][0]['port']}"
    assert httpx.get(f"{url}/readyz", timeout=10).status_code == 200
    instance = httpx.get(f"{url}/api/v1/instance", timeout=10)
    assert instance.status_code == 200 and instance.json()["title"] == "Birdhouse", instance.text


# An unchanged Mastodon.py client through the tenant's front Service, and what pods going costs it
# (e2e/node_client.py); the tests below share one tenant per topology, in this order.
CLIENTS: dict[str, dict[str, Any]] = {}  # tenant name -> its clients


def _clients(tenant: dict[str, Any], kubectl: Kubectl) -> dict[str, Any]:
    name = tenant["metadata"]["name"]
    if name not in CLIENTS:
        url = front_url(kubectl, name, tenant["spec"]["topology"])
        assert url, f"no front Service for {name}"
        # the stack's PostgreSQL outlives a tenant: names unique to this one
        made = node_client.users(url, tenant["spec"]["host"], f"ana{name}", f"ben{name}")
        CLIENTS[name] = {"ana": made[f"ana{name}"], "ben": made[f"ben{name}"]}
    return CLIENTS[name]


def test_an_unchanged_mastodon_py_client_uses_the_tenant(
    tenant: dict[str, Any], tenant_namespace: Kubectl, cloudinary: Any
) -> None:
    """Registers (app + two accounts), follows, posts with media (processed by the media worker,
    stored on the Cloudinary stand-in), reads home timelines and notifications, and gets a streaming
    update through Mastodon.py's stream_user."""
    users = _clients(tenant, tenant_namespace)
    ana, ben = users["ana"], users["ben"]
    assert ana.me().username.startswith("ana")
    ben.account_follow(ana.me().id)
    assert ben.account_relationships(ana.me().id)[0].following is True
    collected: list[Any] = []
    notes: list[Any] = []

    class Listener(StreamListener):
        def on_update(self, status: Any) -> None:
            collected.append(status)

        def on_notification(self, notification: Any) -> None:
            notes.append(notification)

    handle = ben.stream_user(Listener(), run_async=True, reconnect_async=True)
    try:
        waiting.eventually(handle.is_receiving, "ben's user stream open", timeout_s=30, interval_s=0.2)
        time.sleep(1)
        picture = ana.media_post(
            io.BytesIO(node_client.png((64, 48))), mime_type="image/png", description="a square", synchronous=True
        )
        status = ana.status_post(f"hello from the real node @{ben.me().acct}", media_ids=[picture])
        streamed = waiting.eventually(
            lambda: [s for s in collected if s.id == status.id],
            "the post on ben's stream",
            timeout_s=60,
            interval_s=0.2,
        )
        assert streamed[0].content == status.content
        assert waiting.eventually(lambda: notes, "the mention on ben's stream", timeout_s=60, interval_s=0.2)
    finally:
        handle.close()
    home = waiting.eventually(
        lambda: [s for s in ben.timeline_home() if s.id == status.id],
        "the post in ben's home",
        timeout_s=60,
        interval_s=1,
    )
    assert home[0].account.id == ana.me().id
    (attachment,) = home[0].media_attachments
    assert attachment.type == "image" and attachment.description == "a square"
    assert attachment.meta.original.width == 64 and attachment.url.startswith(cloudinary.base_url)
    served = httpx.get(attachment.url, timeout=10)  # from the CDN (the stand-in), as a browser fetches it
    assert served.status_code == 200 and served.headers["content-type"].startswith("image/")
    assert any(s.id == status.id for s in ana.timeline_home())
    mentions = waiting.eventually(
        lambda: [n for n in ben.notifications(types=["mention"]) if n.status and n.status.id == status.id],
        "the mention in ben's notifications",
        timeout_s=60,
        interval_s=1,
    )
    assert mentions[0].account.id == ana.me().id
    follows = ana.notifications(types=["follow"])
    assert [n.account.id for n in follows] == [ben.me().id]


def _serving(kubectl: Kubectl, name: str, component: str) -> list[dict[str, Any]]:
    pods = kubectl.json("pods", "-l", f"app.kubernetes.io/instance={name},app.kubernetes.io/component={component}")
    return [p for p in pods["items"] if not p["metadata"].get("deletionTimestamp")]


def _rolled_out(kubectl: Kubectl, name: str) -> list[dict[str, Any]] | None:
    """The tenant's Deployments when every one has all its replicas updated, Ready and no old ones."""
    deployments = kubectl.json("deployments", "-l", f"app.kubernetes.io/instance={name}")["items"]
    for d in deployments:
        status, want = d.get("status", {}), d["spec"].get("replicas", 1)
        if d["metadata"]["generation"] != status.get("observedGeneration"):
            return None
        if not (status.get("updatedReplicas") == status.get("readyReplicas") == status.get("replicas") == want):
            return None
    return deployments


def test_a_deleted_app_pod_costs_a_retrying_client_no_request(
    tenant: dict[str, Any], tenant_namespace: Kubectl
) -> None:
    """Two replicas of the app (the monolith's platform, or split's posts role); one is deleted while
    a client loops over reads and posts: nothing fails after the client's retries."""
    name, topology = tenant["metadata"]["name"], tenant["spec"]["topology"]
    component = "platform" if topology == "monolith" else "posts"
    patch = (
        {"workloads": {"replicas": 2}}
        if topology == "monolith"
        else {"roles": {"gateway": {"replicas": 1}, "posts": {"replicas": 2}}}
    )
    tenant_namespace.run("patch", "socialtenant", name, "--type=merge", "-p", json.dumps({"spec": patch}))
    _until(
        f"two Ready {component} pods",
        lambda: len(_serving(tenant_namespace, name, component)) == 2 and _rolled_out(tenant_namespace, name),
    )
    users = _clients(tenant, tenant_namespace)
    with node_client.Traffic(users["ana"], users["ben"]) as traffic:
        waiting.eventually(lambda: traffic.ok >= 8, "the client's first requests", timeout_s=60, interval_s=0.2)
        victim = _serving(tenant_namespace, name, component)[0]["metadata"]["name"]
        tenant_namespace.run("delete", "pod", victim, "--wait=true")
        _until(f"{component} back to two Ready pods", lambda: _rolled_out(tenant_namespace, name))
        before = traffic.ok
        waiting.eventually(
            lambda: traffic.ok >= before + 8, "requests after the replacement", timeout_s=60, interval_s=0.2
        )
    print(f"\n[e2e] {topology}: {component} pod {victim} deleted mid-run: {traffic.report()}")
    assert not traffic.failures, traffic.failures[:5]
    assert len({s.id for s in traffic.posted}) == len(traffic.posted)  # a retried post made no duplicate


def _template_hashes(kubectl: Kubectl, name: str) -> dict[str, tuple[str, str]]:
    """Each live pod of the tenant: its component and its pod template hash."""
    pods = kubectl.json("pods", "-l", f"app.kubernetes.io/instance={name}")["items"]
    return {
        p["metadata"]["name"]: (
            p["metadata"]["labels"]["app.kubernetes.io/component"],
            p["metadata"]["labels"]["pod-template-hash"],
        )
        for p in pods
        if "pod-template-hash" in p["metadata"]["labels"] and not p["metadata"].get("deletionTimestamp")
    }


def test_a_changed_setting_rolls_the_deployments_with_no_failed_request(
    tenant: dict[str, Any], tenant_namespace: Kubectl
) -> None:
    """The tenant's rate limits changed while a client loops: the pods serving the public API (the
    monolith's platform, split's gateway: where the limits are drawn) roll to a new template, all
    Ready, and nothing fails after the client's retries; every other pod (roles, workers) stays as
    it was. Then the memory of the tenant's pods, from the node's kubelet."""
    name, topology = tenant["metadata"]["name"], tenant["spec"]["topology"]
    public = "platform" if topology == "monolith" else "gateway"
    before = _template_hashes(tenant_namespace, name)
    others = {pod for pod, (component, _) in before.items() if component != public}
    old = {template for component, template in before.values() if component == public}
    assert old and others
    users = _clients(tenant, tenant_namespace)
    limits = tenant_namespace.json("socialtenant", name)["spec"]["rateLimits"]
    with node_client.Traffic(users["ana"], users["ben"]) as traffic:
        waiting.eventually(lambda: traffic.ok >= 8, "the client's first requests", timeout_s=60, interval_s=0.2)
        change = {"spec": {"rateLimits": {**limits, "perIp": limits["perIp"] + 1}}}
        tenant_namespace.run("patch", "socialtenant", name, "--type=merge", "-p", json.dumps(change))

        def rolled() -> bool:
            now = [
                template
                for component, template in _template_hashes(tenant_namespace, name).values()
                if component == public
            ]
            return bool(now) and not set(now) & old and bool(_rolled_out(tenant_namespace, name))

        _until(f"the {public} Deployment rolled to a new template", rolled)
        done = traffic.ok
        waiting.eventually(lambda: traffic.ok >= done + 8, "requests after the roll", timeout_s=60, interval_s=0.2)
    after = _template_hashes(tenant_namespace, name)
    kept = f"the {public} pods rolled, {len(others)} others kept"
    print(f"\n[e2e] {topology}: rate limits changed, {kept}: {traffic.report()}")
    assert not traffic.failures, traffic.failures[:5]
    assert {pod for pod, (component, _) in after.items() if component != public} == others  # none restarted
    # every pod that stays (old ones may still be finishing their preStop pause) is Ready
    pods = tenant_namespace.json("pods", "-l", f"app.kubernetes.io/instance={name}")["items"]
    staying = [p for p in pods if p["status"].get("phase") == "Running" and not p["metadata"].get("deletionTimestamp")]
    unready = [p["metadata"]["name"] for p in staying if not all(c["ready"] for c in p["status"]["containerStatuses"])]
    assert staying and not unready, unready
    memory = _pod_memory(tenant_namespace, name)
    print(f"[e2e] {topology} tenant {name} pods' working set (MiB): {memory}, total {sum(memory.values()):.0f}")
    print(f"[e2e] timings: {TIMINGS}")
    assert memory and all(v > 0 for v in memory.values())


def _pod_memory(kubectl: Kubectl, name: str) -> dict[str, float]:
    """Each of the tenant's Running pods' memory working set (MiB): the kubelet's stats summary
    (cgroup memory, as kubectl top would show) read through the apiserver's node proxy."""
    live = {
        p["metadata"]["name"]
        for p in kubectl.json("pods", "-l", f"app.kubernetes.io/instance={name}")["items"]
        if p["status"].get("phase") == "Running" and not p["metadata"].get("deletionTimestamp")
    }
    summary = json.loads(kubectl.run("get", "--raw", f"/api/v1/nodes/{NODE_NAME}/proxy/stats/summary").stdout)
    return {
        pod["podRef"]["name"]: round(pod["memory"]["workingSetBytes"] / 2**20, 1)
        for pod in summary["pods"]
        if pod["podRef"]["namespace"] == kubectl.namespace
        and pod["podRef"]["name"] in live
        and pod.get("memory", {}).get("workingSetBytes")
    }
