"""Session-scoped real stack for pytest: starts exactly the servers the selected tests need.

Tests say what they need with ``@pytest.mark.needs("kafka", "cassandra")``. After collection (and
deselection) the plugin takes the union of needs over the selected tests and, before the first test
runs (outside any per-test timeout: a cold install may take minutes), starts that union once
(install -> start -> wait healthy). The ``stack_env`` fixture gives the client settings
(``ROOKERY_*``, ``KUBECONFIG``) as a dict. Nothing is put into ``os.environ``: tests in embedded
mode keep running on embedded defaults. A server that fails fails only the tests that need it.
At the end of the session, the servers started by test sessions are stopped once no running
session needs them any more (e2e/stack/leases.py), unless ROOKERY_STACK_KEEP=1; servers started
by `make stack-up` are left alone.

A profile's servers (the ``ha`` profile's three Kafka brokers, Redis and PostgreSQL nodes) are
needed by a few tests only: they start just before the first test that needs them and stop right
after the last one, so they neither add to the load of the whole stack's start (on a fresh CI
machine a dozen servers starting at once on two cores pushed Kafka past its start timeout) nor
hold their memory through the rest of the suite.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import pathlib
from collections.abc import Generator, Iterator

import pytest

from e2e.stack import leases, registry, runner
from e2e.stack.service import StackContext, StackError


@dataclasses.dataclass
class SessionStack:
    needed: list[str]
    # a profile's servers: name -> the node id of the last test needing it
    late: dict[str, str] = dataclasses.field(default_factory=dict)
    late_up: set[str] = dataclasses.field(default_factory=set)
    ctx: StackContext | None = None
    lease: pathlib.Path | None = None
    failed: dict[str, str] = dataclasses.field(default_factory=dict)
    env: dict[str, str] = dataclasses.field(default_factory=dict)


STACK_KEY = pytest.StashKey[SessionStack]()


def needs_of(item: pytest.Item) -> set[str]:
    return {name for mark in item.iter_markers("needs") for name in mark.args}


def pytest_collection_finish(session: pytest.Session) -> None:
    needed: set[str] = set()
    last: dict[str, str] = {}
    for item in session.items:
        needs = needs_of(item)
        needed |= needs
        last.update(dict.fromkeys(needs, item.nodeid))
    services = registry.all_services()
    late = {name: node for name, node in last.items() if name in services and registry.profile_of(services[name])}
    session.config.stash[STACK_KEY] = SessionStack(needed=sorted(needed), late=late)


def _reporter(config: pytest.Config) -> runner.Printer:
    terminal = config.pluginmanager.get_plugin("terminalreporter")
    if terminal is None:
        return lambda line: print(f"rookery stack {line}", flush=True)
    return lambda line: terminal.write_line(f"rookery stack {line}")


@pytest.hookimpl(wrapper=True)
def pytest_runtestloop(session: pytest.Session) -> Generator[None, object, object]:
    stack = session.config.stash.get(STACK_KEY, None)
    if stack is None or not stack.needed or session.config.option.collectonly:
        return (yield)
    _bring_up(stack, session.config)
    try:
        return (yield)
    finally:
        _tear_down(stack, session.config)


def _bring_up(stack: SessionStack, config: pytest.Config) -> None:
    stack.ctx = ctx = StackContext.default()
    stack.lease = leases.take(ctx, stack.needed)
    _start(stack, [n for n in stack.needed if n not in stack.late], config)


def _start(stack: SessionStack, names: list[str], config: pytest.Config) -> None:
    """Start names, recording what failed, and add the healthy ones' settings to stack.env."""
    assert stack.ctx is not None
    ctx = stack.ctx
    if not names:
        return
    try:
        leases.mark_owned(ctx, runner.up(names, ctx, out=_reporter(config)))
    except runner.StackUpError as exc:
        leases.mark_owned(ctx, exc.started)
        stack.failed.update({err.service: str(err) for err in exc.errors})
    except StackError as exc:  # e.g. a needs() marker naming a server the stack does not have
        stack.failed.update(dict.fromkeys(names, str(exc)))
    healthy = [n for n in names if n not in stack.failed]
    if healthy:
        stack.env.update(runner.env(healthy, ctx))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, object, object]:
    """A profile's servers: up before the first test needing them (outside its timeout: this
    wrapper runs before pytest-timeout's), down after the last."""
    stack = item.config.stash.get(STACK_KEY, None)
    if stack is None or not stack.late or stack.ctx is None:
        return (yield)
    wanted = [n for n in sorted(needs_of(item) & stack.late.keys()) if n not in stack.late_up]
    if wanted:
        stack.late_up.update(wanted)
        _start(stack, wanted, item.config)
    try:
        return (yield)
    finally:
        done = [n for n, last in stack.late.items() if last == item.nodeid]
        if done:
            _stop(stack, done, item.config)


