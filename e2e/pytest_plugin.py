"""Session-scoped real stack for pytest: starts exactly the servers the selected tests need.

Tests say what they need with ``@pytest.mark.needs("kafka", "cassandra")``. After collection (and
deselection) the plugin takes the union of needs over the selected tests; the first test that needs
anything starts that union once (install -> start -> wait healthy), and the ``stack_env`` fixture
gives the client settings (``ROOKERY_*``, ``KUBECONFIG``) as a dict. Nothing is put into
``os.environ``: tests in embedded mode keep running on embedded defaults. At the end of the session
the servers this session started are stopped, unless ROOKERY_STACK_KEEP=1; servers that were
already running are left alone.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from e2e.stack import runner
from e2e.stack.service import StackContext

NEEDS_KEY = pytest.StashKey[frozenset[str]]()


def needs_of(item: pytest.Item) -> set[str]:
    return {name for mark in item.iter_markers("needs") for name in mark.args}


def pytest_collection_finish(session: pytest.Session) -> None:
    session.config.stash[NEEDS_KEY] = frozenset().union(*(needs_of(i) for i in session.items))


def _report(line: str) -> None:
    print(f"rookery stack {line}", flush=True)


@pytest.fixture(scope="session")
def stack_env(request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    """The real servers the selected tests need, started once per session; their settings as a dict."""
    selected: frozenset[str] = request.config.stash.get(NEEDS_KEY, frozenset())
    needed = sorted(selected)
    if not needed:
        yield {}
        return
    ctx = StackContext.default()
    capture = request.config.pluginmanager.getplugin("capturemanager")
    started: list[str] = []
    try:
        if capture is not None:
            with capture.global_and_fixture_disabled():
                started = runner.up(needed, ctx, out=_report)
        else:
            started = runner.up(needed, ctx, out=_report)
    except runner.StackUpError as exc:
        _stop(exc.started, ctx)
        pytest.fail(f"the real stack did not come up:\n{exc}", pytrace=False)
    try:
        yield runner.env(needed, ctx)
    finally:
        if os.environ.get("ROOKERY_STACK_KEEP") != "1":
            _stop(started, ctx)


def _stop(names: list[str], ctx: StackContext) -> None:
    if names:
        runner.down(names, ctx, out=_report)


@pytest.fixture(autouse=True)
def _stack_for_marked_tests(request: pytest.FixtureRequest) -> None:
    """A test marked ``needs(...)`` gets the session stack even when it does not ask for stack_env."""
    if needs_of(request.node):
        request.getfixturevalue("stack_env")
