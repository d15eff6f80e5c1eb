"""populate(), make() and the jobs table against MariaDB."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

import djnb as dj
from djnb.hashing import key_hash

BACKENDS = ("mysql", "sqlite")


@pytest.fixture(scope="module")
def pipeline(server, prefix):
    connection = dj.Connection(**server)
    schema = dj.Schema(f"{prefix}_pop", connection=connection)
    space: dict = {}

    @schema(context=space)
    class Source(dj.Manual):
        definition = """
        source_id : int
        ---
        value : int
        """

    space["Source"] = Source

    @schema(context=space)
    class Double(dj.Computed):
        definition = """
        -> Source
        ---
        doubled : int
        """

        class Piece(dj.Part):
            definition = """
            -> master
            piece : tinyint
            """

        fail_on: set = set()  # noqa: RUF012 (test switch)

        def make(self, key):
            value = (Source & key).fetch1("value")
            self.insert1({**key, "doubled": 2 * value})
            self.Piece.insert([{**key, "piece": i} for i in range(3)])
            if key["source_id"] in self.fail_on:
                raise ValueError(f"bad key {key['source_id']}")

    space["Double"] = Double

    @schema(context=space)
    class Triple(dj.Computed):
        definition = """
        -> Source.proj(origin="source_id")
        ---
        tripled : int
        """

        change_inputs = False

        def make_fetch(self, key):
            return ((Source & {"source_id": key["origin"]}).fetch1("value"),)

        def make_compute(self, key, value):
            if self.change_inputs:  # another client edits the input meanwhile
                self.connection.query(
                    f"UPDATE {Source.full_table_name} SET value = value + 1 WHERE source_id = %s",
                    (key["origin"],),
                )
            return (3 * value,)

        def make_insert(self, key, tripled):
            self.insert1({**key, "tripled": tripled})

    Source.insert([(i, i * 10) for i in range(10)])
    yield {**space, "Triple": Triple, "schema": schema}
    connection.close()


def reset(p):
    for table in (p["Double"].Piece, p["Double"], p["Triple"]):
        table.connection.query(f"DELETE FROM {table.full_table_name}")
    p["schema"].jobs.connection.query(f"DELETE FROM {p['schema'].jobs.full_table_name}")
    p["Double"].fail_on = set()


def test_populate_computes_missing_keys_only(pipeline):
    reset(pipeline)
    double = pipeline["Double"]
    assert double.progress() == (10, 10)
    result = double.populate(limit=4)
    assert result == {"success_count": 4, "error_list": []}
    assert double.populate() == {"success_count": 6, "error_list": []}
    assert double.populate()["success_count"] == 0
    assert len(double) == 10 and len(double.Piece) == 30
    assert sorted(double.fetch("doubled").tolist()) == [2 * 10 * i for i in range(10)]
    assert double.progress() == (0, 10)


def test_failing_make_leaves_nothing_and_records_the_error(pipeline):
    reset(pipeline)
    double = pipeline["Double"]
    double.fail_on = {3}
    with pytest.raises(ValueError, match="bad key 3"):
        double.populate(reserve_jobs=True, order="original")
    assert not (double & {"source_id": 3}) and not (double.Piece & {"source_id": 3})
    errors = pipeline["schema"].jobs.errors()
    assert len(errors) == 1 and errors[0]["error_message"] == "ValueError: bad key 3"
    assert "Traceback" in errors[0]["error_stack"] and errors[0]["key"] == {"source_id": 3}
    assert pipeline["schema"].jobs.summary() == {"__double": {"reserved": 0, "error": 1, "ignore": 0}}
    result = double.populate(reserve_jobs=True)  # the error entry keeps key 3 out
    assert result["success_count"] == 6 and len(double) == 9
    assert pipeline["schema"].jobs.clear_errors() == 1
    double.fail_on = set()
    assert double.populate(reserve_jobs=True)["success_count"] == 1


def test_suppress_errors_collects_and_continues(pipeline):
    reset(pipeline)
    double = pipeline["Double"]
    double.fail_on = {2, 5}
    result = double.populate(suppress_errors=True)
    assert result["success_count"] == 8
    assert sorted(k["source_id"] for k, _ in result["error_list"]) == [2, 5]
    assert all(message.startswith("ValueError") for _, message in result["error_list"])
    objects = double.populate(suppress_errors=True, return_exception_objects=True)["error_list"]
    assert all(isinstance(error, ValueError) for _, error in objects)


def test_keys_order_and_max_calls(pipeline):
    reset(pipeline)
    double = pipeline["Double"]
    assert double.populate(keys=[{"source_id": 7}, {"source_id": 8}])["success_count"] == 2
    assert sorted(double.fetch("source_id").tolist()) == [7, 8]
    assert double.populate(max_calls=3, order="reverse")["success_count"] == 3
    assert sorted(double.fetch("source_id").tolist()) == [5, 6, 7, 8, 9]
    assert double.populate("source_id < 2", order="random")["success_count"] == 2
    with pytest.raises(dj.DataJointError, match="order must be"):
        double.populate(order="sideways")


def test_three_part_make_refuses_changed_inputs(pipeline):
    reset(pipeline)
    triple = pipeline["Triple"]
    assert triple.key_source.primary_key == ["origin"]
    assert triple.populate(keys=[{"origin": 1}])["success_count"] == 1
    assert (triple & {"origin": 1}).fetch1("tripled") == 30
    triple.change_inputs = True
    try:
        with pytest.raises(dj.DataJointError, match="inputs of .* changed"):
            triple.populate(keys=[{"origin": 2}])
    finally:
        triple.change_inputs = False
    assert not (triple & {"origin": 2})


def test_refusals(pipeline):
    reset(pipeline)
    double = pipeline["Double"]
    connection = double.connection
    connection.start_transaction()
    try:
        with pytest.raises(dj.DataJointError, match="inside a transaction"):
            double.populate()
    finally:
        connection.cancel_transaction()
    with pytest.raises(dj.DataJointError, match="auto-populated"):
        double.insert1({"source_id": 1, "doubled": 0})


def test_jobs_ignore_and_reclaiming_dead_reservations(pipeline):
    reset(pipeline)
    double, jobs = pipeline["Double"], pipeline["schema"].jobs
    assert jobs.ignore("__double", {"source_id": 0})
    dead = jobs._job("__double", {"source_id": 1}, "reserved")
    dead["connection_id"] = 2**40  # no such session on the server: its worker is gone
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    dead["pid"] = finished.pid  # SQLite has no sessions: a local worker whose process is gone
    jobs._write(dead, replace=False)
    assert double.populate(reserve_jobs=True)["success_count"] == 9  # 0 ignored, 1 reclaimed
    assert not (double & {"source_id": 0}) and (double & {"source_id": 1})
    assert jobs.summary()["__double"]["ignore"] == 1
    assert (jobs & {"key_hash": key_hash({"source_id": 0})}).fetch1("status") == "ignore"


def test_display_progress_reports_through_the_hook(pipeline, monkeypatch):
    import io

    from djnb import hooks
    from djnb.console import ProgressBar

    reset(pipeline)
    calls: list = []
    monkeypatch.setattr(hooks, "progress", lambda done, total, key: calls.append((done, total)))
    pipeline["Double"].populate(display_progress=True, limit=3)
    assert calls == [(1, 3), (2, 3), (3, 3)]
    stream = io.StringIO()
    bar = ProgressBar(stream)
    bar(1, 4)
    bar(4, 4)
    assert "4/4" in stream.getvalue() and "ETA" in stream.getvalue() and stream.getvalue().endswith("\n")


def test_restricted_tables_and_long_error_messages(pipeline):
    reset(pipeline)
    double, jobs = pipeline["Double"], pipeline["schema"].jobs
    with pytest.raises(dj.DataJointError, match="Pass the conditions to populate"):
        (double & {"source_id": 1}).populate()
    jobs.error("__double", {"source_id": 9}, "x" * 5000, "stack")
    message = (jobs & {"status": "error"}).fetch1("error_message")
    assert len(message) == 2047 and message.endswith("...truncated")


def test_reservations_are_taken_in_batches_and_skip_other_workers(pipeline, server):
    import os

    reset(pipeline)
    double, jobs = pipeline["Double"], pipeline["schema"].jobs
    other = dj.Connection(**server)  # another live worker: its session (MariaDB), its process (SQLite)
    for source_id in (4, 6):
        row = jobs._job("__double", {"source_id": source_id}, "reserved")
        row["pid"] = os.getppid()
        row["connection_id"] = other.connection_id if other.backend == "mysql" else os.getppid()
        jobs._write(row, replace=False)
    keys = [{"source_id": i} for i in range(8)]
    held = jobs.reserve_many("__double", keys)
    assert held == [k for k in keys if k["source_id"] not in (4, 6)]  # the others' stay theirs
    jobs.release("__double", held)
    assert jobs.summary()["__double"]["reserved"] == 2
    result = double.populate(reserve_jobs=True)
    assert result["success_count"] == 8 and not (double & "source_id in (4, 6)")
    assert jobs.summary()["__double"]["reserved"] == 2  # only the other worker's remain
    other.close()


def test_a_key_made_meanwhile_by_another_worker_is_skipped_not_an_error(pipeline, server, monkeypatch):
    from djnb import hooks

    double = pipeline["Double"]
    elsewhere = dj.Connection(**server)
    made: list = []
    original = double.make

    def make(self, key):
        made.append(key["source_id"])
        if key["source_id"] == 1 and slow:
            time.sleep(0.05)  # a slow make: the next key is checked before it is made
        original(self, key)

    def after(done, total, key):  # between two keys, another worker makes key 2 and commits
        if done == 2:
            elsewhere.query(f"INSERT INTO {double.full_table_name} VALUES (2, 40)")

    monkeypatch.setattr(hooks, "progress", after)
    monkeypatch.setattr(double, "make", make)
    for slow in (False, True):
        reset(pipeline)
        made.clear()
        result = double.populate(keys=[{"source_id": i} for i in range(4)], display_progress=True)
        assert result == {"success_count": 3, "error_list": []}
        assert sorted(double.fetch("source_id").tolist()) == [0, 1, 2, 3]
        assert made == ([0, 1, 3] if slow else [0, 1, 2, 3])  # after a quick make, the insert tells
    elsewhere.close()
