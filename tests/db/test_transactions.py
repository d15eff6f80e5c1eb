"""Transactions against the real server: visibility, rollback, nesting."""

from __future__ import annotations

import pytest

import djnb as dj

BACKENDS = ("mysql", "sqlite")


@pytest.fixture
def table(connection: dj.Connection, prefix: str) -> str:
    schema = f"{prefix}_tx"
    connection.query(f"CREATE DATABASE IF NOT EXISTS `{schema}`")
    name = f"`{schema}`.`item`"
    connection.query(f"DROP TABLE IF EXISTS {name}")
    connection.query(f"CREATE TABLE {name} (id int PRIMARY KEY, label varchar(20)) ENGINE=InnoDB")
    return name


def count(connection: dj.Connection, table: str) -> int:
    return connection.query(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def test_committed_transaction_is_visible_to_another_connection(connect, table):
    writer, reader = connect(), connect()
    writer.start_transaction()
    assert writer.in_transaction
    writer.query(f"INSERT INTO {table} VALUES (%s, %s)", (1, "one"))
    assert count(reader, table) == 0  # not yet committed
    writer.commit_transaction()
    assert not writer.in_transaction
    assert count(reader, table) == 1


def test_cancelled_transaction_is_not_visible(connect, table):
    writer, reader = connect(), connect()
    writer.start_transaction()
    writer.query(f"INSERT INTO {table} VALUES (%s, %s)", (2, "two"))
    writer.cancel_transaction()
    assert count(reader, table) == 0
    assert count(writer, table) == 0


def test_exception_inside_transaction_block_rolls_back(connect, table):
    writer, reader = connect(), connect()
    with pytest.raises(ZeroDivisionError), writer.transaction:
        writer.query(f"INSERT INTO {table} VALUES (%s, %s)", (3, "three"))
        1 / 0  # noqa: B018
    assert not writer.in_transaction
    assert count(reader, table) == 0


def test_failed_statement_inside_block_rolls_back_earlier_ones(connect, table):
    writer = connect()
    with pytest.raises(dj.errors.DuplicateError), writer.transaction:
        writer.query(f"INSERT INTO {table} VALUES (%s, %s)", (4, "four"))
        writer.query(f"INSERT INTO {table} VALUES (%s, %s)", (4, "again"))
    assert count(writer, table) == 0


def test_transaction_block_commits(connect, table):
    writer, reader = connect(), connect()
    with writer.transaction as same:
        assert same is writer
        writer.query(f"INSERT INTO {table} VALUES (%s, %s)", (5, "five"))
    assert count(reader, table) == 1


def test_nested_transactions_are_refused(connection, table):
    connection.start_transaction()
    with pytest.raises(dj.errors.TransactionError, match="do not nest"):
        connection.start_transaction()
    assert connection.in_transaction  # the open transaction is untouched
    connection.cancel_transaction()
    with pytest.raises(dj.errors.TransactionError, match="no transaction is open"):
        connection.commit_transaction()


def test_percent_signs_in_unparameterised_sql_are_kept(connection):
    assert connection.query("SELECT 'a%b', 7 % 4").fetchone() == ("a%b", 3)
    assert connection.query("SELECT %s, %s", ("it's", "50%")).fetchone() == ("it's", "50%")


def test_as_dict_returns_rows_as_dicts(connection):
    assert connection.query("SELECT 1 AS one", as_dict=True).fetchall() == [{"one": 1}]


def test_connection_as_context_manager_closes(server):
    with dj.Connection(**server) as session:
        assert session.is_connected
    assert not session.is_connected
    assert "disconnected" in repr(session)
