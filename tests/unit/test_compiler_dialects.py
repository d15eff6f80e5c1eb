"""The compiler is dialect-neutral: the same trees compile for MySQL, SQLite and a third dialect.

The third dialect is a few lines here (double-quoted identifiers, schema-qualified tables, as
PostgreSQL writes them): a new engine's queries need nothing from the compiler but its dialect
object. No identifier quoting of the compiler's own is hard-coded: for the third dialect no
backtick appears in any compiled statement.
"""

from __future__ import annotations

import pytest

from djnb.heading import Attribute, Heading
from djnb.sql.compiler import compile_count, compile_query
from djnb.sql.conditions import KeysIn, Not, normalize
from djnb.sql.dialect import MySQLDialect, SQLiteDialect
from djnb.sql.dialect.base import Dialect
from djnb.sql.nodes import Aggregate, Distinct, Join, Node, Project, Relation, Restrict, Top, Union


class ThirdDialect(Dialect):
    """What a PostgreSQL dialect says about names, and nothing more."""

    name = "third"
    identifier_quote = '"'


DIALECTS = [MySQLDialect(), SQLiteDialect(), ThirdDialect()]


def table(name: str, key: list[str], secondary: list[str]) -> Relation:
    attributes = [Attribute(n, "int", "INTEGER", in_key=True) for n in key]
    attributes += [Attribute(n, "int", "INTEGER", nullable=True) for n in secondary]
    return Relation(f"`lab`.`{name}`", Heading(tuple(attributes)))


student = table("student", ["student_id"], ["year"])
enroll = table("enroll", ["student_id", "course"], ["grade"])


def restrict(node: Node, condition) -> Restrict:
    return Restrict(node, normalize(condition, node.heading, lambda o: o if isinstance(o, Node) else None))


TREES = {
    "table": student,
    "restricted": restrict(student, {"year": 2}),
    "semijoin": restrict(student, enroll),
    "antijoin": restrict(student, Not(enroll)),
    "null restriction": restrict(enroll, {"grade": None}),
    "keys in": Restrict(enroll, KeysIn(("student_id", "course"), ((1, 2), (3, 4)))),
    "join": Join(student, enroll),
    "left join": Join(student, enroll, left_outer=True),
    "projection": Project(student, ("year",), (("sid", "student_id"),), (("next", "year + 1"),)),
    "aggregation": Aggregate(student, enroll, (), (("n", "count(*)"),)),
    "grouped": Aggregate(Distinct(enroll, ("course",)), enroll, (), (("n", "count(*)"),)),
    "union": Union(Project(restrict(student, {"year": 2}), ()), Project(restrict(student, "year > 3"), ())),
    "top": Top(student, 5, ("year DESC",), 10),
    "restricted aggregation": restrict(Aggregate(student, enroll, (), (("n", "count(*)"),)), "n > 1"),
}


@pytest.mark.parametrize("dialect", DIALECTS, ids=lambda d: d.name)
@pytest.mark.parametrize("tree", list(TREES), ids=str)
def test_every_tree_compiles_for_every_dialect(dialect, tree):
    sql, params = compile_query(TREES[tree], dialect)
    count, _ = compile_count(TREES[tree], dialect)
    table_name = dialect.table_name(
        "lab", "enroll" if tree in ("null restriction", "grouped", "keys in") else "student"
    )
    assert table_name in sql and table_name in count
    if dialect.name == "third":  # nothing of MySQL's quoting leaks from the compiler
        assert "`" not in sql and "`" not in count
        assert '"lab"."' in sql
    expected = {"restricted": [2], "union": [2], "keys in": [1, 2, 3, 4]}
    assert params == expected.get(tree, [])


def test_table_names_are_each_dialects_own():
    assert compile_query(student, DIALECTS[0])[0] == "SELECT `student_id`, `year` FROM `lab`.`student`"
    assert compile_query(student, DIALECTS[1])[0] == "SELECT `student_id`, `year` FROM `lab.student`"
    assert compile_query(student, DIALECTS[2])[0] == 'SELECT "student_id", "year" FROM "lab"."student"'


def test_a_join_reads_the_same_in_every_dialect_but_for_quoting():
    texts = [compile_query(Join(student, enroll), d)[0] for d in DIALECTS]
    normalised = [t.replace("`", "").replace('"', "") for t in texts]
    assert len(set(normalised)) == 1


def test_keys_in_is_one_row_value_list():
    node = Restrict(enroll, KeysIn(("student_id", "course"), ((1, 2), (3, 4))))
    assert compile_query(node, DIALECTS[2])[0].endswith(
        'WHERE (("student_id", "course") IN ((%s, %s), (%s, %s)))'
    )
    single = Restrict(student, KeysIn(("student_id",), ((1,), (2,))))
    assert compile_query(single, DIALECTS[0])[0].endswith("WHERE (`student_id` IN (%s, %s))")
    assert compile_query(Restrict(student, KeysIn(("student_id",), ())), DIALECTS[0])[0].endswith(
        "WHERE FALSE"
    )


def test_semijoins_within_semijoins_are_named_once_where_the_engine_needs_it():
    nested = student
    for _ in range(3):
        nested = restrict(student, nested)
    sqlite_sql, _ = compile_query(nested, DIALECTS[1])
    assert sqlite_sql.startswith("WITH `$s") and sqlite_sql.count(" IN (SELECT") == 3
    mysql_sql, _ = compile_query(nested, DIALECTS[0])
    assert "WITH" not in mysql_sql and mysql_sql.count("IN (SELECT") == 3
