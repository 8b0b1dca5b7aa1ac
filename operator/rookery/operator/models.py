"""Typed spec and status of Rookery's custom resources (group rookery.dev, version v1alpha1).

These pydantic models are the single source of truth: crdgen.py turns them into the structural
OpenAPI schemas of crds/*.yaml (descriptions, defaults, CEL rules), and the handlers parse every
custom resource through them before rendering anything.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

# Roles, workers and streams are named in rookery.workloads.catalogue; these Literals write them out
# for the CRD schemas and mypy, and tests/operator/test_catalogue_agreement.py proves they agree.
# The operator deploys only some workers as "<tenant>-worker-<name>" (catalogue.DEPLOYED_WORKERS).
Role = Literal[
    "gateway",
    "accounts",
    "posts",
    "graph",
    "feed",
    "messaging",
    "notifications",
    "search",
    "media",
    "admin",
    "analytics",
]
ROLES: tuple[str, ...] = get_args(Role)

Worker = Literal["outbox-relay", "notify", "index", "media", "analytics", "moderation"]
WORKERS: tuple[str, ...] = get_args(Worker)

Stream = Literal[
    "posts",
    "interactions",
    "graph",
    "messages",
    "notifications",
    "media",
    "analytics",
    "moderation",
    "dead-letter",
]
STREAMS: tuple[str, ...] = get_args(Stream)

Task = Literal["moderation", "embedding", "ranking", "anomaly"]

# a Kubernetes resource quantity: 500m, 2, 1Gi ... (x-kubernetes-int-or-string in the CRD)
Quantity = Annotated[int | str, Field(json_schema_extra={"x-kubernetes-int-or-string": True})]

DNS_LABEL = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
HOSTNAME = r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)*[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
DATASTORES_SECRET = "rookery-datastores"


def _cel(*rules: tuple[str, str]) -> ConfigDict:
    """Model config carrying CEL rules (rule, message) into the CRD as x-kubernetes-validations."""
    return ConfigDict(
        extra="forbid",
        json_schema_extra={"x-kubernetes-validations": [{"rule": r, "message": m} for r, m in rules]},
    )


def _cel_list(names: tuple[str, ...]) -> str:
    """A CEL list literal of strings: ['a','b']."""
    return "[" + ",".join(f"'{name}'" for name in names) + "]"


def _default(factory: Any, description: str, **kwargs: Any) -> Any:
    """A nested object field whose default the API server fills in (schema default from the factory)."""
    value = factory()
    dumped = value.model_dump(exclude_none=True) if isinstance(value, BaseModel) else value
    return Field(
        default_factory=factory, description=description, json_schema_extra={"default": dumped}, **kwargs
    )


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ----------------------------------------------------------------------------------- shared parts


class Resources(Spec):
    """CPU and memory for each container, as in a Pod's resources."""

    requests: dict[str, Quantity] = Field(
        default_factory=lambda: dict[str, int | str](cpu="100m", memory="256Mi"),
        description="Guaranteed resources (cpu, memory, ephemeral-storage).",
        json_schema_extra={"default": {"cpu": "100m", "memory": "256Mi"}, "maxProperties": 8},
    )
    limits: dict[str, Quantity] = Field(
        default_factory=lambda: dict[str, int | str](cpu="1", memory="512Mi"),
        description="Upper bounds; memory above the limit gets the container killed.",
        json_schema_extra={"default": {"cpu": "1", "memory": "512Mi"}, "maxProperties": 8},
    )


class Autoscaling(Spec):
    """A HorizontalPodAutoscaler on CPU utilisation; when enabled it owns the replica count."""

    model_config = _cel(
        (
            "self.minReplicas <= self.maxReplicas",
            "autoscaling.minReplicas must not exceed autoscaling.maxReplicas",
        ),
    )
    enabled: bool = Field(False, description="Create a HorizontalPodAutoscaler for this workload.")
    minReplicas: int = Field(1, ge=1, le=1000, description="Fewest replicas the autoscaler keeps.")
    maxReplicas: int = Field(3, ge=1, le=1000, description="Most replicas the autoscaler starts.")
    targetCPUUtilizationPercentage: int = Field(
        70, ge=1, le=100, description="Average CPU utilisation (percent of requests) the autoscaler aims for."
    )


