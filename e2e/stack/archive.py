"""Unpack a distribution zip once into the cache, keeping its files' permission bits."""

from __future__ import annotations

import pathlib
import shutil
import zipfile

from e2e.stack import process


def unpack_once(archive: pathlib.Path, dest: pathlib.Path) -> pathlib.Path:
    """Extract archive into dest (a no-op when a previous run finished it); returns its single top folder."""
    done = dest / ".complete"
    with process.path_lock(dest):
        if not done.exists():
            if dest.exists():
                shutil.rmtree(dest)  # an interrupted earlier extraction
            partial = dest.with_name(dest.name + ".partial")
            shutil.rmtree(partial, ignore_errors=True)
            with zipfile.ZipFile(archive) as zf:
                for info in zf.infolist():
                    path = pathlib.Path(zf.extract(info, partial))
                    mode = (info.external_attr >> 16) & 0o777
                    if mode and not info.is_dir():
                        path.chmod(mode)
            partial.rename(dest)
            done.touch()
    tops = [p for p in dest.iterdir() if p.is_dir()]
    return tops[0] if len(tops) == 1 else dest
