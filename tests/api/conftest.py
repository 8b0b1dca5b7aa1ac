"""API test fixtures: the whole app over HTTP (httpx over ASGI), lifespan included.

    async def test_something(api: Api) -> None:
        alice = await api.make_user("alice")                 # User(id, username, token, headers)
        bob = await api.make_user("bob", locked=True)
        response = await api.client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)

``api`` is an ``Api`` built on a fresh temporary data dir with the test settings (cheap password
hashing, generous rate limits). For other settings use the factory:

    async def test_limits(app_factory) -> None:
        async with app_factory(rate_limit_requests=3) as api:
            ...

``app_factory(**settings_overrides, data_dir=None, fresh_keys=False)``: ``data_dir`` reuses a
directory (restart tests: open two factories on it in turn, or at once for two replicas);
``fresh_keys`` generates a new signing key instead of the session's shared one.

Interface (kept stable for every role's tests; import them with ``from api_support import Api, User``):
    Api.client         httpx.AsyncClient, base_url "http://testserver", over ASGI
    Api.app / .container / .settings
    await Api.register_app(scopes="read write follow push", redirect_uris=OOB) -> dict (Mastodon
        Application with client_id/client_secret), through POST /api/v1/apps
    await Api.make_user(username, locked=False, *, scopes="read write follow push", via_http=False,
        email=None, password=PASSWORD, role="user") -> User
        via_http=False: the use cases (fast); True: POST /api/v1/apps, client_credentials token,
        POST /api/v1/accounts, exactly as a client does
    await Api.make_users(*usernames) -> list[User]   make_user with the defaults, in order
    await Api.app_token(scopes="read write") -> str   an app-only (client_credentials) token
    User.id (str, as the API renders it), User.account_id (int), User.username, User.token,
    User.headers ({"Authorization": "Bearer ..."}), User.password, User.email

``api_settings_overrides`` is the hook for running the same suite on other adapters. It is
parametrised by ``api_mode``: every test using ``api``/``app_factory`` runs in three modes,
``[embedded]`` (temporary data dir, nothing else), ``[production]`` (PostgreSQL + Redis + Kafka +
Cassandra; marked ``needs(...)`` so the stack comes up only when such a test is selected) and
``[split]`` (the same stores, topology split). Production isolation (both modes): one fresh
PostgreSQL database and Cassandra keyspace per session, a fresh schema and a fresh tenant (Redis
key prefix, Kafka topics and groups) per test. Select one mode with ``-k embedded`` /
``-k production`` / ``-k split``.

``[split]`` (split_support.py) is what the operator's ``topology: split`` runs, inside the test
process: each role that owns routes gets the app of `rookery serve --role R` (every role's stores
and consumers, R's routes only, answering the gateway's internal credential only) on its own
uvicorn server on a free 127.0.0.1 port, a task of the test's event loop; the gateway app of
`rookery serve --role gateway` routes to them by ``ROOKERY_ROLE_URL_<ROLE>``, and ``api.client``
talks to the gateway over ASGI. The role apps share only what pods share: the stores, Redis,
Kafka (whichever app a consumer group gives the partitions to handles the events), the data dir
(the embedded SQLite file and media files, a shared volume). There:
    Api.app             the gateway app;  Api.container  the accounts role's app's container
    Api.container_of(role)  the container of the app serving that role ("gateway" too); the
                        app's own container in the other modes. Use it for in-memory state
                        (a stream hub, a worker's counters): the accounts app's is not the one
    Api.containers      every app's container (settle() waits on all their outboxes)
    Api.event_lag()     events a consumer group has not committed at the broker
    await Api.once_fanned_out(method, path, done, **kw) / Api.moderation_told()   after a change one
                        app tells the others over Redis pub/sub (a suspension, a revocation, a
                        moderation action): in [split] wait for it to arrive; one app asks once
A test that cannot mean the same in split (it inspects one process's internals) lists its modes
with ``@pytest.mark.parametrize("api_mode", NOT_SPLIT, indirect=True)`` and says why.
Cost: ~7 s of set-up and tear-down per test on a quiet machine (eleven apps, each joining every
consumer group; 20-40 s with the shared machine loaded) against ~2 s in
production mode, so ``make test`` deselects ``[split]`` (said in its summary) and
``make test-split`` (``pytest tests/api -k split``) runs every one of them; a ``-k`` expression
or a test id that names ``split`` selects them.
"""

from __future__ import annotations

import contextlib
import importlib.util
import pathlib
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from api_support import NOT_SPLIT, PRODUCTION_NEEDS, TEST_SETTINGS, Api
from postgres_support import fresh_database_sync
from split_support import ClusterLag, split_tenant

from e2e.production_support import cassandra_keyspace, tenant_keys
from rookery.workloads.adapters.local.keys import LocalSigningKeys, generate_pem
from rookery.workloads.api.app import create_app
from rookery.workloads.bootstrap import build
from rookery.workloads.settings import Settings


def _seed_signing_key(data_dir: pathlib.Path, template: pathlib.Path) -> None:
    """Reuse one RSA key per session (generating one per test costs ~0.1 s of CPU)."""
    keys = data_dir / "keys"
    keys.mkdir(parents=True, exist_ok=True)
    if not (template / "signing-key.pem").exists():
        LocalSigningKeys(template)
    shutil.copy(template / "signing-key.pem", keys / "signing-key.pem")


CASSANDRA_READY = importlib.util.find_spec("rookery.workloads.adapters.cassandra") is not None
API_MODES = [*NOT_SPLIT, pytest.param("split", marks=pytest.mark.needs(*PRODUCTION_NEEDS))]


