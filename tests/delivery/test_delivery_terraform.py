"""The Terraform module, checked without terraform: HCL parsed by python-hcl2, references resolved.

Terraform and its providers cannot be fetched here (only package registries are reachable, and
building terraform from its Go module for a parse is not worth minutes per run), so `terraform
validate` is replaced by these checks: every file parses, every var./local./resource reference is
declared, every variable is used and documented, outputs exist, the providers are pinned, and the
files the module reads exist.
"""

from __future__ import annotations

import re
from typing import Any

import hcl2
import pytest
import yaml
from delivery_support import ARGOCD, PLATFORM_CHART, ROOT

TERRAFORM = ROOT / "terraform"
FILES = sorted(TERRAFORM.glob("*.tf"))


def _name(key: str) -> str:
    return key.strip('"')


def _unquote(value: Any) -> Any:
    return value.strip('"') if isinstance(value, str) else value


@pytest.fixture(scope="module")
def parsed() -> dict[str, dict[str, Any]]:
    return {path.name: hcl2.loads(path.read_text()) for path in FILES}


@pytest.fixture(scope="module")
def text() -> str:
    # references only: comments are dropped so that prose cannot satisfy a check
    lines = [
        line for path in FILES for line in path.read_text().splitlines() if not line.lstrip().startswith("#")
    ]
    return "\n".join(lines)


def _blocks(parsed: dict[str, dict[str, Any]], kind: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for doc in parsed.values():
        for block in doc.get(kind, []):
            for key, body in block.items():
                out[_name(key)] = body
    return out


def _resources(parsed: dict[str, dict[str, Any]]) -> set[str]:
    out = set()
    for doc in parsed.values():
        for block in doc.get("resource", []):
            for rtype, named in block.items():
                out |= {f"{_name(rtype)}.{_name(n)}" for n in named if not n.startswith("__")}
    return out


def test_every_file_parses_and_the_layout_is_complete(parsed: dict[str, dict[str, Any]]) -> None:
    assert {"versions.tf", "providers.tf", "variables.tf", "main.tf", "outputs.tf"} <= set(parsed)
    assert (TERRAFORM / "README.md").is_file()


def test_variables_are_declared_documented_typed_and_used(
    parsed: dict[str, dict[str, Any]], text: str
) -> None:
    variables = _blocks(parsed, "variable")
    assert {"kubeconfig_path", "tenant_host", "datastores", "install_mode"} <= set(variables)
    for name, body in variables.items():
        assert _unquote(body.get("description")), f"variable {name} has no description"
        assert "type" in body, f"variable {name} has no type"
    referenced = set(re.findall(r"\bvar\.([a-z_][a-z0-9_]*)", text))
    assert referenced - set(variables) == set(), "references to undeclared variables"
    assert set(variables) - referenced == set(), "declared variables nothing uses"
    assert variables["datastores"]["sensitive"] is True


def test_locals_and_resources_referenced_are_declared(parsed: dict[str, dict[str, Any]], text: str) -> None:
    local_names = set()
    for doc in parsed.values():
        for block in doc.get("locals", []):
            local_names |= {k for k in block if not k.startswith("__")}
    assert set(re.findall(r"\blocal\.([a-z_][a-z0-9_]*)", text)) <= local_names
    resources = _resources(parsed)
    assert {
        "kubernetes_namespace_v1.operator",
        "kubernetes_namespace_v1.tenant",
        "kubernetes_secret_v1.datastores",
        "helm_release.operator",
        "helm_release.platform",
        "kubernetes_manifest.argocd_application",
    } <= resources
    pattern = r"\b((?:kubernetes|helm)_[a-z0-9_]+\.[a-z_][a-z0-9_]*)"
    referenced = {r for r in re.findall(pattern, text) if not r.endswith((".metadata", ".manifest"))}
    assert referenced <= resources


def test_outputs_and_pinned_providers(parsed: dict[str, dict[str, Any]]) -> None:
    outputs = _blocks(parsed, "output")
    assert {"operator_namespace", "tenant_namespace", "datastores_secret", "tenant_url"} <= set(outputs)
    for name, body in outputs.items():
        assert _unquote(body.get("description")) and "value" in body, name
    (terraform,) = parsed["versions.tf"]["terraform"]
    (providers,) = terraform["required_providers"]
    for name in ("kubernetes", "helm"):
        assert _unquote(providers[name]["source"]) == f"hashicorp/{name}"
        assert _unquote(providers[name]["version"]).startswith("~>")


def test_the_secret_has_the_keys_the_platform_reads(parsed: dict[str, dict[str, Any]]) -> None:
    secret = parsed["main.tf"]["resource"]
    (body,) = [b['"kubernetes_secret_v1"']['"datastores"'] for b in secret if '"kubernetes_secret_v1"' in b]
    keys = {_name(k) for k in body["data"] if not k.startswith("__")}
    example = yaml.safe_load((ROOT / "crds" / "examples" / "datastores-secret.yaml").read_text())
    assert keys == set(example["stringData"])
    assert _unquote(parsed["main.tf"]["locals"][0]["secret_name"]) == example["metadata"]["name"]


def test_files_the_module_reads_exist() -> None:
    main = (TERRAFORM / "main.tf").read_text() + (TERRAFORM / "argocd.tf").read_text()
    for chart in re.findall(r'chart\s*=\s*"\$\{local\.charts_dir\}/([^"]+)"', main):
        assert (ROOT / "platform-charts" / chart / "Chart.yaml").is_file(), chart
    for name in re.findall(r'file\("\$\{local\.argocd_dir\}/([^"]+)"\)', main):
        assert (ARGOCD / name).is_file(), name
    for values in re.findall(r'"(values[-a-z]*\.yaml)"', main):
        assert (PLATFORM_CHART / values).is_file(), values
