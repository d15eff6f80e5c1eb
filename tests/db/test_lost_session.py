"""One lost-session policy for every statement path (issue 17).

Outside a transaction a dropped session is forgotten, re-opened and the statement retried once,
whether it came through ``query`` or ``query_many``; inside a transaction (COMMIT included) the
transaction is marked lost, LostConnectionError says so, ``cancel_transaction()`` is a no-op that
clears it, and the next statement reconnects. No error ever reads "(mysql error 0)".

On MariaDB the session is ended by the server (``KILL <id>`` from a second connection); on both
backends it is also ended under djnb by closing the driver's session object.
"""

from __future__ import annotations

import time
from typing import ClassVar

import numpy as np
import pytest

import djnb as dj
from djnb.jobs import JobTable

BACKENDS = ("mysql", "sqlite")
KILLS = "only a server has sessions to kill (KILL <connection_id>); SQLite has none"


@pytest.fixture(scope="module")
def tables(server, prefix, tmp_path_factory):
    store = tmp_path_factory.mktemp("lost_store")
    owner = dj.Connection(**server)
    with dj.config(stores={"lost": {"protocol": "file", "location": str(store)}}):
        schema = dj.Schema(f"{prefix}_lost", connection=owner)

        @schema
        class Row(dj.Manual):
            definition = """
            id : int
            """

        @schema
        class Stored(dj.Manual):
            definition = """
            id : int
            ---
            data : blob@lost
            """

        yield Row, Stored
    owner.close()


def kill(connect, victim: dj.Connection) -> int:
    """End ``victim``'s session on the server, from a second connection; returns its old id."""
    old = victim.connection_id
    connect().query("KILL %s", (old,))
    return old


def close_driver_session(victim: dj.Connection) -> None:
    """End the session under djnb: the driver's session object is closed, djnb still holds it."""
    victim._session.close()


def insert_sql(table) -> str:
    return f"INSERT INTO {table.full_table_name} (id) VALUES (%s)"


def count(table, *ids: int) -> int:
    return len(table & [{"id": i} for i in ids])


def refuse_mysql_error_0(error: BaseException, victim: dj.Connection) -> None:
    text = str(error)
    assert "error 0" not in text and text.strip()
    assert victim.conn_info["path"] or str(victim.conn_info["port"]) in text  # names the server


# -- outside a transaction: reconnect and retry once, on every path
@pytest.mark.mysql_only(KILLS)
def test_query_many_after_kill_reconnects_and_succeeds(connect, tables):
    row, _ = tables
    victim = connect()
    old = kill(connect, victim)
    assert victim.query_many(insert_sql(row), [(1,), (2,), (3,)]) == 3
    assert victim.connection_id != old
    assert count(row, 1, 2, 3) == 3


@pytest.mark.mysql_only(KILLS)
def test_call_after_failed_query_many_never_says_mysql_error_0(connect, tables):
    row, _ = tables
    victim = connect()
    kill(connect, victim)
    with dj.config(database__reconnect=False):
        with pytest.raises(dj.errors.LostConnectionError, match="Reconnecting is off") as first:
            victim.query_many(insert_sql(row), [(10,), (11,)])
        refuse_mysql_error_0(first.value, victim)
        with pytest.raises(dj.errors.LostConnectionError, match="is closed") as second:
            victim.query_many(insert_sql(row), [(10,), (11,)])  # the dead session was forgotten
        refuse_mysql_error_0(second.value, victim)
    assert victim.query_many(insert_sql(row), [(10,), (11,)]) == 2  # reconnecting is on again
    assert count(row, 10, 11) == 2


@pytest.mark.mysql_only(KILLS)
def test_external_store_write_after_kill(connect, tables):
    _, stored = tables
    victim = connect()
    table = dj.FreeTable(victim, stored.full_table_name)
    table.insert([(20, np.arange(3))])  # the store's tracking table exists
    kill(connect, victim)
    table.insert([(21, np.arange(4)), (22, np.arange(5))])  # tracked with query_many first
    assert len(stored & "id in (21, 22)") == 2
    np.testing.assert_array_equal((stored & {"id": 22}).fetch1("data"), np.arange(5))


@pytest.mark.mysql_only("a reconnect that the server refuses needs a server account")
def test_failed_reconnect_names_the_server_and_what_to_check(connect):
    victim = connect()
    kill(connect, victim)
    victim.password_changed("not-the-password")
    with pytest.raises(dj.errors.LostConnectionError, match="could not be re-opened") as info:
        victim.query_many("SELECT %s", [(1,)])
    text = str(info.value)
    assert victim.conn_info["host"] in text and "Check that the server" in text
    assert "error 0" not in text


@pytest.mark.parametrize("path", ["query", "query_many"])
def test_closed_driver_session_reconnects_on_every_path(connect, tables, path):
    row, _ = tables
    victim = connect()
    close_driver_session(victim)
    base = 100 if path == "query" else 200
    if path == "query":
        victim.query(insert_sql(row), (base,))
    else:
        assert victim.query_many(insert_sql(row), [(base,), (base + 1,)]) == 2
    assert count(row, base) == 1
    assert victim.is_connected