def _stop(stack: SessionStack, names: list[str], config: pytest.Config) -> None:
    """Stop those of names this session started that no other live session needs (unless
    ROOKERY_STACK_KEEP=1); they leave this session's lease first."""
    assert stack.ctx is not None and stack.lease is not None
    ctx = stack.ctx
    stack.needed = [n for n in stack.needed if n not in names]
    leases.release(stack.lease)
    if os.environ.get("ROOKERY_STACK_KEEP") == "1":
        stack.lease = leases.take(ctx, stack.needed)
        return
    with runner.stack_lock(ctx):
        still_needed = leases.needed_by_live_sessions(ctx)
        # (a server that failed was already stopped by the stack)
        done = [n for n in names if n not in stack.failed and leases.owned(ctx, n) and n not in still_needed]
        leases.unmark(ctx, done)
        stack.lease = leases.take(ctx, stack.needed)
    if done:
        runner.down(done, ctx, out=_reporter(config))


def _tear_down(stack: SessionStack, config: pytest.Config) -> None:
    if stack.ctx is None or stack.lease is None:
        return
    _stop(stack, list(stack.needed), config)
    assert stack.lease is not None
    leases.release(stack.lease)


@pytest.fixture(scope="session")
def stack_env(request: pytest.FixtureRequest) -> dict[str, str]:
    """Client settings of the real servers the selected tests need (started before the first test;
    a profile's servers before the first test needing them, when their settings join this same
    dict: read it, never change it)."""
    stack = request.config.stash.get(STACK_KEY, None)
    return stack.env if stack is not None else {}


@pytest.fixture(scope="session")
def kafka_tenants(request: pytest.FixtureRequest, stack_env: dict[str, str]) -> Iterator[set[str]]:
    """Tenants whose Kafka topics (``<tenant>.*``) this session created; deleted at the session's end.

    Tests make a fresh tenant each, so a long-lived broker would otherwise collect thousands of
    partitions run after run (a 512m broker once ran out of heap that way). Add a tenant here
    when a test may have created its topics.
    """
    tenants: set[str] = set()
    yield tenants
    bootstrap = stack_env.get("ROOKERY_KAFKA_BOOTSTRAP")
    if tenants and bootstrap:
        deleted = asyncio.run(_delete_tenant_topics(bootstrap, tenants))
        _reporter(request.config)(f"kafka: deleted {deleted} topics of {len(tenants)} test tenants")


async def _delete_tenant_topics(bootstrap: str, tenants: set[str]) -> int:
    from aiokafka.admin import AIOKafkaAdminClient  # only where Kafka is used (the prod extra)

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=30000)
    try:
        await admin.start()
        names = [t for t in await admin.list_topics() if t.split(".", 1)[0] in tenants]
        for start in range(0, len(names), 200):
            await admin.delete_topics(names[start : start + 200], timeout_ms=30000)
        return len(names)
    except Exception as exc:  # cleanup is best effort: a failing broker fails the tests that used it
        print(f"rookery stack kafka: topic cleanup failed: {type(exc).__name__}: {exc}", flush=True)
        return 0
    finally:
        await admin.close()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test marked ``needs(...)`` fails, naming the server and its log, when that server did not
    come up: before any of its fixtures is set up (a module fixture using the server would
    otherwise fail first, with a connection error that hides why)."""
    needs = needs_of(item)
    stack = item.config.stash.get(STACK_KEY, None)
    if needs and stack is not None:
        broken = sorted(needs & stack.failed.keys())
        if broken:
            pytest.fail(
                "the real stack did not come up:\n" + "\n".join(stack.failed[n] for n in broken),
                pytrace=False,
            )
