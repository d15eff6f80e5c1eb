"""Turning fetched rows into DataJoint's result formats.

Values are decoded per attribute (blobs through the codec, uuid to ``uuid.UUID``, json to
Python objects); record arrays use DataJoint's dtypes (float64 and non-nullable ints typed,
everything else object, NULL floats as NaN).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import blob
from .errors import DataJointError
from .heading import Attribute, Heading

Decoder = Callable[[Any], Any]


def decoder(attribute: Attribute, squeeze: bool) -> Decoder | None:
    """How to turn the driver's value of ``attribute`` into the user's; None: as it comes."""
    if attribute.is_external or attribute.is_attachment or attribute.is_filepath:
        raise DataJointError(
            f"Fetching `{attribute.name}` ({attribute.type}) needs external storage, which comes in a later release. "
            f"Leave it out: fetch the other attributes by name, or proj() it away."
        )
    if attribute.is_blob:
        return lambda value: None if value is None else blob.unpack(value, squeeze=squeeze)
    if attribute.uuid:
        return lambda value: None if value is None else uuid.UUID(bytes=bytes(value))
    if attribute.json:
        return lambda value: None if value is None else json.loads(value)
    return None


def dtype_of(attribute: Attribute) -> Any:
    """DataJoint's numpy dtype for an attribute in a record array."""
    sql = (attribute.sql_type or attribute.type).lower()
    if attribute.category == "FLOAT":
        return np.float64
    if attribute.category in ("INTEGER", "BOOL") and not attribute.nullable:
        return np.uint64 if sql.startswith("bigint") and "unsigned" in sql else np.int64
    return object


def decode_rows(heading: Heading, names: Sequence[str], rows: Sequence[tuple], squeeze: bool) -> list[list]:
    """Columns of decoded values, one list per name."""
    columns = [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in names]
    for index, name in enumerate(names):
        decode = decoder(heading[name], squeeze) if name in heading else None
        if decode is not None:
            columns[index] = [decode(value) for value in columns[index]]
    return columns


def as_records(heading: Heading, names: Sequence[str], columns: list[list]) -> np.ndarray:
    """A numpy record array with DataJoint's dtypes."""
    dtypes = [dtype_of(heading[n]) if n in heading else object for n in names]
    out = np.empty(len(columns[0]) if columns else 0, dtype=list(zip(names, dtypes, strict=True)))
    for name, dtype, values in zip(names, dtypes, columns, strict=True):
        if dtype is np.float64:
            out[name] = [np.nan if v is None else v for v in values]
        elif dtype is object:
            column = out[name]
            for i, value in enumerate(values):
                column[i] = value
        else:
            out[name] = values
    return out


def as_dicts(names: Sequence[str], columns: list[list]) -> list[dict]:
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def as_frame(heading: Heading, names: Sequence[str], columns: list[list]) -> Any:
    import pandas  # pandas loads only when a DataFrame is asked for

    frame = pandas.DataFrame({n: c for n, c in zip(names, columns, strict=True)}, columns=list(names))
    key = [n for n in heading.primary_key if n in names]
    return frame.set_index(key) if key else frame
