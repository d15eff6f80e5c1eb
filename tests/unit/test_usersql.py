"""Users' MySQL fragments for SQLite (sql/usersql.py), its MySQL functions, and inferred types."""

from __future__ import annotations

import pytest

from djnb.errors import QuerySyntaxError
from djnb.sql.dialect import MySQLDialect, SQLiteDialect
from djnb.sql.dialect import sqlite_functions as f
from djnb.sql.expression_types import result_type
from djnb.sql.usersql import UntranslatableSQLError

SQLITE, MYSQL = SQLiteDialect(), MySQLDialect()


@pytest.mark.parametrize(
    ("mysql", "sqlite"),
    [
        ('name = "x"', "name = 'x' COLLATE NOCASE"),  # a literal, compared ignoring case
        ("`name` = 'x'", "\"name\" = 'x' COLLATE NOCASE"),
        ("a = 1", "a = 1"),
        ('x IN ("a", "b")', "x COLLATE NOCASE IN ('a', 'b')"),
        ('BINARY name = "A"', "name COLLATE BINARY = 'A'"),
        ("name = 'a' COLLATE utf8mb4_bin", "name = 'a' COLLATE BINARY"),
        ("year(d) = 2020", "YEAR(DATE(d)) = 2020"),
        ("d > NOW() - INTERVAL 1 DAY", "d > DATE_ADD(NOW(), -(1), 'DAY')"),
        ("date_add(d, INTERVAL 2 HOUR)", "DATE_ADD(d, 2, 'HOUR')"),
        ("timestampdiff(MINUTE, a, b)", "TIMESTAMPDIFF('MINUTE', a, b)"),
        ("curdate()", "CURDATE()"),
        ("truncate(a, 1)", "TRUNCATE(a, 1)"),
        ('concat(a, "-", b)', "a || '-' || b"),
        ("a / b", "CAST(a AS REAL) / b"),
        ("a DIV b", "CAST(CAST(a AS REAL) / b AS INTEGER)"),
        ("subject_id", "subject_id"),
        ("CURRENT_TIMESTAMP", "NOW()"),  # local time, as MySQL's; SQLite's own is UTC
        ("`old`", "`old`"),
    ],
)
def test_fragments_are_translated_with_their_meaning(mysql, sqlite):
    assert SQLITE.user_sql(mysql) == sqlite
    assert MYSQL.user_sql(mysql) == mysql  # the server reads MySQL as written


@pytest.mark.parametrize(
    ("fragment", "named"),
    [
        ("weird_function(name) = 1", "WEIRD_FUNCTION"),
        ("name = 'a' XOR sex = 'F'", "XOR"),
        ("@x := 1", "variable"),
        ("name = 'a' COLLATE utf8mb4_0900_as_cs", "utf8mb4_0900_as_cs"),
        ("name = ", "Cannot read"),
        ("a = 1; DROP TABLE t", "one expression"),
        ("a, b", "one expression"),
        ("a = 1 AS b", "one expression"),
    ],
)
def test_untranslatable_fragments_are_refused_naming_the_construct(fragment, named):
    with pytest.raises(QuerySyntaxError, match=named) as info:
        SQLITE.user_sql(fragment)
    assert fragment[:10] in str(info.value)


def test_untranslatable_is_a_query_syntax_error():
    assert issubclass(UntranslatableSQLError, QuerySyntaxError)


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda: f.date_add("2024-01-31", 1, "MONTH"), "2024-02-29"),
        (lambda: f.date_add("2024-01-02", -1, "DAY"), "2024-01-01"),
        (lambda: f.date_add("2024-01-02", 2, "HOUR"), "2024-01-02 02:00:00"),
        (lambda: f.date_add("2024-01-02 03:04:05", 1, "DAY"), "2024-01-03 03:04:05"),
        (lambda: f.date_add("nonsense", 1, "DAY"), None),
        (lambda: f.timestampdiff("SECOND", "2024-01-02", "2024-01-02 03:04:05"), 11045),
        (lambda: f.timestampdiff("MONTH", "2024-01-31", "2024-02-29"), 0),
        (lambda: f.timestampdiff("MONTH", "2024-01-15", "2024-03-15"), 2),
        (lambda: f.timestampdiff("DAY", "2024-01-03", "2024-01-01 12:00"), -1),
        (lambda: f.truncate(1.29, 1), 1.2),
        (lambda: f.truncate(-1.29, 0), -1),
        (lambda: f.date_format("2024-01-02 03:04:05", "%Y/%m/%d %H:%i:%s"), "2024/01/02 03:04:05"),
        (lambda: f.str_to_date("02.01.2024", "%d.%m.%Y"), "2024-01-02"),
        (lambda: f.MYSQL_FUNCTIONS["YEAR"][1]("2024-01-02"), 2024),
        (lambda: f.MYSQL_FUNCTIONS["HOUR"][1]("12:34:56"), 12),
        (lambda: f.MYSQL_FUNCTIONS["DAYOFWEEK"][1]("2024-01-07"), 1),  # a Sunday, as MySQL counts
    ],
)
def test_mysql_functions_for_sqlite_have_mysql_meaning(call, expected):
    assert call() == expected


TYPES = {"i": "int", "d": "decimal(6,2)", "f": "float", "dt": "datetime", "da": "date", "s": "varchar(10)"}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [  # as MariaDB 10.11 types them (PyMySQL's description of each result column)
        ("i", "int"),
        ("i + 1", "bigint"),
        ("i / 2", "decimal(65,4)"),
        ("d / 3", "decimal(65,6)"),
        ("d * 2", "decimal(65,2)"),
        ("f * 2", "double"),
        ("sum(i)", "decimal(65,0)"),
        ("sum(d)", "decimal(65,2)"),
        ("avg(i)", "decimal(65,4)"),
        ("avg(f)", "double"),
        ("count(*)", "bigint"),
        ("max(dt)", "datetime"),
        ("min(da)", "date"),
        ("date(dt)", "date"),
        ("year(dt)", "bigint"),
        ("concat(s, i)", "varchar(255)"),
        ("i > 1", "int"),
        ("da + INTERVAL 1 DAY", "date"),
        ("da + INTERVAL 1 HOUR", "datetime"),
        ("round(d, 1)", "decimal(65,1)"),
        ("floor(d)", "bigint"),
        ("if(i > 1, 'a', 'b')", "varchar(255)"),
        ("coalesce(d, 0)", "decimal(65,2)"),
        ("1.5", "decimal(65,1)"),
        ("cast(i as char)", "varchar(255)"),
        ("nonsense(", None),
    ],
)
def test_types_of_computed_values(expression, expected):
    assert result_type(expression, TYPES.get) == expected
