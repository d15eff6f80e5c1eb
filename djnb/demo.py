"""``djnb demo``: a small pipeline, declared, filled, populated, queried and drawn.

With nothing configured it runs on the embedded SQLite database (``djnb.sqlite`` in the
current folder); with a server configured (``DJ_HOST``/``DJ_USER``/``DJ_PASS`` or a config
file) the same command runs there. It is repeatable: a second run finds the data in place.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import TextIO

from . import hooks
from .connection import conn
from .console import ProgressBar
from .diagram import Diagram
from .errors import DataJointError
from .populate import Computed, Imported
from .schemas import Schema
from .tiers import Lookup, Manual, Part

SCHEMA = "djnb_demo"


def declare(schema: Schema) -> dict:
    """The demo pipeline: mice, sessions, stimuli, recorded traces and their statistics."""

    @schema
    class Mouse(Manual):
        definition = """
        # laboratory mice
        mouse_id : int unsigned
        ---
        sex : enum('F', 'M', 'U')
        dob = null : date
        """

    @schema
    class Stimulus(Lookup):
        definition = """
        stimulus : varchar(16)
        ---
        frequency : float   # Hz
        """
        contents = (("slow", 0.5), ("fast", 4.0))

    @schema
    class Session(Manual):
        definition = """
        -> Mouse
        session : smallint unsigned
        ---
        -> Stimulus
        session_date : date
        """

    @schema
    class Recording(Imported):
        definition = """
        # a trace sampled at 100 Hz
        -> Session
        ---
        trace : longblob
        """

        def make(self, key: dict) -> None:
            frequency = (Session * Stimulus & key).fetch1("frequency")
            samples = [math.sin(2 * math.pi * frequency * t / 100) + 0.1 * key["session"] for t in range(500)]
            time.sleep(0.02)  # stands in for reading a file from the rig
            self.insert1({**key, "trace": samples})

    @schema
    class Stats(Computed):
        definition = """
        -> Recording
        ---
        mean : double
        peak : double
        """

        class Crossing(Part):
            definition = """
            -> master
            crossing : int    # sample index where the trace rises through its mean
            """

        def make(self, key: dict) -> None:
            trace = list((Recording & key).fetch1("trace"))
            mean = sum(trace) / len(trace)
            self.insert1({**key, "mean": mean, "peak": max(trace)})
            rises = [i for i in range(1, len(trace)) if trace[i - 1] < mean <= trace[i]]
            self.Crossing.insert({**key, "crossing": i} for i in rises)

    return {"Mouse": Mouse, "Stimulus": Stimulus, "Session": Session, "Recording": Recording, "Stats": Stats}


def run(out: TextIO, diagram: Path) -> int:
    """Run the demo, writing what it does to ``out`` and the pipeline's drawing to ``diagram``."""
    connection = conn()
    where = (
        f"the embedded SQLite database {connection.conn_info['path']}" if connection.backend == "sqlite"
        else f"the server {connection.conn_info['host']}:{connection.conn_info['port']}"
    )  # fmt: skip
    out.write(f"djnb demo on {where}, schema {SCHEMA!r}\n\n")
    tables = declare(Schema(SCHEMA, connection=connection))
    mouse, session = tables["Mouse"], tables["Session"]
    mouse.insert([(1, "F", "2026-01-10"), (2, "M", "2026-02-03"), (3, "U", None)], skip_duplicates=True)
    session.insert(
        [
            (m, s, "slow" if s % 2 else "fast", f"2026-06-{10 + s:02d}")
            for m in (1, 2, 3)
            for s in (1, 2, 3, 4)
        ],
        skip_duplicates=True,
    )
    previous, hooks.progress = hooks.progress, ProgressBar(out)
    try:
        for name in ("Recording", "Stats"):
            out.write(f"populate {name}:\n")
            result = tables[name].populate(display_progress=True, suppress_errors=True)
            out.write(f"  {result['success_count']} made, {len(result['error_list'])} failed\n")
    finally:
        hooks.progress = previous
    out.write(f"\nMouse:\n{mouse()!r}\n\nStats (a preview):\n{tables['Stats']()!r}\n")
    per_mouse = mouse.aggr(tables["Stats"], sessions="count(*)", mean_peak="avg(peak)")
    out.write(f"\nPer mouse: sessions and mean peak (an aggregation):\n{per_mouse!r}\n")
    try:
        drawing = Diagram(tables["Mouse"]) + 9 - 9
        if diagram.suffix == ".svg":
            try:
                drawing.save(diagram)
            except DataJointError as err:  # no Graphviz here: the Mermaid text still draws on GitHub
                diagram = diagram.with_suffix(".mmd")
                drawing.save(diagram)
                out.write(f"\n({err})\n")
        else:
            drawing.save(diagram)
        out.write(f"\nThe pipeline's diagram: {diagram}\n")
    except DataJointError as err:
        out.write(f"\nNo diagram: {err}\n")
    return 0
