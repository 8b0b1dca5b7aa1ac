"""The benchmark's result file (bench/results/latest.json) and its markdown table.

Shape (fixed; tests/bench/test_bench_shape.py checks it):

    {"machine": {...}, "commit": "...",
     "scenarios": [{"name", "mode", "peak_rps", "sustained_rps", "rps_at_70", "p50_ms", "p95_ms",
                    "p99_ms", "ceiling", "ceiling_rps", "ratio"}],
     "fanout": [{"followers", "mode", "p50_ms", "p99_ms"}]}

``sustained_rps`` (writes only, else null): the requests of the peak run over its duration plus the
time the server then took to finish the background work they caused (fan-out, moderation,
streaming, notifications): the rate it keeps up with. A write's "70%" is of this rate.
"""

from __future__ import annotations

import json
import os
import pathlib
import platform
import subprocess
from collections.abc import Iterable, Mapping
from typing import Any

SCENARIO_KEYS = (
    "name",
    "mode",
    "peak_rps",
    "sustained_rps",
    "rps_at_70",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "ceiling",
    "ceiling_rps",
    "ratio",
)
FANOUT_KEYS = ("followers", "mode", "p50_ms", "p99_ms")
TOP_KEYS = ("machine", "commit", "scenarios", "fanout")


def machine_info() -> dict[str, Any]:
    """CPU model, cores, memory and load average, read when the run starts."""
    model = platform.processor() or ""
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gib = 0.0
    try:
        for line in pathlib.Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {
        "cpu_model": model,
        "cores": os.cpu_count() or 0,
        "memory_gib": memory_gib,
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
    }


def git_commit(repo: pathlib.Path | None = None) -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", "workloads", "bench"],
            cwd=repo,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out + ("+dirty" if dirty else "")


def _num(value: Any, digits: int = 2) -> float | None:
    if value is None:
        return None
    return round(float(value), digits)


def scenario_row(
    name: str,
    mode: str,
    *,
    peak_rps: float | None,
    rps_at_70: float | None,
    sustained_rps: float | None = None,
    p50_ms: float | None,
    p95_ms: float | None,
    p99_ms: float | None,
    ceiling: str,
    ceiling_rps: float | None,
) -> dict[str, Any]:
    ratio = peak_rps / ceiling_rps if peak_rps and ceiling_rps else None
    return {
        "name": name,
        "mode": mode,
        "peak_rps": _num(peak_rps, 1),
        "sustained_rps": _num(sustained_rps, 1),
        "rps_at_70": _num(rps_at_70, 1),
        "p50_ms": _num(p50_ms),
        "p95_ms": _num(p95_ms),
        "p99_ms": _num(p99_ms),
        "ceiling": ceiling,
        "ceiling_rps": _num(ceiling_rps, 1),
        "ratio": _num(ratio, 3),
    }


def fanout_row(followers: int, mode: str, *, p50_ms: float | None, p99_ms: float | None) -> dict[str, Any]:
    return {"followers": int(followers), "mode": mode, "p50_ms": _num(p50_ms), "p99_ms": _num(p99_ms)}


def result(
    machine: Mapping[str, Any],
    commit: str,
    scenarios: Iterable[Mapping[str, Any]],
    fanout: Iterable[Mapping[str, Any]],
) -> dict[str, Any]:
    """The whole result, each row reduced to exactly its documented keys."""
    return {
        "machine": dict(machine),
        "commit": commit,
        "scenarios": [{key: row.get(key) for key in SCENARIO_KEYS} for row in scenarios],
        "fanout": [{key: row.get(key) for key in FANOUT_KEYS} for row in fanout],
    }


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    return str(value)


def markdown(data: Mapping[str, Any], title: str = "Rookery benchmarks") -> str:
    machine = data["machine"]
    load = machine.get("load_average_start")
    lines = [
        f"# {title}",
        "",
        f"Commit `{data['commit']}`. Machine: {machine.get('cpu_model', '?')},"
        f" {machine.get('cores', '?')} cores, {machine.get('memory_gib', '?')} GiB;"
        f" load average at start {load}.",
    ]
    for note in machine.get("notes", []):
        lines.append(f"- {note}")
    lines += [
        "",
        "| scenario | mode | peak req/s | sustained req/s | req/s at 70% | p50 ms | p95 ms | p99 ms"
        " | ceiling | ceiling req/s | ratio |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|",
    ]
    for row in data["scenarios"]:
        lines.append("| " + " | ".join(_cell(row[key]) for key in SCENARIO_KEYS) + " |")
    lines += [
        "",
        "| fan-out: followers | mode | p50 ms | p99 ms |",
        "|---:|---|---:|---:|",
    ]
    for row in data["fanout"]:
        lines.append("| " + " | ".join(_cell(row[key]) for key in FANOUT_KEYS) + " |")
    return "\n".join(lines) + "\n"


def write(data: Mapping[str, Any], json_path: pathlib.Path, md_path: pathlib.Path, title: str = "") -> None:
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(data, indent=2) + "\n")
    md_path.write_text(markdown(data, title or "Rookery benchmarks"))
