"""Session-scoped real stack for pytest: starts exactly the servers the selected tests need.

Tests say what they need with ``@pytest.mark.needs("kafka", "cassandra")``. After collection (and
deselection) the plugin takes the union of needs over the selected tests; the first test that needs
anything starts that union once (install -> start -> wait healthy), and the ``stack_env`` fixture
gives the client settings (``ROOKERY_*``, ``KUBECONFIG``) as a dict. Nothing is put into
``os.environ``: tests in embedded mode keep running on embedded defaults. At the end of the session
the servers started by test sessions are stopped once no running session needs them any more
(e2e/stack/leases.py), unless ROOKERY_STACK_KEEP=1; servers started by `make stack-up` are left alone.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import pytest

from e2e.stack import leases, runner
from e2e.stack.service import StackContext, StackError

NEEDS_KEY = pytest.StashKey[frozenset[str]]()


def needs_of(item: pytest.Item) -> set[str]:
    return {name for mark in item.iter_markers("needs") for name in mark.args}


def pytest_collection_finish(session: pytest.Session) -> None:
    session.config.stash[NEEDS_KEY] = frozenset().union(*(needs_of(i) for i in session.items))


def _report(line: str) -> None:
    print(f"rookery stack {line}", flush=True)


FAILED_KEY = pytest.StashKey[dict[str, str]]()


@pytest.fixture(scope="session")
def stack_env(request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    """The real servers the selected tests need, started once per session; their settings as a dict.

    A server that fails to come up fails the tests that need it (with its error and log path);
    tests that need only healthy servers still run.
    """
    selected: frozenset[str] = request.config.stash.get(NEEDS_KEY, frozenset())
    needed = sorted(selected)
    failed: dict[str, str] = {}
    request.config.stash[FAILED_KEY] = failed
    if not needed:
        yield {}
        return
    ctx = StackContext.default()
    lease = leases.take(ctx, needed)
    capture = request.config.pluginmanager.getplugin("capturemanager")
    try:
        with capture.global_and_fixture_disabled() if capture is not None else contextlib.nullcontext():
            leases.mark_owned(ctx, runner.up(needed, ctx, out=_report))
    except runner.StackUpError as exc:
        leases.mark_owned(ctx, exc.started)
        failed.update({err.service: str(err) for err in exc.errors})
    except StackError as exc:  # e.g. a needs() marker naming a server the stack does not have
        failed.update(dict.fromkeys(needed, str(exc)))
    try:
        yield runner.env([n for n in needed if n not in failed], ctx)
    finally:
        leases.release(lease)
        if os.environ.get("ROOKERY_STACK_KEEP") != "1":
            with runner.stack_lock(ctx):
                still_needed = leases.needed_by_live_sessions(ctx)
                done = [
                    n for n in needed if n not in failed and leases.owned(ctx, n) and n not in still_needed
                ]
                leases.unmark(ctx, done)
            if done:
                runner.down(done, ctx, out=_report)


@pytest.fixture(autouse=True)
def _stack_for_marked_tests(request: pytest.FixtureRequest) -> None:
    """A test marked ``needs(...)`` gets the session stack even when it does not ask for stack_env."""
    needs = needs_of(request.node)
    if needs:
        request.getfixturevalue("stack_env")
        failed = request.config.stash.get(FAILED_KEY, {})
        broken = sorted(needs & failed.keys())
        if broken:
            pytest.fail(
                "the real stack did not come up:\n" + "\n".join(failed[n] for n in broken), pytrace=False
            )
