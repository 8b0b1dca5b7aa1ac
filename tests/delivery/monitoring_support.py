"""The alerting rules and Grafana dashboards the operator chart ships (files/monitoring/), read for
the tests: the rules, every panel's PromQL, the metric names they use, and the names Rookery exports."""

from __future__ import annotations

import importlib
import json
import pathlib
import re
from typing import Any

import yaml

# (paths from this file, not delivery_support: e2e/test_dashboards_live.py imports this module too)
MONITORING = (
    pathlib.Path(__file__).resolve().parents[2] / "platform-charts" / "rookery-operator" / "files" / "monitoring"
)
RULES_FILE = MONITORING / "rookery-alerts.yaml"
DASHBOARDS_DIR = MONITORING / "dashboards"
DASHBOARDS = ("overview", "timelines", "kafka", "stores", "inference", "operator")
PROMTOOL_TESTS = pathlib.Path(__file__).parent / "promtool" / "rookery-alerts.test.yaml"

# every module that defines a Prometheus metric of Rookery's (workloads, operator, model server)
METRIC_MODULES = (
    "rookery.workloads.metrics",
    "rookery.workloads.api.ops",
    "rookery.workloads.adapters.kafka.metrics",
    "rookery.workloads.services.ranking",
    "rookery.workloads.workers.moderation",
    "rookery.workloads.workers.anomaly",
    "rookery.operator.metrics",
    "rookery.inference.serving",
)
SUFFIXES = {
    "counter": ("_total",),
    "histogram": ("_bucket", "_count", "_sum"),
    "gauge": ("",),
    "summary": ("_count", "_sum"),
}
METRIC_NAME = re.compile(r"\b(?:rookery|process)_[a-z0-9_]+\b")
# Grafana's variables as the panels use them: the rate window Grafana would pick for a 2 s scrape
# interval and a short range, and the namespace (default: "All")
RATE_INTERVAL = "1m"


def rules() -> list[dict[str, Any]]:
    return [rule for group in yaml.safe_load(RULES_FILE.read_text())["groups"] for rule in group["rules"]]


def dashboard(name: str) -> dict[str, Any]:
    return dict(json.loads((DASHBOARDS_DIR / f"{name}.json").read_text()))


def panel_queries() -> list[tuple[str, str, str]]:
    """(dashboard, panel title, PromQL as written) for every target of every panel."""
    found = []
    for name in DASHBOARDS:
        for panel in dashboard(name)["panels"]:
            for target in panel["targets"]:
                found.append((name, panel["title"], target["expr"]))
    return found


def substitute(expr: str, namespace: str = ".*") -> str:
    """The query Grafana sends for ``namespace`` (a regular expression; "All" is ``.*``)."""
    expr = expr.replace("$__rate_interval", RATE_INTERVAL).replace("$namespace", namespace)
    assert "$" not in expr, f"a dashboard variable the tests do not know: {expr}"
    return expr


def used_metric_names(expr: str) -> set[str]:
    return set(METRIC_NAME.findall(expr))


def exported_metric_names() -> set[str]:
    """The sample names Rookery's processes expose: every metric its modules define, and the
    process collector's (process_start_time_seconds ...) that prometheus-client adds."""
    from prometheus_client import REGISTRY

    for module in METRIC_MODULES:
        importlib.import_module(module)
    names = set()
    for family in REGISTRY.collect():
        names |= {family.name + suffix for suffix in SUFFIXES.get(family.type, ("",))}
        names |= {sample.name for sample in family.samples}
    return names