def _split_wanted(config: pytest.Config) -> bool:
    """Whether this run asked for [split]: ``-k`` names it, or a test id does."""
    return "split" in (config.option.keyword or "") or any("split" in arg for arg in config.args)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _split_wanted(config):
        return
    split = [item for item in items if item.nodeid.startswith("tests/api/") and "[split" in item.nodeid]
    if split:
        config.hook.pytest_deselected(items=split)
        items[:] = [item for item in items if item not in set(split)]
        config.stash[_SPLIT_DESELECTED] = len(split)


_SPLIT_DESELECTED = pytest.StashKey[int]()


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    count = config.stash.get(_SPLIT_DESELECTED, 0)
    if count:
        terminalreporter.write_line(
            f"API suite: {count} [split] tests deselected (topology split, ~7 s each); "
            "`make test-split` (pytest tests/api -k split) runs them"
        )


@pytest.fixture(params=API_MODES)
def api_mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def api_postgres_dsn(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh PostgreSQL database for this session's production-mode API tests."""
    with fresh_database_sync(request.getfixturevalue("stack_env")["ROOKERY_POSTGRES_DSN"]) as dsn:
        yield dsn


@pytest.fixture
def api_settings_overrides(request: pytest.FixtureRequest, api_mode: str) -> dict[str, Any]:
    if api_mode == "embedded":
        return {}  # production and split: the same stores
    stack: dict[str, str] = request.getfixturevalue("stack_env")
    tenant = "t" + uuid.uuid4().hex[:12]
    request.getfixturevalue("kafka_tenants").add(tenant)
    overrides: dict[str, Any] = {
        "tenant": tenant,
        "postgres_dsn": request.getfixturevalue("api_postgres_dsn"),
        "postgres_schema": tenant,
        "postgres_pool_max": 4,
        "redis_url": stack["ROOKERY_REDIS_URL"],
        "kafka_bootstrap": stack["ROOKERY_KAFKA_BOOTSTRAP"],
        "kafka_create_topics": True,
        "kafka_partitions": 1,
        # the operator's <tenant>-keys Secret: every process of the tenant signs and verifies alike
        "signing_keys": tenant_keys()["ROOKERY_SIGNING_KEYS"],
        "vapid_private_key": tenant_keys()["ROOKERY_VAPID_PRIVATE_KEY"],
    }
    if CASSANDRA_READY:  # one keyspace per session, created and migrated by the first test's migrate
        overrides["cassandra_contact_points"] = stack["ROOKERY_CASSANDRA_CONTACT_POINTS"]
        overrides["cassandra_local_dc"] = stack.get("ROOKERY_CASSANDRA_LOCAL_DC", "")
        overrides["cassandra_keyspace"] = request.getfixturevalue("api_cassandra_keyspace")
        overrides["cassandra_create_keyspace"] = True
    return overrides


@pytest.fixture(scope="session")
def api_cassandra_keyspace(request: pytest.FixtureRequest) -> Iterator[str]:
    """This session's Cassandra keyspace (dropped at the end)."""
    with cassandra_keyspace(request.getfixturevalue("stack_env"), prefix="api_") as keyspace:
        yield keyspace


async def prepare_production_stores(container: Any) -> None:
    """What `rookery migrate` does before a production process starts."""
    from rookery.workloads.commands import migrate_stores

    await migrate_stores(container.settings)


@contextlib.asynccontextmanager
async def split_api(wanted: dict[str, Any]) -> AsyncIterator[Api]:
    """[split]: the client talks to the gateway; ``api.container`` is the accounts role's app's."""
    from rookery.workloads.commands import migrate_stores

    await migrate_stores(Settings(**wanted))  # `rookery migrate`, before the tenant's pods start
    async with split_tenant(wanted) as tenant:
        lag = ClusterLag(tenant.gateway_container.settings, [r.container for r in tenant.roles.values()])
        transport = httpx.ASGITransport(app=tenant.gateway)
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                yield Api(tenant.gateway, tenant.roles["accounts"].container, client, split=tenant, lag=lag)
        finally:
            await lag.aclose()


@pytest.fixture
def app_factory(
    tmp_path: pathlib.Path,
    tmp_path_factory: pytest.TempPathFactory,
    api_settings_overrides: dict[str, Any],
    api_mode: str,
) -> Callable[..., contextlib.AbstractAsyncContextManager[Api]]:
    split = api_mode == "split"
    template = tmp_path_factory.getbasetemp() / "signing-key-template"
    counter = 0
    secret_keys: dict[pathlib.Path, str] = {}  # production fresh_keys: the "Secret" of that data dir

    @contextlib.asynccontextmanager
    async def factory(
        *, fresh_keys: bool = False, data_dir: pathlib.Path | None = None, **overrides: Any
    ) -> AsyncIterator[Api]:
        nonlocal counter
        counter += 1
        directory = data_dir or tmp_path / f"data{counter}"
        keys: dict[str, str] = {}
        if api_settings_overrides.get("signing_keys"):  # production: the keys come from the settings
            if fresh_keys:
                secret_keys[directory] = generate_pem()
            if directory in secret_keys:
                keys["signing_keys"] = secret_keys[directory]
        elif not fresh_keys and not (directory / "keys" / "signing-key.pem").exists():
            _seed_signing_key(directory, template)
        wanted = {**TEST_SETTINGS, **api_settings_overrides, **keys, **overrides, "data_dir": directory}
        if split:
            async with split_api(wanted) as built:
                yield built
            return
        settings = Settings(**wanted)
        container = build(settings)
        if settings.postgres_dsn or settings.cassandra_contact_points:
            await prepare_production_stores(container)
        app = create_app(container)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                yield Api(app, container, client)

    return factory


@pytest.fixture
async def api(app_factory: Callable[..., contextlib.AbstractAsyncContextManager[Api]]) -> AsyncIterator[Api]:
    async with app_factory() as built:
        yield built
