"""Hatchling build hook: the wheel carries the web client's built assets (web/dist, from `make web`)
as rookery/workloads/webclient, so `pip install rookery` then `rookery up` serves it without Node.js.
A wheel built where web/dist is missing simply has none (the gateway then says how to build it)."""

from __future__ import annotations

import pathlib
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class WebClientAssets(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        dist = pathlib.Path(self.root) / "web" / "dist"
        if self.target_name == "wheel" and version == "standard" and (dist / "index.html").is_file():
            build_data["force_include"][str(dist)] = "rookery/workloads/webclient"
