"""Turning fetched rows into DataJoint's result formats.

Values are decoded per attribute (blobs through the codec, uuid to ``uuid.UUID``, json to
Python objects); record arrays use DataJoint's dtypes (float64 and non-nullable ints typed,
everything else object, NULL floats as NaN).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from . import blob, hooks
from .concurrency import concurrently
from .definition import classify_type
from .errors import DataJointError
from .heading import Attribute, Heading

Decoder = Callable[[Any], Any]


class key:
    """Ask ``fetch()`` for the primary key: ``q.fetch(dj.key)`` is ``q.fetch("KEY")``."""


def is_key(attribute: Any) -> bool:
    """True for ``dj.key`` and ``"KEY"``, the two ways to ask ``fetch()`` for the primary key."""
    return attribute is key or attribute == "KEY"


@dataclass(frozen=True)
class Context:
    """What decoding needs beyond the values: the connection, adapters, where files go."""

    connection: Any
    adapters: Mapping[str, Any]
    download_path: str = "."


def decoder(attribute: Attribute, squeeze: bool, dialect: Any = None) -> Decoder | None:
    """How to turn the driver's value of ``attribute`` into the user's; None: as it comes."""
    if dialect is not None and attribute.sql_type and not attribute.is_blob:
        computed = attribute.category == "EXPRESSION"  # its type inferred (expression_types)
        converted = (dialect.expression_decoder if computed else dialect.value_decoder)(attribute.sql_type)
        if converted is not None:
            return converted
    if attribute.is_blob:
        return lambda value: None if value is None else blob.unpack(value, squeeze=squeeze)
    if attribute.uuid:
        return lambda value: None if value is None else uuid.UUID(bytes=bytes(value))
    if attribute.json:
        return lambda value: None if value is None else json.loads(value)
    return None


def dtype_of(attribute: Attribute) -> Any:
    """DataJoint's numpy dtype for an attribute in a record array (``Attribute.dtype``)."""
    return attribute.dtype


def needs_decoding(heading: Heading, names: Sequence[str], dialect: Any = None) -> bool:
    """Whether any of ``names`` needs decoding (else the driver's rows are already the values)."""
    for name in names:
        if name in heading:
            attribute = heading[name]
            if attribute.adapter is not None or attribute.is_external or attribute.is_attachment:
                return True
            if decoder(attribute, False, dialect) is not None:
                return True
    return False


def decode_rows(
    heading: Heading,
    names: Sequence[str],
    rows: Sequence[tuple],
    squeeze: bool,
    context: Context | None = None,
    dialect: Any = None,
) -> list[Sequence]:
    """Columns of decoded values, one sequence per name (``dialect``: the engine's value forms):
    a tuple of the driver's values where nothing needed decoding, else a list."""
    columns: list = list(zip(*rows, strict=True)) if rows else [() for _ in names]  # tuples until decoded
    for index, name in enumerate(names):
        if name not in heading:
            continue
        attribute, adapter = heading[name], None
        if attribute.adapter is not None:
            adapter = (context.adapters if context else {}).get(attribute.adapter)
            if adapter is None:
                raise DataJointError(
                    f"`{name}` uses the adapter <{attribute.adapter}>, which is not in the schema's context."
                )
            category, store, _ = classify_type(adapter.attribute_type)
            attribute = replace(attribute, category=category, store=store, adapter=None)
        if attribute.is_external or attribute.is_attachment:
            if context is None:
                raise DataJointError(f"Fetching `{name}` ({attribute.type}) needs the query's connection.")
            columns[index] = fetch_stored(attribute, columns[index], squeeze, context)
        else:
            decode = decoder(attribute, squeeze, dialect)
            if decode is not None:
                columns[index] = [decode(value) for value in columns[index]]
        if adapter is not None:
            columns[index] = [None if v is None else adapter.get(v) for v in columns[index]]
    return columns


