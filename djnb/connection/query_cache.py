"""The query cache of DataJoint 0.14 (``conn.set_query_cache(...)``): rows of reading statements
kept as files in the folder ``dj.config["query_cache"]``.

While a connection has a cache state (any non-empty string), only reading statements run
(SELECT, SHOW, ...); each result is looked up in the folder first and written there after the
first run. A file's name is a hash of the state string, the database (backend and address),
the statement, its arguments and the row shape (tuples or dicts): changing the state string
starts a fresh set of results, as in 0.14. Unlike 0.14's, the files are JSON (never pickle or
code), keyed also by the database and the row shape, and written atomically.
"""

from __future__ import annotations

import base64
import datetime
import decimal
import hashlib
import json
import os
import re
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..settings import config

#: statements that only read: the ones allowed while a cache state is set
READING = re.compile(r"\s*\(*\s*(SELECT|SHOW|WITH|DESCRIBE|DESC|EXPLAIN)\b", re.IGNORECASE)
SUFFIX = ".djq.json"

_TAGS: dict[type, tuple[str, Any]] = {
    bytes: ("bytes", lambda v: base64.b64encode(v).decode()),
    bytearray: ("bytes", lambda v: base64.b64encode(v).decode()),
    decimal.Decimal: ("decimal", str),
    datetime.datetime: ("datetime", datetime.datetime.isoformat),
    datetime.date: ("date", datetime.date.isoformat),
    datetime.time: ("time", datetime.time.isoformat),
    datetime.timedelta: ("timedelta", datetime.timedelta.total_seconds),
    uuid.UUID: ("uuid", str),
}
_UNTAG = {
    "bytes": base64.b64decode,
    "decimal": decimal.Decimal,
    "datetime": datetime.datetime.fromisoformat,
    "date": datetime.date.fromisoformat,
    "time": datetime.time.fromisoformat,
    "timedelta": lambda v: datetime.timedelta(seconds=v),
    "uuid": uuid.UUID,
}


def folder() -> Path:
    """The cache folder from ``dj.config["query_cache"]`` (created if missing).

    Raises ConfigError when it is not set, as 0.14 does when caching is on without it.
    """
    where = config.get("query_cache")
    if not where:
        raise ConfigError(
            "The query cache is on (conn.set_query_cache(...)) but dj.config['query_cache'] is not "
            "set: set it to a folder for the cached results, or call conn.set_query_cache(None)."
        )
    path = Path(where).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def purge() -> int:
    """Delete the cached results in ``dj.config["query_cache"]``; returns how many.

    As 0.14's ``purge_query_cache``: nothing happens when no folder is set or it does not
    exist. Only files this module wrote are deleted, never other files in the folder.
    """
    where = config.get("query_cache")
    if not where or not Path(where).expanduser().is_dir():
        return 0
    removed = 0
    for path in Path(where).expanduser().glob("*" + SUFFIX):
        if path.is_file():
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def key(state: str, database: str, sql: str, args: Any, as_dict: bool) -> str:
    """The file name of a statement's cached result (a hash; see the module docstring)."""
    if isinstance(args, dict):
        args = sorted(args.items())
    text = json.dumps([str(state), database, sql, _encode(list(args or ())), bool(as_dict)], default=repr)
    return hashlib.sha256(text.encode()).hexdigest()[:40] + SUFFIX


def load(path: Path) -> CachedCursor | None:
    """The cached rows at ``path``, or None when there are none (or the file is damaged)."""
    try:
        data = json.loads(path.read_text())
        columns = data["columns"]
        rows = [tuple(_decode(value) for value in row) for row in data["rows"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if columns is not None:
        rows = [dict(zip(columns, row, strict=True)) for row in rows]
    return CachedCursor(rows)


def store(path: Path, rows: Sequence[Any]) -> CachedCursor:
    """Write ``rows`` (tuples or dicts) to ``path`` atomically; return them as a cursor."""
    rows = list(rows)
    columns = list(rows[0]) if rows and isinstance(rows[0], dict) else None
    values = [list(row.values()) if columns is not None else list(row) for row in rows]
    try:
        text = json.dumps({"columns": columns, "rows": _encode(values)})
    except (TypeError, ValueError):  # a value of a type the cache cannot hold: not cached
        return CachedCursor(rows)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text)
    temporary.replace(path)
    return CachedCursor(rows)


def _encode(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_encode(item) for item in value]
    for cls in type(value).__mro__:
        if cls in _TAGS:
            tag, convert = _TAGS[cls]
            return {tag: convert(value)}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        ((tag, raw),) = value.items()
        return _UNTAG[tag](raw)
    return value


class CachedCursor:
    """The part of a DB-API cursor that djnb and 0.14 code use, over cached rows."""

    description = None

    def __init__(self, rows: list[Any]) -> None:
        self._rows = rows
        self._at = 0

    @property
    def rowcount(self) -> int:
        return len(self._rows)

    def fetchone(self) -> Any:
        if self._at >= len(self._rows):
            return None
        self._at += 1
        return self._rows[self._at - 1]

    def fetchmany(self, size: int = 1) -> list[Any]:
        rows = self._rows[self._at : self._at + size]
        self._at += len(rows)
        return rows

    def fetchall(self) -> list[Any]:
        rows = self._rows[self._at :]
        self._at = len(self._rows)
        return rows

    def __iter__(self) -> Iterator[Any]:
        while (row := self.fetchone()) is not None:
            yield row

    def close(self) -> None:
        self._at = len(self._rows)
