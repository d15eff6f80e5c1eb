"""Inserting and updating rows: encoding values, batching, and the all-or-nothing rule.

Rows may be dicts, sequences (in heading order), numpy records, DataFrames, a CSV file
(a ``pathlib.Path``, read with its header row), or a query (then the server copies the rows
with INSERT ... SELECT). As in DataJoint 0.14, ``None`` (and NaN, except in blobs) stands for
the column's default, in ``insert`` and in ``update1``. Many rows go in batched statements
(the driver splits them below ``max_allowed_packet``) inside one transaction: one bad row
leaves the table as it was. Text that UTF-8 cannot encode (lone surrogates) is refused before
anything is sent, with an InvalidValueError naming the row and the attribute.
"""

from __future__ import annotations

import csv
import functools
import json
import math
import operator
import os
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from . import hooks
from .blob import pack
from .definition import classify_type
from .definition.types import enum_members
from .errors import ArgumentError, DataJointError, InvalidValueError, UnknownAttributeError
from .expression import QueryExpression
from .heading import Attribute, Heading
from .sql.compiler import Compiler
from .sql.conditions import bad_text, unencodable

if TYPE_CHECKING:
    from .table import Table


_PASS_THROUGH = frozenset({int, bool, bytes})


def _plain(value: Any) -> Any:
    """A value of an ordinary column: most pass as they are; NaN is NULL; numpy scalars unwrap.

    Raises UnicodeEncodeError for text that UTF-8 cannot encode (the caller says where)."""
    kind = type(value)
    if kind in _PASS_THROUGH or value is None:
        return value
    if kind is str:  # isascii() is a flag of the string: only other text is encoded to check it
        return value if value.isascii() else _text(value)
    if kind is float:
        return None if value != value else value  # NaN is NULL
    return _unwrap(value)


def _plain_rows(tuples: list) -> list:
    """``_plain`` of every value of rows of ordinary columns, checked a column at a time: a
    column of ints, of ASCII text or of floats without NaN (with or without NULLs) passes as it
    is, found by C-level scans; other columns go value by value."""
    if not tuples:
        return tuples
    columns = list(zip(*tuples, strict=True))
    changed = False
    for index, column in enumerate(columns):
        kinds = set(map(type, column))
        kinds.discard(type(None))
        if kinds <= _PASS_THROUGH:
            continue
        if kinds == {str} and all(map(str.isascii, filter(None, column))):
            continue
        if kinds == {float} and not any(map(math.isnan, filter(None, column))):
            continue
        columns[index] = tuple(map(_plain, column))
        changed = True
    if changed:
        return list(zip(*columns, strict=True))
    return tuples if type(tuples[0]) is tuple else [tuple(row) for row in tuples]


def _text(value: str) -> str:
    value.encode("utf-8")  # raises UnicodeEncodeError at a lone surrogate
    return value


def _unwrap(value: Any) -> Any:
    if hasattr(value, "item") and hasattr(value, "dtype"):  # a numpy scalar
        value = value.astype("datetime64[us]").item() if value.dtype.kind == "M" else value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str):
        return _text(value)
    return value


def takes_default(attribute: Attribute) -> bool:
    """Whether a missing value (None, NaN) of ``attribute`` means its default rather than NULL:
    the column has a default other than NULL (0.14 writes ``DEFAULT`` for such values)."""
    return attribute.default is not None and attribute.default.lower() != "null" and attribute.adapter is None


def is_missing(value: Any) -> bool:
    """None, or a float NaN (Python or numpy scalar)."""
    if value is None:
        return True
    if isinstance(value, float):
        return value != value
    kind = getattr(getattr(value, "dtype", None), "kind", None)
    return kind == "f" and getattr(value, "ndim", 1) == 0 and bool(value != value)


def default_value(attribute: Attribute) -> tuple[str | None, Any]:
    """(SQL, None) for a default the server computes (``CURRENT_TIMESTAMP``), else (None, value):
    the value to bind for the default of ``attribute`` as the heading shows it."""
    default = attribute.default
    if default is None or default.lower() == "null":
        return None, None
    if default.upper().startswith("CURRENT_TIMESTAMP"):
        return default, None
    if len(default) >= 2 and default[0] == default[-1] and default[0] in "\"'":
        return None, default[1:-1]
    return None, from_text(attribute, default)


