"""The Cloudinary stand-in (tests/contract/cloudinary_double.py: Cloudinary is a paid cloud service
that cannot be reached from here) served where the node's pods reach it: POD_HOST, port 80 (a port
the tenant's NetworkPolicy opens for the media CDN). A tenant uses it through one Secret key,
``cloudinary://<key>:<secret>@<cloud>?upload_prefix=http://POD_HOST:80``; delivery URLs point at
the same server, which this machine reaches too."""

from __future__ import annotations

import contextlib
import importlib.util
import pathlib
import sys
import threading
import time
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import uvicorn

from e2e.stack.hostnet import POD_HOST

DOUBLE = pathlib.Path(__file__).resolve().parents[1] / "tests" / "contract" / "cloudinary_double.py"
PORT = 80


def _double_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("rookery_cloudinary_double", DOUBLE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


@contextlib.contextmanager
def serving(host: str = POD_HOST, port: int = PORT) -> Iterator[Any]:
    """A running double on host:port for the block (uvicorn in a thread); yields the double, whose
    ``url`` plus ``?upload_prefix=`` is what a tenant's Secret carries (``secret_url``)."""
    double = _double_module().CloudinaryDouble(base_url=f"http://{host}:{port}")
    server = uvicorn.Server(uvicorn.Config(double.app(), host=host, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="cloudinary-double", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), f"the Cloudinary stand-in did not start on {host}:{port}"
        assert time.monotonic() < deadline, f"the Cloudinary stand-in did not start on {host}:{port} in 30 s"
        time.sleep(0.05)
    try:
        yield double
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def secret_url(double: Any) -> str:
    return f"{double.url}?upload_prefix={double.base_url}"
