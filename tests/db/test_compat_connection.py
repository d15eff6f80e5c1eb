"""Connections as DataJoint 0.14 code uses them (issue 16): path-like store and cache folders,
the process-wide ``dj.conn()``, closing inside a transaction, the query cache, ``djnb.admin``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import djnb as dj

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
