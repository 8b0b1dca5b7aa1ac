"""Every knob is a ``ROOKERY_*`` environment variable (pydantic-settings). README lists them all.

Adapters are chosen from these settings in bootstrap.py: a store whose production URL is set uses
its production adapter, otherwise the embedded one under ``data_dir``.
"""

from __future__ import annotations

import functools
import pathlib

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

    # --- feed ---------------------------------------------------------------------------------
    fanout_threshold: int = Field(
        1000, description="Authors with at most this many followers are pushed to timelines; above, merged on read."
    )
    home_timeline_max: int = Field(800, description="Newest ids kept per home timeline.")

    # --- production datastores (unset = embedded adapter) -------------------------------------
    postgres_dsn: str = Field("", description="PostgreSQL DSN: accounts, OAuth, statuses, outbox.")
    redis_url: str = Field("", description="Redis URL: caches, rate limits, locks, idempotency, pub/sub.")
    kafka_bootstrap: str = Field("", description="Kafka bootstrap servers (host:port,...): the event bus.")
    cassandra_contact_points: str = Field("", description="Cassandra contact points (host[:port],...).")
    cassandra_keyspace: str = Field("rookery", description="Cassandra keyspace of the tenant.")
    search_url: str = Field("", description="Elasticsearch/OpenSearch URL.")
    search_engine: str = Field("opensearch", description="'opensearch' or 'elasticsearch'.")

    # --- auth ---------------------------------------------------------------------------------
    oidc_issuer: str = Field("", description="External OIDC issuer (Keycloak realm URL); unset = embedded issuer.")
    oidc_audience: str = Field("rookery", description="Required `aud` of access tokens.")

    # --- observability ------------------------------------------------------------------------
    prometheus_url: str = Field("", description="Prometheus base URL (for the admin dashboard).")
    zipkin_url: str = Field("", description="Zipkin base URL; traces are exported there when set.")
    log_level: str = Field("info", description="Log level.")

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def account_domain(self) -> str:
        if self.domain:
            return self.domain
        return self.base_url.split("://", 1)[-1].split("/", 1)[0]


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
