"""Where model artifacts live: a storage URI resolved to a local folder.

KServe's storage initializer downloads a remote ``storageUri`` (s3://, gs://, https://...) into
``/mnt/models`` before the model server starts, so the server itself only reads local folders:
a plain path, a ``file://`` URI, or ``/mnt/models`` by default when it exists.

Layout of the folder (every part optional)::

    ranking/model.joblib        written by `rookery inference train`
    anomaly/model.joblib        written by `rookery inference train`
    moderation/policy.json      thresholds and rule limits (ModerationPolicy fields)
    embeddings/                 a sentence-transformers model folder replacing the packaged one
"""

from __future__ import annotations

import os
import pathlib
import urllib.parse

KSERVE_MODEL_DIR = pathlib.Path("/mnt/models")
STORAGE_URI_ENV = "ROOKERY_MODEL_STORAGE_URI"


class StorageError(ValueError):
    """The storage URI cannot be read by this process."""


def resolve_storage(uri: str | None = None) -> pathlib.Path | None:
    """The local folder for ``uri`` (else $ROOKERY_MODEL_STORAGE_URI, else /mnt/models); None if none."""
    uri = uri or os.environ.get(STORAGE_URI_ENV) or ""
    if not uri:
        return KSERVE_MODEL_DIR if KSERVE_MODEL_DIR.is_dir() else None
    parsed = urllib.parse.urlparse(uri)
    if parsed.scheme == "file":
        if parsed.netloc not in ("", "localhost"):
            raise StorageError(f"file URI {uri!r} names a remote host; use file:///absolute/path")
        path = pathlib.Path(urllib.parse.unquote(parsed.path))
    elif parsed.scheme == "" or (len(parsed.scheme) == 1 and os.name == "nt"):
        path = pathlib.Path(uri)
    else:
        raise StorageError(
            f"storage URI scheme {parsed.scheme!r} is not read by the model server; KServe's storage "
            f"initializer downloads it to {KSERVE_MODEL_DIR} (use a local path or file:// here)"
        )
    path = path.expanduser()
    if path.exists() and not path.is_dir():
        raise StorageError(f"storage URI {uri!r} is not a folder")
    return path


def artifact(storage: pathlib.Path | None, model: str, filename: str) -> pathlib.Path | None:
    """``storage/model/filename`` when that file exists."""
    if storage is None:
        return None
    candidate = storage / model / filename
    return candidate if candidate.is_file() else None
