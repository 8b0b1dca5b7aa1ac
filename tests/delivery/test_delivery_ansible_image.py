"""The node playbook (ansible-core's syntax check, templates rendered), the image and the pipeline."""

from __future__ import annotations

import pathlib
import re
import subprocess
import sys
import tomllib
from typing import Any

import jinja2
import yaml
from delivery_support import ROOT

ANSIBLE = ROOT / "ansible"
ROLE = ANSIBLE / "roles" / "rookery_node"


def _defaults() -> dict[str, Any]:
    return yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())


def _render(name: str, **extra: Any) -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(ROLE / "templates"), undefined=jinja2.StrictUndefined)
    return env.get_template(name).render(ansible_managed="managed by Ansible", **(_defaults() | extra))


def _tasks(name: str) -> list[dict[str, Any]]:
    return yaml.safe_load((ROLE / "tasks" / name).read_text())


def test_playbook_passes_ansible_syntax_check() -> None:
    playbook = pathlib.Path(sys.executable).with_name("ansible-playbook")
    out = subprocess.run(
        [str(playbook), "--syntax-check", "-i", "inventory.example.ini", "site.yml"],
        cwd=ANSIBLE,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "playbook: site.yml" in out.stdout


def test_tasks_use_builtin_modules_only_and_have_names() -> None:
    """ansible-core alone runs the role: no collection (ansible.posix, community.*) needed."""
    for path in [*(ROLE / "tasks").glob("*.yml"), ROLE / "handlers" / "main.yml"]:
        for task in yaml.safe_load(path.read_text()):
            assert task.get("name"), f"{path.name}: unnamed task"
            modules = [k for k in task if "." in k]
            assert len(modules) == 1 and modules[0].startswith("ansible.builtin."), (path.name, task["name"])


def test_kernel_parameters_suit_cassandra_and_opensearch() -> None:
    rendered = _render("sysctl.conf.j2")
    values = dict(
        (k.strip(), v.strip())
        for k, v in (line.split("=", 1) for line in rendered.splitlines() if "=" in line and not line.startswith("#"))
    )
    assert int(values["vm.max_map_count"]) >= 262144  # OpenSearch refuses to start below
    assert int(values["vm.swappiness"]) <= 1
    assert values["net.ipv4.ip_forward"] == "1"
    limits = _render("limits.conf.j2")
    assert re.search(r"^\*\s+hard\s+nofile\s+1048576$", limits, re.M)
    assert "DefaultLimitNOFILE=1048576" in _render("systemd-limits.conf.j2")
    chrony = _render("chrony.conf.j2", rookery_chrony_servers=["10.0.0.1"])
    assert "pool pool.ntp.org iburst" in chrony and "server 10.0.0.1 iburst" in chrony


def test_gpu_tasks_only_on_gpu_nodes_and_they_need_the_repository() -> None:
    (gpu,) = [t for t in _tasks("main.yml") if "ansible.builtin.import_tasks" in t]
    assert gpu["ansible.builtin.import_tasks"] == "gpu.yml" and gpu["when"] == "rookery_gpu | bool"
    assert _defaults()["rookery_gpu"] is False
    gpu_tasks = _tasks("gpu.yml")
    assert "ansible.builtin.assert" in gpu_tasks[0]
    assert any("nvidia-ctk runtime configure" in str(t.get("ansible.builtin.command", "")) for t in gpu_tasks)
    inventory = (ANSIBLE / "inventory.example.ini").read_text()
    assert "[rookery_gpu_nodes:vars]\nrookery_gpu=true" in inventory


def test_containerfile_builds_the_one_rookery_image_as_non_root() -> None:
    text = (ROOT / "Containerfile").read_text()
    assert "ARG PYTHON_IMAGE=python:3.11-slim" in text
    assert "uv sync --frozen --no-dev --extra prod --extra operator --no-editable" in text
    user = re.findall(r"^USER (\S+)", text, re.M)
    assert user and not user[-1].startswith(("root", "0"))
    assert re.findall(r"^ENTRYPOINT (.+)$", text, re.M) == ['["rookery"]']
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert {"prod", "operator"} <= set(project["optional-dependencies"])
    assert "rookery" in project["scripts"]
    uv_version = re.search(r"^UV_VERSION := (\S+)$", (ROOT / "Makefile").read_text(), re.M)
    assert uv_version and f"ARG UV_VERSION={uv_version.group(1)}" in text
    # the operator chart runs the image's user; the Deployment's runAsUser must be it
    assert "--uid 10001" in text
    deployment = (ROOT / "platform-charts" / "rookery-operator" / "templates" / "deployment.yaml").read_text()
    assert "runAsUser: 10001" in deployment


def test_jenkinsfile_stages_in_order() -> None:
    text = (ROOT / "Jenkinsfile").read_text()
    stages = re.findall(r"stage\('([^']+)'\)", text)
    assert stages == [
        "Set up",
        "Lint",
        "Test",
        "API suite, topology split",
        "Image",
        "Image scan",
        "Charts",
        "Publish",
        "Bump ArgoCD",
    ]
    for command in ("make lint", "make test", "helm package", "platform-charts/bump.py", "trivy image"):
        assert command in text.replace('"$HELM"', "helm"), command
    assert text.count("{") == text.count("}")


def test_the_image_installs_production_and_operator_packages_without_dev_or_ml() -> None:
    """What the Containerfile's `uv sync` installs, resolved from uv.lock the same way."""
    uv = ROOT / ".tools" / "bin" / "uv"  # made by the Makefile (make venv / make test)
    assert uv.exists(), "run make venv-all first (it installs uv under .tools/)"
    out = subprocess.run(
        [str(uv), "export", "--frozen", "--no-dev", "--extra", "prod", "--extra", "operator", "--no-hashes"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    names = {line.split("==")[0].lower() for line in out.stdout.splitlines() if "==" in line}
    assert {"fastapi", "uvicorn", "kopf", "kubernetes"} <= names
    assert not names & {"pytest", "ansible-core", "mypy", "torch", "sentence-transformers"}