def test_closed_driver_session_without_reconnect_names_the_server(connect, tables):
    row, _ = tables
    victim = connect(reconnect=False)
    close_driver_session(victim)
    for run in (lambda: victim.query("SELECT 1"), lambda: victim.query_many(insert_sql(row), [(500,)])):
        with pytest.raises(dj.errors.LostConnectionError) as info:
            run()
        refuse_mysql_error_0(info.value, victim)
    victim.connect()
    assert victim.query("SELECT 1").fetchone() == (1,)


# -- inside a transaction: lost, said so, cancel is a no-op, the next statement reconnects
def lose_inside_transaction(connect, victim: dj.Connection, backend: str) -> None:
    if backend == "mysql":
        kill(connect, victim)
    else:
        close_driver_session(victim)


def assert_usable_after_loss(victim: dj.Connection, row, lost_id: int) -> None:
    victim.cancel_transaction()  # a clean no-op that clears the state
    assert not victim.in_transaction
    victim.cancel_transaction()
    assert victim.query("SELECT 1").fetchone() == (1,)  # reconnected, outside a transaction
    assert count(row, lost_id) == 0  # the transaction's insert was rolled back


@pytest.mark.parametrize("statement", ["commit", "query", "query_many"])
def test_loss_inside_transaction_is_lost_then_cleared(connect, tables, backend, statement):
    row, _ = tables
    victim = connect()
    lost_id = {"commit": 300, "query": 301, "query_many": 302}[statement]
    victim.start_transaction()
    victim.query(insert_sql(row), (lost_id,))
    lose_inside_transaction(connect, victim, backend)
    with pytest.raises(
        dj.errors.LostConnectionError, match="inside a transaction.*transaction was lost"
    ) as info:
        if statement == "commit":
            victim.commit_transaction()
        elif statement == "query":
            victim.query("SELECT 1")
        else:
            victim.query_many(insert_sql(row), [(lost_id + 10,)])
    refuse_mysql_error_0(info.value, victim)
    if statement == "commit":
        assert not victim.in_transaction  # commit that failed never leaves the transaction open
    else:
        with pytest.raises(dj.errors.TransactionError, match="rolled back by the server"):
            victim.query("SELECT 1")  # nothing in the lost transaction is autocommitted
    assert_usable_after_loss(victim, row, lost_id)


@pytest.mark.mysql_only(KILLS)
def test_kill_then_transaction_block_commit(connect, tables):
    row, _ = tables
    victim = connect()
    with pytest.raises(dj.errors.LostConnectionError, match="transaction was lost"), victim.transaction:
        victim.query(insert_sql(row), (400,))
        kill(connect, victim)  # the block ends without another statement: lost at COMMIT
    assert not victim.in_transaction
    assert_usable_after_loss(victim, row, 400)


@pytest.mark.mysql_only("only a server ends idle sessions (wait_timeout); SQLite has none")
def test_query_many_after_wait_timeout_reconnects(connect, tables):
    row, _ = tables
    victim = connect()
    victim.query("SET SESSION wait_timeout = 1")
    old = victim.connection_id
    time.sleep(2.5)  # the server ends the idle session
    assert victim.query_many(insert_sql(row), [(600,), (601,)]) == 2
    assert victim.connection_id != old
    assert count(row, 600, 601) == 2


@pytest.mark.mysql_only(KILLS)
@pytest.mark.parametrize("when", ["during the check", "before the make's BEGIN"])
def test_a_batch_whose_session_is_lost_before_making_is_claimed_again(connect, server, prefix, when):
    """Lost between reserving a batch and making it (the server restarted during the batch's
    check, or before a make's BEGIN, which reconnects): the keys are claimed again under the new
    session before any make, so no worker that reclaims the dead session's reservations makes
    them too (found by the fault suite's restart case: two workers made the same keys)."""
    owner = connect()
    schema = dj.Schema(f"{prefix}_lostbatch{len(when)}", connection=owner)

    @schema
    class Source(dj.Lookup):
        definition = "source_id : int"
        contents = tuple((i,) for i in range(5))

    @schema
    class Made(dj.Computed):
        definition = """
        -> Source
        ---
        reserved_by : bigint  # the session id of the key's reservation while it was made
        made_by : bigint  # the session that made it
        """
        lose: ClassVar[list] = [True]

        def _still_missing(self, keys):
            lose = self.lose and len(keys) > 1  # the fault, once, in a batch of several keys
            if lose and when == "during the check":
                self.lose.clear()
                kill(connect, self.connection)
            missing = super()._still_missing(keys)
            if lose and when != "during the check":
                self.lose.clear()
                kill(connect, self.connection)
            return missing

        def make(self, key):
            jobs = JobTable(self.connection, schema.database)
            hash_ = dj.key_hash(key)
            reserved_by = (jobs & {"key_hash": hash_}).fetch1("connection_id")
            self.insert1({**key, "reserved_by": reserved_by, "made_by": self.connection.connection_id})

    Made.populate(reserve_jobs=True)
    rows = Made.fetch(as_dict=True)
    assert len(rows) == 5 and not Made.lose
    assert all(row["reserved_by"] == row["made_by"] for row in rows), rows
