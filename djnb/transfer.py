"""``dj.copy_schema``: a schema's tables and rows, from one database to another.

The move from laptop to server: a pipeline declared and filled in the embedded SQLite file is
re-declared on a MySQL/MariaDB server (from the same definitions, ``describe()``) and its rows
copied, parents first. It works in any direction between backends. Rows are read and written
in batches, so a table need not fit in memory; the rows go in one transaction, and a copy that
fails drops the tables it declared: the target is left as it was.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from typing import Any

from . import catalog
from .connection import Connection
from .dependencies import dependencies_of
from .errors import ArgumentError, DataJointError
from .naming import to_camel_case
from .populate import Computed, Imported
from .schemas import Schema, VirtualModule
from .table import FreeTable, Table, class_names, describe_table
from .tiers import Lookup, Manual, Part, tier_of

TIERS: dict[str, type[Table]] = {
    "Lookup": Lookup,
    "Manual": Manual,
    "Imported": Imported,
    "Computed": Computed,
}
BATCH = 10_000


def copy_schema(
    source: str,
    target: str | None = None,
    *,
    source_connection: Connection,
    target_connection: Connection,
    schema_map: Mapping[str, str] | None = None,
    batch: int = BATCH,
) -> dict[str, int]:
    """Copy schema ``source`` to ``target`` (default: the same name); returns rows per table.

    Parents in other schemas must be copied first; ``schema_map`` renames them in the target
    (source schema -> target schema). The target schema must be new or empty.
    """
    target = target or source
    schema_map = dict(schema_map or {})
    if not catalog.schema_exists(source_connection, source):
        raise ArgumentError(f"There is no schema `{source}` to copy on {source_connection!r}.")
    origin = Schema(source, connection=source_connection, create_schema=False, create_tables=False)
    created = not catalog.schema_exists(target_connection, target)
    destination = Schema(target, connection=target_connection)
    if set(destination.list_tables()) - {"~log"}:
        raise ArgumentError(
            f"The target schema `{target}` already has tables; copy into a new or empty schema."
        )
    classes = origin.spawn_missing_classes(context={})
    order = _tables_in_order(origin)
    try:
        copies = _declare(origin, destination, classes, order, schema_map)
        counts: dict[str, int] = {}
        with target_connection.transaction, tempfile.TemporaryDirectory(prefix="djnb-copy-") as folder:
            for name in order:
                counts[copies[name].full_table_name] = _copy_rows(FreeTable(source_connection, name), copies[name],
                                                                  batch, folder)  # fmt: skip
    except BaseException:
        if created:
            destination.drop(force=True)  # what this copy declared goes too
        else:
            for name in reversed(order):  # the schema was there, empty: empty it again
                FreeTable(target_connection, name.replace(f"`{source}`.", f"`{target}`.", 1)).drop_quick()
        raise
    return counts


def _tables_in_order(schema: Schema) -> list[str]:
    """Full names of the schema's tables (hidden ones aside), parents before children."""
    graph = dependencies_of(schema.connection)
    graph.load([schema.database])
    mine = {f"`{schema.database}`.`{t}`" for t in schema.list_tables() if not t.startswith("~")}
    return [name for name in graph.topological_order() if name in mine]


def _declare(
    origin: Schema, destination: Schema, classes: dict, order: list[str], schema_map: dict
) -> dict[str, Any]:
    """Declare every table of ``origin`` in ``destination``; full source name -> target class."""
    names = class_names(classes)
    context: dict[str, Any] = {}
    graph = dependencies_of(origin.connection)
    for key in graph.keys:  # parents in other schemas: reach them through virtual modules
        parent_schema = key.parent.split("`.`")[0].strip("`")
        if key.child in order and parent_schema != origin.database and key.parent not in names:
            alias = f"vmod_{parent_schema}"
            if alias not in context:
                context[alias] = VirtualModule(
                    alias, schema_map.get(parent_schema, parent_schema), connection=destination.connection
                )
            names[key.parent] = f"{alias}.{to_camel_case(tier_of(key.parent.split('`.`')[1].strip('`'))[1])}"
    copies: dict[str, Any] = {}
    masters = {cls.full_table_name: cls for cls in classes.values()}
    for name in order:
        cls = masters.get(name)
        if cls is None:
            continue  # a part: declared with its master
        body: dict[str, Any] = {"definition": describe_table(cls(), names)}
        if issubclass(cls, (Imported, Computed)):
            body["make"] = _no_make
        tier = next(base for base in TIERS.values() if issubclass(cls, base))
        copy = type(cls.__name__, (tier,), body)
        for part_name, part in vars(cls).items():
            if isinstance(part, type) and issubclass(part, Part):
                text = describe_table(part(), {**names, cls.full_table_name: "master"})
                setattr(copy, part_name, type(part_name, (Part,), {"definition": text}))
        destination(copy, context=context)
        context[cls.__name__] = copy
        copies[name] = copy
        for part_name, part in vars(cls).items():
            if isinstance(part, type) and issubclass(part, Part):
                copies[part.full_table_name] = getattr(copy, part_name)
    missing = [name for name in order if name not in copies]
    if missing:
        raise DataJointError(f"Could not copy {', '.join(missing)}: no class could be made for them.")
    return copies


def _no_make(self: Any, key: Mapping) -> None:
    raise DataJointError(
        f"{type(self).__name__} was declared by copy_schema: its rows are copied, not computed here. "
        "Import the pipeline's own module to populate it."
    )


def _copy_rows(source: FreeTable, target: Any, batch: int, folder: str) -> int:
    """Copy the rows of ``source`` into ``target`` in batches (in key order); returns how many."""
    copied = 0
    while True:
        rows = source.fetch(as_dict=True, order_by="KEY", limit=batch, offset=copied, download_path=folder)
        if not len(rows):
            return copied
        target.insert(rows, allow_direct_insert=True)
        copied += len(rows)
