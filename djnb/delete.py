"""Cascading deletes planned from the foreign-key graph.

For a restricted table, every dependent table's affected rows are described as a query
(restricted by its affected parents through each foreign key, renamed keys included); the
per-table counts go to the confirmation callback; then one DELETE per table runs, children
first, in one transaction: all or nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from . import catalog, hooks
from .dependencies import dependencies_of
from .errors import DataJointError
from .settings import config, logger
from .sql.compiler import Compiler
from .sql.conditions import AllOf, AnyOf, InQuery, Negate
from .sql.nodes import Node, Relation, Restrict

#: how to delete without being asked, for the error raised when nobody can answer
SKIP_CONFIRMATION = (
    "call delete(safemode=False), or set dj.config['safemode'] = False, "
    "or pass delete(confirm=lambda question: True)"
)


def base_relation(node: Node) -> Relation:
    """The table a query restricts (deletes work on restrictions of one table)."""
    while isinstance(node, Restrict):
        node = node.source
    if not isinstance(node, Relation):
        raise DataJointError(
            "delete() works on a table or a restriction of one (not a join, projection or aggregation)."
        )
    return node


def part_master(full_name: str) -> str | None:
    """The master's full name if ``full_name`` is a part table (``master__part``)."""
    schema, table = full_name.strip("`").split("`.`")
    match = re.fullmatch(r"([_#]*[a-z0-9_]+?)__[a-z0-9_]+", table)
    if match is None or table.startswith("~"):
        return None
    return f"`{schema}`.`{match.group(1)}`"


def refers_to_other_tables(node: Node) -> bool:
    """Whether a restriction chain reads other tables (semijoins), which deletes may empty first."""
    while isinstance(node, Restrict):
        if _has_semijoin(node.condition):
            return True
        node = node.source
    return False


def _has_semijoin(condition: Any) -> bool:
    if isinstance(condition, InQuery):
        return True
    if isinstance(condition, Negate):
        return _has_semijoin(condition.condition)
    if isinstance(condition, AnyOf | AllOf):
        return any(map(_has_semijoin, condition.conditions))
    return False


def plan(query: Any) -> dict[str, Any]:
    """Full table name -> query of its rows to delete, parents before children."""
    root = base_relation(query.node)
    if refers_to_other_tables(query.node):
        # e.g. (Parent & Child).delete(): Child's rows go first, so fix the parents' keys now
        query = query._derive(root) & query.fetch("KEY")
    graph = dependencies_of(query.connection)
    schema = root.full_name.strip("`").split("`.`")[0]
    graph.load([schema])
    affected: dict[str, Any] = {root.full_name: query}
    # the farthest ancestor whose affected rows select this table's: (its query, its key names)
    origin: dict[str, tuple[Any, tuple[str, ...]]] = {
        root.full_name: (query, tuple(root.heading.primary_key))
    }
    for name in graph.descendants(root.full_name)[1:]:
        child_schema, child_table = name.strip("`").split("`.`")
        heading = catalog.load_heading(query.connection, child_schema, child_table)
        conditions, via, everything = [], None, False
        for key in graph.parent_keys(name):
            parent = affected.get(key.parent)
            if parent is None:
                continue
            if isinstance(parent.node, Relation) and not any(heading[a].nullable for a in key.attr_map):
                # all of the parent's rows go, and every child row has a parent through this key:
                # all of the child's rows go (no IN (subquery) for the server to evaluate per row)
                everything = True
                break
            ancestor, ancestor_key = origin[key.parent]
            if all(key.attr_map.get(a) == a for a in ancestor_key):
                # the ancestor's key reaches this table unrenamed through the parent's: by the
                # foreign keys, the ancestor's affected keys select this table's rows directly,
                # so a deep chain is one semijoin per table, never nested (SQLite's parser and
                # the servers' optimisers both stop at some depth)
                conditions.append(ancestor.proj())
                via = key.parent
                continue
            renames = {
                child: parent_attr for child, parent_attr in key.attr_map.items() if child != parent_attr
            }
            conditions.append(parent.proj(**renames))
        table = query._derive(Relation(name, heading))
        affected[name] = table if everything else table & conditions
        single = len(conditions) == 1 and via is not None and not everything
        origin[name] = origin[via] if single else (affected[name], tuple(heading.primary_key))
    return affected


