"""CREATE TABLE and ALTER TABLE from parsed definitions, laid out exactly as DataJoint 0.14 does.

Pure functions: resolved parents and adapters come in as data; nothing here looks names up
or talks to a database.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..definition.spec import AttributeSpec, ForeignKeySpec, TableSpec
from ..definition.types import CORE_TYPE_SQL, enum_members, enum_type
from ..errors import DefinitionError
from ..heading import Attribute
from .dialect.base import Dialect

CONSTANT_LITERALS = frozenset({"CURRENT_TIMESTAMP", "NULL"})
SPECIAL = frozenset({"UUID", "INTERNAL_ATTACH", "EXTERNAL_ATTACH", "EXTERNAL_BLOB", "FILEPATH", "ADAPTED"})
SERIALIZED = frozenset({"INTERNAL_BLOB", "EXTERNAL_BLOB", "INTERNAL_ATTACH", "EXTERNAL_ATTACH"})
EXTERNAL = frozenset({"EXTERNAL_BLOB", "EXTERNAL_ATTACH", "FILEPATH"})
MAX_TABLE_NAME = 64


@dataclass(frozen=True)
class ResolvedParent:
    """A foreign key's parent: its quoted full name and primary-key attributes."""

    spec: ForeignKeySpec
    full_name: str
    primary_key: tuple[Attribute, ...]

    def attribute_map(self) -> dict[str, str]:
        """child attribute -> parent attribute, in the parent's key order."""
        renamed = {old: new for new, old in self.spec.renames}
        return {renamed.get(a.name, a.name): a.name for a in self.primary_key}


@dataclass(frozen=True)
class Declaration:
    sql: str
    stores: tuple[str, ...]
    primary_key: tuple[str, ...]


# adapter name -> the adapter's attribute_type (e.g. "longblob"), raising DefinitionError if unknown
AdapterLookup = Callable[[AttributeSpec], str]
# type text -> (category, store, adapter)
Classifier = Callable[[str], tuple[str, str | None, str | None]]


