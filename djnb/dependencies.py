"""The foreign-key graph of the loaded schemas: parents, children, and safe orders.

Nodes are full table names (`schema`.`table`); each foreign key is kept as a record (several
may link the same two tables, e.g. ``-> Session`` and ``-> Session.proj(s2='session')``).
"""

from __future__ import annotations

import weakref
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

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


class Dependencies:
    """Foreign keys among the tables of the schemas loaded so far."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.schemas: set[str] = set()
        self.keys: list[ForeignKey] = []
        self.nodes: set[str] = set()
        self.primary_keys: dict[str, list[str]] = {}

    def load(self, schemas: Iterable[str] | None = None) -> None:
        """(Re)read the foreign keys of ``schemas`` (default: those loaded before)."""
        self.schemas |= set(schemas or ())
        if not self.schemas:
            return
        while True:  # tables in other schemas may depend on ours: follow them until none is new
            found = {
                schema
                for (schema,) in self.connection.query(
                    *self.connection.dialect.referencing_schemas(sorted(self.schemas))
                )
            }
            if found <= self.schemas:
                break
            self.schemas |= found
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
        self.nodes, self.primary_keys = set(primary), dict(primary)
        self.keys = [
            ForeignKey(
                child, entry["parent"], entry["map"],
                primary=set(entry["map"]) <= set(primary[child]), multi=set(entry["map"]) != set(primary[child]),
            )
            for (child, _), entry in grouped.items()
        ]  # fmt: skip
        self.nodes |= {key.parent for key in self.keys}

    def parents(self, table: str, primary: bool | None = None) -> list[ForeignKey]:
        return [k for k in self.keys if k.child == table and (primary is None or k.primary == primary)]

    def children(self, table: str, primary: bool | None = None) -> list[ForeignKey]:
        return [k for k in self.keys if k.parent == table and (primary is None or k.primary == primary)]

    def descendants(self, table: str) -> list[str]:
        """``table`` and everything that depends on it, parents before children."""
        return [
            name for name in self.topological_order() if name == table or table in self.ancestors_of(name)
        ]

    def ancestors(self, table: str) -> list[str]:
        """``table`` and everything it depends on, parents before children."""
        found = self.ancestors_of(table) | {table}
        return [name for name in self.topological_order() if name in found]

    def ancestors_of(self, table: str) -> set[str]:
        found: set[str] = set()
        frontier = [table]
        while frontier:
            for key in self.parents(frontier.pop()):
                if key.parent not in found:
                    found.add(key.parent)
                    frontier.append(key.parent)
        return found

    def topological_order(self) -> list[str]:
        """All known tables, each after all of its parents (ties broken by name)."""
        pending = {node: {k.parent for k in self.parents(node) if k.parent != node} for node in self.nodes}
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


_GRAPHS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def dependencies_of(connection: Connection) -> Dependencies:
    """The foreign-key graph shared by everything on one connection."""
    graph = _GRAPHS.get(connection)
    if graph is None:
        graph = _GRAPHS[connection] = Dependencies(connection)
    return graph