class Workload(Spec):
    """Replicas, resources and autoscaling of one Deployment."""

    replicas: int = Field(1, ge=0, le=1000, description="Pods to run when autoscaling is off.")
    resources: Resources = _default(Resources, "Container resources.")
    autoscaling: Autoscaling = _default(Autoscaling, "Horizontal autoscaling on CPU.")


class WorkloadOverride(Spec):
    """Per-role (or per-worker) changes to the tenant's workload defaults; unset fields inherit."""

    replicas: int | None = Field(None, ge=0, le=1000, description="Pods to run; 0 stops this role or worker.")
    resources: Resources | None = Field(None, description="Container resources for this role or worker.")
    autoscaling: Autoscaling | None = Field(None, description="Autoscaling for this role or worker.")


class SecretKeyRef(Spec):
    """One key of a Secret in the resource's namespace. The operator never copies its value."""

    name: str = Field(DATASTORES_SECRET, pattern=DNS_LABEL, max_length=253, description="Secret name.")
    key: str = Field(..., pattern=r"^[-._a-zA-Z0-9]+$", max_length=253, description="Key inside the Secret.")


def _ref(key: str, what: str) -> Any:
    return _default(lambda: SecretKeyRef(key=key), f"{what} (Secret key; default {DATASTORES_SECRET}/{key}).")


class TenantRef(Spec):
    """The SocialTenant (same namespace) this resource belongs to."""

    name: str = Field(..., pattern=DNS_LABEL, max_length=63, description="Name of the SocialTenant.")


class Condition(BaseModel):
    """The state of one aspect of the resource, as in metav1.Condition."""

    type: str = Field(
        ..., description="Ready, Progressing, Degraded, KafkaReady, CassandraReady, WorkloadsReady ..."
    )
    status: Literal["True", "False", "Unknown"] = Field(..., description="True, False or Unknown.")
    reason: str = Field(..., description="One CamelCase word saying why.")
    message: str = Field("", description="What a person should know or do.")
    observedGeneration: int | None = Field(
        None, description="The metadata.generation this condition is about."
    )
    lastTransitionTime: str | None = Field(None, description="When status last changed (RFC 3339).")


def _conditions() -> Any:
    return Field(
        default_factory=list,
        description="Ready, Progressing, Degraded and one condition per dependency, with reasons.",
        json_schema_extra={"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"]},
    )


# ---------------------------------------------------------------------------------- SocialTenant


class TopicSettings(Spec):
    """Overrides for one stream's topic; unset fields take the tenant's Kafka defaults."""

    partitions: int | None = Field(None, ge=1, le=10000, description="Partitions (can only grow).")
    retentionHours: int | None = Field(None, ge=1, le=876000, description="retention.ms in hours.")
    cleanupPolicy: Literal["delete", "compact", "compact,delete"] | None = Field(
        None, description="cleanup.policy of the topic."
    )


class Kafka(Spec):
    """The tenant's topics '<tenant>.<stream>', created through the Kafka admin API."""

    model_config = _cel(
        (
            "!has(self.topics) || self.topics.all(k, k in "
            "['posts','interactions','graph','messages','notifications','media','analytics','moderation','dead-letter'])",
            "kafka.topics keys must be streams: posts, interactions, graph, messages, notifications, media, "
            "analytics, moderation, dead-letter",
        ),
    )
    partitions: int = Field(6, ge=1, le=10000, description="Partitions of every topic (can only grow).")
    replicationFactor: int = Field(
        3,
        ge=1,
        le=16,
        description="Replicas of every partition; at most the number of brokers. Fixed at creation.",
    )
    retentionHours: int = Field(168, ge=1, le=876000, description="How long events are kept (retention.ms).")
    cleanupPolicy: Literal["delete", "compact", "compact,delete"] = Field(
        "delete", description="cleanup.policy of every topic."
    )
    topics: dict[str, TopicSettings] = Field(
        default_factory=dict,
        description="Per-stream overrides, keyed by stream (e.g. dead-letter: {retentionHours: 720}).",
        json_schema_extra={"maxProperties": 9},
    )


