"""Table-class behaviours of DataJoint 0.14 that need no database."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from djnb.populate import same_inputs, worker_count


def records(value: float, blob: np.ndarray) -> np.ndarray:
    rows = np.empty(2, dtype=[("id", "<i8"), ("value", "<f8"), ("signal", "O")])
    rows["id"], rows["value"] = [1, 2], [value, np.nan]
    rows["signal"][0], rows["signal"][1] = blob, None
    return rows


def test_same_inputs_compares_records_with_blobs_objects_and_frames():
    blob = np.arange(6.0).reshape(2, 3)
    assert same_inputs((records(0.5, blob), {"k": [1, "a"]}), (records(0.5, blob.copy()), {"k": [1, "a"]}))
    assert not same_inputs(records(0.5, blob), records(0.6, blob))
    assert not same_inputs(records(0.5, blob), records(0.5, blob + 1))
    assert not same_inputs([1, 2], [2, 1])  # order matters, as in DataJoint 0.14
    assert same_inputs(float("nan"), float("nan")) and not same_inputs(np.arange(3), [0, 1, 2])
    pandas = pytest.importorskip("pandas")
    frame = pandas.DataFrame({"a": [1, 2]})
    assert same_inputs(frame, frame.copy()) and not same_inputs(frame, frame + 1)


def test_worker_count_follows_datajoint_014():
    cpus = os.cpu_count() or 1
    assert worker_count(None, 1000) == cpus and worker_count(0, 1000) == cpus
    assert worker_count(1, 1000) == 1 and worker_count(None, 1) == 1 and worker_count(None, 0) == 1
    assert worker_count(cpus + 5, 1000) == cpus  # never more workers than CPUs, as in 0.14
    assert worker_count(2, 1000) == min(2, cpus)


HELP_SCRIPT = textwrap.dedent('''
    import djnb as dj

    schema = dj.Schema()  # not activated: nothing connects


    @schema
    class Subject(dj.Manual):
        """Subjects of the study."""

        definition = "subject_id : int"

        class Note(dj.Part):
            definition = "-> master\\nnote : varchar(9)"


    @schema
    class Session(dj.Computed):
        definition = "-> Subject\\n---\\nx : int"

        @property
        def key_source(self):
            return Subject & "subject_id > 1"

        def make(self, key):
            pass


    class Colour(dj.Lookup):  # not even decorated
        definition = "colour : varchar(9)"

        @property
        def contents(self):
            return [("red",)]


    for thing in (Subject, Subject(), Subject.Note, Session, Session(), Colour, Colour()):
        help(thing)
''')


def test_help_on_tables_needs_no_connection(tmp_path):
    """help(Table) and help(Table()) document the class even when no server can be reached."""
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root), "DJ_HOST": "127.0.0.1:1", "DJ_USER": "nobody"}
    env.pop("DJ_PASS", None)
    result = subprocess.run(
        [sys.executable, "-c", HELP_SCRIPT],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Subjects of the study." in result.stdout and "class Session" in result.stdout
    assert "populate(" in result.stdout and "key_source" in result.stdout
