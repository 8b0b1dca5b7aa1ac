"""Helpers of the delivery tests: render the charts with the pinned helm and read the output."""

from __future__ import annotations

import importlib.util
import pathlib
import subprocess
from collections.abc import Callable
from typing import Any

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
CHARTS = ROOT / "platform-charts"
OPERATOR_CHART = CHARTS / "rookery-operator"
PLATFORM_CHART = CHARTS / "rookery-platform"
GPU_VALUES = PLATFORM_CHART / "values-gpu.yaml"
ARGOCD = CHARTS / "argocd"


# the keys of the platform chart's datastores Secret (datastores.values.<key>)
DATASTORE_KEYS = (
    "postgres-dsn",
    "redis-url",
    "kafka-bootstrap",
    "cassandra-contact-points",
    "search-url",
    "oidc-issuer",
)


def datastore_sets(value: Callable[[str], str] = lambda key: "x") -> dict[str, str]:
    """--set values that make the platform chart create its datastores Secret with every key."""
    return {"datastores.create": "true"} | {f"datastores.values.{k}": value(k) for k in DATASTORE_KEYS}


def chart_script(name: str) -> Any:
    """A script beside the charts (platform-charts/NAME.py), imported as a module."""
    spec = importlib.util.spec_from_file_location(f"chart_{name}", CHARTS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class HelmFailed(AssertionError):
    def __init__(self, argv: list[str], stderr: str) -> None:
        super().__init__(f"{' '.join(argv)}\n{stderr}")
        self.stderr = stderr


def helm_run(helm: pathlib.Path, *args: str) -> str:
    argv = [str(helm), *args]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise HelmFailed(argv, out.stderr)
    return out.stdout


def template(
    helm: pathlib.Path,
    chart: pathlib.Path,
    *,
    release: str = "rookery",
    namespace: str = "rookery",
    values: tuple[pathlib.Path, ...] = (),
    sets: dict[str, str] | None = None,
    include_crds: bool = False,
) -> list[dict[str, Any]]:
    """`helm template` of a chart, parsed: every rendered object, in order."""
    args = ["template", release, str(chart), "--namespace", namespace]
    for path in values:
        args += ["--values", str(path)]
    for key, value in (sets or {}).items():
        args += ["--set", f"{key}={value}"]
    if include_crds:
        args.append("--include-crds")
    return [doc for doc in yaml.safe_load_all(helm_run(helm, *args)) if doc]


def by_kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [d for d in docs if d["kind"] == kind]


def one(docs: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    found = by_kind(docs, kind)
    assert len(found) == 1, f"expected one {kind}, got {len(found)}"
    return found[0]
