"""The stack's own machinery, with no real server: registry, env, failures, clean stops, the pytest plugin."""

from __future__ import annotations

import hashlib
import io
import json
import pathlib
import socket
import sys
import tarfile

import httpx
import pytest

from e2e.stack import oci, process, runner
from e2e.stack.base import ProcessService
from e2e.stack.node import archive_names
from e2e.stack.registry import all_services, select, select_to_stop
from e2e.stack.service import StackContext, StackError
from e2e.stack.versions import load

REPO = pathlib.Path(__file__).resolve().parents[1]
REQUIRED_ENV = {
    "ROOKERY_POSTGRES_DSN", "ROOKERY_REDIS_URL", "ROOKERY_KAFKA_BOOTSTRAP",
    "ROOKERY_CASSANDRA_CONTACT_POINTS", "ROOKERY_SEARCH_URL", "ROOKERY_OIDC_ISSUER",
    "ROOKERY_OIDC_AUDIENCE", "ROOKERY_OIDC_CLIENT_ID", "ROOKERY_OIDC_CLIENT_SECRET",
    "ROOKERY_PROMETHEUS_URL", "ROOKERY_ZIPKIN_URL",
}  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_env_names_every_client_setting(tmp_path: pathlib.Path) -> None:
    env = runner.env(None, StackContext(cache_dir=tmp_path, state_dir=tmp_path / "stack"))
    assert env.keys() >= REQUIRED_ENV
    if "kube" in all_services():
        assert "KUBECONFIG" in env
    assert all(v.startswith(("http://127.0.0.1:", "postgresql://rookery:rookery@127.0.0.1:", "redis://127.0.0.1:"))
               for k, v in env.items() if k.endswith(("_URL", "_DSN", "_ISSUER")))  # fmt: skip


def test_the_ha_profile_leaves_the_default_servers_settings_alone(tmp_path: pathlib.Path) -> None:
    """A session needing both profiles (make test) hands the default servers to the default tests:
    the HA stores' settings are ROOKERY_HA_*; `stack env --profile ha` gives them Rookery's names."""
    ctx = StackContext(cache_dir=tmp_path, state_dir=tmp_path / "stack")
    names = ["redis", "postgres", "kafka", "cassandra", "redis-ha", "postgres-ha", "kafka-ha", "cassandra-ha"]
    env = runner.env(names, ctx)
    assert env["ROOKERY_REDIS_URL"].startswith("redis://127.0.0.1:")
    assert env["ROOKERY_POSTGRES_DSN"].startswith("postgresql://rookery:rookery@127.0.0.1:")
    assert env["ROOKERY_HA_REDIS_URL"].startswith("redis+sentinel://10.251.0.")
    assert "target_session_attrs=read-write" in env["ROOKERY_HA_POSTGRES_DSN"]
    assert env["ROOKERY_KAFKA_BOOTSTRAP"].startswith("127.0.0.1:")
    assert env["ROOKERY_HA_KAFKA_BOOTSTRAP"].count("10.251.0.") == 3
    assert env["ROOKERY_CASSANDRA_CONTACT_POINTS"].startswith("127.0.0.1:")
    assert env["ROOKERY_HA_CASSANDRA_CONTACT_POINTS"] == "10.251.0.41:9042,10.251.0.42:9042,10.251.0.43:9042"
    assert env["ROOKERY_HA_CASSANDRA_REPLICATION_FACTOR"] == "3"
    assert {env[f"ROOKERY_HA_CASSANDRA_{op}_CONSISTENCY"] for op in ("READ", "WRITE")} == {"LOCAL_QUORUM"}
    assert [s.name for s in select(None) if s.name.endswith("-ha")] == []  # the default profile has none


def test_the_three_cassandra_nodes_are_seeds_with_evenly_spread_tokens(tmp_path: pathlib.Path) -> None:
    """Every node a seed with its own token (so they start at once, none bootstrapping, and any two
    take the third back), each serving clients on its own address only."""
    from e2e.stack.cassandra_ha import CassandraHA

    ctx = StackContext(cache_dir=tmp_path, state_dir=tmp_path / "stack")
    cassandra = CassandraHA()
    configs = [cassandra.config(ctx, m) for m in cassandra.members()]
    tokens = [int(c["initial_token"]) for c in configs]
    assert tokens == sorted(tokens) and tokens[0] == -(2**63) and len(set(tokens)) == 3
    assert tokens[1] - tokens[0] == tokens[2] - tokens[1] == 2**64 // 3
    seeds = {c["seed_provider"][0]["parameters"][0]["seeds"] for c in configs}
    assert seeds == {"10.251.0.41:7000,10.251.0.42:7000,10.251.0.43:7000"}
    for member, config in zip(cassandra.members(), configs, strict=True):
        assert config["listen_address"] == config["rpc_address"] == member.address
        assert "broadcast_rpc_address" not in config
        assert str(ctx.service_dir("cassandra-ha") / member.name) in config["commitlog_directory"]