def from_text(attribute: Attribute, text: str) -> Any:
    """A value written as text (a CSV cell, a default) as ``attribute`` holds it: numbers parsed,
    an empty cell of a non-string attribute missing (None); anything unparsed stays text."""
    if text == "" and attribute.category not in ("STRING", "ENUM"):
        return None
    try:
        if attribute.category in ("INTEGER", "BOOL"):
            return int(text)
        if attribute.category == "FLOAT":
            return float(text)
        if attribute.category == "DECIMAL":
            return Decimal(text)
    except (ValueError, InvalidOperation):
        return text  # the server says what is wrong with it
    return text


def read_csv(path: os.PathLike, heading: Heading) -> list[dict[str, Any]]:
    """The rows of a CSV file with a header row, values converted by the heading (as 0.14's
    ``insert(Path)``; 0.14 sends the text as it is)."""
    try:
        with Path(path).open(newline="") as data:
            rows = list(csv.DictReader(data, delimiter=","))
    except OSError as err:
        raise ArgumentError(f"Cannot read the CSV file {os.fspath(path)!r} to insert: {err}.") from err
    return [{k: from_text(heading[k], v) if k in heading else v for k, v in row.items()} for row in rows]


def encoder(attribute: Attribute, table: Any = None) -> Any:
    """A function from a value of ``attribute`` to what to bind: ordinary columns take a fast
    path; blobs, uuids, json, adapters and stored objects go through ``encode``."""
    special = (
        attribute.adapter is not None or attribute.is_blob or attribute.uuid or attribute.json
        or attribute.is_external or attribute.is_attachment
    )  # fmt: skip
    if special:
        return lambda value: encode(attribute, value, table)
    members = enum_members(attribute.sql_type) if attribute.category == "ENUM" else None
    if members:  # as MySQL stores an enum: the member's own spelling ('f' -> 'F', 'F ' -> 'F')
        spelling = {member.rstrip(" ").lower(): member for member in members}
        return lambda value: (
            (isinstance(value, str) and spelling.get(value.rstrip(" ").lower())) or _plain(value)
        )
    return _plain


def _insertable(keys: tuple, heading: Heading, table: Any, ignore_extra_fields: bool) -> tuple[str, ...]:
    names = []
    for name in keys:
        if name in heading:
            names.append(name)
        elif not ignore_extra_fields:
            raise UnknownAttributeError(
                f"Attribute `{name}` is not in {table.full_table_name}; existing: {', '.join(heading.names)}. "
                "Pass ignore_extra_fields=True to skip such fields."
            )
    return tuple(names)


def encode(attribute: Attribute, value: Any, table: Any = None) -> Any:
    """The value to bind for ``attribute`` (blobs packed, UUIDs as bytes, NaN as NULL, files stored).

    ``table`` (the target) gives the context for adapters and external stores.
    """
    if attribute.adapter is not None:
        adapter = find_adapter(attribute, table)
        value = adapter.put(value)
        category, store, _ = classify_type(adapter.attribute_type)
        attribute = replace(attribute, category=category, store=store, adapter=None)
    if value is None:
        return None
    if hasattr(value, "item") and hasattr(value, "dtype") and not attribute.is_blob:
        value = (
            value.astype("datetime64[us]").item() if value.dtype.kind == "M" else value.item()
        )  # numpy scalar
    if isinstance(value, float) and math.isnan(value) and not attribute.is_blob:
        return None
    if attribute.is_external or attribute.is_attachment:
        return _store(attribute, value, table)
    if attribute.is_blob:
        return pack(value)
    if attribute.uuid:
        try:
            return (value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))).bytes
        except ValueError:
            raise ArgumentError(f"`{attribute.name}` is a uuid; {value!r} is not a UUID.") from None
    if attribute.json:
        text = json.dumps(value)
        if "\\u" in text:  # escaped non-ASCII text: make sure none of it is a lone surrogate
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        return text
    return _text(value) if isinstance(value, str) else value


