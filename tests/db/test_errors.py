"""Server errors arrive as their specific djnb classes, with the statement in the message."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

import djnb as dj
from djnb import errors

BACKENDS = ("mysql", "sqlite")


@pytest.fixture(scope="module")
def schema(server: dict, prefix: str) -> Iterator[str]:
    admin = dj.Connection(**server)
    name = f"{prefix}_err"
    admin.query(f"CREATE DATABASE `{name}`")
    admin.query(f"CREATE TABLE `{name}`.`parent` (id int PRIMARY KEY) ENGINE=InnoDB")
    check = " CHECK (small BETWEEN -128 AND 127)" if admin.backend == "sqlite" else ""  # strict mode's range
    admin.query(
        f"CREATE TABLE `{name}`.`child` (id int PRIMARY KEY, parent_id int NOT NULL, small tinyint{check}, "
        f"FOREIGN KEY (parent_id) REFERENCES `{name}`.`parent` (id)) ENGINE=InnoDB"
    )
    admin.query(f"INSERT INTO `{name}`.`parent` VALUES (1)")
    admin.query(f"INSERT INTO `{name}`.`child` VALUES (1, 1, 0)")
    admin.close()
    yield name


@pytest.fixture(scope="module")
def restricted_user(server: dict, schema: str) -> Iterator[dict]:
    """A user that may only SELECT from the test schema."""
    admin = dj.Connection(**server)
    user, password = f"djtest_{secrets.token_hex(4)}", f"pw-{secrets.token_hex(8)}"
    admin.query("CREATE USER %s@'%%' IDENTIFIED BY %s", (user, password))
    admin.query(f"GRANT SELECT ON `{schema}`.* TO %s@'%%'", (user,))
    yield {**server, "user": user, "password": password}
    admin.query("DROP USER %s@'%%'", (user,))
    admin.close()


@pytest.mark.parametrize(
    ("sql", "error", "text"),
    [
        ("INSERT INTO `{s}`.`parent` VALUES (1)", errors.DuplicateError, "Duplicate entry"),
        ("INSERT INTO `{s}`.`child` VALUES (2, 99, 0)", errors.IntegrityError, "foreign key"),
        ("DELETE FROM `{s}`.`parent` WHERE id = 1", errors.IntegrityError, "foreign key"),
        ("SELECT nonexistent FROM `{s}`.`parent`", errors.UnknownAttributeError, "nonexistent"),
        ("SELEC id FROM `{s}`.`parent`", errors.QuerySyntaxError, "SQL syntax"),
        ("SELECT * FROM `{s}`.`no_such_table`", errors.MissingTableError, "no_such_table"),
        ("INSERT INTO `{s}`.`child` (id) VALUES (3)", errors.MissingAttributeError, "parent_id"),
        ("INSERT INTO `{s}`.`child` VALUES (4, 1, 1000)", errors.InvalidValueError, "small"),
    ],
)
def test_server_errors_map_to_djnb_classes(connection, schema, sql, error, text):
    statement = sql.format(s=schema)
    with pytest.raises(error, match=text) as caught:
        connection.query(statement)
    assert statement in str(caught.value)  # the message shows what was run
    assert isinstance(caught.value, errors.DataJointError)
    assert isinstance(caught.value.__cause__, Exception)  # the driver error stays attached


@pytest.mark.mysql_only("user accounts and passwords: SQLite has none")
def test_access_denied_maps_to_access_error(connect, restricted_user, schema):
    limited = connect(**restricted_user)
    assert limited.query(f"SELECT COUNT(*) FROM `{schema}`.`parent`").fetchone() == (1,)
    with pytest.raises(errors.AccessError, match="lacks a privilege") as caught:
        limited.query(f"INSERT INTO `{schema}`.`parent` VALUES (5)")
    assert not isinstance(caught.value, errors.AuthenticationError)
    with pytest.raises(errors.AccessError):
        limited.query("CREATE DATABASE `djtest_not_allowed`")


@pytest.mark.mysql_only("user accounts and passwords: SQLite has none")
def test_wrong_password_is_an_authentication_error(server, restricted_user):
    wrong = {**restricted_user, "password": "wrong-password"}
    with pytest.raises(errors.AuthenticationError, match="DJ_PASS") as caught:
        dj.Connection(**wrong)
    assert isinstance(caught.value, errors.AccessError)
    assert "wrong-password" not in str(caught.value)


@pytest.mark.mysql_only("user accounts and passwords: SQLite has none")
def test_password_never_appears_in_repr_or_logs(connect, restricted_user, caplog):
    password = restricted_user["password"]
    with caplog.at_level(logging.DEBUG, logger="djnb"):
        limited = connect(**restricted_user)
        limited.query("SELECT 1")
        limited.connect()
    for text in (repr(limited), str(limited), repr(limited.conn_info), str(limited.conn_info)):
        assert password not in text
    assert limited.conn_info["password"] == password  # still there for code that needs it
    assert password not in caplog.text
    assert restricted_user["user"] in repr(limited)


@pytest.mark.mysql_only("user accounts and passwords: SQLite has none")
def test_default_connection_hides_the_password(server, restricted_user, caplog):
    settings = dict(
        database__host=f"{server['host']}:{server['port']}",
        database__user=restricted_user["user"],
        database__password=restricted_user["password"],
    )
    with dj.config(**settings), caplog.at_level(logging.DEBUG, logger="djnb"):
        default = dj.conn(reset=True)
        texts = [repr(default), str(default), repr(default.conn_info), repr(dj.config), caplog.text]
    for text in texts:
        assert restricted_user["password"] not in text
    dj.conn(reset=True, user=server["user"], password=server["password"], host=server["host"])


def test_placeholder_mismatch_is_an_argument_error(connection):
    with pytest.raises(errors.ArgumentError, match="placeholders"):
        connection.query("SELECT %s, %s", (1,))


def test_failing_init_function_is_named(server):
    with pytest.raises(errors.QueryError, match="init_function"):
        dj.Connection(**server, init_fun="SELEC 1")
    if server.get("backend") == "sqlite":
        with dj.Connection(**server, init_fun="PRAGMA cache_size = -4242") as session:
            assert session.query("PRAGMA cache_size").fetchone() == (-4242,)
        return
    with dj.Connection(**server, init_fun="SET @djnb_init = 42") as session:
        assert session.query("SELECT @djnb_init").fetchone() == (42,)


def test_default_connection_comes_from_config(server):
    if server.get("backend") == "sqlite":
        with dj.config(database__backend="sqlite", database__path=server["path"]):
            first = dj.conn(reset=True)
            assert dj.conn() is first and first.backend == "sqlite"
            assert first.conn_info["path"] == str(Path(server["path"]).absolute())
            assert first.query("SELECT 1").fetchone() == (1,)
        return
    settings = dict(
        database__host=f"{server['host']}:{server['port']}",
        database__user=server["user"],
        database__password=server["password"],
    )
    with dj.config(**settings):
        first = dj.conn(reset=True)
        assert dj.conn() is first
        assert first.query("SELECT 1").fetchone() == (1,)
        assert dj.conn(reset=True) is not first
    assert first.conn_info["port"] == server["port"]


def test_missing_user_names_the_settings_to_use():
    with (
        dj.config(database__user=None, database__host="127.0.0.1"),
        pytest.raises(errors.MissingCredentialsError) as caught,
    ):
        dj.conn(reset=True)  # a server (a host is configured) needs an account
    for name in ("database.user", "database.password", "DJ_USER", "DJ_PASS"):
        assert name in str(caught.value)
