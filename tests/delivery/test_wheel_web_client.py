"""The Python wheel carries the built web client (hatch_build.py), so `pip install` then
`rookery up` serves it without Node.js; and the server finds it there (webclient.locate)."""

from __future__ import annotations

import pathlib
import shutil
import subprocess
import sys
import zipfile

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
UV = REPO / ".tools" / "bin" / "uv"


def _project_copy(target: pathlib.Path) -> pathlib.Path:
    for name in ("pyproject.toml", "uv.lock", "README.md", "hatch_build.py"):
        shutil.copy2(REPO / name, target / name)
    for tree in ("workloads", "operator", "inference"):
        shutil.copytree(REPO / tree, target / tree, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return target


def _wheel(project: pathlib.Path, out: pathlib.Path) -> zipfile.ZipFile:
    uv = str(UV) if UV.exists() else shutil.which("uv")
    assert uv is not None, "uv builds the wheel: `make venv` installs it in .tools"
    command = [uv, "build", "--wheel", "--out-dir", str(out), str(project)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    (wheel,) = out.glob("rookery-*.whl")
    return zipfile.ZipFile(wheel)


@pytest.mark.timeout(600)
def test_the_wheel_carries_web_dist_when_built_and_nothing_when_not(tmp_path: pathlib.Path) -> None:
    (tmp_path / "project").mkdir()
    project = _project_copy(tmp_path / "project")
    without = _wheel(project, tmp_path / "without").namelist()
    assert "rookery/workloads/api/webclient.py" in without
    assert not [name for name in without if name.startswith("rookery/workloads/webclient/")]

    dist = project / "web" / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><div id='app'></div>")
    (dist / "assets" / "index-abc123.js").write_text("export {}")
    built = _wheel(project, tmp_path / "with")
    assert {"rookery/workloads/webclient/index.html", "rookery/workloads/webclient/assets/index-abc123.js"} <= set(
        built.namelist()
    )
    # installed, the server finds it beside its own module
    site = tmp_path / "site"
    built.extractall(site)
    found = subprocess.run(
        [sys.executable, "-c", "from rookery.workloads.api.webclient import locate;"
         " from rookery.workloads.settings import Settings; print(locate(Settings()))"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path, env={"PYTHONPATH": str(site), "PATH": "/usr/bin"},
    )  # fmt: skip
    assert found.returncode == 0, found.stderr
    assert found.stdout.strip() == str(site / "rookery" / "workloads" / "webclient")
