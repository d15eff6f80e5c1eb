"""Deep pipelines: deleting at the top of a 30-table chain, on MariaDB and SQLite.

The cascade plan restricts each level by the keys of the farthest ancestor whose key reaches it
unrenamed, so the SQL stays one semijoin deep whatever the depth (it used to nest one subquery
per level: SQLite's parser failed from 11 levels with "parser stack overflow").
"""

from __future__ import annotations

import pytest

import djnb as dj

BACKENDS = ("mysql", "sqlite")
DEPTH = 30


@pytest.fixture(scope="module")
def chain(server, prefix):
    connection = dj.Connection(**server)
    schema = dj.Schema(f"{prefix}_deep", connection=connection)
    tables: list = []
    for level in range(DEPTH):
        parent = f"-> T{level - 1}\n" if level else ""
        table = type(f"T{level}", (dj.Manual,), {"definition": f"{parent}k{level} : int\n"})
        schema(table, context={t.__name__: t for t in tables})
        tables.append(table)

    class Renamed(dj.Manual):  # a branch whose key is renamed: it restricts by its parent's rows
        definition = f"""
        -> T{DEPTH // 2}.proj(other=\"k{DEPTH // 2}\")
        r : int
        """

    class Leaf(dj.Manual):
        definition = """
        -> Renamed
        leaf : int
        """

    schema(Renamed, context={t.__name__: t for t in tables})
    schema(Leaf, context={"Renamed": Renamed})
    yield tables, Renamed, Leaf
    schema.drop(force=True)
    connection.close()


def fill(tables, renamed, leaf) -> None:
    for table in [leaf, renamed, *reversed(tables)]:
        table.delete_quick()
    for level, table in enumerate(tables):
        table.insert([{f"k{j}": root for j in range(level + 1)} for root in (1, 2)])
    for root in (1, 2):
        row = {**{f"k{j}": root for j in range(DEPTH // 2)}, "other": root, "r": 0}
        renamed.insert1(row)
        leaf.insert1({**row, "leaf": 0})


def test_deleting_the_top_of_a_30_table_chain(chain):
    tables, renamed, leaf = chain
    fill(tables, renamed, leaf)
    (tables[0] & {"k0": 1}).delete(safemode=False)
    assert [len(table) for table in tables] == [1] * DEPTH
    assert all(set(table.fetch("k0").tolist()) == {2} for table in tables)
    assert renamed.fetch("k0").tolist() == [2] and leaf.fetch("k0").tolist() == [2]


def test_deleting_in_the_middle_of_the_chain(chain):
    tables, renamed, leaf = chain
    fill(tables, renamed, leaf)
    (tables[DEPTH // 2] & {"k0": 2}).delete(safemode=False)
    assert [len(table) for table in tables] == [2] * (DEPTH // 2) + [1] * (DEPTH - DEPTH // 2)
    assert len(renamed) == 1 and len(leaf) == 1


def test_restrictions_by_restricted_queries_30_deep(chain):
    """``T & (T & (T & ...))``: each semijoin within a semijoin is named once (a WITH clause
    on SQLite), so the depth is not bounded by the engine's parser; fetch, count, insert from
    the query and delete all read it."""
    tables, renamed, leaf = chain
    fill(tables, renamed, leaf)
    top = tables[0]
    query = top & "k0 > 1"
    for _ in range(DEPTH):
        query = top & query
    assert len(query) == 1 and query.fetch("k0").tolist() == [2]
    assert len(tables[3] & query) == 1
    (tables[0] & query).delete(safemode=False)
    assert tables[0].fetch("k0").tolist() == [1] and len(tables[-1]) == 1