def test_every_server_has_fixed_ports_and_pinned_versions() -> None:
    services = all_services()
    assert {"postgres", "redis", "kafka", "cassandra", "search", "keycloak", "prometheus", "zipkin"} <= set(services)
    fixed = {"postgres": 5432, "redis": 6379, "kafka": 9092, "cassandra": 9042, "search": 9200,
             "keycloak": 8180, "prometheus": 9090, "zipkin": 9411}  # fmt: skip
    for name, port in fixed.items():
        assert port in services[name].ports
    versions = load()
    for name in ("kafka", "cassandra", "search", "keycloak", "zipkin"):
        assert versions[name]["artifact"] and versions[name]["version"], name
    assert "kube" in versions


def test_stopping_a_server_stops_what_depends_on_it_but_not_what_it_needs() -> None:
    assert [s.name for s in select(["node"])] == ["kube", "node"]  # starting the node starts kube
    assert [s.name for s in select_to_stop(["node"])] == ["node"]  # stopping it leaves kube running
    assert [s.name for s in select_to_stop(["kube"])] == ["kube", "node"]  # the node cannot outlive it
    with pytest.raises(StackError, match="mongodb"):
        select_to_stop(["mongodb"])


def test_selecting_an_unknown_server_names_it() -> None:
    assert [s.name for s in select(["zipkin", "kafka"])] == ["kafka", "zipkin"]
    with pytest.raises(StackError, match="mongodb: unknown server"):
        select(["kafka", "mongodb"])


class PythonHttpServer(ProcessService):
    """A stand-in server for the machinery: Python's http.server (or a command that dies)."""

    name = "toy"
    ready_timeout_s = 20.0

    def __init__(self, port: int, argv: list[str] | None = None) -> None:
        self.ports = (port,)
        self.argv = argv or [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]

    def install(self, ctx: StackContext) -> None:
        pass

    def start(self, ctx: StackContext) -> None:
        self.ports_free(ctx)
        process.spawn(self.argv, log=self.log(ctx), pid_file=self.pid_file(ctx))

    def healthy(self, ctx: StackContext) -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{self.ports[0]}/", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def env(self, ctx: StackContext) -> dict[str, str]:
        return {}


def test_a_server_that_dies_is_named_with_its_log(tmp_path: pathlib.Path) -> None:
    ctx = StackContext(cache_dir=tmp_path, state_dir=tmp_path / "stack")
    doomed = PythonHttpServer(free_port(), [sys.executable, "-c", "import sys; print('no disk left'); sys.exit(3)"])
    doomed.start(ctx)
    with pytest.raises(StackError) as failure:
        doomed.wait_healthy(ctx)
    assert failure.value.service == "toy"
    assert str(ctx.log_path("toy")) in str(failure.value)
    assert "no disk left" in ctx.log_path("toy").read_text()


def test_a_busy_port_is_refused_before_starting(tmp_path: pathlib.Path) -> None:
    ctx = StackContext(cache_dir=tmp_path, state_dir=tmp_path / "stack")
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        toy = PythonHttpServer(squatter.getsockname()[1])
        with pytest.raises(StackError, match=r"toy: port\(s\) .* in use"):
            toy.start(ctx)


def test_ha_hosts_made_at_once_share_one_bridge() -> None:
    """The HA services start in parallel threads, each making its members' namespaces and so the
    bridge: the first one's add must not fail the others (CI lost cassandra-ha to "File exists")."""
    import concurrent.futures
    import subprocess

    from e2e.stack import netns

    name, gateway = "rkhatest0", "10.252.99.1/24"  # beside the real bridge, on a subnet of its own
    subprocess.run(["ip", "link", "del", name], capture_output=True, check=False)
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
            for made in [pool.submit(netns.ensure_bridge, name, gateway) for _ in range(8)]:
                made.result()
        shown = subprocess.run(["ip", "-o", "addr", "show", "dev", name], capture_output=True, text=True, check=True)
        assert gateway in shown.stdout
    finally:
        subprocess.run(["ip", "link", "del", name], capture_output=True, check=False)


