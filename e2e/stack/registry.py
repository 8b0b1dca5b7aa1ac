"""Every server of the real stack, by name, in start order.

The default profile is one server of each kind on 127.0.0.1. The ``ha`` profile (e2e/stack/ha.py)
adds replicated stores, a node per network namespace; a profile's servers start only when named or
when the profile is (`make stack-up PROFILE=ha`).
"""

from __future__ import annotations

from e2e.stack.cassandra import Cassandra
from e2e.stack.kafka import Kafka
from e2e.stack.keycloak import Keycloak
from e2e.stack.postgres import Postgres
from e2e.stack.prometheus import Prometheus
from e2e.stack.redis import Redis
from e2e.stack.search import Search
from e2e.stack.service import Service, StackError
from e2e.stack.zipkin import Zipkin


def all_services() -> dict[str, Service]:
    services: list[Service] = [
        Postgres(),
        Redis(),
        Kafka(),
        Cassandra(),
        Search(),
        Keycloak(),
        Prometheus(),
        Zipkin(),
    ]
    try:  # the Kubernetes control plane lives in its own module (e2e/stack/kube.py, e2e/kube/)
        from e2e.stack.kube import KubeControlPlane
    except ImportError:
        pass
    else:
        services.append(KubeControlPlane())
        from e2e.stack.node import Node  # the real node beside it (e2e/stack/node.py, e2e/node/)

        services.append(Node())
    from e2e.stack.ha import ha_services

    services += ha_services()
    return {s.name: s for s in services}


PROFILES = ("ha",)


def profile_of(service: Service) -> str:
    """"" for the default profile, else the profile's name."""
    return str(getattr(service, "profile", ""))


def in_profile(profile: str) -> list[str]:
    """The names of a profile's own servers ("": the default profile's)."""
    if profile and profile not in PROFILES:
        raise StackError(profile, f"unknown profile; the stack has: {', '.join(PROFILES)}")
    return [name for name, service in all_services().items() if profile_of(service) == profile]


def select(names: list[str] | tuple[str, ...] | set[str] | None) -> list[Service]:
    """The named services (all when none are named) plus what they depend on, in start order."""
    services = all_services()
    if not names:
        return [s for s in services.values() if not profile_of(s)]
    unknown = sorted(set(names) - set(services))
    if unknown:
        raise StackError(",".join(unknown), f"unknown server; the stack has: {', '.join(services)}")
    wanted: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name not in wanted:
            wanted.add(name)
            todo.extend(services[name].depends_on)
    return [s for name, s in services.items() if name in wanted]


def select_to_stop(names: list[str] | tuple[str, ...] | set[str] | None) -> list[Service]:
    """The named services (all when none) plus those that depend on them, never what they depend on
    (stopping the node leaves the control plane running), in start order."""
    services = all_services()
    if not names:
        return list(services.values())
    unknown = sorted(set(names) - set(services))
    if unknown:
        raise StackError(",".join(unknown), f"unknown server; the stack has: {', '.join(services)}")
    wanted = set(names)
    grew = True
    while grew:
        more = {s.name for s in services.values() if wanted & set(s.depends_on)} - wanted
        wanted |= more
        grew = bool(more)
    return [s for name, s in services.items() if name in wanted]
