"""Reading what the server knows about tables: headings, indexes, sizes, foreign keys.

Headings are read the way DataJoint 0.14 reads them (same types, defaults, flags), so a table
declared by either client looks the same from both. The DataJoint type of special attributes
(uuid, attach, blob@store, <adapter>, and DataJoint 2.x core types) comes from the
``:type:`` prefix of the column comment.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, replace

from .connection import Connection
from .definition import classify_type
from .errors import DataJointError, MissingTableError
from .heading import Attribute, Heading, Index, strip_display_width

SPECIAL_COMMENT = re.compile(r":(?P<type>[^:]+):(?P<comment>.*)", re.S)
# MariaDB spells these defaults as functions; DataJoint's definitions use the keyword.
DEFAULT_SPELLINGS = {"current_timestamp()": "CURRENT_TIMESTAMP", "current_timestamp": "CURRENT_TIMESTAMP"}


@dataclass(frozen=True)
class TableStatus:
    comment: str
    data_length: int
    index_length: int


def classify(type_text: str) -> str:
    """The category of a type read from the server; UNSUPPORTED for types DataJoint lacks."""
    try:
        return classify_type(type_text)[0]
    except DataJointError:
        return "UNSUPPORTED"


def load_status(connection: Connection, schema: str, table: str) -> TableStatus:
    row = connection.query(*connection.dialect.table_status(schema, table), as_dict=True).fetchone()
    if row is None:
        raise MissingTableError(f"Table `{schema}`.`{table}` does not exist. Declare it first.")
    row = {k.lower(): v for k, v in row.items()}
    return TableStatus(
        row.get("comment") or "", int(row.get("data_length") or 0), int(row.get("index_length") or 0)
    )


def load_attribute(column: dict) -> Attribute:
    """One row of SHOW FULL COLUMNS as an Attribute, DataJoint's way."""
    sql_type, comment = column["Type"], column["Comment"] or ""
    dj_type = strip_display_width(sql_type)
    category = classify(dj_type)
    string = category in ("STRING", "ENUM", "TEMPORAL")  # judged on the server type, as 0.14 does
    special = SPECIAL_COMMENT.fullmatch(comment)
    if special:
        dj_type, comment = special["type"], special["comment"]
        category = classify(dj_type)
    store = dj_type.split("@", 1)[1] if "@" in dj_type else None
    adapter = dj_type[1:-1] if category == "ADAPTED" else None
    nullable = column["Null"] == "YES"
    default = column["Default"]
    if default is not None:
        default = DEFAULT_SPELLINGS.get(str(default).lower(), str(default))
        if string and default != "CURRENT_TIMESTAMP":
            default = f'"{default}"'
    if nullable:
        default = "null"
    return Attribute(
        name=column["Field"],
        type=dj_type,
        category=category,
        in_key=column["Key"] == "PRI",
        nullable=nullable,
        default=default,
        comment=comment,
        autoincrement="auto_increment" in (column["Extra"] or "").lower(),
        sql_type=sql_type,
        store=store,
        adapter=adapter,
    )


def load_heading(connection: Connection, schema: str, table: str) -> Heading:
    """The heading of an existing table."""
    status = load_status(connection, schema, table)
    columns = connection.query(*connection.dialect.columns(schema, table), as_dict=True).fetchall()
    keys: dict[str, dict[int, dict]] = defaultdict(dict)
    for row in connection.query(*connection.dialect.index_columns(schema, table), as_dict=True):
        if row["Key_name"] != "PRIMARY":
            keys[row["Key_name"]][int(row["Seq_in_index"])] = row
    indexes = tuple(
        Index(
            tuple(parts[i]["Column_name"] for i in sorted(parts)),
            unique=int(parts[min(parts)]["Non_unique"]) == 0,
        )
        for parts in keys.values()
    )
    attributes = tuple(replace(load_attribute(column), database=schema) for column in columns)
    if any(a.sql_type == "longtext" for a in attributes):
        attributes = _restore_json(connection, schema, table, attributes)
    return Heading(attributes, table_comment=status.comment, secondary_indexes=indexes)


def _restore_json(
    connection: Connection, schema: str, table: str, attributes: tuple[Attribute, ...]
) -> tuple:
    statement = connection.dialect.json_columns(schema, table)
    if statement is None:
        return attributes
    clauses = " ".join(str(row[0]) for row in connection.query(*statement))
    json_names = set(re.findall(r"json_valid\(`([^`]+)`\)", clauses, re.I))
    return tuple(
        replace(
            a,
            type="json",
            category="JSON",
            default=None if a.default == "null" and not a.nullable else a.default,
        )
        if a.name in json_names and a.sql_type == "longtext"
        else a
        for a in attributes
    )


def list_tables(connection: Connection, schema: str) -> list[str]:
    return [row[0] for row in connection.query(*connection.dialect.list_tables(schema))]


def list_schemas(connection: Connection) -> list[str]:
    return [row[0] for row in connection.query(*connection.dialect.list_schemas())]


def schema_exists(connection: Connection, schema: str) -> bool:
    return bool(connection.query(*connection.dialect.schema_exists(schema)).fetchone()[0])
