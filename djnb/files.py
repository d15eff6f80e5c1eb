"""Whole-file writes that readers never see half done (DataJoint 0.14's ``safe_write`` and
``safe_copy``, which lab code imports from ``datajoint.utils``)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def safe_write(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file renamed into place, creating the
    folders; as in DataJoint 0.14, an existing file is left as it is (contents are addressed
    by hash, so it already holds the same bytes)."""
    target = Path(path)
    if target.is_file():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.saving")
    temporary.write_bytes(data)
    temporary.replace(target)


def safe_copy(source: str | os.PathLike, destination: str | os.PathLike, overwrite: bool = False) -> None:
    """Copy ``source`` to ``destination`` through a temporary file renamed into place.

    Skipped when ``destination`` exists and ``overwrite`` is false, or when both name the same
    file. Raises ``FileNotFoundError`` when ``source`` is missing.
    """
    source, target = Path(source), Path(destination)
    if target.exists() and (source.samefile(target) or not overwrite):
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.copying")
    shutil.copyfile(source, temporary)
    temporary.replace(target)
