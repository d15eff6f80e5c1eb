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


# ---- item 4: the query cache ----------------------------------------------------------------


@pytest.fixture
def cached_schema(connect, prefix, tmp_path):
    """A table with one row of many types, its connection, and a cache folder in dj.config."""
    connection = connect()
    schema = dj.Schema(f"{prefix}_qcache", connection=connection)

    @schema
    class Sample(dj.Manual):
        definition = """
        sample_id : int
        ---
        label : varchar(32)
        weight : decimal(6,2)
        taken : date
        stamp : datetime(3)
        ratio = null : float
        uid : uuid
        payload : longblob
        """

    Sample.delete_quick()
    row = {
        "sample_id": 1, "label": "a%b", "weight": "12.50", "taken": "2024-05-01",
        "stamp": "2024-05-01 10:11:12.345", "ratio": None,
        "uid": "6ad6a1a4-5c6f-4e5b-9a27-1a5a2f7a0f11", "payload": {"x": np.arange(3)},
    }  # fmt: skip
    Sample.insert1(row)
    with dj.config(query_cache=tmp_path / "qcache"):
        yield connection, Sample, tmp_path / "qcache"
    connection.set_query_cache(None)


def test_cached_reads_are_served_from_files_until_the_state_changes(cached_schema, connect):
    connection, sample, folder = cached_schema
    observer_table = dj.FreeTable(connect(), sample.full_table_name)
    live = sample.fetch(as_dict=True)
    connection.set_query_cache(query_cache="v1")
    first = sample.fetch(as_dict=True)
    assert repr(first) == repr(live)  # every type round-trips through the cache files
    assert [p for p in folder.iterdir() if p.is_file()]
    assert len(sample) == 1 and sample.fetch("sample_id").tolist() == [1]
    observer_table.insert1({**live[0], "sample_id": 2})  # a change by someone else ...
    assert len(sample) == 1 and sample.fetch("sample_id").tolist() == [1]  # ... not seen: cached
    assert repr(sample.fetch(as_dict=True)) == repr(live)
    connection.set_query_cache(query_cache="v2")  # a new state: fresh results
    assert sorted(sample.fetch("sample_id").tolist()) == [1, 2]
    connection.set_query_cache(query_cache="v1")
    assert sample.fetch("sample_id").tolist() == [1]
    connection.set_query_cache()  # off: live again
    assert len(sample) == 2
    cursor = connection.query("SELECT 1 AS one", as_dict=True)
    assert cursor.fetchall() == [{"one": 1}]


def test_cached_rows_as_tuples_and_dicts_are_kept_apart(cached_schema):
    connection, _, _ = cached_schema
    connection.set_query_cache("s")
    assert connection.query("SELECT 7 AS seven").fetchall() == [(7,)]
    assert connection.query("SELECT 7 AS seven", as_dict=True).fetchall() == [{"seven": 7}]
    cursor = connection.query("SELECT 7 AS seven")
    assert cursor.rowcount == 1 and cursor.fetchone() == (7,) and cursor.fetchone() is None


def test_changes_and_transactions_are_refused_while_caching(cached_schema):
    connection, sample, _ = cached_schema
    connection.set_query_cache("frozen")
    with pytest.raises(dj.errors.ArgumentError, match=r"(?s)query cache is on.*set_query_cache\(None\)"):
        sample.insert1({"sample_id": 9, "label": "x"}, ignore_extra_fields=True)
    with pytest.raises(dj.errors.ArgumentError, match="refused: DELETE"):
        connection.query(f"DELETE FROM {sample.full_table_name}")
    with pytest.raises(dj.errors.TransactionError, match="query cache is on"):
        connection.start_transaction()
    connection.set_query_cache(None)
    assert len(sample) == 1  # nothing changed
    with connection.transaction:
        with pytest.raises(dj.errors.TransactionError, match="inside a transaction"):
            connection.set_query_cache("late")
        assert len(sample) == 1


def test_caching_needs_a_folder(connect):
    connection = connect()
    connection.set_query_cache("x")
    with dj.config(query_cache=None), pytest.raises(dj.errors.ConfigError, match=r"dj.config\['query_cache'\]"):
        connection.query("SELECT 1")


def test_purge_deletes_only_cached_results(cached_schema):
    connection, sample, folder = cached_schema
    connection.set_query_cache("p")
    sample.fetch()
    (folder / "notes.txt").write_text("mine")
    cached = [p for p in folder.iterdir() if p.name != "notes.txt"]
    assert cached
    connection.purge_query_cache()
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]
    with dj.config(query_cache=None):
        connection.purge_query_cache()  # no folder: nothing to do, as in 0.14
