"""DataJoint's hashes: the key hash (identical, so both clients share one ``~jobs`` table) and
the MD5 content ids of external objects."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any, BinaryIO


def key_hash(mapping: Mapping[str, Any]) -> str:
    """MD5 hex of ``str(value)`` for the key's items sorted by name, concatenated."""
    hashed = hashlib.md5()
    for _, value in sorted(mapping.items()):
        hashed.update(str(value).encode())
    return hashed.hexdigest()


def uuid_from_stream(stream: BinaryIO, *, init_string: str = "") -> uuid.UUID:
    """MD5 of ``init_string`` (UTF-8) then the stream's bytes, as a UUID: DataJoint's content
    id of external objects (0.14's ``datajoint.hash``). Reads in 1 MB chunks."""
    digest = hashlib.md5(init_string.encode())
    for chunk in iter(lambda: stream.read(1 << 20), b""):
        digest.update(chunk)
    return uuid.UUID(bytes=digest.digest())


def uuid_from_buffer(buffer: bytes = b"", *, init_string: str = "") -> uuid.UUID:
    """MD5 of ``init_string`` then ``buffer``, as a UUID (the id of a packed external blob)."""
    digest = hashlib.md5(init_string.encode())
    digest.update(buffer)
    return uuid.UUID(bytes=digest.digest())


def uuid_from_file(filepath: str | os.PathLike, *, init_string: str = "") -> uuid.UUID:
    """MD5 of ``init_string`` then the file's contents, as a UUID. Raises ``FileNotFoundError``."""
    with Path(filepath).open("rb") as stream:
        return uuid_from_stream(stream, init_string=init_string)
