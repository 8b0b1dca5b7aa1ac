"""Request parameters the way Mastodon clients send them: query string, JSON, form or multipart.

``params = await read_params(request)`` merges the query string with the body (body wins) and
offers typed getters that answer a clear 422 for a wrong type: ``text``, ``flag`` (Mastodon's
boolean spellings), ``integer``, ``strings`` (lists), ``objects`` (nested attributes), ``file``.
Form keys in Rails style are understood: ``ids[]=1&ids[]=2``
  is a list, ``fields_attributes[0][name]=x`` a nested dict.
Malformed JSON gets 400, a body that is not a JSON object 422, an unknown content type 415.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import orjson
from fastapi import Request
from starlette.datastructures import UploadFile

from rookery.workloads.api.errors import ApiError, Unprocessable

_KEY_PART = re.compile(r"\[([^\]]*)\]")
TRUE = {"1", "true", "t", "on", "yes", "y"}
FALSE = {"0", "false", "f", "off", "no", "n", ""}


def _insert(target: dict[str, Any], key: str, value: Any) -> None:
    base, _, rest = key.partition("[")
    path = [base, *_KEY_PART.findall("[" + rest)] if rest else [base]
    node: Any = target
    for index, part in enumerate(path):
        last = index == len(path) - 1
        if part == "":  # "name[]": append to a list ("name[][]" too: Mastodon.py sends id[] lists so)
            if not isinstance(node, list):
                return
            if all(rest == "" for rest in path[index + 1 :]):
                node.append(value)
            elif index == len(path) - 2:  # Rails' "name[][key]": a new object once key repeats
                key = path[-1]
                if not node or not isinstance(node[-1], dict) or key in node[-1]:
                    node.append({})
                node[-1][key] = value
            return
        nxt = path[index + 1] if not last else None
        if last:
            if isinstance(node, dict):
                node[part] = value
            return
        if not isinstance(node, dict):
            return
        child = node.get(part)
        if nxt == "":
            if not isinstance(child, list):
                child = node[part] = []
        elif not isinstance(child, dict):
            child = node[part] = {}
        node = child


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def _refusing_nul(data: dict[str, Any], files: dict[str, UploadFile] | None = None) -> Params:
    """PostgreSQL stores no NUL in text (the write fails: a 500) and no client means one: every
    parameter, at any depth, is refused with one in both modes, before anything reads it (an
    uploaded file's bytes are not parameters)."""
    for name, value in data.items():
        if _has_nul(name) or _has_nul(value):
            raise Unprocessable(f"{name.replace(chr(0), '')} must not contain NUL characters")
    return Params(data, files)


class Params:
    def __init__(self, data: dict[str, Any], files: dict[str, UploadFile] | None = None) -> None:
        self.data = data
        self.files = files or {}

    def __contains__(self, name: str) -> bool:
        return name in self.data or name in self.files

    def raw(self, name: str) -> Any:
        return self.data.get(name)

    def text(self, name: str, default: str | None = None, *, max_length: int | None = None) -> str | None:
        value = self.data.get(name)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise Unprocessable(f"{name} must be a string")
        text = str(value)
        if max_length is not None and len(text) > max_length:
            raise Unprocessable(f"{name} is too long (maximum is {max_length} characters)")
        return text

    def flag(self, name: str, default: bool | None = None) -> bool | None:
        value = self.data.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str | int) and str(value).strip().lower() in TRUE:
            return True
        if isinstance(value, str | int) and str(value).strip().lower() in FALSE:
            return False
        raise Unprocessable(f"{name} must be a boolean")

    def integer(
        self, name: str, default: int | None = None, *, minimum: int | None = None, maximum: int | None = None
    ) -> int | None:
        value = self.data.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            raise Unprocessable(f"{name} must be an integer")
        try:
            number = int(value) if isinstance(value, int | str) else int("x")
        except ValueError:
            raise Unprocessable(f"{name} must be an integer") from None
        if minimum is not None and number < minimum:
            raise Unprocessable(f"{name} must be at least {minimum}")
        if maximum is not None and number > maximum:
            raise Unprocessable(f"{name} must be at most {maximum}")
        return number

    def date(self, name: str) -> dt.date:
        """A required ``YYYY-MM-DD`` (a longer ISO timestamp is cut to its date)."""
        raw = self.text(name)
        if not raw:
            raise Unprocessable(f"Validation failed: {name} is required")
        try:
            return dt.date.fromisoformat(raw[:10])
        except ValueError:
            raise Unprocessable(f"Validation failed: {name} must be a date (YYYY-MM-DD)") from None

    def strings(self, name: str) -> list[str]:
        """``name[]`` / ``name`` (repeated or single) / a JSON array, as strings."""
        value = self.data.get(name)
        if value is None:
            return []
        items = value if isinstance(value, list) else [value]
        if any(isinstance(item, bool) or not isinstance(item, str | int) for item in items):
            raise Unprocessable(f"{name} must be a list of strings")
        return [str(item) for item in items]

    def objects(self, name: str) -> list[dict[str, Any]]:
        """Rails nested attributes: ``name[0][k]=v`` (form) or a JSON list / object of objects."""
        value = self.data.get(name)
        if value is None:
            return []
        items = (
            [value[k] for k in sorted(value, key=lambda k: (len(k), k))] if isinstance(value, dict) else value
        )
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise Unprocessable(f"{name} must be a list of objects")
        return items

    def file(self, name: str) -> UploadFile | None:
        return self.files.get(name)


async def read_params(request: Request) -> Params:
    data: dict[str, Any] = {}
    scope = request.scope
    if scope.get("query_string"):
        for key, value in request.query_params.multi_items():
            _insert(data, key, value)
    files: dict[str, UploadFile] = {}
    content_type, framed = "", False
    for name, value in scope["headers"]:  # raw: no Headers object for the usual GET
        if name == b"content-type" and not content_type:
            content_type = value.decode("latin-1").split(";")[0].strip().lower()
        elif name in (b"content-length", b"transfer-encoding"):
            framed = True
    # HTTP/1.1: a request with neither header has no body (RFC 9112 6.3), so nothing to receive
    body = await request.body() if framed else b""
    if not body and content_type != "multipart/form-data":
        return _refusing_nul(data) if data else Params(data)
    if content_type == "application/json" or content_type.endswith("+json"):
        try:
            parsed = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise ApiError(400, "Malformed JSON in request body") from None
        if not isinstance(parsed, dict):
            raise Unprocessable("Request body must be a JSON object")
        data.update(parsed)
    elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        try:
            form = await request.form()
        except Exception as exc:  # python-multipart raises several types for broken bodies
            raise ApiError(400, f"Malformed form body: {exc}") from None
        for key, item in form.multi_items():
            if isinstance(item, UploadFile):
                files[key] = item
            else:
                _insert(data, key, item)
    else:
        raise ApiError(415, f"Unsupported content type: {content_type or 'none'}")
    return _refusing_nul(data, files)