def with_masters(query: Any, affected: dict[str, Any]) -> dict[str, Any]:
    """Add the master rows of affected part rows (and their cascades), parents first."""
    merged = dict(affected)
    for name in list(affected):
        master = part_master(name)
        if master is None or master in affected:
            continue
        schema, table = master.strip("`").split("`.`")
        master_rows = query._derive(Relation(master, catalog.load_heading(query.connection, schema, table)))
        # fixed keys: the part rows that select these masters are deleted before the masters are
        keys = (master_rows & affected[name].proj()).fetch("KEY")
        for child, rows in plan(master_rows & keys).items():
            if child in merged:  # rows reached both ways: either restriction selects them
                table = base_relation(rows.node)
                rows = query._derive(table) & [merged[child].proj(), rows.proj()]
            merged[child] = rows
    order = dependencies_of(query.connection).topological_order()
    return {name: merged[name] for name in order if name in merged}


def delete(
    query: Any,
    *,
    confirm: Callable[[str], bool] | None = None,
    safemode: bool | None = None,
    force_parts: bool = False,
    force_masters: bool = False,
    transaction: bool = True,
) -> int:
    """Delete the query's rows and everything that depends on them; returns the query's rows deleted.

    ``force_masters`` also deletes the masters of affected part rows (with all their parts).
    As 0.14, logs each table's count at INFO ("Deleting N rows from `s`.`t`"), and with safemode
    "Nothing to delete" (WARNING), a cancel (WARNING) or "Delete committed." (INFO).
    """
    affected = plan(query)
    if force_masters:
        affected = with_masters(query, affected)
    root = base_relation(query.node).full_name
    counts = {name: len(rows) for name, rows in affected.items()}
    for name, count in counts.items():
        master = part_master(name)
        if count and master is not None and master not in affected and not force_parts:
            what = "this part table" if name == root else f"part table {name}"
            raise DataJointError(
                f"Rows of {what} cannot go on their own: its master {master} would be left incomplete. "
                "Delete the master's rows (their parts go too), or pass force_parts=True."
            )
    safemode = config["safemode"] if safemode is None else safemode
    if not any(counts.values()):
        if safemode:  # as 0.14
            logger.warning("Nothing to delete: no rows of %s match.", root)
        return 0
    if safemode:
        preview = "\n".join(f"  {name}: {count} rows" for name, count in counts.items() if count)
        question = f"About to delete:\n{preview}\nCommit deletes?"
        if not hooks.ask(question, confirm, action="Delete", instead=SKIP_CONFIRMATION):
            return 0
    connection = query.connection
    own = transaction and not connection.in_transaction
    if own:
        connection.start_transaction()
    deleted = 0
    try:
        for name in reversed(list(affected)):
            if counts[name]:
                removed = delete_rows(affected[name])
                logger.info("Deleting %d rows from %s", removed, name)  # 0.14's log line
                deleted = removed if name == root else deleted  # DataJoint returns the root's count
    except BaseException:
        if own:
            connection.cancel_transaction()
        raise
    if own:
        connection.commit_transaction()
        if safemode:
            logger.info("Delete committed.")
    return deleted


def delete_rows(query: Any) -> int:
    """One DELETE for the query's rows of its base table (no cascade); returns rows deleted."""
    relation = base_relation(query.node)
    dialect = query.connection.dialect
    compiler = Compiler(dialect)
    select = compiler.select(query.node)
    name = dialect.table_name(relation.schema, relation.table)
    if select.source == name and not compiler.ctes:  # a plain restriction
        sql, params = dialect.delete(name, " AND ".join(select.where) or "TRUE"), select.where_params
    else:
        key = relation.heading.primary_key
        select.columns = [(dialect.quote(k), k) for k in key]
        # materialised (the same table is read); a WITH stays inside, so that the statement is a
        # DELETE, whose rows the drivers count
        inner, params = compiler.statement(*compiler.render(compiler.wrap(select)))
        sql = dialect.delete(name, f"({', '.join(map(dialect.quote, key))}) IN ({inner})")
    return query.connection.query(sql, params, formatted=True).rowcount
