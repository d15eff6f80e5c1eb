"""Query trees from hand-made headings compile to the expected SQL (no database)."""

from __future__ import annotations

import uuid

import numpy as np
import pytest

from djnb.errors import DataJointError, UnknownAttributeError
from djnb.heading import Attribute, Heading
from djnb.sql.compiler import compile_count, compile_query
from djnb.sql.conditions import AndList, Not, normalize
from djnb.sql.dialect import MySQLDialect
from djnb.sql.nodes import Aggregate, Distinct, Join, Node, Project, Relation, Restrict, Top, Union

mysql = MySQLDialect()


def table(name: str, key: list[str], secondary: list[str]) -> Relation:
    attributes = [Attribute(n, "int", "INTEGER", in_key=True) for n in key]
    attributes += [Attribute(n, "int", "INTEGER") for n in secondary]
    return Relation(f"`lab`.`{name}`", Heading(tuple(attributes)))


student = table("student", ["student_id"], ["name", "year"])
course = table("course", ["course"], ["credits"])
enroll = table("enroll", ["student_id", "course"], ["grade"])


def sql(node):
    return compile_query(node, mysql)


def restrict(node, condition):
    return Restrict(node, normalize(condition, node.heading, lambda o: o if isinstance(o, Node) else None))


def test_table():
    assert sql(student) == ("SELECT `student_id`, `name`, `year` FROM `lab`.`student`", [])


def test_dict_restriction_binds_values_and_ignores_unknown_keys():
    node = restrict(student, {"year": 2, "nope": 1, "name": "x'; DROP TABLE y; --"})
    assert sql(node) == (
        "SELECT `student_id`, `name`, `year` FROM `lab`.`student` WHERE (`year` = %s AND `name` = %s)",
        [2, "x'; DROP TABLE y; --"],
    )


@pytest.mark.parametrize(
    ("condition", "where", "params"),
    [
        ("year > 1", "(year > 1)", []),
        ([{"year": 1}, {"year": 2}], "((`year` = %s) OR (`year` = %s))", [1, 2]),
        (AndList(["year > 1", {"name": "a"}]), "((year > 1) AND (`name` = %s))", ["a"]),
        (Not({"year": None}), "NOT (`year` IS NULL)", []),
        ([], "FALSE", []),
        (False, "FALSE", []),
        ({"student_id": np.int64(3)}, "(`student_id` = %s)", [3]),
    ],
)
def test_condition_forms(condition, where, params):
    text, bound = sql(restrict(student, condition))
    assert (
        text == f"SELECT `student_id`, `name`, `year` FROM `lab`.`student` WHERE {where}" and bound == params
    )
    assert type(bound[0]) is int if bound and condition == {"student_id": np.int64(3)} else True


def test_true_and_empty_and_list_restrict_nothing():
    assert sql(restrict(student, True)) == sql(student)
    assert sql(restrict(student, AndList())) == sql(student)


def test_records_and_uuids_are_parameters():
    records = np.array([(1, "a"), (2, "b")], dtype=[("student_id", "i8"), ("name", "U1")])
    text, params = sql(restrict(student, records))
    assert "((`student_id` = %s AND `name` = %s) OR (`student_id` = %s AND `name` = %s))" in text
    assert params == [1, "a", 2, "b"]
    value = uuid.UUID(int=1)
    assert sql(restrict(student, {"name": value}))[1] == [value.bytes]


def test_semijoin_and_antijoin():
    text, _ = sql(restrict(student, enroll))
    assert text.endswith("WHERE ((`student_id`) IN (SELECT `student_id` FROM `lab`.`enroll`))")
    anti = Restrict(student, normalize(Not(enroll), student.heading, lambda o: o if o is enroll else None))
    assert "WHERE NOT ((`student_id`) IN (SELECT `student_id` FROM `lab`.`enroll`))" in sql(anti)[0]


def test_restricting_a_renamed_projection_needs_a_subquery():
    renamed = Project(student, keep=("name",), renames=(("level", "year"),))
    assert renamed.heading.names == ["student_id", "name", "level"]
    text, params = sql(restrict(renamed, {"level": 3}))
    assert text == (
        "SELECT `student_id`, `name`, `level` FROM (SELECT `student_id`, `name`, `year` AS `level` "
        "FROM `lab`.`student`) AS `$q1` WHERE (`level` = %s)"
    )
    assert params == [3]


def test_computed_attribute_and_restriction():
    computed = Project(student, keep=(), computed=(("next_year", "year + 1"),))
    text, _ = sql(restrict(computed, "next_year > 2"))
    assert text == (
        "SELECT `student_id`, `next_year` FROM (SELECT `student_id`, year + 1 AS `next_year` "
        "FROM `lab`.`student`) AS `$q1` WHERE (next_year > 2)"
    )


def test_join_merges_plain_tables_and_keeps_restrictions():
    node = Join(restrict(student, {"year": 1}), restrict(enroll, {"grade": 4}))
    assert node.heading.primary_key == ["student_id", "course"]
    assert sql(node) == (
        "SELECT `student_id`, `course`, `name`, `year`, `grade` FROM `lab`.`student` JOIN `lab`.`enroll` "
        "USING (`student_id`) WHERE (`year` = %s) AND (`grade` = %s)",
        [1, 4],
    )