def find_adapter(attribute: Attribute, table: Any) -> Any:
    """The AttributeAdapter named by ``<name>`` in the table's context."""
    context = getattr(table, "_context", None) or {}
    adapter = context.get(attribute.adapter)
    if adapter is None or not hasattr(adapter, "put") or not hasattr(adapter, "get"):
        raise DataJointError(
            f"Attribute `{attribute.name}` uses the adapter <{attribute.adapter}>, which is not in the schema's "
            "context: define it there (a dj.AttributeAdapter instance) or pass it with add_objects."
        )
    return adapter


def _store(attribute: Attribute, value: Any, table: Any) -> bytes:
    """Attachments, external blobs and filepaths: store the object, bind its id (or contents)."""
    if attribute.category == "INTERNAL_ATTACH":
        path = Path(value)
        if not path.is_file():
            raise ArgumentError(f"`{attribute.name}` is an attachment; {path} is not a file. Check the path.")
        return path.name.encode("utf-8") + b"\0" + path.read_bytes()  # a name not UTF-8: UnicodeEncodeError
    if hooks.external is None or table is None:
        raise DataJointError(f"`{attribute.name}` ({attribute.type}) needs its schema's external storage.")
    external = hooks.external(table.connection, attribute.database or table.database, attribute.store)
    if attribute.category == "EXTERNAL_BLOB":
        return external.put(pack(value)).bytes
    if attribute.category == "EXTERNAL_ATTACH":
        return external.upload_attachment(Path(value)).bytes
    return external.upload_filepath(Path(value)).bytes


def _as_columns(rows: Any, heading: Heading, table: Any, ignore_extra: bool) -> tuple[tuple, list] | None:
    """(attribute names, rows as tuples) for a record array, a DataFrame or a list of tuples in
    heading order, when no attribute needs storing elsewhere; None: go the general way."""
    if hasattr(rows, "to_records") and hasattr(rows, "columns"):  # a DataFrame
        frame = rows.reset_index() if any(name is not None for name in rows.index.names) else rows
        if any(kind.kind not in "biufO" for kind in frame.dtypes):
            return None  # e.g. datetimes: their records would turn into plain numbers
        rows = frame.to_records(index=False)
    if hasattr(rows, "dtype") and getattr(rows.dtype, "names", None):  # record array
        if any(rows.dtype[name].kind not in "biufUSO" for name in rows.dtype.names):
            return None  # datetime64 fields: tolist() may give plain numbers
        names = _insertable(tuple(rows.dtype.names), heading, table, ignore_extra)
        tuples = rows[list(names)].tolist() if names != rows.dtype.names else rows.tolist()
    elif isinstance(rows, list) and rows and set(map(type, rows)) == {tuple}:  # C-level scans
        if set(map(len, rows)) != {len(heading.names)}:
            return None  # the general way says which row is wrong
        names, tuples = tuple(heading.names), rows
    elif type(rows) is list and rows and type(rows[0]) is dict:  # dicts that all have the same keys
        keys = tuple(rows[0])
        if set(map(type, rows)) != {dict} or set(map(len, rows)) != {len(keys)}:
            return None
        names = _insertable(keys, heading, table, ignore_extra)
        if names != keys or not names:
            return None
        try:  # same length and every key found: each row has exactly these keys
            tuples = (
                list(map(operator.itemgetter(*names), rows))
                if len(names) > 1
                else [(r[names[0]],) for r in rows]
            )
        except KeyError:
            return None
    else:
        return None
    if any(heading[n].category in STORED_CATEGORIES and heading[n].adapter is None for n in names):
        return None
    defaulted = [i for i, n in enumerate(names) if takes_default(heading[n])]
    if defaulted and any(is_missing(row[i]) for row in tuples for i in defaulted):
        return None  # the general way leaves those columns out, so they take their defaults
    return names, tuples


def as_row_dicts(rows: Any, heading: Heading) -> Iterable[Mapping[str, Any]]:
    """Every supported row container as dicts."""
    if hasattr(rows, "to_dict") and hasattr(rows, "columns"):  # a DataFrame
        frame = rows.reset_index() if any(name is not None for name in rows.index.names) else rows
        return frame.to_dict("records")
    if hasattr(rows, "dtype") and getattr(rows.dtype, "names", None):  # record array
        names = rows.dtype.names
        return (dict(zip(names, row, strict=True)) for row in rows.tolist())
    return (_row_dict(row, heading) for row in rows)