class Replication(Spec):
    """Keyspace replication, as in CQL's CREATE KEYSPACE ... WITH replication."""

    model_config = _cel(
        (
            "self.strategy != 'SimpleStrategy' || has(self.replicationFactor)",
            "SimpleStrategy needs replication.replicationFactor",
        ),
        (
            "self.strategy != 'NetworkTopologyStrategy' "
            "|| (has(self.dataCenters) && size(self.dataCenters) > 0)",
            "NetworkTopologyStrategy needs replication.dataCenters, e.g. {datacenter1: 3}",
        ),
        (
            "!has(self.dataCenters) || self.dataCenters.all(dc, self.dataCenters[dc] >= 1)",
            "every data centre in replication.dataCenters needs at least 1 replica",
        ),
    )
    strategy: Literal["SimpleStrategy", "NetworkTopologyStrategy"] = Field(
        "NetworkTopologyStrategy", description="Replication class; NetworkTopologyStrategy for production."
    )
    replicationFactor: int | None = Field(None, ge=1, le=16, description="Replicas (SimpleStrategy only).")
    dataCenters: dict[str, int] | None = Field(
        None,
        description="Replicas per data centre (NetworkTopologyStrategy only).",
        json_schema_extra={"maxProperties": 16},
    )


class Cassandra(Spec):
    """The tenant's keyspace: timelines, graph, messages, notifications."""

    keyspace: str | None = Field(
        None,
        pattern=r"^[a-z][a-z0-9_]{0,47}$",
        description="Keyspace name; default the tenant name with '-' replaced by '_'.",
    )
    replication: Replication = _default(
        lambda: Replication(strategy="NetworkTopologyStrategy", dataCenters={"datacenter1": 3}),
        "Replication of the keyspace; changing it alters the keyspace (run a repair afterwards).",
    )


class Datastores(Spec):
    """Where the datastores are: Secret keys, read by the pods through secretKeyRef env vars."""

    postgres: SecretKeyRef = _ref("postgres-dsn", "PostgreSQL DSN")
    redis: SecretKeyRef = _ref("redis-url", "Redis URL")
    kafka: SecretKeyRef = _ref("kafka-bootstrap", "Kafka bootstrap servers (host:port,...)")
    cassandra: SecretKeyRef = _ref("cassandra-contact-points", "Cassandra contact points (host:port,...)")
    search: SecretKeyRef = _ref("search-url", "OpenSearch / Elasticsearch URL")
    oidcIssuer: SecretKeyRef = _ref("oidc-issuer", "OIDC issuer URL (Keycloak realm)")
    oidcClientId: SecretKeyRef | None = Field(
        None,
        description="Keycloak mode: the gateway's confidential client id (Secret key; with oidcClientSecret).",
    )
    oidcClientSecret: SecretKeyRef | None = Field(
        None, description="Keycloak mode: that client's secret (Secret key; with oidcClientId)."
    )
    cloudinary: SecretKeyRef | None = Field(
        None,
        description="cloudinary://<api key>:<api secret>@<cloud> (Secret key): media on Cloudinary. "
        "Unset: media files on each pod's disk, which needs a shared volume.",
    )


class Features(Spec):
    fanoutThreshold: int = Field(
        1000,
        ge=0,
        le=100_000_000,
        description="Authors with at most this many followers are pushed to timelines; "
        "above, merged on read.",
    )
    homeTimelineMax: int = Field(800, ge=1, le=10000, description="Newest status ids kept per home timeline.")
    moderation: bool = Field(
        True, description="Run the moderation worker (uses the moderation model if any)."
    )
    ranking: bool = Field(False, description="Rank home timelines with the ranking model.")


