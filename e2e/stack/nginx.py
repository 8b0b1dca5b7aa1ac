"""nginx from Debian, for tests that put Rookery behind a real TLS-terminating reverse proxy.

Not a stack service: a test writes its own configuration and runs its own nginx (``nginx -c``), on
ports it picked; this module only makes sure the binary is there (its .debs cached under
~/.cache/rookery/apt, so a fresh machine installs without downloading again).
"""

from __future__ import annotations

import pathlib

from e2e.stack import apt
from e2e.stack.versions import section

CACHE = pathlib.Path.home() / ".cache" / "rookery"


def ensure_nginx(log: pathlib.Path) -> pathlib.Path:
    """The nginx binary, installed (root) when missing."""
    nginx = section("nginx")
    binary = pathlib.Path(nginx["binary"])
    apt.ensure("nginx", [nginx["debian_package"]], binary, log, archives=CACHE / "apt")
    return binary
