"""Every knob is a ``ROOKERY_*`` environment variable (pydantic-settings). README lists them all.

Adapters are chosen from these settings in bootstrap/ (infrastructure.py, stores.py): a store whose
production URL is set uses its production adapter, otherwise the embedded one under ``data_dir``.
"""

from __future__ import annotations

import functools
import pathlib
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ROOKERY_", extra="ignore")

    # --- instance -----------------------------------------------------------------------------
    tenant: str = Field("rookery", description="Tenant name; Kafka topics are '<tenant>.<stream>'.")
    data_dir: pathlib.Path = Field(
        pathlib.Path(".rookery"), description="Embedded mode: SQLite files, signing keys, media."
    )
    host: str = Field("127.0.0.1", description="Address `rookery up` / `serve` listens on.")
    port: int = Field(8080, description="Port `rookery up` / `serve` listens on.")
    public_url: str = Field(
        "", description="External base URL (https://social.example); default http://HOST:PORT."
    )
    domain: str = Field("", description="Account domain shown in acct URIs; default the public URL's host.")
    instance_title: str = Field("Rookery", description="Shown by /api/v1/instance.")
    instance_description: str = Field("An open social platform.", description="Shown by /api/v1/instance.")
    contact_email: str = Field("admin@rookery.local", description="Shown by /api/v1/instance.")
    registrations_open: bool = Field(True, description="Allow POST /api/v1/accounts.")
    web_dir: pathlib.Path | None = Field(
        None,
        description="The built web client served at / (default: the package's, else the checkout's web/dist).",
    )

    # --- feed ---------------------------------------------------------------------------------
    fanout_threshold: int = Field(
        1000, description="Authors with at most this many followers are pushed to timelines; above, merged on read."
    )
    home_timeline_max: int = Field(800, description="Newest ids kept per home timeline.")
    feed_shards: str = Field(
        "",
        description="FeedShards 'name=start-end,...' (crc32 of a user id): the feed role forwards fan-out"
        " to each shard's topic and fans out itself only to users outside every range (needs Kafka).",
    )
    feed_shard: str = Field("", description="`rookery worker fanout` of this FeedShard (its name); unset: none.")
    feed_shard_range: str = Field(
        "", description="With FEED_SHARD: 'start-end', the users whose home timelines this worker writes."
    )
    fanout_topic: str = Field("", description="With FEED_SHARD: the topic it consumes, '<tenant>.fanout.<shard>'.")
    fanout_consumer_group: str = Field(
        "", description="With FEED_SHARD: its consumer group, '<tenant>.fanout.<shard>'."
    )
    timeline_table: str = Field(
        "",
        description="With FEED_SHARD: the Cassandra table of its users' home timelines (with <table>_days and"
        " <table>_by_status), as in its ROOKERY_FEED_SHARDS entry.",
    )
    timeline_ttl_seconds: int = Field(
        0, ge=0, description="With FEED_SHARD: its timeline rows expire after this (0: CASSANDRA_TIMELINE_TTL_S)."
    )
    timeline_bucket_days: int = Field(1, ge=1, description="With FEED_SHARD: days per timeline partition.")
    redis_key_prefix: str = Field(
        "", description="With FEED_SHARD: the prefix of its users' Redis home timeline keys (replaces 'rk:<tenant>:')."
    )
    redis_timeline_ttl_seconds: int = Field(
        0, ge=0, description="With FEED_SHARD: its users' Redis timelines expire after this idle time (0: never)."
    )

    # --- production datastores (unset = embedded adapter) -------------------------------------
    postgres_dsn: str = Field("", description="PostgreSQL DSN: accounts, OAuth, statuses, outbox.")
    redis_url: str = Field("", description="Redis URL: caches, rate limits, locks, idempotency, pub/sub.")
    kafka_bootstrap: str = Field("", description="Kafka bootstrap servers (host:port,...): the event bus.")
    cassandra_contact_points: str = Field("", description="Cassandra contact points (host[:port],...).")
    cassandra_keyspace: str = Field("rookery", description="Cassandra keyspace of the tenant.")
    search_url: str = Field("", description="Elasticsearch/OpenSearch URL.")
    search_engine: str = Field("opensearch", description="'opensearch' or 'elasticsearch'.")

    # --- production adapters: PostgreSQL (see README "Production mode") ------------------------
    postgres_pool_min: int = Field(1, description="PostgreSQL connections a process keeps open.")
    postgres_pool_max: int = Field(10, description="Most PostgreSQL connections per process (callers wait above).")
    postgres_statement_timeout_ms: int = Field(
        5000, description="PostgreSQL statement_timeout of every connection (ms); a slower query answers 503."
    )
    postgres_acquire_timeout_s: float = Field(
        5.0, description="Longest wait for a pooled PostgreSQL connection (or a new one) before 503."
    )
    postgres_schema: str = Field("", description="PostgreSQL schema of this tenant's tables (default: public).")

    # --- production adapters: Redis, Kafka, Cloudinary (see README "Production mode") ----------
    redis_cluster: bool = Field(False, description="Speak the Redis Cluster protocol to REDIS_URL.")
    redis_max_connections: int = Field(100, description="Redis connections per process (callers wait above).")
    redis_min_replica_acks: int | None = Field(
        None,
        ge=0,
        description="Home timeline writes end with WAIT for this many Redis replicas; fewer is 503/retry"
        " (unset: 1 with a redis+sentinel:// URL, else 0: no WAIT; not with REDIS_CLUSTER).",
    )
    redis_replica_ack_timeout_ms: int = Field(
        1000, gt=0, description="Longest WAIT for REDIS_MIN_REPLICA_ACKS replicas (ms)."
    )
    kafka_create_topics: bool = Field(
        False, description="Create missing '<tenant>.<stream>' topics (dev/test; clusters: the operator)."
    )
    kafka_partitions: int = Field(3, description="Partitions of topics created by KAFKA_CREATE_TOPICS.")
    kafka_replication_factor: int = Field(
        1, description="Replication factor of topics created by KAFKA_CREATE_TOPICS (3 on a 3-broker cluster)."
    )
    kafka_max_attempts: int = Field(5, description="Handler attempts before an event is dead-lettered.")
    kafka_retry_backoff_s: float = Field(0.2, description="First retry delay of a failed handler (doubles).")
    kafka_fetch_max_wait_ms: int = Field(
        100, ge=1, le=60_000, description="Longest a consumer's fetch waits on the broker for KAFKA_FETCH_MIN_BYTES"
        " (ms): the most an event waits for others to share its batch at each hop.",
    )  # fmt: skip
    kafka_fetch_min_bytes: int = Field(
        65536, ge=1, description="Bytes a consumer's fetch waits for (at most KAFKA_FETCH_MAX_WAIT_MS): a batch"
        " pays one fetch, dedupe check, mark and commit for all its events. 1: every event at once.",
    )  # fmt: skip
    cloudinary_url: str = Field(
        "", description="cloudinary://<api key>:<api secret>@<cloud>: media on Cloudinary; unset: local."
    )
    cloudinary_upload_prefix: str = Field("", description="Cloudinary API base URL (regions, tests).")
    cloudinary_folder: str = Field("rookery", description="Cloudinary folder of this tenant's media.")

    # --- production adapters: Cassandra (see README "Cassandra tables") ----------------------
    cassandra_local_dc: str = Field(
        "", description="Cassandra data centre of this process (token-aware, DC-aware routing)."
    )
    cassandra_read_consistency: str = Field(
        "LOCAL_QUORUM", description="Cassandra read consistency (LOCAL_ONE: faster, may miss fresh writes)."
    )
    cassandra_write_consistency: str = Field("LOCAL_QUORUM", description="Cassandra write consistency.")
    cassandra_request_timeout_s: float = Field(
        5.0, description="Longest wait for one Cassandra request before the API answers 503."
    )
    cassandra_timeline_ttl_s: int = Field(
        2592000, description="TTL of home-timeline rows in Cassandra (seconds; default 30 days)."
    )
    cassandra_notification_ttl_s: int = Field(
        7776000, description="TTL of notifications in Cassandra (seconds; default 90 days)."
    )
    cassandra_create_keyspace: bool = Field(
        False, description="`rookery migrate` creates a missing keyspace (dev/test; clusters: the operator)."
    )
    cassandra_replication_factor: int = Field(
        1, description="Replication factor of a keyspace created by CASSANDRA_CREATE_KEYSPACE."
    )

    # --- auth ---------------------------------------------------------------------------------
    oidc_issuer: str = Field("", description="External OIDC issuer (Keycloak realm URL); unset = embedded issuer.")
    oidc_audience: str = Field("rookery", description="Required `aud` of access tokens.")
    oidc_client_id: str = Field(
        "", description="Keycloak mode: the gateway's confidential client (admin API, token endpoint proxy)."
    )
    oidc_client_secret: str = Field("", description="Keycloak mode: that client's secret.")
    signing_keys: str = Field(
        "",
        description="Embedded issuer's RS256 keys, PEM, concatenated: the first signs, all verify "
        "(docs/key-rotation.md). Required with POSTGRES_DSN unless OIDC_ISSUER; unset: DATA_DIR/keys.",
    )
    vapid_private_key: str = Field(
        "",
        description="Web Push VAPID P-256 private key (PEM or base64url). Required with POSTGRES_DSN; "
        "unset: DATA_DIR/keys.",
    )
    access_token_ttl_s: int = Field(2592000, description="Lifetime of embedded-issuer access tokens (seconds).")
    refresh_token_ttl_s: int = Field(15552000, description="Lifetime of refresh tokens (seconds).")
    token_leeway_s: float = Field(30.0, description="Clock skew tolerated when checking exp/nbf/iat.")
    token_cache_size: int = Field(100000, description="Verified tokens cached in-process (per token string).")
    password_time_cost: int = Field(3, description="argon2id time cost for password hashes.")
    password_memory_kib: int = Field(65536, description="argon2id memory cost (KiB) for password hashes.")

    # --- edge (gateway) -----------------------------------------------------------------------
    max_body_bytes: int = Field(1048576, description="Largest request body (413 above it), except media routes.")
    max_media_body_bytes: int = Field(
        41943040, description="Largest request body on media upload routes (media, avatar/header)."
    )
    rate_limits_enabled: bool = Field(True, description="Token-bucket rate limits per IP and per account.")
    fast_path_enabled: bool = Field(
        True,
        description="Serve the hottest reads (home, account statuses) without FastAPI's routing (api/fastpath.py).",
    )
    rate_limit_requests: int = Field(300, description="Default class: requests per period per IP (and per account).")
    rate_limit_account_requests: int = Field(
        0, description="Default class, signed-in requests: per period per account; 0 = RATE_LIMIT_REQUESTS."
    )
    rate_limit_period_s: float = Field(300.0, description="Default class: bucket refill period (seconds).")
    rate_limit_auth_requests: int = Field(
        30, description="Authentication class (POST /oauth/token, registration): requests per period per IP."
    )
    rate_limit_auth_period_s: float = Field(300.0, description="Authentication class: refill period (seconds).")
    rate_limit_create_requests: int = Field(
        300, description="Content-creation class (POST statuses, media, messages): requests per period."
    )
    rate_limit_create_period_s: float = Field(10800.0, description="Content-creation class: refill period (seconds).")
    trusted_proxies: str = Field(
        "",
        description="Comma-separated proxy addresses or CIDR ranges whose X-Forwarded-For (client IP) and"
        " X-Forwarded-Proto/-Host (scheme and host of redirects) are believed; others' are ignored.",
    )
    idempotency_ttl_s: float = Field(3600.0, description="How long an Idempotency-Key's first response is kept.")
    idempotency_wait_s: float = Field(
        5.0, description="How long a concurrent duplicate waits for the first response before 409."
    )
    cache_max_entries: int = Field(100000, description="Embedded in-process cache: most entries kept (LRU).")
    page_cache_mib: int = Field(
        32,
        ge=0,
        description="MiB of whole rendered pages each process keeps until anything they were made from may"
        " have changed (views/pages.py): home and account pages in embedded mode, home pages in production"
        " (with a Redis entity cache); 0 keeps none.",
    )

    # --- topology split: the gateway routes each path to its role (README "Topology split") -----
    topology: Literal["monolith", "split"] = Field(
        "monolith",
        description="'split': `serve --role gateway` proxies every API path to the role that owns it, and"
        " `serve --role R` serves only R's routes (from the gateway).",
    )
    role_url_gateway: str = Field("", description="Split: base URL of the gateway role (unused by the gateway).")
    role_url_accounts: str = Field("", description="Split: base URL of the accounts role's Service.")
    role_url_posts: str = Field("", description="Split: base URL of the posts role's Service.")
    role_url_graph: str = Field("", description="Split: base URL of the graph role's Service.")
    role_url_feed: str = Field("", description="Split: base URL of the feed role's Service (streaming too).")
    role_url_messaging: str = Field("", description="Split: base URL of the messaging role's Service.")
    role_url_notifications: str = Field("", description="Split: base URL of the notifications role's Service.")
    role_url_search: str = Field("", description="Split: base URL of the search role's Service.")
    role_url_media: str = Field("", description="Split: base URL of the media role's Service.")
    role_url_admin: str = Field("", description="Split: base URL of the admin role's Service.")
    role_url_analytics: str = Field("", description="Split: base URL of the analytics role's Service (trends).")
    internal_token: str = Field(
        "",
        description="Split: shared secret the gateway sends as X-Rookery-Internal; roles refuse requests"
        " without it (health and metrics probes excepted). Unset: roles accept any caller.",
    )
    proxy_connect_timeout_s: float = Field(2.0, gt=0, description="Split gateway: connect timeout to a role.")
    proxy_connect_retry_s: float = Field(
        5.0,
        ge=0,
        le=60,
        description="Split gateway: how long a role that refuses connections is retried before 502 (nothing "
        "was sent, so every method is safe to retry: a pod replaced while Service routing catches up).",
    )
    proxy_read_timeout_s: float = Field(
        60.0, gt=0, description="Split gateway: longest wait for a role's response (streaming excepted); 504 past it."
    )
    proxy_max_connections: int = Field(
        200, gt=0, description="Split gateway: most pooled connections to each role (keep-alive as many)."
    )

    # --- media, chats, push ---------------------------------------------------------------------
    media_max_image_bytes: int = Field(16777216, description="Largest image upload (bytes); 413 above it.")
    media_max_video_bytes: int = Field(41943040, description="Largest video upload (bytes); 413 above it.")
    media_max_pixels: int = Field(
        50000000, description="Most pixels (width x height) of an uploaded image: decompression-bomb guard."
    )
    media_small_size: int = Field(640, description="The small (preview) variant fits in this many pixels square.")
    media_threads: int = Field(2, description="Threads for image processing (Pillow, ffmpeg).")
    media_orphan_max_age_h: float = Field(
        24.0, description="Uploads no status took within this many hours are deleted (files and records)."
    )
    media_orphan_sweep_s: float = Field(3600.0, description="How often unattached media are swept; 0 = never.")
    poll_min_expires_in_s: int = Field(
        300, description="The shortest poll a status may carry, in seconds (Mastodon: 300; tests use less)."
    )
    poll_close_interval_s: float = Field(
        5.0, description="How often the posts role closes expired polls and notifies their voters; 0 = never."
    )
    scheduled_status_min_lead_s: int = Field(
        300, description="How far ahead a status must be scheduled, in seconds (Mastodon: 300; tests use less)."
    )
    scheduled_status_interval_s: float = Field(
        5.0, description="How often the posts role publishes the scheduled statuses that are due; 0 = never."
    )
    push_allow_private_endpoints: bool = Field(
        False, description="Accept Web Push endpoints on loopback/private hosts and plain http (tests, labs)."
    )
    push_timeout_s: float = Field(10.0, description="Timeout of one Web Push / APNs / FCM delivery.")
    push_contact: str = Field("", description="VAPID 'sub' claim (mailto: or https:); default mailto:CONTACT_EMAIL.")
    smtp_host: str = Field("", description="SMTP server for e-mail notifications; unset = e-mails are only logged.")
    smtp_port: int = Field(587, description="SMTP port.")
    smtp_username: str = Field("", description="SMTP user (optional).")
    smtp_password: str = Field("", description="SMTP password (optional).")
    smtp_starttls: bool = Field(True, description="Upgrade the SMTP connection with STARTTLS.")
    smtp_from: str = Field("", description="From address of e-mails; default CONTACT_EMAIL.")

    # --- streaming, search --------------------------------------------------------------------
    streaming_queue_size: int = Field(
        256, description="Messages a streaming connection may have waiting; a slower client is dropped."
    )
    streaming_heartbeat_s: float = Field(
        15.0, description="Seconds between SSE heartbeats and between checks of a socket's token."
    )
    search_refresh: str = Field(
        "false", description="Search writes: 'false' (searchable within ~1 s), 'wait_for' or 'true'."
    )
    search_timeout_s: float = Field(5.0, description="Longest wait for one OpenSearch/Elasticsearch request.")

    # --- moderation, trends, the AI layer (README "Moderation, trends and the AI layer") ---------
    inference_url: str = Field(
        "", description="Model server (KServe V1) of every model; unset and no MODEL_ENDPOINT_*: in-process."
    )
    moderation_enabled: bool = Field(True, description="Moderate new statuses with the moderation model.")
    models_warm_up: bool = Field(
        False,
        description="In-process models (no INFERENCE_URL): load the ones this process uses at start, in the"
        " background, instead of on first use (the Deployments the operator renders set it).",
    )
    ranking_enabled: bool = Field(False, description="Rank home timelines' first page with the ranking model.")
    ranking_timeout_s: float = Field(
        0.15, description="Deadline of one ranking call; past it the page stays chronological."
    )
    anomaly_every_events: int = Field(
        25, description="Check an account's behaviour with the anomaly model every N of its interactions."
    )
    trends_window_hours: int = Field(24, description="Trends count interactions of the last N hours.")
    trends_half_life_hours: float = Field(6.0, description="Trend weight halves every N hours of age.")
    moderation_refresh_s: float = Field(
        5.0, description="How often a process reloads hidden statuses and restricted accounts from the store."
    )

    # --- observability ------------------------------------------------------------------------
    prometheus_url: str = Field("", description="Prometheus base URL (for the admin dashboard).")
    zipkin_url: str = Field("", description="Zipkin base URL; traces are exported there when set.")
    trace_sample_ratio: float = Field(
        1.0, ge=0.0, le=1.0, description="Share of new traces sampled when ZIPKIN_URL is set (0..1)."
    )
    log_level: str = Field("info", description="Log level.")
    http_server: Literal["granian", "uvicorn"] = Field(
        "granian",
        description="The HTTP server: 'granian' (Rust's hyper; the fastest here) or 'uvicorn' (the fallback).",
    )
    http_keep_alive_s: int = Field(
        75,
        gt=0,
        description="Idle keep-alive of client connections (s); above the 5 s clients poll at (nginx keeps 75).",
    )
    shutdown_step_timeout_s: float = Field(
        15.0, gt=0, description="Longest wait for each shutdown step (stopping consumers, closing stores)."
    )
    log_format: Literal["", "json", "text"] = Field(
        "", description="'json' (one object a line, with trace ids) or 'text'; default: `up` text, else json."
    )

    @property
    def shared(self) -> bool:
        """Accounts and OAuth live in a shared database (PostgreSQL): every process of the tenant serves
        the same users, so the keys come from the settings (a Secret), never from a per-process data dir."""
        return bool(self.postgres_dsn)

    @property
    def embedded_database_file(self) -> bool:
        """Whether some store may keep data in the embedded SQLite file under DATA_DIR: not when every
        store has its production adapter (then the file would only hold empty tables; it stays in memory
        and the process writes nothing outside /tmp)."""
        production = (self.postgres_dsn, self.cassandra_contact_points, self.kafka_bootstrap, self.redis_url)
        return not (all(production) and self.search_url)

    @property
    def redis_replica_acks(self) -> int:
        """Replicas a home timeline write waits for: a write only the primary holds is lost when a
        paused primary resumes and Sentinel demotes it (it resyncs from the promoted replica)."""
        if self.redis_min_replica_acks is not None:
            return self.redis_min_replica_acks
        return 1 if self.redis_url.partition("://")[0] in ("redis+sentinel", "rediss+sentinel") else 0

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    def role_url(self, role: str) -> str:
        """Split topology: the base URL of a role's Service (ROOKERY_ROLE_URL_<ROLE>), '' when unset."""
        return str(getattr(self, f"role_url_{role}", "")).rstrip("/")

    @property
    def account_domain(self) -> str:
        if self.domain:
            return self.domain
        return self.base_url.split("://", 1)[-1].split("/", 1)[0]


class ConfigurationError(Exception):
    """Settings a process cannot start with; the CLI prints the message (no traceback) and exits 2."""


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
