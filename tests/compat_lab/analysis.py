"""Imported recordings and computed statistics: a plain make, the three-part make and the
legacy _make_tuples."""

import importlib
import inspect
import pathlib

import datajoint as dj
import numpy as np

schema = dj.schema()
_linking_module = None


def activate(schema_name, *, create_schema=True, create_tables=True, linking_module=None):
    if isinstance(linking_module, str):
        linking_module = importlib.import_module(linking_module)
    assert inspect.ismodule(linking_module), "linking_module must be a module or its name"
    global _linking_module
    _linking_module = linking_module
    schema.activate(
        schema_name,
        create_schema=create_schema,
        create_tables=create_tables,
        add_objects=_linking_module.__dict__,
    )


@schema
class Recording(dj.Imported):
    definition = """
    -> Session
    ---
    sampling_rate: float  # (Hz)
    trace: longblob
    """

    def make(self, key):
        session_dir = (_linking_module.SessionDirectory & key).fetch1("session_dir")
        path = pathlib.Path(_linking_module.get_data_dir()) / session_dir / "trace.npy"
        self.insert1({**key, "sampling_rate": 1000.0, "trace": np.load(path)})


@schema
class TraceStats(dj.Computed):
    definition = """
    -> Recording
    ---
    trace_mean: float
    trace_peak: float
    """

    def make_fetch(self, key):
        return ((Recording & key).fetch1("trace"),)

    def make_compute(self, key, trace):
        return float(trace.mean()), float(trace.max())

    def make_insert(self, key, trace_mean, trace_peak):
        self.insert1({**key, "trace_mean": trace_mean, "trace_peak": trace_peak})


@schema
class SessionCount(dj.Computed):
    definition = """
    -> Subject
    ---
    n_sessions: int
    """

    def _make_tuples(self, key):  # written before DataJoint had make()
        self.insert1({**key, "n_sessions": len(_linking_module.Session & key)})
