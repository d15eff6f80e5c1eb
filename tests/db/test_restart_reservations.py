"""Reservations around a server restart: session ids start again, so an id alone names no worker.

A reservation taken just before a restart (timestamps have whole seconds, so it cannot be told
from one taken just after) may carry an id that a new session now has. Found by the fault
suite's restart case: a SIGKILLed worker's keys stayed reserved (stranded), and a new session
with the reused id took the old reservations for its own (made twice).
"""

from __future__ import annotations

import datetime
import os
import subprocess
import sys

import pytest

import djnb as dj
from djnb.jobs import JobTable

BACKENDS = ("mysql", "sqlite")
TABLE = "__target"


@pytest.fixture
def jobs(connect, prefix):
    connection = connect()
    dj.Schema(f"{prefix}_restart", connection=connection)
    table = JobTable(connection, f"{prefix}_restart")
    table.delete_quick()
    return table


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def just_after_start(jobs: JobTable) -> datetime.datetime:
    """A timestamp one second after the server's start (by its clock): the ambiguous window."""
    if jobs.connection.backend == "sqlite":
        return datetime.datetime.now().replace(microsecond=0)
    return jobs._server_started() + datetime.timedelta(seconds=1)


def reserve_as(jobs: JobTable, key_id: int, pid: int) -> None:
    """A reservation under this session's id (as a reused id would look) by process ``pid``."""
    row = jobs._job(TABLE, {"key_id": key_id}, "reserved", pid=pid, timestamp=just_after_start(jobs))
    jobs._write(row, replace=False)


def test_reservation_of_a_dead_process_is_reclaimed_though_its_id_is_reused(jobs):
    reserve_as(jobs, 1, dead_pid())
    assert jobs.reclaim_dead(TABLE) == 1
    assert jobs.keys_of(TABLE) == set()


def test_reservation_of_a_live_process_from_the_restart_window_stays(jobs):
    reserve_as(jobs, 1, os.getpid())
    assert jobs.reclaim_dead(TABLE) == 0
    assert len(jobs.keys_of(TABLE)) == 1


def test_reserve_many_does_not_take_another_process_reservation_under_the_same_id(jobs):
    reserve_as(jobs, 1, dead_pid())  # left by a worker whose session id this session now has
    held = jobs.reserve_many(TABLE, [{"key_id": 1}, {"key_id": 2}])
    assert held == [{"key_id": 2}]


def test_renew_moves_own_reservation_of_a_lost_session_to_the_current_one(jobs):
    jobs._write(jobs._job(TABLE, {"key_id": 1}, "reserved", connection_id=999_999), replace=False)
    assert jobs.renew(TABLE, {"key_id": 1}) is True
    assert (jobs & {"status": "reserved"}).fetch("connection_id").tolist() == [jobs.connection.connection_id]


def test_renew_leaves_a_key_another_worker_reclaimed(jobs):
    reserve_as(jobs, 1, dead_pid())  # another worker's reservation now
    assert jobs.renew(TABLE, {"key_id": 1}) is False
    assert len(jobs.keys_of(TABLE)) == 1


def test_release_deletes_only_this_process_reservations(jobs):
    reserve_as(jobs, 1, dead_pid())  # taken over by another worker after this one lost its session
    jobs.release(TABLE, [{"key_id": 1}])
    assert len(jobs.keys_of(TABLE)) == 1


@pytest.mark.mysql_only("only a server has sessions to kill (KILL <connection_id>)")
@pytest.mark.parametrize("count", [1, 3])  # reserve() and reserve_many()
def test_a_reservation_retried_on_a_new_session_carries_the_new_id(jobs, connect, count):
    keys = [{"key_id": i} for i in range(count)]
    old = jobs.connection.connection_id
    connect().query("KILL %s", (old,))  # the next statement is lost and retried on a new session
    assert jobs.reserve_many(TABLE, keys) == keys
    stamped = (jobs & {"status": "reserved"}).fetch("connection_id").tolist()
    assert stamped == [jobs.connection.connection_id] * count and old not in stamped
    assert jobs.reclaim_dead(TABLE) == 0  # no other worker may take them for a dead worker's


@pytest.mark.mysql_only("the race is with the server's session list, which SQLite has not")
def test_a_reservation_renewed_while_another_worker_reclaims_it_stays(jobs, connect):
    """A worker whose session was lost claims its keys again under its new session; a worker
    starting at that moment reads the old row as dead. Its delete must not take the renewed row
    (found by the fault suite's session_kill case: two workers made the same keys)."""
    key = {"key_id": 1}
    jobs._write(jobs._job(TABLE, key, "reserved", connection_id=999_999), replace=False)  # lost session

    class Reclaiming(JobTable):
        def _server_started(self):  # between reading the reservations and deleting the dead ones
            assert jobs.renew(TABLE, key)
            return super()._server_started()

    assert Reclaiming(connect(), jobs.database).reclaim_dead(TABLE) == 1  # it found one dead row...
    rows = (jobs & {"status": "reserved"}).fetch("connection_id").tolist()
    assert rows == [jobs.connection.connection_id]  # ...and left the renewed one
