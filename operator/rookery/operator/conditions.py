"""Status conditions (metav1.Condition shape) and the readiness judgements built from child objects."""

from __future__ import annotations

import dataclasses
from typing import Any


@dataclasses.dataclass(frozen=True)
class Check:
    """One condition as the reconciler judges it now."""

    type: str
    ok: bool | None  # None: Unknown
    reason: str
    message: str = ""

    @property
    def status(self) -> str:
        return "Unknown" if self.ok is None else ("True" if self.ok else "False")


def merge(
    previous: list[dict[str, Any]] | None, checks: list[Check], generation: int | None, now: str
) -> list[dict[str, Any]]:
    """New conditions; lastTransitionTime moves only when a condition's status changes."""
    before = {c.get("type"): c for c in previous or []}
    out = []
    for check in checks:
        old = before.get(check.type)
        changed = old is None or old.get("status") != check.status
        out.append(
            {
                "type": check.type,
                "status": check.status,
                "reason": check.reason,
                "message": check.message,
                "observedGeneration": generation,
                "lastTransitionTime": now if changed else old.get("lastTransitionTime", now),  # type: ignore[union-attr]
            }
        )
    return out


def same_conditions(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> bool:
    return {c["type"]: c for c in a or []} == {c["type"]: c for c in b or []}


def deployment_ready(dep: dict[str, Any] | None) -> tuple[bool, str]:
    """Ready when the controller has seen the latest spec and every wanted replica is updated and ready."""
    if dep is None:
        return False, "missing"
    spec, status = dep.get("spec") or {}, dep.get("status") or {}
    wanted = spec.get("replicas", 1)
    if (status.get("observedGeneration") or 0) < (dep["metadata"].get("generation") or 0):
        return False, "rollout not observed yet"
    updated, ready = status.get("updatedReplicas") or 0, status.get("readyReplicas") or 0
    available = status.get("availableReplicas") or 0
    if updated < wanted or ready < wanted or available < wanted:
        return False, f"{ready}/{wanted} ready, {updated} updated"
    if (status.get("replicas") or 0) > wanted:
        return False, "old pods still terminating"
    return True, f"{ready}/{wanted} ready"


def job_state(job: dict[str, Any] | None) -> tuple[bool | None, str]:
    """True: complete; False: failed; None: still running."""
    if job is None:
        return None, "not created yet"
    for cond in (job.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Complete" and cond.get("status") == "True":
            return True, "complete"
        if cond.get("type") == "Failed" and cond.get("status") == "True":
            return False, cond.get("message") or cond.get("reason") or "failed"
    return None, "running"


# a container that cannot start: kubelet's waiting reasons that need a person (a bad image, a crashing
# process, a missing Secret or key), as opposed to ContainerCreating / PodInitializing
POD_FAILURES = frozenset(
    {
        "CrashLoopBackOff",
        "ImagePullBackOff",
        "ErrImagePull",
        "InvalidImageName",
        "CreateContainerConfigError",
        "CreateContainerError",
        "RunContainerError",
        # imagePullPolicy: Never (local images) and the image is not on the node
        "ErrImageNeverPull",
    }
)


@dataclasses.dataclass(frozen=True)
class PodFailure:
    pod: str
    container: str
    reason: str
    message: str

    def describe(self) -> str:
        why = f": {self.message}" if self.message else ""
        return f"pod {self.pod} container {self.container}: {self.reason}{why}"


def pod_failures(pods: list[dict[str, Any]]) -> list[PodFailure]:
    """Containers of ``pods`` (init containers included) waiting for a reason that needs a person,
    with the last exit of a crashing one; pods being deleted are left out."""
    out = []
    for pod in sorted(pods, key=lambda p: p["metadata"]["name"]):
        if pod["metadata"].get("deletionTimestamp"):
            continue
        status = pod.get("status") or {}
        for cs in [*(status.get("initContainerStatuses") or []), *(status.get("containerStatuses") or [])]:
            waiting = (cs.get("state") or {}).get("waiting") or {}
            reason = waiting.get("reason") or ""
            if reason not in POD_FAILURES:
                continue
            message = " ".join((waiting.get("message") or "").split())[:300]
            last = (cs.get("lastState") or {}).get("terminated") or {}
            if reason == "CrashLoopBackOff" and last:
                exited = f"last exit {last.get('exitCode')} ({last.get('reason') or 'Error'})"
                message = f"{exited}; {message}" if message else exited
            out.append(PodFailure(pod["metadata"]["name"], cs.get("name", "?"), reason, message))
    return out


def pods_check(pods: list[dict[str, Any]]) -> Check:
    """PodsHealthy: False, with the first failing reason and which pods, when containers cannot start."""
    failures = pod_failures(pods)
    if not failures:
        return Check("PodsHealthy", True, "NoFailingPods", "no container is failing to start")
    shown = "; ".join(f.describe() for f in failures[:3])
    more = f" and {len(failures) - 3} more" if len(failures) > 3 else ""
    return Check("PodsHealthy", False, failures[0].reason, shown + more)


def summarise(checks: list[Check], *, deleting: bool = False) -> tuple[str, list[Check]]:
    """Phase plus Ready / Progressing / Degraded from the per-dependency checks."""
    failed = [
        c
        for c in checks
        if c.ok is False
        and (c.reason.endswith(("Refused", "Failed", "Missing", "Error")) or c.reason in POD_FAILURES)
    ]
    waiting = [c for c in checks if c.ok is not True and c not in failed]
    if deleting:
        phase = "Deleting"
    elif failed:
        phase = "Degraded"
    elif waiting:
        phase = "Provisioning"
    else:
        phase = "Ready"
    ready = Check(
        "Ready",
        not failed and not waiting,
        "AllReady" if not (failed or waiting) else (failed or waiting)[0].reason,
        "; ".join(f"{c.type}: {c.message}" for c in failed + waiting)
        or "every dependency and workload is ready",
    )
    progressing = Check(
        "Progressing",
        bool(waiting),
        "Reconciling" if waiting else "Reconciled",
        "; ".join(f"{c.type}: {c.message}" for c in waiting) or "nothing in progress",
    )
    degraded = Check(
        "Degraded",
        bool(failed),
        failed[0].reason if failed else "AsExpected",
        "; ".join(f"{c.type}: {c.message}" for c in failed) or "no failures",
    )
    return phase, [ready, progressing, degraded, *checks]
