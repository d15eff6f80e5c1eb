"""A lab package written for DataJoint 0.14 (tests/compat_lab, in the Elements' style) runs
unchanged on djnb through ``install_as_datajoint()``, on MariaDB and on SQLite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

import djnb as dj

BACKENDS = ("mysql", "sqlite")
ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, pathlib, sys
import djnb
djnb.install_as_datajoint()
import datajoint as dj

settings = json.loads(sys.argv[1])
for key, value in settings["config"].items():
    dj.config[key] = value
dj.config["custom"] = {"database.prefix": settings["prefix"], "root_data_dir": settings["root"]}

from tests.compat_lab import ingest, pipeline
from tests.compat_lab.analysis import Recording, SessionCount, TraceStats

ingest.ingest_subjects(settings["subjects"])
ingest.ingest_sessions(settings["sessions"])
pipeline.SessionDirectory.insert(pathlib.Path(settings["sessions"]), ignore_extra_fields=True)
Recording.populate(display_progress=False)
TraceStats.populate(reserve_jobs=True)
SessionCount.populate()
heading = pipeline.Subject.heading
print(json.dumps({
    "labs": pipeline.Lab.fetch("lab").tolist(),
    "protocols": sorted(pipeline.ProtocolType.fetch("protocol_type").tolist()),
    "users": sorted(pipeline.User.fetch("user").tolist()),
    "subjects": len(pipeline.Subject), "subject_labs": len(pipeline.Subject.Lab),
    "sessions": len(pipeline.Session),
    "peaks": sorted(TraceStats.fetch("trace_peak").tolist()),
    "counts": {s: int(n) for s, n in zip(*SessionCount.fetch("subject", "n_sessions"))},
    "sex_type": heading.attributes["sex"].type,
    "secondary": heading.secondary_attributes,
    "schema_class": dj.schema is dj.Schema,
}, default=str))
"""


def test_lab_package_runs_unchanged(backend: str, server: dict, prefix: str, tmp_path: Path):
    subjects = tmp_path / "subjects.csv"
    subjects.write_text(
        "subject,sex,subject_birth_date,lab,notes\n"
        "sub1,F,2024-01-05,tanklab,first\n"
        "sub2,M,2024-02-10,tanklab,\n"
    )
    sessions = tmp_path / "sessions.csv"
    rows = [("sub1", "2025-03-01 10:00:00", "sub1/s1"), ("sub1", "2025-03-02 10:00:00", "sub1/s2"),
            ("sub2", "2025-03-01 11:00:00", "sub2/s1")]  # fmt: skip
    sessions.write_text(
        "subject,session_datetime,session_dir\n" + "".join(f"{a},{b},{c}\n" for a, b, c in rows)
    )
    for peak, (_, _, folder) in enumerate(rows, start=1):
        (tmp_path / folder).mkdir(parents=True)
        np.save(tmp_path / folder / "trace.npy", np.linspace(0, peak, 100))
    if backend == "sqlite":
        config = {"database.backend": "sqlite", "database.path": server["path"]}
    else:
        config = {"database.host": f"{server['host']}:{server['port']}", "database.user": server["user"],
                  "database.password": server["password"]}  # fmt: skip
    settings = {
        "config": config, "prefix": f"{prefix}_", "root": str(tmp_path),
        "subjects": str(subjects), "sessions": str(sessions),
    }  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJ_")}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(settings)],
        capture_output=True, text=True, cwd=tmp_path, env={**env, "PYTHONPATH": str(ROOT)}, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["labs"] == ["tanklab"]
    assert found["protocols"] == ["IACUC", "IRB"]
    assert found["users"] == ["alice", "bob"]
    assert (found["subjects"], found["subject_labs"], found["sessions"]) == (2, 2, 3)
    assert found["peaks"] == [1.0, 2.0, 3.0]
    assert found["counts"] == {"sub1": 2, "sub2": 1}
    assert found["sex_type"].startswith("enum")
    assert found["secondary"] == ["sex", "subject_birth_date", "subject_description"]
    assert found["schema_class"] is True


WORKER_PIPELINE = '''
import datajoint as dj  # written for DataJoint: the djnb worker serves it

schema = dj.schema(dj.config["custom"]["schema"])


@schema
class Number(dj.Manual):
    definition = """
    n : int
    """


@schema
class Square(dj.Computed):
    definition = """
    -> Number
    ---
    square : int
    """

    def make(self, key):
        self.insert1({**key, "square": key["n"] ** 2})
'''


def test_djnb_populate_runs_a_pipeline_written_for_datajoint(backend, server, prefix, tmp_path):
    """A worker (``djnb populate FILE.py:Table``) on a module that says ``import datajoint``."""
    (tmp_path / "lab_numbers.py").write_text(WORKER_PIPELINE)
    schema = f"{prefix}_worker"
    config = {"custom": {"schema": schema}}
    if backend == "sqlite":
        config |= {"database.backend": "sqlite", "database.path": server["path"]}
    else:
        config |= {"database.host": f"{server['host']}:{server['port']}", "database.user": server["user"],
                   "database.password": server["password"]}  # fmt: skip
    (tmp_path / "dj_local_conf.json").write_text(json.dumps(config))
    connection = dj.Connection(**server)
    connection.query(*connection.dialect.create_schema(schema))
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJ_")}
    seed = "import djnb; djnb.install_as_datajoint(); import lab_numbers; lab_numbers.Number.insert([(1,), (2,), (3,)])"
    subprocess.run([sys.executable, "-c", seed], cwd=tmp_path, env={**env, "PYTHONPATH": f"{tmp_path}:{ROOT}"},
                   check=True, capture_output=True)  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-m", "djnb", "populate", "lab_numbers.py:Square", "--reserve-jobs"],
        cwd=tmp_path, env={**env, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Square: 3 made, 0 failed" in result.stdout
    squares = dj.FreeTable(connection, f"`{schema}`.`__square`").fetch("square", order_by="n")
    assert squares.tolist() == [1, 4, 9]
    connection.close()