def test_stop_leaves_no_process_and_no_port(tmp_path: pathlib.Path) -> None:
    ctx = StackContext(cache_dir=tmp_path, state_dir=tmp_path / "stack")
    toy = PythonHttpServer(free_port())
    toy.start(ctx)
    toy.wait_healthy(ctx)
    pid = process.read_pid(toy.pid_file(ctx))
    assert pid is not None and toy.running(ctx) and (toy.rss_kib(ctx) or 0) > 0
    toy.stop(ctx)
    assert not process.pid_alive(pid)
    assert not process.port_open(toy.ports[0])
    assert not toy.pid_file(ctx).exists()


PLUGIN_CONFTEST = """
import json, os, pathlib
from e2e.stack import runner
from e2e.stack.service import StackError

CALLS = pathlib.Path(os.environ["STACK_CALLS"])

def record(*entry):
    with CALLS.open("a") as f:
        f.write(json.dumps(entry) + "\\n")

def up(names, ctx=None, out=print):
    record("up", sorted(names))
    started = [n for n in names if n != "redis"]  # pretend redis was already running
    if os.environ.get("BREAK_CASSANDRA"):
        log = pathlib.Path("/tmp/cassandra.log")
        raise runner.StackUpError([StackError("cassandra", "not healthy after 240s", log)], started)
    return started

def down(names, ctx=None, out=print):
    record("down", sorted(names))

runner.up, runner.down = up, down
runner.env = lambda names, ctx=None: {f"ROOKERY_{n.upper()}_URL": "x" for n in names}
"""
PLUGIN_TESTS = """
import os
import pytest

@pytest.mark.needs("kafka", "redis")
def test_kafka(stack_env):
    assert stack_env["ROOKERY_KAFKA_URL"] == stack_env["ROOKERY_REDIS_URL"] == "x"
    assert "ROOKERY_KAFKA_URL" not in os.environ

@pytest.fixture(scope="module")
def cassandra_session():  # set up before any function-scoped fixture: it must not hide a broken stack
    if os.environ.get("BREAK_CASSANDRA"):
        raise ConnectionError("a module fixture ran against a server that never came up")

@pytest.mark.needs("cassandra")
def test_cassandra(cassandra_session):
    pass

@pytest.mark.needs("keycloak")
def test_deselected():
    pass

def test_embedded():
    assert "ROOKERY_KAFKA_URL" not in os.environ
"""


def run_plugin(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, selection: str, **env: str
) -> tuple[pytest.RunResult, pathlib.Path]:
    """PLUGIN_TESTS run by the plugin in a pytest subprocess over the fake stack (``env`` set for
    it); the result and the file the fake stack records its up/down calls in."""
    calls = pytester.path / "calls.jsonl"
    monkeypatch.setenv("STACK_CALLS", str(calls))
    monkeypatch.setenv("ROOKERY_STACK_DIR", str(pytester.path / "stack"))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    pytester.makeconftest(PLUGIN_CONFTEST)
    pytester.makepyfile(test_needs=PLUGIN_TESTS)
    result = pytester.runpytest_subprocess("-p", "e2e.pytest_plugin", "-k", selection, "-p", "no:cacheprovider")
    return result, calls


@pytest.mark.parametrize("keep", ["0", "1"])
def test_plugin_starts_the_union_of_selected_needs(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, keep: str
) -> None:
    result, calls = run_plugin(pytester, monkeypatch, "not deselected", ROOKERY_STACK_KEEP=keep)
    result.assert_outcomes(passed=3, deselected=1)
    lines = calls.read_text().splitlines()
    expected = ['["up", ["cassandra", "kafka", "redis"]]']
    if keep == "0":
        expected.append('["down", ["cassandra", "kafka"]]')  # redis was not ours: left alone
    assert lines == expected


