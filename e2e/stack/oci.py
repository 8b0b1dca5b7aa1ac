"""OCI image archives written here, for images no registry can give this machine.

An archive is an OCI image layout in one tar (oci-layout, index.json, blobs/sha256/...): one
uncompressed layer holding the given files, an image config (entrypoint, environment) and a
manifest, named by the `io.containerd.image.name` annotation so `ctr images import` tags it. The
layer is deterministic (fixed owners and times), so the same files give the same image digest.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import pathlib
import tarfile
from collections.abc import Sequence
from typing import Any

MANIFEST = "application/vnd.oci.image.manifest.v1+json"
CONFIG = "application/vnd.oci.image.config.v1+json"
LAYER = "application/vnd.oci.image.layer.v1.tar"
INDEX = "application/vnd.oci.image.index.v1+json"


@dataclasses.dataclass(frozen=True)
class File:
    """One file of the image: its path inside the image, its bytes and mode."""

    path: str
    data: bytes
    mode: int = 0o755

    @classmethod
    def from_host(cls, path: str, source: pathlib.Path, mode: int = 0o755) -> File:
        return cls(path, source.read_bytes(), mode)


def _tar_bytes(members: Sequence[tuple[tarfile.TarInfo, bytes | None]]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return buffer.getvalue()


def _info(name: str, *, mode: int, size: int = 0, directory: bool = False) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE if directory else tarfile.REGTYPE
    info.mode, info.size, info.mtime, info.uid, info.gid = mode, size, 0, 0, 0
    return info


def layer(files: Sequence[File], directories: Sequence[str] = ("tmp", "etc")) -> bytes:
    """An uncompressed layer tar: the files' parent directories, the extra directories, the files."""
    dirs: set[str] = set(directories)
    for f in files:
        parts = f.path.strip("/").split("/")[:-1]
        dirs.update("/".join(parts[: i + 1]) for i in range(len(parts)))
    members: list[tuple[tarfile.TarInfo, bytes | None]] = [
        (_info(d, mode=0o1777 if d == "tmp" else 0o755, directory=True), None) for d in sorted(dirs)
    ]
    for f in sorted(files, key=lambda f: f.path):
        members.append((_info(f.path.strip("/"), mode=f.mode, size=len(f.data)), f.data))
    return _tar_bytes(members)


def _blob(blobs: dict[str, bytes], data: bytes, media_type: str) -> dict[str, Any]:
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    blobs[digest] = data
    return {"mediaType": media_type, "digest": digest, "size": len(data)}


def _json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def write(
    archive: pathlib.Path,
    name: str,
    files: Sequence[File],
    *,
    entrypoint: Sequence[str],
    cmd: Sequence[str] = (),
    env: Sequence[str] = ("PATH=/",),
    user: str = "",
) -> str:
    """Write the image `name` (e.g. "localhost/rookery-pause:1.0") to archive; returns its manifest digest."""
    if ":" not in name.rsplit("/", 1)[-1]:
        raise ValueError(f"image name {name!r} needs a tag")
    blobs: dict[str, bytes] = {}
    layer_tar = layer(files)
    layer_desc = _blob(blobs, layer_tar, LAYER)
    config = {
        "architecture": "amd64",
        "os": "linux",
        "config": {"Entrypoint": list(entrypoint), "Cmd": list(cmd), "Env": list(env), "User": user},
        "rootfs": {"type": "layers", "diff_ids": [layer_desc["digest"]]},  # uncompressed: same digest
        "history": [{"created_by": "e2e/stack/oci.py", "comment": ", ".join(sorted(f.path for f in files))}],
    }
    config_desc = _blob(blobs, _json(config), CONFIG)
    manifest = {"schemaVersion": 2, "mediaType": MANIFEST, "config": config_desc, "layers": [layer_desc]}
    manifest_desc = _blob(blobs, _json(manifest), MANIFEST)
    tag = name.rsplit(":", 1)[1]
    manifest_desc["annotations"] = {"io.containerd.image.name": name, "org.opencontainers.image.ref.name": tag}
    index = {"schemaVersion": 2, "mediaType": INDEX, "manifests": [manifest_desc]}
    members: list[tuple[tarfile.TarInfo, bytes | None]] = [
        (_info("blobs", mode=0o755, directory=True), None),
        (_info("blobs/sha256", mode=0o755, directory=True), None),
    ]
    for digest, data in sorted(blobs.items()):
        members.append((_info(f"blobs/sha256/{digest.split(':', 1)[1]}", mode=0o644, size=len(data)), data))
    for file_name, data in (("oci-layout", _json({"imageLayoutVersion": "1.0.0"})), ("index.json", _json(index))):
        members.append((_info(file_name, mode=0o644, size=len(data)), data))
    archive.parent.mkdir(parents=True, exist_ok=True)
    partial = archive.with_name(archive.name + ".partial")
    partial.write_bytes(_tar_bytes(members))
    partial.replace(archive)
    return str(manifest_desc["digest"])
