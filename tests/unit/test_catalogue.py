"""The catalogue (rookery.workloads.catalogue) is what the code does: the consumer groups a
container subscribes, on which streams, and the roles each `rookery worker` builds."""

from __future__ import annotations

import pathlib
from collections import defaultdict
from typing import Any

import pytest

from rookery.workloads import catalogue, commands, observability
from rookery.workloads.adapters.sqlite.eventlog import SqliteEventBus
from rookery.workloads.bootstrap import ALL_ROLES, build
from rookery.workloads.domain import events
from rookery.workloads.settings import Settings


def _subscriptions(
    monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path, roles: tuple[str, ...]
) -> dict[str, set[str]]:
    """group -> streams that build(roles) subscribes on the embedded event log."""
    seen: dict[str, set[str]] = defaultdict(set)
    original = SqliteEventBus.subscribe

    def record(self: SqliteEventBus, stream: str, group: str, handler: Any) -> None:
        seen[group].add(stream)
        original(self, stream, group, handler)

    monkeypatch.setattr(SqliteEventBus, "subscribe", record)
    build(Settings(data_dir=tmp_path), roles)
    return dict(seen)


def test_every_role_subscribes_exactly_the_catalogued_groups(
    monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path
) -> None:
    seen = _subscriptions(monkeypatch, tmp_path, ALL_ROLES)
    assert seen == {name: set(group.streams) for name, group in catalogue.GROUPS.items()}


@pytest.mark.parametrize("name", sorted(catalogue.WORKERS))
def test_each_worker_builds_the_roles_its_groups_need(
    name: str, monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path
) -> None:
    worker = catalogue.WORKERS[name]
    seen = _subscriptions(monkeypatch, tmp_path, ("accounts", *worker.roles))
    for group in worker.groups:
        assert seen.get(group) == set(catalogue.GROUPS[group].streams), group


def test_groups_read_known_streams_and_belong_to_known_roles() -> None:
    for group in catalogue.GROUPS.values():
        assert set(group.streams) <= set(catalogue.STREAMS), group
        assert group.role in catalogue.ROLES, group
    for worker in catalogue.WORKERS.values():
        assert set(worker.roles) <= set(catalogue.ROLES), worker
        assert set(worker.groups) <= set(catalogue.GROUPS), worker
    # no consumer reads what only the bus itself writes
    assert all(catalogue.DEAD_LETTER not in group.streams for group in catalogue.GROUPS.values())


def test_groups_no_worker_keeps_are_the_serving_processes_own() -> None:
    kept = {group for worker in catalogue.WORKERS.values() for group in worker.groups}
    assert set(catalogue.GROUPS) - kept == {"lists", "media-statuses"}


def test_the_cli_bootstrap_observability_and_events_read_the_catalogue() -> None:
    assert ALL_ROLES == catalogue.ROLES
    assert commands.ROLES is catalogue.ROLES
    assert commands.WORKERS is catalogue.WORKERS
    assert events.STREAMS == catalogue.STREAMS
    assert observability.role_name(catalogue.ROLES) == "all"
    assert observability.role_name(("gateway", "feed", "graph")) == "feed+graph"


def test_the_worker_command_refuses_an_unknown_worker(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        commands.worker(["lists"])
    assert exit_.value.code == 2
    assert "invalid choice: 'lists'" in capsys.readouterr().err
