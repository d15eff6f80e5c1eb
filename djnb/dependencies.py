"""The foreign-key graph of the loaded schemas: parents, children, and safe orders.

Nodes are full table names (`schema`.`table`); each foreign key is kept as a record (several
may link the same two tables, e.g. ``-> Session`` and ``-> Session.proj(s2='session')``).
"""

from __future__ import annotations

import re
import weakref
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import networkx as nx

if TYPE_CHECKING:  # the connection owns its graph (conn.dependencies): no import at run time
    from .connection import Connection


def full_name(schema: str, table: str) -> str:
    return f"`{schema}`.`{table}`"


@dataclass(frozen=True)
class ForeignKey:
    child: str
    parent: str
    attr_map: dict[str, str]  # child attribute -> parent attribute, in key order
    primary: bool  # every foreign-key attribute is in the child's primary key
    multi: bool = True  # one-to-many: the foreign key is not the child's whole primary key

    @property
    def aliased(self) -> bool:
        return any(child != parent for child, parent in self.attr_map.items())

    def info(self) -> dict:
        """DataJoint's foreign-key properties dict."""
        return {
            "attr_map": dict(self.attr_map),
            "primary": self.primary,
            "aliased": self.aliased,
            "multi": self.multi,
        }


class Dependencies(nx.DiGraph):
    """Foreign keys among the tables of the schemas loaded so far: ``conn.dependencies``.

    It is the networkx DiGraph that DataJoint 0.14 code walks: nodes are full table names
    (`schema`.`table`) with a ``primary_key`` set; an edge runs from parent to child with the
    foreign key's ``primary``, ``attr_map``, ``aliased`` and ``multi``; a renamed foreign key
    passes through a numbered alias node ('0', '1', ...), as in 0.14. ``parents``/``children``
    return 0.14's ``{node: properties}`` dicts, ``descendants`` the table and its dependents
    in topological order, ``ancestors`` the table and its ancestors children first.
    djnb's own code reads the foreign-key records (``keys``, ``parent_keys``, ``child_keys``).
    """

    def __init__(self, connection: Connection | None = None) -> None:
        super().__init__()  # no arguments: networkx makes empty instances for views and copies
        self.connection = connection
        self.schemas: set[str] = set()
        self.keys: list[ForeignKey] = []
        self.primary_keys: dict[str, list[str]] = {}
        self._loaded = False

    def clear(self) -> None:
        """Forget the loaded foreign keys (the next ``load`` reads them again)."""
        super().clear()
        self.keys, self.primary_keys, self._loaded = [], {}, False

    def load(self, schemas: Iterable[str] | bool | None = None, force: bool = True) -> None:
        """(Re)read the foreign keys of ``schemas`` (default: those loaded before), following
        the schemas whose tables refer to them. ``load(force=False)`` (0.14) only loads once."""
        if isinstance(schemas, bool):  # 0.14's positional load(force)
            schemas, force = None, schemas
        if self._loaded and not force and not set(schemas or ()) - self.schemas:
            return
        self.schemas |= set(schemas or ())
        if not self.schemas or self.connection is None:
            return
        self._follow_referencing_schemas()
        dialect, names = self.connection.dialect, sorted(self.schemas)
        primary: dict[str, list[str]] = defaultdict(list)
        for schema, table, column in self.connection.query(*dialect.primary_keys(names)):
            primary[full_name(schema, table)].append(column)
        grouped: dict[tuple[str, str], dict] = {}
        for constraint, schema, table, column, ref_schema, ref_table, ref_column in self.connection.query(
            *dialect.foreign_keys(names)
        ):
            if ref_table.startswith("~"):
                continue  # references to ~external_* tables are storage, not dependencies
            child = full_name(schema, table)
            entry = grouped.setdefault(
                (child, constraint), {"parent": full_name(ref_schema, ref_table), "map": {}}
            )
            entry["map"][column] = ref_column
        self.primary_keys = dict(primary)
        self.keys = [
            ForeignKey(
                child, entry["parent"], entry["map"],
                primary=set(entry["map"]) <= set(primary[child]), multi=set(entry["map"]) != set(primary[child]),
            )
            for (child, _), entry in grouped.items()
        ]  # fmt: skip
        self._build_graph()
        self._loaded = True

    def _follow_referencing_schemas(self) -> None:
        while True:  # tables in other schemas may depend on ours: follow them until none is new
            found = {
                schema
                for (schema,) in self.connection.query(
                    *self.connection.dialect.referencing_schemas(sorted(self.schemas))
                )
            }
            if found <= self.schemas:
                return
            self.schemas |= found

    def _build_graph(self) -> None:
        super().clear()
        for name, key in self.primary_keys.items():
            if "`.`~" not in name:  # hidden tables (~log, ~jobs, ~external_*) are not nodes, as in 0.14
                self.add_node(name, primary_key=set(key))
        aliases = 0
        for key in self.keys:
            if key.parent not in self:
                self.add_node(key.parent, primary_key=set())
            if not key.aliased:
                self.add_edge(key.parent, key.child, **key.info())
                continue
            alias = str(aliases)  # a renamed foreign key passes through a numbered node, as in 0.14
            aliases += 1
            self.add_node(alias)
            self.add_edge(key.parent, alias, **key.info())
            self.add_edge(alias, key.child, **key.info())

    @property
    def tables(self) -> set[str]:
        """The full names of the known tables (alias nodes left out)."""
        return {node for node in self.nodes if not node.isdigit()}

    # -- DataJoint 0.14's shapes
    def parents(self, table_name: str, primary: bool | None = None) -> dict[str, dict]:
        """``{parent node: foreign-key properties}`` (an alias node for a renamed key), as 0.14."""
        self.load(force=False)
        return {
            parent: props
            for parent, _, props in self.in_edges(table_name, data=True)
            if primary is None or props["primary"] == primary
        }

    def children(self, table_name: str, primary: bool | None = None) -> dict[str, dict]:
        """``{child node: foreign-key properties}`` (an alias node for a renamed key), as 0.14."""
        self.load(force=False)
        return {
            child: props
            for _, child, props in self.out_edges(table_name, data=True)
            if primary is None or props["primary"] == primary
        }

    def descendants(self, table: str) -> list[str]:
        """``table`` and every table that depends on it, parents before children."""
        below = self.descendants_of(table)
        return [table] + [name for name in self.topological_order() if name in below]

    def ancestors(self, table: str) -> list[str]:
        """``table`` and every table it depends on, children before parents (0.14's order)."""
        return list(reversed(self.ancestors_in_order(table)))

    def topo_sort(self) -> list[str]:
        """All known tables, each after its parents (0.14's name for ``topological_order``)."""
        return self.topological_order()

    # -- djnb's foreign-key records
    def parent_keys(self, table: str, primary: bool | None = None) -> list[ForeignKey]:
        return [k for k in self.keys if k.child == table and (primary is None or k.primary == primary)]

    def child_keys(self, table: str, primary: bool | None = None) -> list[ForeignKey]:
        return [k for k in self.keys if k.parent == table and (primary is None or k.primary == primary)]

    def ancestors_in_order(self, table: str) -> list[str]:
        """``table`` and everything it depends on, parents before children."""
        found = self.ancestors_of(table) | {table}
        return [name for name in self.topological_order() if name in found]

    def ancestors_of(self, table: str) -> set[str]:
        found: set[str] = set()
        frontier = [table]
        while frontier:
            for key in self.parent_keys(frontier.pop()):
                if key.parent not in found:
                    found.add(key.parent)
                    frontier.append(key.parent)
        return found

    def descendants_of(self, table: str) -> set[str]:
        found: set[str] = set()
        frontier = [table]
        while frontier:
            for key in self.child_keys(frontier.pop()):
                if key.child not in found:
                    found.add(key.child)
                    frontier.append(key.child)
        return found

    def topological_order(self) -> list[str]:
        """All known tables, each after all of its parents (ties broken by name)."""
        pending = {
            node: {k.parent for k in self.parent_keys(node) if k.parent != node} for node in self.tables
        }
        order: list[str] = []
        while pending:
            ready = sorted(node for node, parents in pending.items() if not parents)
            if not ready:  # a cycle cannot be declared through DataJoint; keep going anyway
                ready = [min(pending)]
            for node in ready:
                order.append(node)
                del pending[node]
            for parents in pending.values():
                parents.difference_update(ready)
        return order


