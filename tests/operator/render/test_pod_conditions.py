"""A tenant whose containers cannot start is Degraded, with kubelet's reason and the pod's name
(operator/rookery/operator/conditions.py: pod_failures, pods_check, summarise). Pure: pod objects in."""

from __future__ import annotations

from typing import Any

import pytest

from rookery.operator.conditions import Check, pod_failures, pods_check, summarise


def pod(name: str, *containers: dict[str, Any], init: tuple[dict[str, Any], ...] = (), **meta: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": name, **meta},
        "status": {"containerStatuses": list(containers), "initContainerStatuses": list(init)},
    }


def waiting(reason: str, message: str = "", name: str = "rookery", **extra: Any) -> dict[str, Any]:
    return {"name": name, "state": {"waiting": {"reason": reason, "message": message}}, **extra}


RUNNING = {"name": "rookery", "state": {"running": {"startedAt": "2026-01-01T00:00:00Z"}}, "ready": True}
OK = [Check("KafkaReady", True, "TopicsReady"), Check("WorkloadsReady", False, "RollingOut", "0/1 ready")]


@pytest.mark.parametrize(
    "reason",
    [
        "CrashLoopBackOff",
        "ImagePullBackOff",
        "ErrImagePull",
        "ErrImageNeverPull",
        "CreateContainerConfigError",
        "InvalidImageName",
    ],
)
def test_a_container_that_cannot_start_makes_the_tenant_degraded(reason: str) -> None:
    pods = [pod("t-platform-7d9-abc", waiting(reason, "something went wrong")), pod("t-worker-1", RUNNING)]
    check = pods_check(pods)
    assert (check.type, check.ok, check.reason) == ("PodsHealthy", False, reason)
    assert "pod t-platform-7d9-abc container rookery" in check.message and "something went wrong" in check.message
    phase, conditions = summarise([check, *OK])
    degraded = next(c for c in conditions if c.type == "Degraded")
    assert phase == "Degraded"
    assert (degraded.ok, degraded.reason) == (True, reason)
    assert "t-platform-7d9-abc" in degraded.message and reason in degraded.message
    ready = next(c for c in conditions if c.type == "Ready")
    assert (ready.ok, ready.reason) == (False, reason)


def test_a_crash_loop_says_how_the_process_last_exited() -> None:
    crashing = waiting(
        "CrashLoopBackOff",
        "back-off 40s restarting failed container=rookery",
        lastState={"terminated": {"exitCode": 2, "reason": "Error"}},
    )
    [failure] = pod_failures([pod("t-gateway-1", crashing)])
    assert failure.message.startswith("last exit 2 (Error); back-off 40s")


def test_starting_running_and_deleted_pods_are_not_failures() -> None:
    pods = [
        pod("creating", waiting("ContainerCreating")),
        pod("init", waiting("PodInitializing")),
        pod("running", RUNNING),
        pod("pending"),  # not scheduled yet: no container statuses
        pod("going", waiting("CrashLoopBackOff"), deletionTimestamp="2026-01-01T00:00:00Z"),
    ]
    assert pod_failures(pods) == []
    check = pods_check(pods)
    assert (check.ok, check.reason) == (True, "NoFailingPods")
    phase, conditions = summarise([check, *OK])
    assert phase == "Provisioning"  # waiting for the rollout, nothing for a person to fix
    assert next(c for c in conditions if c.type == "Degraded").ok is False


def test_init_containers_and_many_pods_are_reported_in_order() -> None:
    pods = [pod(f"t-posts-{i}", waiting("ErrImagePull", "pull access denied", name="main")) for i in range(5)] + [
        pod("t-a", RUNNING, init=(waiting("CreateContainerConfigError", 'secret "t-keys" not found', name="init"),))
    ]
    check = pods_check(pods)
    assert check.reason == "CreateContainerConfigError"  # t-a sorts first
    assert check.message.startswith('pod t-a container init: CreateContainerConfigError: secret "t-keys" not found')
    assert check.message.endswith("and 3 more")
    assert [f.pod for f in pod_failures(pods)] == ["t-a", *(f"t-posts-{i}" for i in range(5))]
