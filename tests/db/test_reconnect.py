"""A session killed by the server: reconnect outside transactions, fail inside them."""

from __future__ import annotations

import contextlib
import threading

import pytest

import djnb as dj

BACKENDS = ("mysql",)
MYSQL_ONLY = "server sessions that drop and reconnect; SQLite has no server session"


def make_table(connection: dj.Connection, prefix: str, name: str, columns: str = "id int PRIMARY KEY") -> str:
    """Create ``<prefix>_kill.<name>`` and return its quoted full name."""
    connection.query(f"CREATE DATABASE IF NOT EXISTS `{prefix}_kill`")
    connection.query(f"CREATE TABLE `{prefix}_kill`.`{name}` ({columns}) ENGINE=InnoDB")
    return f"`{prefix}_kill`.`{name}`"


def kill(killer: dj.Connection, victim: dj.Connection) -> int:
    old = victim.connection_id
    killer.query("KILL CONNECTION %s", (old,))
    return old


def test_query_after_kill_reconnects_outside_transaction(connect):
    victim, killer = connect(), connect()
    old = kill(killer, victim)
    assert victim.query("SELECT 1").fetchone() == (1,)
    assert victim.connection_id != old
    assert victim.is_connected


def test_query_after_kill_inside_transaction_raises(connect, prefix):
    victim, killer = connect(), connect()
    table = make_table(killer, prefix, "t")
    victim.start_transaction()
    victim.query(f"INSERT INTO {table} VALUES (%s)", (1,))
    kill(killer, victim)
    with pytest.raises(dj.errors.LostConnectionError, match="inside a transaction"):
        victim.query("SELECT 1")
    # nothing was retried or committed
    assert killer.query(f"SELECT COUNT(*) FROM {table}").fetchone() == (0,)
    # the transaction stays open but aborted: later statements must not autocommit
    assert victim.in_transaction
    with pytest.raises(dj.errors.TransactionError, match="rolled back by the server"):
        victim.query(f"INSERT INTO {table} VALUES (%s)", (2,))
    with pytest.raises(dj.errors.TransactionError, match="Nothing was committed"):
        victim.commit_transaction()
    assert not victim.in_transaction
    assert victim.query("SELECT 2").fetchone() == (2,)  # usable again, reconnected
    assert killer.query(f"SELECT COUNT(*) FROM {table}").fetchone() == (0,)


def test_kill_inside_transaction_block_surfaces_lost_connection(connect):
    victim, killer = connect(), connect()
    with pytest.raises(dj.errors.LostConnectionError), victim.transaction:
        kill(killer, victim)
        victim.query("SELECT 1")
    assert not victim.in_transaction


def test_caught_loss_inside_block_does_not_autocommit_later_statements(connect, prefix):
    victim, killer = connect(), connect()
    table = make_table(killer, prefix, "caught")
    with pytest.raises(dj.errors.TransactionError), victim.transaction:
        kill(killer, victim)
        with contextlib.suppress(dj.errors.LostConnectionError):
            victim.query("SELECT 1")  # a careless caller swallows the loss ...
        victim.query(f"INSERT INTO {table} VALUES (1)")  # ... and is stopped here
    assert killer.query(f"SELECT COUNT(*) FROM {table}").fetchone() == (0,)
    assert not victim.in_transaction


def test_connect_inside_transaction_aborts_it(connect, prefix):
    session, observer = connect(), connect()
    table = make_table(observer, prefix, "reopened")
    session.start_transaction()
    session.connect()
    with pytest.raises(dj.errors.TransactionError, match="connect"):
        session.query(f"INSERT INTO {table} VALUES (1)")
    session.cancel_transaction()
    assert observer.query(f"SELECT COUNT(*) FROM {table}").fetchone() == (0,)


def test_no_reconnect_when_disabled(connect):
    victim, killer = connect(reconnect=False), connect()
    kill(killer, victim)
    with pytest.raises(dj.errors.LostConnectionError):
        victim.query("SELECT 1")


def test_reconnect_follows_config_when_not_given(connect):
    victim, killer = connect(), connect()
    kill(killer, victim)
    with dj.config(database__reconnect=False), pytest.raises(dj.errors.LostConnectionError):
        victim.query("SELECT 1")


def test_deadlock_aborts_the_transaction(connect, prefix):
    """After a deadlock the server has rolled back everything; a retry must not autocommit."""
    first, second, observer = connect(), connect(), connect()
    table = make_table(observer, prefix, "row", "id int PRIMARY KEY, v int")
    observer.query(f"INSERT INTO {table} VALUES (1, 0), (2, 0)")
    update = f"UPDATE {table} SET v = v + 1 WHERE id = %s"
    first.start_transaction()
    second.start_transaction()
    first.query(update, (1,))
    second.query(update, (2,))
    errors: list[BaseException] = []

    def cross() -> None:
        try:
            first.query(update, (2,))  # waits for second
        except dj.DataJointError as err:
            errors.append(err)

    waiter = threading.Thread(target=cross)
    waiter.start()
    try:
        second.query(update, (1,))  # closes the cycle: one of the two is the victim
    except dj.DataJointError as err:
        errors.append(err)
    waiter.join(timeout=60)
    assert len(errors) == 1 and isinstance(errors[0], dj.errors.LockError)
    assert "rolled back the whole transaction" in str(errors[0])
    victim = first if first._aborted else second
    survivor = second if victim is first else first
    with pytest.raises(dj.errors.TransactionError):
        victim.query(f"INSERT INTO {table} VALUES (3, 0)")
    victim.cancel_transaction()
    survivor.commit_transaction()
    assert observer.query(f"SELECT COUNT(*) FROM {table}").fetchone() == (2,)