class RateLimits(Spec):
    """Token buckets in Redis; requests per minute."""

    perIp: int = Field(300, ge=1, le=1_000_000, description="Requests per minute per client IP.")
    perAccount: int = Field(300, ge=1, le=1_000_000, description="Requests per minute per account.")
    authentication: int = Field(30, ge=1, le=1_000_000, description="Sign-in attempts per minute per IP.")
    contentCreation: int = Field(
        30, ge=1, le=1_000_000, description="Posts and uploads per minute per account."
    )


class Ingress(Spec):
    enabled: bool = Field(True, description="Expose the gateway on spec.host through an Ingress.")
    className: str | None = Field(
        None, description="IngressClass (nginx, traefik ...); default the cluster's."
    )
    tlsSecretName: str | None = Field(
        None, pattern=DNS_LABEL, description="TLS certificate Secret for spec.host."
    )
    annotations: dict[str, str] = Field(
        default_factory=dict,
        description="Extra Ingress annotations (cert-manager, rate limits ...).",
        json_schema_extra={"maxProperties": 64},
    )


class Migrations(Spec):
    enabled: bool = Field(True, description="Run `rookery migrate` as a Job for every new image.")
    backoffLimit: int = Field(3, ge=0, le=20, description="Retries of the migration Job.")


class SocialTenantSpec(Spec):
    """One running instance of the Rookery platform."""

    model_config = _cel(
        (
            "self.topology == 'split' || !has(self.roles) || size(self.roles) == 0",
            "spec.roles holds per-role overrides, which only apply with topology: split",
        ),
        (
            f"!has(self.roles) || self.roles.all(r, r in {_cel_list(ROLES)})",
            f"spec.roles keys must be roles: {', '.join(ROLES)}",
        ),
        (
            f"!has(self.workers) || self.workers.all(w, w in {_cel_list(WORKERS)})",
            f"spec.workers keys must be workers: {', '.join(WORKERS)}",
        ),
        (
            "!has(self.settings) || self.settings.all(k, k.matches('^[A-Z][A-Z0-9_]*$'))",
            "spec.settings keys are ROOKERY_* setting names without the prefix, "
            "in upper case (e.g. LOG_LEVEL)",
        ),
    )
    image: str = Field(
        ..., min_length=1, max_length=512, description="Container image of Rookery (one image, every role)."
    )
    imagePullPolicy: Literal["Always", "IfNotPresent", "Never"] = Field(
        "IfNotPresent", description="Image pull policy."
    )
    host: str = Field(..., pattern=HOSTNAME, max_length=253, description="Public host name of the instance.")
    topology: Literal["monolith", "split"] = Field(
        "monolith",
        description="monolith: every role in each pod; split: one Deployment per role behind the gateway.",
    )
    workloads: Workload = _default(
        Workload, "Defaults for every Deployment (the monolith, each role, each worker)."
    )
    roles: dict[str, WorkloadOverride] = Field(
        default_factory=dict,
        description="Per-role overrides (topology split), keyed by role.",
        json_schema_extra={"maxProperties": len(ROLES)},
    )
    workers: dict[str, WorkloadOverride] = Field(
        default_factory=dict,
        description=f"Per-worker overrides, keyed by worker ({', '.join(WORKERS)}).",
        json_schema_extra={"maxProperties": len(WORKERS)},
    )
    datastores: Datastores = _default(
        Datastores, "Secret keys for PostgreSQL, Redis, Kafka, Cassandra, search, OIDC."
    )
    kafka: Kafka = _default(Kafka, "The tenant's Kafka topics.")
    cassandra: Cassandra = _default(Cassandra, "The tenant's Cassandra keyspace.")
    features: Features = _default(Features, "Feed and AI features.")
    rateLimits: RateLimits = _default(RateLimits, "Rate limits enforced by the gateway.")
    ingress: Ingress = _default(Ingress, "Public exposure of the gateway.")
    migrations: Migrations = _default(Migrations, "Schema migrations (`rookery migrate`).")
    settings: dict[str, str] = Field(
        default_factory=dict,
        description="Extra settings: KEY becomes ROOKERY_KEY in the tenant's ConfigMap (never secrets).",
        json_schema_extra={"maxProperties": 64},
    )
    logLevel: Literal["debug", "info", "warning", "error"] = Field(
        "info", description="Log level of every pod."
    )
    retentionPolicy: Literal["Retain", "Delete"] = Field(
        "Retain", description="On deletion, Retain keeps the topics and keyspace; Delete drops them."
    )


