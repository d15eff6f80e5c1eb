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


def test_sqlite_reads_the_server_form_of_statements():
    from djnb.connection.sqlite_driver import rewrite

    assert (
        rewrite("SELECT * FROM `lab`.`session` WHERE a = %s", True)
        == "SELECT * FROM `lab.session` WHERE a = ?"
    )
    # string literals are left alone, including backticks, percent signs and escaped quotes
    assert rewrite('SELECT \'`a`.`b` 100%%\', "it\\"s `x`.`y`" FROM `s`.`t`', False) == (
        'SELECT \'`a`.`b` 100%%\', "it\\"s `x`.`y`" FROM `s.t`'
    )
    # with arguments, %% is one percent sign in literals too (as PyMySQL formats on the server)
    assert rewrite("SELECT 'a%%b' LIKE %s, 5 %% 2", True) == "SELECT 'a%b' LIKE ?, 5 % 2"
    assert rewrite("SELECT %(name)s", True) == "SELECT :name"


def test_sqlite_translates_declarations_with_checks_and_catalog_rows():
    from djnb.sql.dialect.sqlite import translate_ddl

    sql = (
        "CREATE TABLE IF NOT EXISTS `lab.subject` (\n"
        '  `subject_id` int unsigned NOT NULL COMMENT "",\n'
        '  `sex` enum(\'F\', \'M\') NOT NULL DEFAULT "F" COMMENT "the \\"sex\\"",\n'
        '  `rig` varchar(8) DEFAULT NULL COMMENT "",\n'
        "  PRIMARY KEY (`subject_id`),\n"
        "  FOREIGN KEY (`rig`) REFERENCES `lab.#rig` (`rig`) ON UPDATE CASCADE ON DELETE RESTRICT\n"
        ') ENGINE=InnoDB, COMMENT "animals"'
    )
    table, statements = translate_ddl(sql)
    create = statements[0][0]
    assert table == "lab.subject" and create.startswith('CREATE TABLE "lab.subject"')
    assert "\"subject_id\" INT NOT NULL CHECK (\"subject_id\" IS NULL OR (typeof(\"subject_id\") = 'integer' AND " \
        "\"subject_id\" BETWEEN 0 AND 4294967295))" in create  # fmt: skip
    assert "\"sex\" IN ('F', 'M')" in create and "DEFAULT 'F'" in create
    assert 'REFERENCES "lab.#rig"' in create
    assert any('CREATE INDEX "lab.subject~f1" ON "lab.subject" ("rig")' in s for s, _ in statements)
    rows = [params for s, params in statements if "~djnb_columns" in s]
    assert rows[1] == ("lab", "subject", 2, "sex", "enum('F','M')", "NO", "F", "", "", 'the "sex"')
    assert ("lab", "subject", "animals") in [params for s, params in statements if "~djnb_tables" in s]
