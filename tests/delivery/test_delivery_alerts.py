"""Rookery's alerting rules and Grafana dashboards as the operator chart ships them: the rules pass
`promtool check rules` and their `promtool test rules` unit tests (one firing and one quiet case
per alert), every query names only metrics Rookery exports, and the chart renders them as a
PrometheusRule and as ConfigMaps labelled for Grafana's dashboard sidecar, with a PodMonitor
that scrapes the tenants' pods.

(Each panel's query against a real Prometheus scraping real Rookery processes:
e2e/test_dashboards_live.py.)"""

from __future__ import annotations

import json
import pathlib
import subprocess

import pytest
import yaml
from delivery_support import OPERATOR_CHART, by_kind, helm_run, one, template
from monitoring_support import (
    DASHBOARDS,
    DASHBOARDS_DIR,
    PROMTOOL_TESTS,
    RULES_FILE,
    dashboard,
    exported_metric_names,
    panel_queries,
    rules,
    used_metric_names,
)

from e2e.stack.prometheus import PROMTOOL
from rookery.operator.render.common import labels as pod_labels

ALERTS = {
    "RookeryApiErrorRatioHigh",
    "RookeryApiLatencyP99High",
    "RookeryConsumerLagHigh",
    "RookeryDeadLettersGrowing",
    "RookeryOutboxBacklogOld",
    "RookeryStoreUnavailable",
    "RookeryStoreRequestsFailing",
    "RookeryKafkaUnderReplicated",
    "RookeryCassandraNodeDown",
    "RookeryProcessRestarting",
    "RookeryOperatorReconcileErrors",
}
MONITORING_ON = {"monitoring.prometheusRule.enabled": "true", "monitoring.dashboards.enabled": "true"}


def promtool(*args: str, cwd: pathlib.Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(PROMTOOL), *args], capture_output=True, text=True, timeout=120, cwd=cwd)


# --------------------------------------------------------------------------------------- rules


@pytest.mark.needs("prometheus")  # Debian's prometheus package brings promtool
def test_promtool_checks_the_rules() -> None:
    checked = promtool("check", "rules", str(RULES_FILE))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"SUCCESS: {len(ALERTS)} rules found" in checked.stdout


@pytest.mark.needs("prometheus")
def test_promtool_rule_unit_tests_pass() -> None:
    tested = promtool("test", "rules", PROMTOOL_TESTS.name, cwd=PROMTOOL_TESTS.parent)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "SUCCESS" in tested.stdout


@pytest.mark.needs("prometheus")
def test_a_wrong_expectation_fails_the_unit_tests(tmp_path: pathlib.Path) -> None:
    """The runner really compares: the same tests expecting another value fail."""
    suite = yaml.safe_load(PROMTOOL_TESTS.read_text())
    suite["rule_files"] = [str(RULES_FILE)]
    lag = next(t for t in suite["tests"] for a in t["alert_rule_test"] if a["alertname"] == "RookeryConsumerLagHigh")
    lag["input_series"][0]["values"] = "100x20"  # 800 + 700 lag becomes 100 + 700: under the threshold
    (tmp_path / "broken.test.yaml").write_text(yaml.safe_dump(suite))
    tested = promtool("test", "rules", "broken.test.yaml", cwd=tmp_path)
    assert tested.returncode != 0 and "RookeryConsumerLagHigh" in tested.stdout + tested.stderr


def test_every_alert_has_a_firing_and_a_quiet_unit_test() -> None:
    assert {rule["alert"] for rule in rules()} == ALERTS
    suite = yaml.safe_load(PROMTOOL_TESTS.read_text())
    cases = [case for test in suite["tests"] for case in test["alert_rule_test"]]
    for alert in ALERTS:
        firing = [c for c in cases if c["alertname"] == alert and c["exp_alerts"]]
        assert firing, f"{alert}: no unit test makes it fire"
        for case in firing:
            for expected in case["exp_alerts"]:
                assert expected["exp_labels"]["severity"] in {"warning", "critical"}
                assert {"summary", "description"} <= set(expected["exp_annotations"])
        quiet = [c for c in cases if c["alertname"] == alert and not c["exp_alerts"]]
        assert quiet, f"{alert}: no unit test where it must stay quiet"


def test_rules_and_panels_use_only_metrics_rookery_exports() -> None:
    exported = exported_metric_names()
    for rule in rules():
        unknown = used_metric_names(rule["expr"]) - exported
        assert not unknown, f"alert {rule['alert']} uses {unknown}, which no Rookery process exports"
    for name, title, expr in panel_queries():
        assert used_metric_names(expr), f"{name} / {title}: no Rookery metric in {expr}"
        unknown = used_metric_names(expr) - exported
        assert not unknown, f"{name} / {title} uses {unknown}, which no Rookery process exports"


# ---------------------------------------------------------------------------------- dashboards