def test_plugin_starts_nothing_for_embedded_tests(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    result, calls = run_plugin(pytester, monkeypatch, "embedded")
    result.assert_outcomes(passed=1, deselected=3)
    assert not calls.exists()


def test_plugin_fails_only_the_tests_whose_server_broke(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ROOKERY_STACK_KEEP", raising=False)
    result, calls = run_plugin(pytester, monkeypatch, "not deselected", BREAK_CASSANDRA="1")
    result.assert_outcomes(passed=2, errors=1, deselected=1)
    result.stdout.fnmatch_lines(["*cassandra: not healthy after 240s (log: /tmp/cassandra.log)*"])
    result.stdout.no_fnmatch_line("*a module fixture ran*")
    # what did start is still stopped at the end (the broken server was already stopped by the stack)
    assert calls.read_text().splitlines()[-1] == '["down", ["kafka"]]'


def test_a_reused_pid_is_never_signalled(tmp_path: pathlib.Path) -> None:
    import os

    stale = tmp_path / "old.pid"
    stale.write_text(f"{os.getpid()} 1\n")  # our own pid, but "started" at another time: not the server
    assert process.read_pid(stale) is None
    process.stop_pid_file(stale)  # must not signal this very test process
    assert not stale.exists()
    process.write_pid(stale, os.getpid())
    assert process.read_pid(stale) == os.getpid()


def test_plugin_leaves_servers_another_session_still_needs(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json
    import os

    calls, state = pytester.path / "calls.jsonl", pytester.path / "stack"
    monkeypatch.setenv("STACK_CALLS", str(calls))
    monkeypatch.setenv("ROOKERY_STACK_DIR", str(state))
    monkeypatch.delenv("ROOKERY_STACK_KEEP", raising=False)
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    # another test session (this very process: alive) is still using kafka
    (state / "leases").mkdir(parents=True)
    (state / "leases" / "other.json").write_text(json.dumps({"pid": os.getpid(), "needs": ["kafka"]}))
    # and a session that died long ago left a lease behind: it counts for nothing
    (state / "leases" / "dead.json").write_text(json.dumps({"pid": 2**22 + 1, "needs": ["cassandra"]}))
    pytester.makeconftest(PLUGIN_CONFTEST)
    pytester.makepyfile(test_needs=PLUGIN_TESTS)
    result = pytester.runpytest_subprocess("-p", "e2e.pytest_plugin", "-k", "not deselected", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, deselected=1)
    assert calls.read_text().splitlines() == [
        '["up", ["cassandra", "kafka", "redis"]]',
        '["down", ["cassandra"]]',
    ]
    assert sorted(p.name for p in (state / "leases").iterdir()) == ["other.json"]


def test_cli_env_prints_shell_export_lines(tmp_path: pathlib.Path) -> None:
    import shlex
    import subprocess

    result = subprocess.run(
        [sys.executable, "-m", "e2e.stack", "env", "postgres", "keycloak"],
        cwd=REPO,
        env={"PATH": "/usr/bin:/bin", "ROOKERY_CACHE_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        check=True,
    )
    exported = {}
    for line in result.stdout.splitlines():
        assert line.startswith("export ")
        name, _, value = line.removeprefix("export ").partition("=")
        exported[name] = shlex.split(value)[0]
    assert exported["ROOKERY_POSTGRES_DSN"] == "postgresql://rookery:rookery@127.0.0.1:5432/rookery"
    assert exported["ROOKERY_OIDC_ISSUER"] == "http://127.0.0.1:8180/realms/rookery"
    assert "ROOKERY_REDIS_URL" not in exported


def test_cli_names_an_unknown_server_and_exits_non_zero() -> None:
    import subprocess

    result = subprocess.run(
        [sys.executable, "-m", "e2e.stack", "up", "mongodb"], cwd=REPO, capture_output=True, text=True
    )
    assert result.returncode == 1
    assert "mongodb: unknown server" in result.stderr


def _members(archive: bytes) -> dict[str, tuple[int, bytes]]:
    """name -> (mode, bytes) of the regular files in a tar."""
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        return {m.name: (m.mode, tar.extractfile(m).read()) for m in tar if m.isfile()}  # type: ignore[union-attr]


def test_oci_archives_are_complete_deterministic_and_named(tmp_path: pathlib.Path) -> None:
    files = [oci.File("/bin/tool", b"\x7fELF fake", 0o755), oci.File("/etc/motd", b"hi\n", 0o644)]
    first = oci.write(tmp_path / "a.tar", "localhost/probe:1", files, entrypoint=["/bin/tool"])
    again = oci.write(tmp_path / "b.tar", "localhost/probe:1", files[::-1], entrypoint=["/bin/tool"])
    assert first == again  # the same files make the same image
    assert archive_names(tmp_path / "a.tar") == ["localhost/probe:1"]
    members = _members((tmp_path / "a.tar").read_bytes())
    blobs = {name.rsplit("/", 1)[1]: data for name, (_, data) in members.items() if name.startswith("blobs/")}
    assert all(hashlib.sha256(data).hexdigest() == digest for digest, data in blobs.items())
    index = json.loads(members["index.json"][1])
    manifest = json.loads(blobs[index["manifests"][0]["digest"].split(":")[1]])
    config = json.loads(blobs[manifest["config"]["digest"].split(":")[1]])
    assert config["config"]["Entrypoint"] == ["/bin/tool"]
    assert config["rootfs"]["diff_ids"] == [layer["digest"] for layer in manifest["layers"]]
    layer = _members(blobs[manifest["layers"][0]["digest"].split(":")[1]])
    assert {name: mode for name, (mode, _) in layer.items()} == {"bin/tool": 0o755, "etc/motd": 0o644}
    with pytest.raises(ValueError, match="needs a tag"):
        oci.write(tmp_path / "c.tar", "localhost/probe", files, entrypoint=["/bin/tool"])


def test_services_sharing_an_install_build_it_once(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """kafka and kafka-ha install Kafka's jars at once on a fresh machine: one mvn run builds the
    folder, the other waits and reuses it (two runs copying into one folder broke a CI run)."""
    import concurrent.futures
    import threading
    import time

    from e2e.stack import maven

    ctx = StackContext(cache_dir=tmp_path, state_dir=tmp_path / "stack")
    runs: list[list[str]] = []
    inside = threading.Semaphore(1)

    def fake_mvn(ctx: StackContext, service: str, args: list[str], log: pathlib.Path, cwd: object = None) -> None:
        assert inside.acquire(blocking=False), "two mvn runs on one cache folder at once"
        try:
            runs.append(args)
            time.sleep(0.2)
            out = next((a.split("=", 1)[1] for a in args if a.startswith("-DoutputDirectory=")), None)
            if out:
                pathlib.Path(out).mkdir(parents=True)
                (pathlib.Path(out) / "kafka.jar").write_bytes(b"jar")
            else:
                jar = maven.local_repo(ctx) / "org/example/dist/1/dist-1.zip"
                jar.parent.mkdir(parents=True)
                jar.write_bytes(b"zip")
        finally:
            inside.release()

    monkeypatch.setattr(maven, "_mvn", fake_mvn)
    log = tmp_path / "log"
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        libs = list(pool.map(lambda s: maven.runtime_classpath(ctx, s, ["org.apache.kafka:kafka_2.13:3.9.0"], log),
                             ["kafka", "kafka-ha"]))  # fmt: skip
        zips = list(pool.map(lambda s: maven.fetch(ctx, s, "org.example:dist", "1", log, packaging="zip"),
                             ["a", "b"]))  # fmt: skip
    assert len(runs) == 2
    assert libs[0] == libs[1] and (libs[0] / "kafka.jar").exists()
    assert zips[0] == zips[1] and zips[0].read_bytes() == b"zip"


def test_plugin_starts_a_profiles_servers_around_their_tests_only(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The HA profile's servers do not start with the rest of the stack (on a fresh machine they
    slowed its start past Kafka's timeout): just before the first test needing them, and they stop
    right after the last one, their settings joining the session's stack_env."""
    monkeypatch.delenv("ROOKERY_STACK_KEEP", raising=False)
    pytester.makepyfile(
        test_ha="""
import pytest

@pytest.mark.needs("redis-ha", "kafka")
def test_ha_first(stack_env):
    assert stack_env["ROOKERY_REDIS-HA_URL"] == "x"

@pytest.mark.needs("redis-ha")
def test_ha_last(stack_env):
    assert stack_env["ROOKERY_REDIS-HA_URL"] == "x"

@pytest.mark.needs("kafka")
def test_zz_after(stack_env):
    assert stack_env["ROOKERY_KAFKA_URL"] == "x"
"""
    )
    result, calls = run_plugin(pytester, monkeypatch, "not deselected and not embedded")
    result.assert_outcomes(passed=5, deselected=2)
    assert calls.read_text().splitlines() == [
        '["up", ["cassandra", "kafka", "redis"]]',
        '["up", ["redis-ha"]]',
        '["down", ["redis-ha"]]',
        '["down", ["cassandra", "kafka"]]',
    ]
