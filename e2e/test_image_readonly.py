"""The built image's production processes on a read-only root with only /tmp writable, as the
operator's pods run them (readOnlyRootFilesystem: true, an emptyDir on /tmp): podman (Debian
package) runs localhost/rookery:dev so, with the stack's PostgreSQL, Redis and Kafka on the host
network. A process that writes anywhere else (the data directory, bytecode, a key file) fails here."""

from __future__ import annotations

import contextlib
import pathlib
import subprocess
import uuid
from collections.abc import Iterator

import httpx
import pytest

from e2e import waiting
from e2e.image import STORAGE, ensure_podman, podman_run_argv
from e2e.image.__main__ import make_image
from e2e.production_support import Client, cassandra_keyspace, production_env
from e2e.servers import free_port
from e2e.stack.service import StackContext

# the image fixture may pay a cold `make image` (7-10 minutes) when no earlier test built it
pytestmark = [pytest.mark.needs("postgres", "redis", "kafka", "cassandra", "search"), pytest.mark.timeout(1800)]


@pytest.fixture(scope="module")
def keyspace(stack_env: dict[str, str]) -> Iterator[str]:
    with cassandra_keyspace(stack_env) as name:
        yield name


@pytest.fixture(scope="module")
def image() -> None:
    ctx = StackContext.default()
    make_image(ctx, load=False)  # warm: nothing, or the cache checks
    ensure_podman(ctx)


def _podman(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["podman", *STORAGE, *args], capture_output=True, text=True, timeout=timeout)


@contextlib.contextmanager
def container(env: dict[str, str], *args: str) -> Iterator[str]:
    name = f"rookery-ro-{uuid.uuid4().hex[:8]}"
    started = subprocess.run(
        podman_run_argv(name=name, env=env, args=args, detach=True), capture_output=True, text=True, timeout=300
    )
    assert started.returncode == 0, started.stderr
    try:
        yield name
    finally:
        _podman("rm", "--force", "--time", "10", name)


def _env(stack_env: dict[str, str], keyspace: str, port: int) -> dict[str, str]:
    """Every store on its production adapter, as the operator renders a tenant's settings."""
    env = production_env(
        stack_env,
        pathlib.Path("/unused"),
        cassandra_keyspace=keyspace,
        ROOKERY_SEARCH_URL=stack_env["ROOKERY_SEARCH_URL"],
        ROOKERY_SEARCH_ENGINE=stack_env.get("ROOKERY_SEARCH_ENGINE", "opensearch"),
    )
    env.pop("ROOKERY_DATA_DIR")  # the image's own (/var/lib/rookery, on the read-only root)
    return {**env, "ROOKERY_PORT": str(port), "ROOKERY_PUBLIC_URL": f"http://127.0.0.1:{port}"}


def test_the_root_is_really_read_only(image: None) -> None:
    """The control: a write outside /tmp fails in this container, one to /tmp works."""
    name = f"rookery-ro-{uuid.uuid4().hex[:8]}"
    argv = podman_run_argv(name=name, env={}, args=[])
    argv[argv.index("localhost/rookery:dev")] = "--entrypoint=sh"
    argv += ["localhost/rookery:dev", "-c", "touch /tmp/ok && echo tmp-ok; touch /var/lib/rookery/x"]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    finally:
        _podman("rm", "--force", name)
    assert "tmp-ok" in done.stdout and "Read-only file system" in done.stderr, (done.stdout, done.stderr)
    assert done.returncode != 0


def test_production_processes_run_with_a_read_only_root(image: None, stack_env: dict[str, str], keyspace: str) -> None:
    port = free_port()
    env = _env(stack_env, keyspace, port)
    migrate = subprocess.run(
        podman_run_argv(name=f"rookery-ro-{uuid.uuid4().hex[:8]}", env=env, args=["migrate"]),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    with (
        container(env, "serve", "--role", "all", "--port", str(port)) as serve,
        container({**env, "ROOKERY_PORT": str(free_port())}, "worker", "fanout") as fanout,
        container({**env, "ROOKERY_PORT": str(free_port())}, "worker", "notify") as notify,
    ):
        url = f"http://127.0.0.1:{port}"

        def ready() -> bool:
            with contextlib.suppress(httpx.HTTPError):
                return httpx.get(f"{url}/readyz", timeout=5).status_code == 200
            return False

        waiting.eventually(
            ready,
            timeout_s=120,
            interval_s=0.5,
            message=lambda _: f"serve never answered /readyz:\n{_podman('logs', serve).stderr[-4000:]}",
        )
        client = Client(url)
        alice = client.register("alice" + uuid.uuid4().hex[:6])
        posted = client.http.post(
            "/api/v1/statuses", headers=alice["headers"], data={"status": "from a read-only root"}
        )
        assert posted.status_code == 200, posted.text
        client.close()
        for name in (serve, fanout, notify):
            state = _podman("inspect", "--format", "{{.State.Running}} {{.State.ExitCode}}", name)
            assert state.stdout.split() == ["true", "0"], (name, _podman("logs", name).stderr[-4000:])
            logs = _podman("logs", name)
            assert "Read-only file system" not in logs.stdout + logs.stderr, logs.stderr[-4000:]
