"""JSON responses serialised with orjson (FastAPI's ORJSONResponse is deprecated upstream).

Routes build plain dicts/lists and return ``JsonResponse(data)``; no pydantic on the hot path.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response


class JsonResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


class RawJsonResponse(Response):
    """Already-serialised JSON bytes (e.g. cached entities joined without re-encoding)."""

    media_type = "application/json"