def fetch_stored(attribute: Attribute, values: list, squeeze: bool, context: Context) -> list:
    """External blobs (fetched concurrently), attachments and filepaths."""
    if attribute.category == "INTERNAL_ATTACH":
        return [
            None
            if v is None
            else save_attachment(bytes(v).split(b"\0", 1)[0].decode(), bytes(v), None, context)
            for v in values
        ]
    if hooks.external is None:
        raise DataJointError("External storage is not available (import djnb.stores).")
    external = hooks.external(context.connection, attribute.database, attribute.store)
    ids = [None if v is None else uuid.UUID(bytes=bytes(v)) for v in values]
    present = [i for i in ids if i is not None]
    if attribute.category == "EXTERNAL_BLOB":
        # each object is unpacked by the thread that fetched it: zlib and hashing overlap transfers
        found = external.get_many(present, lambda data: blob.unpack(data, squeeze=squeeze))
    elif attribute.category == "FILEPATH":
        found = external.download_filepaths(present)
    else:
        names = external.attachment_names(present)
        # attachments of one name are saved one after another (a name taken by other contents
        # gets a numbered sibling); different names download concurrently
        by_name: dict[str, list[uuid.UUID]] = {}
        for object_id in dict.fromkeys(present):
            by_name.setdefault(names[object_id], []).append(object_id)
        found = {}

        def save_group(group: list[uuid.UUID]) -> None:
            for object_id in group:
                found[object_id] = save_attachment(names[object_id], None, (external, object_id), context)

        concurrently(save_group, by_name.values(), external.backend.threads)
    return [None if i is None else found[i] for i in ids]


def save_attachment(name: str, data: bytes | None, source: Any, context: Context) -> str:
    """Write an attachment under download_path; reuse a file with the same contents, never overwrite another."""
    checksum = hashlib.md5(data).digest() if data is not None else source[1].bytes
    target = Path(context.download_path) / name
    candidate, number = target, 0
    while candidate.is_file():
        if _file_id(candidate, name) == checksum:
            return str(candidate)
        candidate = target.with_name(f"{target.stem}_{number:04x}{target.suffix}")
        number += 1
    candidate.parent.mkdir(parents=True, exist_ok=True)
    if data is not None:
        candidate.write_bytes(data.split(b"\0", 1)[1])
    else:
        source[0].download_attachment(source[1], name, candidate)
    return str(candidate)


def _file_id(path: Path, name: str) -> bytes:
    digest = hashlib.md5((name + "\0").encode())
    digest.update(path.read_bytes())
    return digest.digest()


_SCALARS = frozenset({str, int, float, bool, bytes, type(None)})  # values numpy stores as they are


def as_records(heading: Heading, names: Sequence[str], columns: list[list]) -> np.ndarray:
    """A numpy record array with DataJoint's dtypes."""
    dtypes = [dtype_of(heading[n]) if n in heading else object for n in names]
    out = np.empty(len(columns[0]) if columns else 0, dtype=list(zip(names, dtypes, strict=True)))
    for name, dtype, values in zip(names, dtypes, columns, strict=True):
        if dtype is np.float64:
            out[name] = [np.nan if v is None else v for v in values] if None in values else values
        elif dtype is object and not set(map(type, values)) <= _SCALARS:
            column = out[name]  # sequences (decoded blobs, lists) go one by one: numpy would spread them
            for i, value in enumerate(values):
                column[i] = value
        else:
            out[name] = values
    return out


def records_of_rows(heading: Heading, names: Sequence[str], rows: Sequence[tuple]) -> np.ndarray | None:
    """The record array of rows that need no decoding, built by numpy from the rows at once
    (NULL floats become NaN, as in ``as_records``); None if numpy refuses a value (a NULL in an
    integer column): then ``as_records`` builds it a column at a time."""
    dtypes = [dtype_of(heading[n]) if n in heading else object for n in names]
    try:
        # a tuple of rows would be read as one record: numpy wants a list of them
        return np.array(
            list(rows) if isinstance(rows, tuple) else rows, dtype=list(zip(names, dtypes, strict=True))
        )
    except (TypeError, ValueError, OverflowError):
        return None


def as_dicts(names: Sequence[str], columns: list[list]) -> list[dict]:
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def as_frame(
    heading: Heading,
    names: Sequence[str],
    columns: list[list] | None = None,
    rows: Sequence[tuple] | None = None,
) -> Any:
    """A DataFrame indexed by the primary key, from decoded ``columns`` or undecoded driver ``rows``."""
    import pandas  # pandas loads only when a DataFrame is asked for

    if rows is not None:  # pandas builds typed columns from row tuples about twice as fast
        frame = pandas.DataFrame.from_records(list(rows), columns=list(names), nrows=len(rows))
    else:
        frame = pandas.DataFrame(
            {n: c for n, c in zip(names, columns or [], strict=True)}, columns=list(names)
        )
    key = [n for n in heading.primary_key if n in names]
    return frame.set_index(key) if key else frame
