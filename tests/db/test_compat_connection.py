"""Connections as DataJoint 0.14 code uses them (issue 16): path-like store and cache folders,
the process-wide ``dj.conn()``, closing inside a transaction, the query cache, ``djnb.admin``."""

from __future__ import annotations

import json
import logging
import secrets
from pathlib import Path

import numpy as np
import pytest

import djnb as dj
from djnb import admin, hooks

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
    with pytest.raises(
        dj.errors.LostConnectionError, match="closed inside a transaction.*transaction was lost"
    ):
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
    with (
        dj.config(query_cache=None),
        pytest.raises(dj.errors.ConfigError, match=r"dj.config\['query_cache'\]"),
    ):
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


# ---- items 5 and 6: djnb.admin (set_password, kill, kill_quick, logger); no password leaks ----

ACCOUNTS = "user accounts, passwords and server sessions: SQLite has none"


@pytest.fixture
def throwaway_user(connect):
    """A server account made for one test (dropped afterwards): (name, password)."""
    admin_session = connect()
    name, password = f"djnb_pw_{secrets.token_hex(4)}", "first-Pass#1"
    admin_session.query("CREATE USER %s@'%%' IDENTIFIED BY %s", (name, password))
    yield name, password
    admin_session.query("DROP USER IF EXISTS %s@'%%'", (name,))


@pytest.mark.mysql_only(ACCOUNTS)
def test_set_password_changes_the_password(connect, server, throwaway_user, caplog):
    name, old = throwaway_user
    new = "n3w'pa\\ss\"wo%rd"  # quotes, a backslash and a percent sign: all bound, never pasted
    session = connect(user=name, password=old)
    with caplog.at_level("DEBUG", logger="djnb"):
        admin.set_password(new, connection=session, update_config=False)
    assert "Password updated" in caplog.text and new not in caplog.text
    connect(user=name, password=new).close()  # the new password works ...
    with pytest.raises(dj.errors.AuthenticationError):
        connect(user=name, password=old)  # ... and the old one no longer does
    assert new not in repr(session) and new not in repr(session.conn_info)
    old_id = session.connection_id
    connect().query("KILL %s", (old_id,))
    assert session.query("SELECT 1").fetchone() == (1,)  # reconnected with the new password
    assert session.connection_id != old_id


@pytest.mark.mysql_only(ACCOUNTS)
def test_set_password_error_never_shows_the_password(connect, throwaway_user, caplog):
    name, old = throwaway_user
    new = "Secret'Value-9876"
    session = connect(user=name, password=old)
    session.query("SET SESSION TRANSACTION READ ONLY")  # the server now refuses the change
    with caplog.at_level("DEBUG", logger="djnb"), pytest.raises(dj.errors.QueryError) as caught:
        admin.set_password(new, connection=session, update_config=False)
    error = caught.value
    assert "READ ONLY" in str(error) and name in str(error)
    for text in (str(error), repr(error), repr(error.args), caplog.text):
        assert "Secret" not in text and "9876" not in text
    assert error.__cause__ is None and error.__context__ is None  # no driver error holding it
    connect(user=name, password=old).close()  # unchanged


@pytest.mark.mysql_only(ACCOUNTS)
def test_set_password_asks_through_the_hooks_and_can_save_the_setting(
    connect, throwaway_user, tmp_path, monkeypatch
):
    name, old = throwaway_user
    monkeypatch.chdir(tmp_path)
    session = connect(user=name, password=old)
    answers = iter(["typed-1", "typed-2"])
    monkeypatch.setattr(hooks, "secret", lambda question: next(answers))
    with pytest.raises(dj.errors.ArgumentError, match="differ"):
        admin.set_password(connection=session, update_config=False)
    monkeypatch.setattr(hooks, "secret", lambda question: "typed-same")
    monkeypatch.setattr(hooks, "confirm", lambda question: "dj_local_conf.json" in question)
    with dj.config(database__password="before"):
        admin.set_password(connection=session)  # update_config=None: asks, and the answer is yes
        assert dj.config["database.password"] == "typed-same"
    assert json.loads((tmp_path / "dj_local_conf.json").read_text())["database.password"] == "typed-same"
    connect(user=name, password="typed-same").close()
    monkeypatch.setattr(hooks, "secret", None)
    with pytest.raises(dj.errors.ArgumentError, match="new_password="):
        admin.set_password(connection=session, update_config=False)


def test_admin_on_sqlite_says_there_are_no_accounts(tmp_path):
    session = dj.Connection(backend="sqlite", path=str(tmp_path / "admin.sqlite"))
    with pytest.raises(dj.errors.ArgumentError, match="SQLite.*no user accounts or passwords"):
        admin.set_password("x", connection=session, update_config=False)
    with pytest.raises(dj.errors.ArgumentError, match="SQLite.*no server sessions"):
        admin.kill(connection=session, confirm=lambda question: True)
    with pytest.raises(dj.errors.ArgumentError, match="SQLite"):
        admin.kill_quick(connection=session)


@pytest.mark.mysql_only(ACCOUNTS)
def test_kill_ends_the_sessions_confirmed(connect):
    killer, victim, bystander = connect(), connect(), connect()
    target = victim.connection_id
    only_victim = f"ID = {target}"
    questions: list[str] = []
    assert admin.kill(only_victim, connection=killer, confirm=lambda q: questions.append(q) or False) == []
    assert len(questions) == 1 and str(target) in questions[0]
    assert victim.query("SELECT CONNECTION_ID()").fetchone() == (target,)  # declined: alive
    ended = admin.kill(only_victim, connection=killer, order_by=["TIME", "ID"], confirm=lambda q: True)
    assert ended == [target]
    assert victim.query("SELECT 1").fetchone() == (1,) and victim.connection_id != target  # reconnected
    assert bystander.query("SELECT CONNECTION_ID()").fetchone() == (bystander.connection_id,)
    with pytest.raises(dj.errors.ArgumentError, match="TIME > 600"):
        admin.kill({"id": 1}, connection=killer)


@pytest.mark.mysql_only(ACCOUNTS)
def test_kill_quick_ends_matching_sessions_without_asking(connect):
    killer, first, second = connect(), connect(), connect()
    ids = (first.connection_id, second.connection_id)
    assert admin.kill_quick(f"ID IN ({ids[0]}, {ids[1]})", connection=killer) == 2
    assert first.query("SELECT CONNECTION_ID()").fetchone() != (ids[0],)
    assert admin.kill_quick(f"ID = {ids[0]}", connection=killer) == 0  # already gone
    assert admin.kill_quick(f"ID = {ids[1]} AND USER LIKE '%'", connection=killer) == 0  # a literal %


def test_admin_logger_is_djnbs():
    assert admin.logger is logging.getLogger("djnb") is dj.settings.logger
