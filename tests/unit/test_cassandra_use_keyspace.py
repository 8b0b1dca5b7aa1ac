"""`rookery migrate` waits for a keyspace another migrator has just created: the driver's metadata
can show it a moment before a connection may USE it (two migrators at once, under load, once
failed with "Keyspace ... does not exist"). Any other refusal, or a keyspace that never comes,
still fails."""

from __future__ import annotations

import pytest
from cassandra import InvalidRequest

from rookery.workloads.adapters.cassandra.migrations import _use


class Session:
    def __init__(self, refusals: list[str]) -> None:
        self.refusals = refusals
        self.tries = 0

    def set_keyspace(self, keyspace: str) -> None:
        self.tries += 1
        if self.refusals:
            raise InvalidRequest(self.refusals.pop(0))


def test_a_keyspace_that_appears_a_moment_later_is_used() -> None:
    session = Session(["Keyspace 'k' does not exist"] * 2)
    _use(session, "k", wait_s=5)
    assert session.tries == 3


def test_other_refusals_and_a_keyspace_that_never_comes_fail() -> None:
    with pytest.raises(InvalidRequest, match="bad name"):
        _use(Session(["bad name"]), "k", wait_s=5)
    never = Session(["Keyspace 'k' does not exist"] * 100)
    with pytest.raises(InvalidRequest, match="does not exist"):
        _use(never, "k", wait_s=0.6)
    assert 1 < never.tries < 100