def test_join_with_a_projection_uses_a_subquery():
    node = Join(Project(student, keep=()), enroll)
    text, _ = sql(node)
    assert (
        "(SELECT `student_id` FROM `lab`.`student`) AS `$q1` JOIN `lab`.`enroll` USING (`student_id`)" in text
    )


def test_join_refuses_secondary_namesakes():
    with pytest.raises(DataJointError, match="secondary attribute on both sides"):
        Join(table("a", ["a"], ["x"]), table("b", ["b"], ["x"]))
    assert Join(table("a", ["a"], ["x"]), table("b", ["b"], ["x"]), permissive=True).heading.names == [
        "a",
        "b",
        "x",
    ]


def test_aggregation_groups_by_kept_attributes_valid_on_mariadb():
    node = Aggregate(
        student, enroll, keep=("name",), computed=(("n", "count(*)"), ("avg_grade", "avg(grade)"))
    )
    assert node.heading.primary_key == ["student_id"]
    assert sql(node)[0] == (
        "SELECT `student_id`, `name`, count(*) AS `n`, avg(grade) AS `avg_grade` FROM `lab`.`student` "
        "JOIN `lab`.`enroll` USING (`student_id`) GROUP BY `student_id`, `name`"
    )
    kept = Aggregate(student, enroll, keep=(), computed=(("n", "count(grade)"),), keep_all_rows=True)
    assert "LEFT JOIN `lab`.`enroll`" in sql(kept)[0]


def test_restricting_an_aggregation_uses_having():
    node = Aggregate(student, enroll, keep=(), computed=(("n", "count(*)"),))
    text, params = sql(restrict(restrict(node, {"n": 2}), "n < 9"))
    assert text == (
        "SELECT `student_id`, count(*) AS `n` FROM `lab`.`student` JOIN `lab`.`enroll` USING (`student_id`) "
        "GROUP BY `student_id` HAVING (`n` = %s) AND (n < 9)"
    )
    assert params == [2]


def test_restricting_an_aggregation_whose_name_shadows_a_column_uses_a_subquery():
    # SQLite would read `grade` in HAVING as the grouped rows' column, not the computed maximum
    node = Aggregate(student, enroll, keep=(), computed=(("grade", "max(grade)"),))
    text, _ = sql(restrict(node, "grade > 3"))
    assert text == (
        "SELECT `student_id`, `grade` FROM (SELECT `student_id`, max(grade) AS `grade` FROM `lab`.`student` "
        "JOIN `lab`.`enroll` USING (`student_id`) GROUP BY `student_id`) AS `$q1` WHERE (grade > 3)"
    )


def test_restricting_a_limited_aggregation_uses_a_subquery():
    node = Top(Aggregate(student, enroll, keep=(), computed=(("n", "count(*)"),)), 5, ("n DESC",), 0)
    text, params = sql(restrict(node, {"n": 2}))
    assert text.startswith("SELECT `student_id`, `n` FROM (SELECT") and text.endswith("WHERE (`n` = %s)")
    assert "LIMIT 5" in text and params == [2]


def test_top_inside_top():
    inner = Top(student, 10, ("year DESC", "KEY"), 5)
    outer = Top(inner, 3, ("name",), 0)
    assert sql(outer)[0] == (
        "SELECT `student_id`, `name`, `year` FROM (SELECT `student_id`, `name`, `year` FROM `lab`.`student` "
        "ORDER BY `year` DESC, `student_id` LIMIT 10 OFFSET 5) AS `$q1` ORDER BY `name` LIMIT 3"
    )
    with pytest.raises(DataJointError, match="order_by"):
        sql(Top(student, 1, ("nope",), 0))


def test_union_operands_are_subqueries_with_parameters_in_order():
    first = Project(restrict(student, {"year": 1}), keep=())
    second = Project(restrict(student, {"year": 2}), keep=())
    text, params = sql(Union(first, second))
    assert text == (
        "SELECT `student_id` FROM (SELECT * FROM (SELECT `student_id` FROM `lab`.`student` WHERE (`year` = %s)) "
        "AS `$q1` UNION SELECT * FROM (SELECT `student_id` FROM `lab`.`student` WHERE (`year` = %s)) AS `$q2`) AS `$q3`"
    )
    assert params == [1, 2]
    with pytest.raises(DataJointError, match="same primary key"):
        Union(student, course)
    with pytest.raises(DataJointError, match="must not share secondary attributes"):
        Union(student, student)


def test_universal_set_distinct_values():
    assert sql(Distinct(student, ("year",))) == ("SELECT DISTINCT `year` FROM `lab`.`student`", [])
    assert Distinct(student, ("year",)).heading.primary_key == ["year"]


def test_count():
    assert compile_count(restrict(student, {"year": 1}), mysql) == (
        "SELECT COUNT(*) AS `count` FROM `lab`.`student` WHERE (`year` = %s)",
        [1],
    )


def test_unknown_attributes_are_named():
    with pytest.raises(
        UnknownAttributeError, match="`nope` is not in the query; existing: student_id, name, year"
    ):
        Project(student, keep=("nope",))


def test_outer_union_left_joins_both_ways():
    left = Project(student, keep=("name",))
    right = Project(student, keep=("year",))
    text, _ = sql(Union(left, right))
    assert text.count("LEFT JOIN") == 2 and "UNION" in text
    with pytest.raises(DataJointError, match="must not share secondary attributes"):
        Union(student, Project(student, keep=("name",), computed=(("extra", "1"),)))
