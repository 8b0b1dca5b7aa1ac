"""The id generator: time in the high bits, the process's node and a counter below; strictly
increasing within a process, and disjoint between processes holding different nodes."""

from __future__ import annotations

import pytest

from rookery.workloads.ids import COUNTER_BITS, NODES, IdGenerator, id_at, timestamp_ms

MS = 1_800_000_000_000


def node_of(snowflake: int) -> int:
    return (snowflake >> COUNTER_BITS) & (NODES - 1)


def test_ids_carry_their_millisecond_and_increase_within_it() -> None:
    ids = IdGenerator()
    issued = [ids.next_id(MS) for _ in range(5)]
    assert issued == sorted(set(issued))
    assert {timestamp_ms(i) for i in issued} == {MS} and issued[0] == id_at(MS)
    assert ids.next_id(MS + 7) == id_at(MS + 7)


def test_two_processes_in_one_millisecond_issue_the_same_ids_without_nodes_and_none_with() -> None:
    one, two = IdGenerator(), IdGenerator()
    assert one.next_id(MS) == two.next_id(MS)  # what the nodes are for
    one.hold(1)
    two.hold(2)
    first = {one.next_id(MS + 1) for _ in range(200)}
    second = {two.next_id(MS + 1) for _ in range(200)}
    assert len(first) == len(second) == 200 and not first & second
    assert {node_of(i) for i in first} == {1} and {node_of(i) for i in second} == {2}


def test_a_used_up_millisecond_or_a_clock_stepping_back_borrows_the_next() -> None:
    ids = IdGenerator()
    ids.hold(9)
    per_ms = 1 << COUNTER_BITS
    burst = [ids.next_id(MS) for _ in range(per_ms + 3)]
    assert burst == sorted(set(burst))
    assert timestamp_ms(burst[per_ms - 1]) == MS and timestamp_ms(burst[per_ms]) == MS + 1
    assert {node_of(i) for i in burst} == {9}
    behind = ids.next_id(MS - 50)  # the clock went back: still above everything issued
    assert behind > burst[-1]


def test_a_change_of_node_keeps_the_ids_increasing() -> None:
    ids = IdGenerator()
    ids.hold(1000)
    high = ids.next_id(MS)
    ids.hold(3)  # the lowest held is used: node 3 now, in the same millisecond
    low = ids.next_id(MS)
    assert node_of(low) == 3 and low > high and timestamp_ms(low) == MS + 1
    ids.drop(3)
    assert node_of(again := ids.next_id(MS + 1)) == 1000 and again > low
    ids.drop(1000)
    assert node_of(ids.next_id(MS + 1)) == 0  # none held: the embedded node


@pytest.mark.parametrize("node", [0, NODES, -1])
def test_only_leasable_nodes_are_held(node: int) -> None:
    with pytest.raises(ValueError, match="node must be in"):
        IdGenerator().hold(node)
