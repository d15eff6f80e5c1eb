"""Each key's make() runs once across workers; a session lost at a make's COMMIT is that key's error."""

from __future__ import annotations

import pytest

import djnb as dj
from benchmarks.make_once import measure
from benchmarks.make_once import pipeline as make_once_pipeline

BACKENDS = ("mysql", "sqlite")


@pytest.mark.parametrize(("pause", "keys"), [(0.001, 150), (0.05, 16)], ids=["quick", "slow"])
def test_each_key_is_made_once_by_four_worker_processes(server, pause, keys):
    result = measure(server, workers=4, pause=pause, keys=keys)
    assert result["exit_codes"] == [0, 0, 0, 0]
    assert result["rows"] == keys
    assert (result["reserved"], result["errors"]) == (0, 0)
    assert result["calls"] == keys, f"{result['repeated']} repeated make() calls: {result}"  # bound 1.00


def pipeline(connection: dj.Connection, name: str, killer: dj.Connection) -> tuple:
    schema = dj.Schema(name, connection=connection)

    @schema
    class Key(dj.Manual):
        definition = "key_id : int"

    @schema
    class Target(dj.Computed):
        definition = """
        -> Key
        ---
        square : int
        """

        def make(self, key: dict) -> None:
            self.insert1({**key, "square": key["key_id"] ** 2})
            if key["key_id"] == 1:  # the server drops this session just before its COMMIT
                killer.query("KILL %s", (self.connection.connection_id,))

    Key.insert([{"key_id": i} for i in range(5)])
    return schema, Target


LOST_AT_COMMIT = "KILL of one server session; SQLite has no sessions to kill"


@pytest.mark.mysql_only(LOST_AT_COMMIT)
@pytest.mark.parametrize("reserve_jobs", [True, False])
def test_a_session_lost_at_commit_is_that_keys_error(connect, prefix, reserve_jobs):
    worker, killer = connect(), connect()
    schema, target = pipeline(worker, f"{prefix}_commit_{int(reserve_jobs)}", killer)
    result = target.populate(reserve_jobs=reserve_jobs, suppress_errors=True)
    assert result["success_count"] == 4
    assert [(key, message.split(":")[0]) for key, message in result["error_list"]] == [
        ({"key_id": 1}, "LostConnectionError")
    ]
    assert sorted(target.fetch("key_id").tolist()) == [0, 2, 3, 4]
    assert not worker.in_transaction
    if reserve_jobs:
        jobs = schema.jobs
        assert [row["key"] for row in jobs.errors()] == [{"key_id": 1}]
        assert len(jobs & {"status": "reserved"}) == 0


@pytest.mark.mysql_only(LOST_AT_COMMIT)
def test_a_session_lost_at_commit_raises_itself_without_suppress_errors(connect, prefix):
    worker, killer = connect(), connect()
    schema, target = pipeline(worker, f"{prefix}_raise", killer)
    with pytest.raises(dj.errors.LostConnectionError):  # not the release's TransactionError
        target.populate(reserve_jobs=True)
    assert not worker.in_transaction
    assert sorted(target.fetch("key_id").tolist()) == [0]  # the connection works again
    jobs = schema.jobs
    assert [row["key"] for row in jobs.errors()] == [{"key_id": 1}]
    assert len(jobs & {"status": "reserved"}) == 0


def test_populate_in_processes_makes_each_key_once(connect, prefix, tmp_path):
    calls = tmp_path / "calls"
    calls.touch()
    schema, key_table, target = make_once_pipeline(connect(), f"{prefix}_processes", calls, 0.001)
    key_table.insert([{"key_id": i} for i in range(60)])
    target.populate(processes=2)
    assert sorted(int(line) for line in calls.read_text().split()) == list(range(60))
    assert len(target()) == 60
    assert len(schema.jobs) == 0
