"""DataJoint's key hash, identical so that both clients share one ``~jobs`` table."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any


def key_hash(mapping: Mapping[str, Any]) -> str:
    """MD5 hex of ``str(value)`` for the key's items sorted by name, concatenated."""
    hashed = hashlib.md5()
    for _, value in sorted(mapping.items()):
        hashed.update(str(value).encode())
    return hashed.hexdigest()
