"""The MySQL dialect as data: quoting, statements, error-code map (no server needed)."""

from __future__ import annotations

import pytest

from djnb import errors
from djnb.sql.dialect import MySQLDialect, get_dialect

mysql = MySQLDialect()


def test_quoting_doubles_backticks():
    assert mysql.quote("session") == "`session`"
    assert mysql.quote("we`ird") == "`we``ird`"
    assert mysql.table_name("lab", "#subject") == "`lab`.`#subject`"


def test_catalog_statements_bind_values():
    sql, params = mysql.list_tables("lab'; DROP TABLE x; --")
    assert "%s" in sql and params == ("lab'; DROP TABLE x; --",)
    sql, params = mysql.list_schemas()
    assert sql.count("%s") == len(params) and "information_schema" in params
    assert mysql.create_schema("new") == ("CREATE DATABASE `new`", ())


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("error", "INSERT INTO `s`.`t` (`id`, `v`) VALUES (%s, %s)"),
        (
            "ignore",
            "INSERT INTO `s`.`t` (`id`, `v`) VALUES (%s, %s) ON DUPLICATE KEY UPDATE `s`.`t`.`id` = `s`.`t`.`id`",
        ),
        (
            "replace",
            "REPLACE INTO `s`.`t` (`id`, `v`) VALUES (%s, %s)",
        ),
    ],
)
def test_insert_statements(mode, expected):
    assert mysql.insert("`s`.`t`", ["id", "v"], on_duplicate=mode, primary_key=["id"]) == expected


def test_insert_rejects_unknown_mode():
    with pytest.raises(errors.ArgumentError, match="on_duplicate"):
        mysql.insert("`s`.`t`", ["id"], on_duplicate="merge")


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        (1062, errors.DuplicateError),
        (1451, errors.IntegrityError),
        (1452, errors.IntegrityError),
        (1054, errors.UnknownAttributeError),
        (1064, errors.QuerySyntaxError),
        (1142, errors.AccessError),
        (1044, errors.AccessError),
        (1045, errors.AuthenticationError),
        (1146, errors.MissingTableError),
        (1364, errors.MissingAttributeError),
        (1213, errors.LockError),
        (2003, errors.ConnectError),
        (4025, errors.InvalidValueError),
    ],
)
def test_error_codes(code, cls):
    assert mysql.error_class(code) is cls


def test_lost_connection_codes():
    for code in (1927, 2006, 2013):
        assert mysql.is_lost_connection(code)
    assert not mysql.is_lost_connection(1062)


def test_unknown_backend_names_the_setting():
    assert isinstance(get_dialect("mysql"), MySQLDialect)
    with pytest.raises(errors.ConfigError, match="database.backend"):
        get_dialect("oracle")