def _row_dict(row: Any, heading: Heading) -> Mapping[str, Any]:
    if isinstance(row, Mapping):
        return row
    if hasattr(row, "dtype") and getattr(row.dtype, "names", None):  # np.void record
        return dict(zip(row.dtype.names, row.tolist(), strict=True))
    if hasattr(row, "tolist") and getattr(row, "ndim", 0) == 1:  # a 1-D numpy array
        row = row.tolist()
    if isinstance(row, Sequence) and not isinstance(row, str | bytes):
        if len(row) != len(heading.names):
            raise ArgumentError(
                f"A row has {len(row)} values but the table has {len(heading.names)} attributes "
                f"({', '.join(heading.names)}); pass a dict to insert some of them."
            )
        return dict(zip(heading.names, row, strict=True))
    raise ArgumentError(
        f"Cannot insert a {type(row).__name__}; rows are dicts, sequences, records or a DataFrame."
    )


def insert_rows(
    table: Table,
    rows: Any,
    *,
    replace: bool = False,
    skip_duplicates: bool = False,
    ignore_extra_fields: bool = False,
) -> int:
    """Insert ``rows``; returns the number of rows the server reports as affected."""
    heading = table.heading
    mode = "replace" if replace else ("ignore" if skip_duplicates else "error")
    if isinstance(rows, PurePath):
        rows = read_csv(rows, heading)
    if isinstance(rows, QueryExpression) or (isinstance(rows, type) and issubclass(rows, QueryExpression)):
        return _insert_select(
            table, rows if isinstance(rows, QueryExpression) else rows(), mode, ignore_extra_fields
        )
    columns = _as_columns(rows, heading, table, ignore_extra_fields)
    if columns is not None:  # tuples, records or a frame of ordinary columns: no dicts made
        names, tuples = columns
        values = _encode_tuples(table, names, tuples, heading)
        return _write(table, {names: values} if values else {}, mode, heading)
    pending: list[tuple[tuple[str, ...], Mapping[str, Any]]] = []
    # a row's keys -> the attributes to insert (checked once) and those that take a default
    known: dict[tuple, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    for row in as_row_dicts(rows, heading):
        keys = tuple(row)
        found = known.get(keys)
        if found is None:
            names = _insertable(keys, heading, table, ignore_extra_fields)
            found = known[keys] = (names, tuple(n for n in names if takes_default(heading[n])))
        names, defaulted = found
        if defaulted and any(is_missing(row[n]) for n in defaulted):  # None: the column's default
            names = tuple(n for n in names if n not in defaulted or not is_missing(row[n]))
        pending.append((names, row))
    stored = _upload_external(table, heading, pending)
    groups: dict[tuple[str, ...], list[tuple]] = {}
    encoders: dict[tuple[str, ...], list] = {}
    for index, (names, row) in enumerate(pending):
        functions = encoders.get(names)
        if functions is None:
            functions = encoders[names] = [encoder(heading[n], table) for n in names]
        try:
            if stored:
                values = tuple(
                    stored[(n, index)] if (n, index) in stored else f(row[n])
                    for n, f in zip(names, functions, strict=True)
                )
            else:
                values = tuple([f(row[n]) for n, f in zip(names, functions, strict=True)])
        except UnicodeEncodeError:
            values = _encode_row(table, index, names, row, functions, stored)
        groups.setdefault(names, []).append(values)
    return _write(table, groups, mode, heading)


def _encode_tuples(table: Table, names: tuple[str, ...], tuples: list, heading: Heading) -> list[tuple]:
    """Rows of ordinary columns (tuples in the order of ``names``) as the values to bind."""
    functions = [encoder(heading[n], table) for n in names]
    try:
        if all(f is _plain for f in functions):
            return _plain_rows(tuples)
        return [tuple([f(v) for f, v in zip(functions, row, strict=True)]) for row in tuples]
    except UnicodeEncodeError:  # find the row and the attribute (only on this error path)
        for index, row in enumerate(tuples):
            _encode_row(table, index, names, dict(zip(names, row, strict=True)), functions, {})
        raise


def _encode_row(
    table: Table, index: int, names: tuple[str, ...], row: Mapping[str, Any], functions: list, stored: dict
) -> tuple:
    """Row ``index`` encoded value by value, to say which attribute has text that cannot be
    stored (InvalidValueError naming the table, row, attribute and character)."""
    values = []
    for name, function in zip(names, functions, strict=True):
        if (name, index) in stored:
            values.append(stored[(name, index)])
            continue
        try:
            values.append(function(row[name]))
        except UnicodeEncodeError as err:
            place = f"attribute `{name}` in row {index} of the insert into {table.full_table_name}"
            raise _text_error(err, place) from None
    return tuple(values)


def _text_error(err: UnicodeEncodeError, place: str) -> InvalidValueError:
    """``bad_text`` for the text that failed to encode (a value, or the JSON of a value)."""
    return bad_text(err.object if isinstance(err.object, str) else "", place)


def _update_value(table: Table, attribute: Attribute, value: Any) -> Any:
    try:
        return encode(attribute, value, table)
    except UnicodeEncodeError as err:
        place = f"attribute `{attribute.name}` in the update1 of {table.full_table_name}"
        raise _text_error(err, place) from None


def _write(table: Table, groups: dict[tuple[str, ...], list[tuple]], mode: str, heading: Heading) -> int:
    """One batched INSERT per group of rows with the same attributes, all in one transaction."""
    if not groups:
        return 0
    connection = table.connection
    dialect = connection.dialect
    own_transaction = not connection.in_transaction and (
        len(groups) > 1 or sum(map(len, groups.values())) > 1
    )
    if own_transaction:
        connection.start_transaction()
    try:
        count = 0
        for names, values in groups.items():
            sql = _insert_sql(dialect, table._sql_name, names, mode, tuple(heading.primary_key))
            try:
                if len(values) == 1:  # insert1, make(): a plain execute skips the batching machinery
                    count += connection.query(sql, values[0], formatted=True).rowcount
                else:
                    count += connection.query_many(sql, values)
            except InvalidValueError as err:
                raise _refused_value(err, table, names, values) from err
    except BaseException:
        if own_transaction:
            connection.cancel_transaction()
        raise
    if own_transaction:
        connection.commit_transaction()
    return count


@functools.lru_cache(maxsize=1024)  # the same statement for every row of a table: built once
def _insert_sql(dialect: Any, table: str, names: tuple[str, ...], mode: str, primary_key: tuple) -> str:
    return dialect.insert(table, list(names), mode, list(primary_key))


def _refused_value(err: InvalidValueError, table: Table, names: tuple, values: list) -> InvalidValueError:
    """The engine's error for a refused value, naming the table, the attribute and the value
    (the row too, when the engine says which: MySQL's "at row N", or a single-row insert)."""
    message = str(err)
    column = re.search(r"column '([^']+)'", message)
    if column is None or column.group(1) not in names:
        return err
    name = column.group(1)
    row = re.search(r"at row (\d+)", message)
    number = int(row.group(1)) if row else (1 if len(values) == 1 else None)
    where = f"attribute `{name}` of {table.full_table_name}"
    if number is not None and 0 < number <= len(values):
        value = values[number - 1][names.index(name)]
        shown = repr(value) if not isinstance(value, bytes) else f"<{len(value)} bytes>"
        where += f", value {shown[:80]}" + (f" in row {number} of the insert" if len(values) > 1 else "")
    lines = message.split("\n", 1)
    return InvalidValueError(f"{lines[0]}: {where}" + (f"\n{lines[1]}" if len(lines) > 1 else ""))


STORED_CATEGORIES = ("EXTERNAL_BLOB", "EXTERNAL_ATTACH", "FILEPATH")


def _upload_external(table: Table, heading: Heading, pending: list) -> dict[tuple[str, int], bytes]:
    """Store every external blob, attachment and filepath of the insert, concurrently per column
    and tracked in one statement per column; returns (column, row) -> id bytes."""
    stored: dict[tuple[str, int], bytes] = {}
    for attribute in heading.all_attributes:
        if (
            attribute.category not in STORED_CATEGORIES
            or attribute.adapter is not None
            or hooks.external is None
        ):
            continue
        items = [
            (i, row[attribute.name])
            for i, (names, row) in enumerate(pending)
            if attribute.name in names and row[attribute.name] is not None
        ]
        if not items:
            continue
        _check_file_names(table, attribute, items)
        external = hooks.external(table.connection, attribute.database or table.database, attribute.store)
        try:
            if attribute.category == "EXTERNAL_BLOB":
                ids = external.put_many([pack(value) for _, value in items])
            elif attribute.category == "EXTERNAL_ATTACH":
                ids = external.upload_attachments([Path(value) for _, value in items])
            else:
                ids = external.upload_filepaths([Path(value) for _, value in items])
        except DataJointError as err:
            raise type(err)(
                f"`{attribute.name}` ({attribute.type}) of {table.full_table_name}: {err}"
            ) from None
        stored.update(
            {(attribute.name, i): object_id.bytes for (i, _), object_id in zip(items, ids, strict=True)}
        )
    return stored


def _check_file_names(table: Table, attribute: Attribute, items: list[tuple[int, Any]]) -> None:
    """Refuse a file name that cannot be stored (a name decoded with surrogateescape from bytes
    that are not UTF-8) before any file is uploaded: InvalidValueError naming the row."""
    if attribute.category == "EXTERNAL_BLOB":
        return
    for index, value in items:
        path = Path(value)
        text = path.name if attribute.category == "EXTERNAL_ATTACH" else os.fspath(path)
        if unencodable(text) is not None:
            place = f"the file name of attribute `{attribute.name}` in row {index} of the insert into {table.full_table_name}"
            raise bad_text(text, place)


def _insert_select(table: Table, query: QueryExpression, mode: str, ignore_extra_fields: bool) -> int:
    heading = table.heading
    names = [n for n in query.heading.names if n in heading]
    extra = [n for n in query.heading.names if n not in heading]
    if extra and not ignore_extra_fields:
        raise UnknownAttributeError(
            f"The query has attributes {', '.join(extra)} that {table.full_table_name} lacks; "
            "project them away or pass ignore_extra_fields=True."
        )
    compiler = Compiler(table.connection.dialect)
    # the source is a derived table, so the server may read and write the same table
    select = compiler.wrap(compiler.select_columns(query.node, names))
    sql, params = compiler.statement(*compiler.render(select))  # a WITH inside: SQLite reads it
    insert = table.connection.dialect.insert(table._sql_name, names, mode, heading.primary_key, select=sql)
    return table.connection.query(insert, params, formatted=True).rowcount


def update_row(table: Table, row: Mapping[str, Any]) -> None:
    """Change secondary attributes of one existing row, identified by its full primary key."""
    heading = table.heading
    missing = [k for k in heading.primary_key if k not in row]
    if missing:
        raise ArgumentError(f"update1() needs the full primary key; `{missing[0]}` is missing.")
    changes = [n for n in row if n not in heading.primary_key]
    for name in changes:
        heading[name]  # raises UnknownAttributeError naming the existing attributes
    if not changes:
        raise ArgumentError("update1() needs at least one secondary attribute to change.")
    key = {k: row[k] for k in heading.primary_key}
    if len(table & key) != 1:
        raise DataJointError(f"update1(): no row of {table.full_table_name} has the key {key}.")
    q, placeholder = table.connection.dialect.quote, table.connection.dialect.placeholder
    assignments, params = [], []
    for name in changes:
        attribute, value = heading[name], row[name]
        if is_missing(value) and not attribute.is_blob:  # as 0.14: back to the column's default
            sql, value = default_value(attribute)
            if sql is not None:
                assignments.append(f"{q(name)} = {sql}")
                continue
        assignments.append(f"{q(name)} = {placeholder}")
        params.append(_update_value(table, attribute, value))
    where = " AND ".join(f"{q(k)} = {placeholder}" for k in key)
    params += [_update_value(table, heading[k], key[k]) for k in key]
    sql = f"UPDATE {table._sql_name} SET {', '.join(assignments)} WHERE {where}"  # noqa: S608
    table.connection.query(sql, params)
