"""End to end: declare a small pipeline, insert 1,000 sessions with 100 KB array blobs, populate
a computed table with parts, then fetch and aggregate.

The same user code runs on djnb and on DataJoint 0.14 (``import djnb as dj`` is the point).
There is no floor: the figure is the total time against DataJoint's.
"""

from __future__ import annotations

import time

from benchmarks.workloads.server import configure, drop_schema

SCHEMA = "djnb_bench_pipeline"
SUBJECTS, SESSIONS, SAMPLES, CHANNELS = 10, 1000, 12_800, 4  # 12,800 float64 = 100 KB per session
DESCRIPTION = (
    "declare 4 tables, insert 1,000 sessions with 100 KB blobs, populate with parts, "
    "fetch and aggregate (total; no floor)"
)


def _sessions(smoke: bool) -> list[dict]:
    import numpy as np

    rng = np.random.default_rng(7)
    count = 20 if smoke else SESSIONS
    return [
        {"subject_id": s % SUBJECTS, "session_id": s, "trace": rng.standard_normal(SAMPLES)}
        for s in range(count)
    ]


def _run(dj, server: dict, sessions: list[dict], **options) -> dict:
    """The user's pipeline, written once for both libraries; returns what it computed."""
    configure(dj, server, **options)
    schema = dj.Schema(SCHEMA, connection=dj.conn())

    @schema
    class Subject(dj.Manual):
        definition = """
        subject_id : int
        ---
        species : varchar(16)
        """

    @schema
    class Session(dj.Manual):
        definition = """
        -> Subject
        session_id : int
        ---
        trace : longblob   # the recording
        """

    @schema
    class Activity(dj.Computed):
        definition = """
        -> Session
        ---
        mean : double
        peak : double
        """

        class Channel(dj.Part):
            definition = """
            -> master
            channel : tinyint
            ---
            energy : double
            """

        def make(self, key):
            trace = (Session & key).fetch1("trace")
            self.insert1({**key, "mean": float(trace.mean()), "peak": float(abs(trace).max())})
            self.Channel.insert(
                {**key, "channel": c, "energy": float((part**2).sum())}
                for c, part in enumerate(trace.reshape(CHANNELS, -1))
            )

    Subject.insert({"subject_id": s, "species": "mouse" if s % 2 else "rat"} for s in range(SUBJECTS))
    # DataJoint sends one statement per insert() call: 50 sessions (5 MB) stay under MariaDB's
    # default 16 MB max_allowed_packet, 100 do not (escaped). djnb splits large inserts itself.
    for start in range(0, len(sessions), 50):
        Session.insert(sessions[start : start + 50])
    Activity.populate()
    summary = Subject.aggr(Activity, n="count(*)", mean_peak="avg(peak)").fetch(as_dict=True)
    energy = (Activity.Channel * Session.proj() & "channel = 0").fetch("energy")
    traces = (Session & {"subject_id": 3}).fetch("trace")
    return {"summary": summary, "energy": len(energy), "traces": len(traces)}


def _contender(dj, server: dict, smoke: bool, **options):
    sessions = _sessions(smoke)

    def run() -> float:
        drop_schema(server, SCHEMA)  # not timed: every run declares from nothing
        start = time.perf_counter()
        _run(dj, server, sessions, **options)
        return time.perf_counter() - start

    return run


def djnb(server: dict, smoke: bool):
    import djnb as dj

    return _contender(dj, server, smoke)


def datajoint(server: dict, smoke: bool):
    import datajoint as dj

    return _contender(dj, server, smoke, **{"database.use_tls": False, "safemode": False})


def teardown(server: dict) -> None:
    drop_schema(server, SCHEMA)