class ChildRef(BaseModel):
    name: str = Field(..., description="Name of the resource.")
    ready: bool = Field(False, description="Whether it reports Ready.")
    endpoint: str | None = Field(None, description="Its endpoint, if it serves one.")


class SocialTenantStatus(BaseModel):
    """What the operator observed: conditions, endpoint, topics, keyspace, shards and models."""

    phase: str | None = Field(None, description="Pending, Provisioning, Ready, Degraded or Deleting.")
    observedGeneration: int | None = Field(None, description="The generation the status describes.")
    conditions: list[Condition] = _conditions()
    endpoint: str | None = Field(None, description="Public URL of the instance.")
    configHash: str | None = Field(None, description="Hash of the ConfigMap; pods roll when it changes.")
    topics: list[str] = Field(default_factory=list, description="Kafka topics of the tenant.")
    keyspace: str | None = Field(None, description="Cassandra keyspace of the tenant.")
    workloads: str | None = Field(None, description="Ready Deployments over desired, e.g. 7/7.")
    shards: list[ChildRef] = Field(default_factory=list, description="FeedShards attached to the tenant.")
    models: list[ChildRef] = Field(
        default_factory=list, description="ModelDeployments attached to the tenant."
    )


# ------------------------------------------------------------------------------------- FeedShard


class HashRange(Spec):
    """The users of this shard: crc32 of the user id (8 bytes, big-endian) in [start, end)."""

    model_config = _cel(("self.start < self.end", "hashRange.start must be below hashRange.end"))
    start: int = Field(..., ge=0, le=4294967296, description="First hash of the shard (inclusive).")
    end: int = Field(
        ..., ge=1, le=4294967296, description="End of the shard's hashes (exclusive), at most 2^32."
    )


class Timeline(Spec):
    ttlDays: int = Field(30, ge=1, le=3650, description="Timeline rows expire after this many days.")
    bucketDays: int = Field(7, ge=1, le=365, description="Days per timeline partition (user, bucket).")


class RedisTimeline(Spec):
    keyPrefix: str | None = Field(
        None,
        max_length=128,
        description="Prefix of the shard's Redis keys; default '<tenant>:feed:<shard>:'.",
    )
    timelineLength: int = Field(800, ge=10, le=10000, description="Newest ids kept per timeline in Redis.")
    ttlSeconds: int = Field(
        259200, ge=60, le=31_536_000, description="Idle timelines expire from Redis after this."
    )


class FeedShardSpec(Spec):
    """One slice of the feed: its fan-out worker, topic, consumer group, timeline table, Redis keys."""

    model_config = _cel(("self.tenantRef == oldSelf.tenantRef", "spec.tenantRef is immutable"))
    tenantRef: TenantRef = Field(..., description="The SocialTenant this shard belongs to.")
    hashRange: HashRange = Field(..., description="The users of this shard.")
    partitions: int = Field(
        3, ge=1, le=10000, description="Partitions of the shard's fan-out topic (can only grow)."
    )
    replicas: int = Field(1, ge=0, le=1000, description="Fan-out worker pods (at most useful: partitions).")
    resources: Resources = _default(Resources, "Resources of the fan-out worker.")
    timeline: Timeline = _default(Timeline, "The shard's Cassandra timeline table.")
    redis: RedisTimeline = _default(RedisTimeline, "The shard's Redis hot timelines.")


