"""Contract suite: every port's adapters pass the same tests.

Each module parametrises one port over its adapters: the embedded ones run in-process; the
production ones are marked ``needs(<server>)`` and reach the real stack through the ``stack_env``
fixture (the e2e pytest plugin starts the servers). Every test uses a fresh tenant, so tests
share servers without sharing keys or topics, and nothing is flushed.
"""

from __future__ import annotations

import pathlib
from collections.abc import Iterator

import pytest
from contract_support import unique_tenant
from postgres_stores import pg_session_dsn, store_db  # noqa: F401  (store contract: SQLite + PostgreSQL)
from redis_cluster import redis_cluster


@pytest.fixture
def tenant(kafka_tenants: set[str]) -> str:
    made = unique_tenant()
    kafka_tenants.add(made)  # its topics, if a test makes any, are deleted at the session's end
    return made


@pytest.fixture
def redis_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue("stack_env")["ROOKERY_REDIS_URL"])


@pytest.fixture
def kafka_bootstrap(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue("stack_env")["ROOKERY_KAFKA_BOOTSTRAP"])


@pytest.fixture(scope="session")
def redis_cluster_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    request.getfixturevalue("stack_env")  # the stack's redis brings redis-server
    workdir: pathlib.Path = tmp_path_factory.mktemp("redis-cluster")
    with redis_cluster(workdir) as url:
        yield url
