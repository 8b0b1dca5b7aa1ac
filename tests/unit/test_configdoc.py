"""README.md lists every ROOKERY_* setting, exactly as Settings declares it."""

from __future__ import annotations

import pathlib

from rookery.workloads.configdoc import current_block, render_block
from rookery.workloads.settings import Settings

README = pathlib.Path(__file__).resolve().parents[2] / "README.md"


def test_readme_configuration_table_matches_settings() -> None:
    block = current_block(README.read_text())
    assert block is not None, "README.md lost its settings markers"
    assert block == render_block(), (
        "README.md's configuration table is out of date: run "
        "`.venv/bin/python -m rookery.workloads.configdoc --write`"
    )


def test_every_setting_is_described() -> None:
    undocumented = [name for name, field in Settings.model_fields.items() if not field.description]
    assert undocumented == []