class FeedShardStatus(BaseModel):
    """What the operator observed: conditions, topic, consumer group and table."""

    phase: str | None = Field(None, description="Pending, Provisioning, Ready or Degraded.")
    observedGeneration: int | None = Field(None, description="The generation the status describes.")
    conditions: list[Condition] = _conditions()
    topic: str | None = Field(None, description="The shard's fan-out topic.")
    consumerGroup: str | None = Field(None, description="Consumer group of the fan-out worker.")
    table: str | None = Field(None, description="The shard's timeline table (keyspace.table).")


# ------------------------------------------------------------------------------- ModelDeployment


class ModelFormat(Spec):
    name: str = Field(
        ..., min_length=1, max_length=63, description="Framework: sklearn, pytorch, onnx, huggingface ..."
    )
    version: str | None = Field(None, max_length=63, description="Framework version.")


class ModelResources(Spec):
    """Requests equal limits for models: predictable latency."""

    cpu: Quantity = Field("1", description="CPU per predictor pod.")
    memory: Quantity = Field("2Gi", description="Memory per predictor pod.")
    gpu: int = Field(0, ge=0, le=16, description="nvidia.com/gpu per predictor pod.")


class ModelDeploymentSpec(Spec):
    """One model served by KServe for a tenant."""

    model_config = _cel(
        ("self.tenantRef == oldSelf.tenantRef", "spec.tenantRef is immutable"),
        (
            "has(self.image) != has(self.modelFormat)",
            "set either image (a custom predictor container) or modelFormat (a KServe runtime), exactly one",
        ),
        (
            "!has(self.runtime) || has(self.modelFormat)",
            "runtime names a KServe ServingRuntime and needs modelFormat",
        ),
        ("self.minReplicas <= self.maxReplicas", "minReplicas must not exceed maxReplicas"),
    )
    tenantRef: TenantRef = Field(..., description="The SocialTenant using this model.")
    task: Task = Field(
        ..., description="What the platform uses it for: moderation, embedding, ranking, anomaly."
    )
    modelFormat: ModelFormat | None = Field(None, description="Model format for a KServe ServingRuntime.")
    runtime: str | None = Field(
        None, max_length=253, description="ServingRuntime name; default KServe picks one."
    )
    image: str | None = Field(
        None, max_length=512, description="Custom predictor image (e.g. `rookery inference`)."
    )
    storageUri: str = Field(
        ...,
        pattern=r"^(gs|s3|pvc|https?|hf|oci)://.+",
        description="Where the model is: s3://, gs://, pvc://, hf://, oci://, https://",
    )
    resources: ModelResources = _default(ModelResources, "CPU, memory and GPUs per predictor pod.")
    minReplicas: int = Field(1, ge=0, le=1000, description="Fewest predictor pods (0 scales to zero).")
    maxReplicas: int = Field(1, ge=1, le=1000, description="Most predictor pods.")
    canaryTrafficPercent: int | None = Field(
        None,
        ge=0,
        le=100,
        description="Percent of traffic sent to the latest revision (KServe canary rollout).",
    )


class ModelDeploymentStatus(BaseModel):
    """What the operator observed: the InferenceService's URL and readiness, mirrored."""

    phase: str | None = Field(None, description="Pending, Ready or NotReady.")
    observedGeneration: int | None = Field(None, description="The generation the status describes.")
    conditions: list[Condition] = _conditions()
    url: str | None = Field(None, description="URL of the InferenceService (from KServe).")
    ready: bool = Field(False, description="Whether the InferenceService is Ready.")
    canaryTrafficPercent: int | None = Field(None, description="Canary traffic KServe reports.")
    endpointVariable: str | None = Field(
        None, description="The setting carrying the URL in the tenant's ConfigMap."
    )


# task -> the model name the workloads' ModelClient uses (rookery.workloads.adapters.inference)
MODEL_NAMES = {
    "moderation": "moderation",
    "embedding": "embeddings",
    "ranking": "ranking",
    "anomaly": "anomaly",
}


def model_endpoint_variable(task: str) -> str:
    """ROOKERY_MODEL_ENDPOINT_<MODEL>: the setting the workloads read a model's URL from."""
    return "ROOKERY_MODEL_ENDPOINT_" + MODEL_NAMES.get(task, task).upper()
