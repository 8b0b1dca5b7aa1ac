"""``rookery_cassandra_nodes_down``: the nodes of the local data centre that the driver has marked
down, from its own host objects (unknown and up ones are not down; another data centre's are not
counted when a local one is set)."""

from __future__ import annotations

from cassandra.connection import DefaultEndPoint
from cassandra.policies import SimpleConvictionPolicy
from cassandra.pool import Host

from rookery.workloads.adapters.cassandra.session import nodes_down


def host(address: str, datacenter: str, up: bool | None) -> Host:
    made = Host(DefaultEndPoint(address), SimpleConvictionPolicy, datacenter=datacenter, rack="r1")
    if up is True:
        made.set_up()
    elif up is False:
        made.set_down()
    return made


def test_down_nodes_of_the_local_data_centre_count() -> None:
    hosts = [
        host("10.0.0.1", "dc1", True),
        host("10.0.0.2", "dc1", False),
        host("10.0.0.3", "dc1", None),  # not tried yet
        host("10.0.1.1", "dc2", False),
    ]
    assert nodes_down(hosts, "dc1") == 1
    assert nodes_down(hosts, None) == 2
    assert nodes_down(hosts[:1], "dc1") == 0