def sql_literal(text: str) -> str:
    """A double-quoted SQL string literal with backslashes and quotes escaped."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def column_sql(
    spec: AttributeSpec, dialect: Dialect, adapter_type: AdapterLookup, classify: Classifier
) -> tuple[str, str | None, str]:
    """(column SQL, external store or None, category) for one attribute line."""
    category, store, comment = spec.category, spec.store, spec.comment
    sql_type = spec.type
    core = CORE_TYPE_SQL.get(spec.type.lower())
    if core is not None:  # a DataJoint 2.x core type: recorded in the comment, as 2.x does
        sql_type, comment = core, f":{spec.type}:{spec.comment}"
    if category in SPECIAL:
        comment = f":{spec.type}:{spec.comment}"
        if category == "ADAPTED":
            sql_type = adapter_type(spec)
            category, store, _ = classify(sql_type)
        if category == "UUID":
            sql_type = dialect.uuid_type
        elif category == "INTERNAL_ATTACH":
            sql_type = "longblob"
        elif category in EXTERNAL:
            sql_type = dialect.uuid_type
    members = enum_members(sql_type) if category == "ENUM" else None
    if members is not None:  # as MySQL reads and prints it, whatever quotes the definition used
        sql_type = enum_type(members)
    if spec.nullable:
        default = "DEFAULT NULL"
    elif spec.default is not None:
        literal = spec.default.split("(")[0].upper() in CONSTANT_LITERALS or spec.default[0] in "\"'"
        default = "NOT NULL DEFAULT " + (spec.default if literal else sql_literal(spec.default))
    else:
        default = "NOT NULL"
    if category in SERIALIZED and default not in ("NOT NULL", "DEFAULT NULL"):
        raise DefinitionError(
            "blob and attachment attributes can only default to null",
            line_no=spec.source.line_no, column=1, line=spec.source.line,
            hint=f"Write `{spec.name} = null : {spec.type}` or drop the default.",
        )  # fmt: skip
    sql = f"{dialect.quote(spec.name)} {sql_type} {default}"
    if comment:
        sql += f" COMMENT {sql_literal(comment)}"
    return sql, (store if category in EXTERNAL else None), category


def inherited_column_sql(name: str, parent_attribute: Attribute, nullable: bool, dialect: Dialect) -> str:
    """A foreign-key attribute copied from the parent (type and comment, no default)."""
    comment = parent_attribute.comment
    if parent_attribute.category in SPECIAL:
        comment = f":{parent_attribute.type}:{comment}"
    null = "" if nullable else "NOT NULL "
    return f"{dialect.quote(name)} {parent_attribute.sql_type} {null}COMMENT {sql_literal(comment)}"


def hidden_timestamp_name(schema: str, table: str) -> str:
    """DataJoint 0.14's hidden timestamp column: ``_<sha1 of "schema.table">_timestamp``; the
    leading underscore hides it from headings, fetch and insert."""
    return f"_{hashlib.sha1(f'{schema}.{table}'.encode()).hexdigest()}_timestamp"


def compile_create_table(
    schema: str,
    table: str,
    spec: TableSpec,
    parents: Sequence[ResolvedParent],
    dialect: Dialect,
    adapter_type: AdapterLookup,
    classify: Classifier,
    hidden_timestamp: bool = False,
) -> Declaration:
    """The CREATE TABLE statement for ``spec`` with foreign keys resolved to ``parents``.

    ``hidden_timestamp`` (``dj.config["add_hidden_timestamp"]``, DataJoint 0.14.2+) adds the
    hidden column ``hidden_timestamp_name(schema, table)`` after the attributes, as 0.14 does.
    """
    if len(table) > MAX_TABLE_NAME:
        raise DefinitionError(
            f"table name `{table}` is {len(table)} characters long; the limit is {MAX_TABLE_NAME}",
            hint="Shorten the class name (part tables add their master's name).",
        )
    q = dialect.quote
    columns: list[str] = []
    declared: list[str] = []
    primary_key: list[str] = []
    constraints: list[str] = []
    indexes: list[str] = []
    stores: list[str] = []
    by_spec = {id(parent.spec): parent for parent in parents}
    for item in spec.items:
        if isinstance(item, ForeignKeySpec):
            parent = by_spec[id(item)]
            attribute_map = parent.attribute_map()
            parent_attributes = {a.name: a for a in parent.primary_key}
            for child, parent_name in attribute_map.items():
                if child not in declared:
                    declared.append(child)
                    columns.append(
                        inherited_column_sql(child, parent_attributes[parent_name], item.nullable, dialect)
                    )
                    if item.in_key:
                        primary_key.append(child)
            constraints.append(
                f"FOREIGN KEY ({', '.join(map(q, attribute_map))}) REFERENCES {parent.full_name} "
                f"({', '.join(map(q, attribute_map.values()))}) ON UPDATE CASCADE ON DELETE RESTRICT"
            )
            if item.unique:
                indexes.append(f"UNIQUE INDEX ({', '.join(map(q, attribute_map))})")
            continue
        sql, store, _ = column_sql(item, dialect, adapter_type, classify)
        if item.name in declared:
            raise DefinitionError(
                f"attribute `{item.name}` is already declared (directly or by a foreign key)",
                line_no=item.source.line_no, column=1, line=item.source.line,
                hint="Remove the duplicate line or rename the attribute.",
            )  # fmt: skip
        declared.append(item.name)
        columns.append(sql)
        if item.in_key:
            primary_key.append(item.name)
        if store:
            stores.append(store)
            constraints.append(
                f"FOREIGN KEY ({q(item.name)}) REFERENCES {q(schema)}.{q('~external_' + store)} (`hash`) "
                "ON UPDATE RESTRICT ON DELETE RESTRICT"
            )
    for index in spec.indexes:
        missing = [a for a in index.attributes if a not in declared]
        if missing:
            raise DefinitionError(
                f"index names unknown attribute `{missing[0]}`",
                line_no=index.source.line_no, column=1, line=index.source.line,
                hint=f"Index attributes of this table: {', '.join(declared)}.",
            )  # fmt: skip
        indexes.append(f"{'UNIQUE ' if index.unique else ''}INDEX ({', '.join(map(q, index.attributes))})")
    if not primary_key:
        raise DefinitionError(
            "the table has no primary key", hint="Declare at least one attribute above ---."
        )
    if hidden_timestamp:
        columns.append(
            f"{q(hidden_timestamp_name(schema, table))} timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP"
        )
    body = [*columns, f"PRIMARY KEY ({', '.join(map(q, primary_key))})", *constraints, *indexes]
    sql = (
        f"CREATE TABLE IF NOT EXISTS {q(schema)}.{q(table)} (\n  "
        + ",\n  ".join(body)
        + f"\n) ENGINE=InnoDB, COMMENT {sql_literal(spec.comment)}"
    )
    return Declaration(sql=sql, stores=tuple(dict.fromkeys(stores)), primary_key=tuple(primary_key))


def compile_alter(
    schema: str,
    table: str,
    old: TableSpec,
    new: TableSpec,
    dialect: Dialect,
    adapter_type: AdapterLookup,
    classify: Classifier,
) -> str | None:
    """ALTER TABLE for changes to the comment and secondary attributes (None: nothing to do).

    The primary key and indexes cannot change this way (foreign keys are checked by the caller,
    which can resolve them): that needs a new table. Nor can external-store attributes
    (``blob@store``...) be added, removed or moved to another store: each has a foreign key to
    its store's table. The index the server made for such a foreign key (it shows in ``old``,
    read back from the server) is not a change (DataJoint 0.14 refuses these tables: "cannot
    alter indexes").
    """

    def own_key(spec: TableSpec) -> list:
        return [(a.name, a.type) for a in spec.attributes if a.in_key]

    def stored(spec: TableSpec) -> list:
        return sorted((a.name, a.store) for a in spec.attributes if a.store)

    wanted = {(i.attributes, i.unique) for i in new.indexes}
    made_for_stores = {((name,), False) for name, _ in stored(old)} - wanted

    def indexes(spec: TableSpec) -> list:
        return sorted({(i.attributes, i.unique) for i in spec.indexes} - made_for_stores)

    for what, before_, after_ in (
        ("the primary key", own_key(old), own_key(new)),
        ("indexes", indexes(old), indexes(new)),
        ("external-store attributes (blob@store, attach@store, filepath@store)", stored(old), stored(new)),
    ):
        if before_ != after_:
            raise DefinitionError(
                f"alter() cannot change {what}",
                hint="Only the table comment and secondary attributes can be altered; declare a new table for the rest.",
            )
    q = dialect.quote

    def columns(spec: TableSpec) -> dict[str, str]:
        return {
            a.name: column_sql(a, dialect, adapter_type, classify)[0] for a in spec.attributes if not a.in_key
        }

    before, after = columns(old), columns(new)
    clauses = [f"DROP {q(name)}" for name in before if name not in after]
    previous: str | None = None
    order = [a.name for a in new.attributes if not a.in_key]
    for name in order:
        if name not in before:
            clauses.append(f"ADD {after[name]}" + (f" AFTER {q(previous)}" if previous else ""))
        elif before[name] != after[name]:
            clauses.append(f"MODIFY {after[name]}")
        previous = name
    if old.comment != new.comment:
        clauses.append(f"COMMENT={sql_literal(new.comment)}")
    if not clauses:
        return None
    return f"ALTER TABLE {q(schema)}.{q(table)} " + ", ".join(clauses)
