"""A session killed by the server: reconnect outside transactions, fail inside them."""

from __future__ import annotations

import pytest

import djnb as dj


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
    schema = f"{prefix}_kill"
    killer.query(f"CREATE DATABASE IF NOT EXISTS `{schema}`")
    killer.query(f"CREATE TABLE IF NOT EXISTS `{schema}`.`t` (id int PRIMARY KEY)")
    victim.start_transaction()
    victim.query(f"INSERT INTO `{schema}`.`t` VALUES (%s)", (1,))
    kill(killer, victim)
    with pytest.raises(dj.errors.LostConnectionError, match="inside a transaction"):
        victim.query("SELECT 1")
    assert not victim.in_transaction
    # nothing was retried or committed; the connection is usable again afterwards
    assert killer.query(f"SELECT COUNT(*) FROM `{schema}`.`t`").fetchone() == (0,)
    assert victim.query("SELECT 2").fetchone() == (2,)


def test_kill_inside_transaction_block_surfaces_lost_connection(connect):
    victim, killer = connect(), connect()
    with pytest.raises(dj.errors.LostConnectionError), victim.transaction:
        kill(killer, victim)
        victim.query("SELECT 1")
    assert not victim.in_transaction


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