def referencing_keys(connection: Connection, tables: Iterable[str]) -> list[ForeignKey]:
    """Foreign keys of tables *outside* ``tables`` (in any schema) that point into ``tables``.

    Read fresh from the catalog, so that a drop is checked before anything goes.
    """
    targets = set(tables)
    schemas = sorted({name.strip("`").split("`.`")[0] for name in targets})
    if not schemas:
        return []
    dialect = connection.dialect
    found = {schema for (schema,) in connection.query(*dialect.referencing_schemas(schemas))}
    grouped: dict[tuple[str, str], dict] = {}
    for constraint, schema, table, column, ref_schema, ref_table, ref_column in connection.query(
        *dialect.foreign_keys(sorted(found | set(schemas)))
    ):
        child, parent = full_name(schema, table), full_name(ref_schema, ref_table)
        if parent in targets and child not in targets:
            grouped.setdefault((child, constraint), {"parent": parent, "map": {}})["map"][column] = ref_column
    return [
        ForeignKey(child, entry["parent"], entry["map"], primary=False)
        for (child, _), entry in grouped.items()
    ]


_GRAPHS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def dependencies_of(connection: Connection) -> Dependencies:
    """The foreign-key graph shared by everything on one connection."""
    graph = _GRAPHS.get(connection)
    if graph is None:
        graph = _GRAPHS[connection] = Dependencies(connection)
    return graph


