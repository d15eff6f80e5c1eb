"""Connections as DataJoint 0.14 code uses them (issue 16): path-like store and cache folders,
the process-wide ``dj.conn()``, closing inside a transaction, the query cache, ``djnb.admin``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import djnb as dj

BACKENDS = ("mysql", "sqlite")


# ---- item 2: path-like folders work wherever they are used -----------------------------------


def test_store_location_stage_and_cache_as_paths(connect, prefix, tmp_path):
    location, stage, cache = tmp_path / "store", tmp_path / "stage", tmp_path / "cache"
    for folder in (location, stage, cache):
        folder.mkdir()
    stores = {"raw": {"protocol": "file", "location": location, "stage": stage}}
    with dj.config(stores=stores, cache=cache):
        schema = dj.Schema(f"{prefix}_paths", connection=connect())

        @schema
        class Recording(dj.Manual):
            definition = """
            rec_id : int
            ---
            signal : blob@raw
            raw_file = null : filepath@raw
            """

        (stage / "day1").mkdir()
        (stage / "day1" / "rec.dat").write_bytes(b"samples")
        Recording.insert1({"rec_id": 1, "signal": np.arange(50.0), "raw_file": stage / "day1" / "rec.dat"})
        signal, raw_file = (Recording & {"rec_id": 1}).fetch1("signal", "raw_file")
        assert np.array_equal(signal, np.arange(50.0))
        assert Path(raw_file).read_bytes() == b"samples"
        assert [p for p in location.rglob("*") if p.is_file()]  # the blob went to the store
        assert [p for p in cache.rglob("*") if p.is_file()]  # and through the cache
        schema.drop(force=True)


# ---- item 3: one process-wide connection; no silent reconnect inside a transaction ----------


@pytest.fixture
def configured(server, backend):
    """dj.config pointing dj.conn() at the test database; the default connection is restored."""
    previous = getattr(dj.conn, "connection", None)
    if backend == "sqlite":
        settings = {"database__backend": "sqlite", "database__path": server["path"]}
    else:
        settings = {
            "database__backend": "mysql",
            "database__host": f"{server['host']}:{server['port']}",
            "database__user": server["user"],
            "database__password": server["password"],
        }
    with dj.config(**settings):
        yield server
    if previous is None:
        del dj.conn.connection
    else:
        dj.conn.connection = previous


def test_conn_returns_the_existing_connection_whatever_the_arguments(configured, backend):
    first = dj.conn(reset=True)
    assert dj.conn.connection is first  # where 0.14 code reads it
    assert dj.conn() is first
    host = configured.get("host", "elsewhere.invalid")
    assert dj.conn(host=host, user="someone-else") is first  # as 0.14: reset=True to change
    assert dj.conn(host="elsewhere.invalid", user="x", password="y") is first
    second = dj.conn(reset=True)
    assert second is not first and dj.conn() is second
    first.close()
    second.close()


def test_conn_info_has_014_passwd_key_masked(connect):
    info = connect().conn_info
    assert "passwd" in info and info["passwd"] == info["password"]
    if info["passwd"]:
        assert info["passwd"] not in repr(info)


def test_query_after_close_inside_transaction_raises(connect, prefix):
    session, observer = connect(), connect()
    observer.query(f"CREATE DATABASE IF NOT EXISTS `{prefix}_close`")
    table = f"`{prefix}_close`.`t`"
    observer.query(f"CREATE TABLE {table} (id int PRIMARY KEY)")
    session.start_transaction()
    session.query(f"INSERT INTO {table} VALUES (1)")
    session.close()
    with pytest.raises(dj.errors.LostConnectionError, match="closed inside a transaction.*transaction was lost"):
        session.query(f"INSERT INTO {table} VALUES (2)")
    with pytest.raises(dj.errors.TransactionError):  # still refused: nothing runs outside it
        session.query(f"INSERT INTO {table} VALUES (3)")
    session.cancel_transaction()
    assert session.query("SELECT 5").fetchone() == (5,)  # usable again, reconnected
    assert observer.query(f"SELECT COUNT(*) FROM {table}").fetchone() == (0,)


def test_close_inside_transaction_block_commits_nothing(connect, prefix):
    session, observer = connect(), connect()
    observer.query(f"CREATE DATABASE IF NOT EXISTS `{prefix}_close`")
    table = f"`{prefix}_close`.`block`"
    observer.query(f"CREATE TABLE {table} (id int PRIMARY KEY)")
    with pytest.raises(dj.errors.LostConnectionError, match="transaction was lost"), session.transaction:
        session.query(f"INSERT INTO {table} VALUES (1)")
        session.close()  # and nothing else: the commit at the end of the block must fail
    assert not session.in_transaction
    assert session.query("SELECT 6").fetchone() == (6,)
    assert observer.query(f"SELECT COUNT(*) FROM {table}").fetchone() == (0,)
