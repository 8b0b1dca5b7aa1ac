"""The suite's own layout: pytest imports tests/ modules by basename (no packages, rootdir imports),
so two test modules with one basename stop collection for the whole run."""

from __future__ import annotations

import collections
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_every_test_module_under_tests_has_its_own_basename() -> None:
    modules = [p for p in (ROOT / "tests").rglob("*.py") if "node_modules" not in p.parts]
    names = collections.Counter(p.name for p in modules if p.name != "__init__.py")
    clashes = {
        name: sorted(str(p.relative_to(ROOT)) for p in modules if p.name == name) for name, n in names.items() if n > 1
    }
    clashes.pop("conftest.py", None)  # pytest loads each conftest by its path
    assert not clashes, f"rename one of each: {clashes}"