def describe_references(keys: Iterable[ForeignKey]) -> str:
    """``child -> parent (attributes)`` lines for an error message."""
    return "\n".join(
        f"  {key.child} refers to {key.parent} through ({', '.join(key.attr_map)})" for key in keys
    )


_TARGET = re.compile(
    r"\s*(?P<verb>INSERT(?:\s+IGNORE)?\s+INTO|REPLACE\s+INTO|UPDATE|DELETE\s+FROM)\s+"
    r"(?:(?P<table>`(?:[^`]|``)+`\.`(?:[^`]|``)+`)|`(?P<schema>[^`.]+)\.(?P<name>[^`]+)`)",  # or SQLite's `s.t`
    re.I,
)


def foreign_key_hint(connection: Connection, sql: str) -> str:
    """What a failed foreign-key check of ``sql`` involves and how to fix it ('' if unknown).

    An insert or update names the parents that must hold the referenced rows; a delete names
    the tables whose rows still refer to the deleted ones.
    """
    match = _TARGET.match(sql)
    if match is None:
        return ""
    table = match["table"] or full_name(match["schema"], match["name"])
    if match["verb"].upper().startswith("DELETE"):
        keys = referencing_keys(connection, [table])
        if not keys:
            return ""
        return (
            f"\nRows of other tables still refer to the rows deleted from {table}:\n{describe_references(keys)}\n"
            "Delete those rows first, or use delete(), which deletes dependent rows too."
        )
    schema = table.strip("`").split("`.`")[0]
    rows = connection.query(*connection.dialect.foreign_keys([schema])).fetchall()
    parents = sorted(
        {
            full_name(ref_schema, ref_table)
            for _, child_schema, child_table, _, ref_schema, ref_table, _ in rows
            if full_name(child_schema, child_table) == table and not ref_table.startswith("~")
        }
    )
    if not parents:
        return ""
    return (
        f"\nEvery row of {table} must refer to an existing row of its parent(s) {', '.join(parents)}. "
        "Insert the parent rows first, or fix the foreign-key values."
    )