def test_the_six_dashboards_are_well_formed() -> None:
    assert sorted(p.stem for p in DASHBOARDS_DIR.glob("*.json")) == sorted(DASHBOARDS)
    uids = set()
    for name in DASHBOARDS:
        board = dashboard(name)
        uids.add(board["uid"])
        assert board["title"].startswith("Rookery / ") and "rookery" in board["tags"]
        variables = {v["name"]: v for v in board["templating"]["list"]}
        assert variables["datasource"]["query"] == "prometheus"
        ids = [panel["id"] for panel in board["panels"]]
        assert len(ids) == len(set(ids)) and len(ids) >= 4, name
        for panel in board["panels"]:
            assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
            assert panel["targets"] and all(t["expr"].strip() for t in panel["targets"]), panel["title"]
            assert len({t["refId"] for t in panel["targets"]}) == len(panel["targets"])
            assert panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24
    assert len(uids) == len(DASHBOARDS)


# -------------------------------------------------------------------------------------- chart


def test_chart_with_every_monitoring_object_passes_helm_lint_strict(helm: pathlib.Path) -> None:
    sets = [f"{key}=true" for key in ("monitoring.podMonitor.enabled", *MONITORING_ON)]
    out = helm_run(helm, "lint", "--strict", str(OPERATOR_CHART), *(arg for s in sets for arg in ("--set", s)))
    assert "1 chart(s) linted, 0 chart(s) failed" in out


def test_chart_ships_no_monitoring_objects_unless_asked(helm: pathlib.Path) -> None:
    rendered = template(helm, OPERATOR_CHART)
    assert not by_kind(rendered, "PrometheusRule") and not by_kind(rendered, "PodMonitor")
    assert not [d for d in by_kind(rendered, "ConfigMap") if "grafana_dashboard" in d["metadata"]["labels"]]


def test_chart_renders_a_pod_monitor_for_every_tenant_pod(helm: pathlib.Path) -> None:
    on = {"monitoring.podMonitor.enabled": "true"}
    everywhere = one(template(helm, OPERATOR_CHART, sets=on), "PodMonitor")
    assert everywhere["spec"]["namespaceSelector"] == {"any": True}
    selected = everywhere["spec"]["selector"]["matchLabels"]
    for component in ("platform", "worker-fanout"):  # what the operator labels its tenants' pods with
        assert selected.items() <= pod_labels("social", component).items()
    assert everywhere["spec"]["podMetricsEndpoints"] == [{"port": "http", "path": "/metrics", "interval": "30s"}]
    watched = one(template(helm, OPERATOR_CHART, sets={**on, "watchNamespaces[0]": "social"}), "PodMonitor")
    assert watched["spec"]["namespaceSelector"] == {"matchNames": ["social"]}


def test_chart_renders_the_rules_as_a_prometheus_rule(helm: pathlib.Path) -> None:
    rendered = template(helm, OPERATOR_CHART, sets={**MONITORING_ON, "monitoring.prometheusRule.labels.release": "kps"})
    rule = one(rendered, "PrometheusRule")
    assert rule["apiVersion"] == "monitoring.coreos.com/v1"
    assert rule["metadata"]["namespace"] == "rookery" and rule["metadata"]["labels"]["release"] == "kps"
    assert rule["spec"] == yaml.safe_load(RULES_FILE.read_text())  # the promtool-tested file, unchanged


def test_chart_renders_one_sidecar_config_map_per_dashboard(helm: pathlib.Path) -> None:
    rendered = template(
        helm,
        OPERATOR_CHART,
        sets={
            **MONITORING_ON,
            "monitoring.dashboards.namespace": "monitoring",
            "monitoring.dashboards.folder": "Social",
        },
    )
    maps = [d for d in by_kind(rendered, "ConfigMap") if d["metadata"]["labels"].get("grafana_dashboard") == "1"]
    assert len(maps) == len(DASHBOARDS)
    shipped = {}
    for config_map in maps:
        assert config_map["metadata"]["namespace"] == "monitoring"
        assert config_map["metadata"]["annotations"] == {"grafana_folder": "Social"}
        ((key, text),) = config_map["data"].items()
        assert key.startswith("rookery-") and key.endswith(".json")
        shipped[key.removeprefix("rookery-").removesuffix(".json")] = json.loads(text)
    assert shipped == {name: dashboard(name) for name in DASHBOARDS}
    relabelled = template(
        helm,
        OPERATOR_CHART,
        sets={
            **MONITORING_ON,
            "monitoring.dashboards.label": "dashboards.example/grafana",
            "monitoring.dashboards.labelValue": "yes",
        },
    )
    labels = [d["metadata"]["labels"] for d in by_kind(relabelled, "ConfigMap")]
    assert sum(label.get("dashboards.example/grafana") == "yes" for label in labels) == len(DASHBOARDS)
