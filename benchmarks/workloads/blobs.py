"""Blob codec workloads: Python structures, big random arrays, big numeric reads.

Floors: pickle for Python structures, ``ndarray.tobytes`` for packing an array, and
``numpy.frombuffer(...).copy()`` for reading one back.
"""

from __future__ import annotations

import pickle

import numpy as np

RECORDS = 10_000
RANDOM_BYTES = 10_000_000
ARRAY_BYTES = 40_000_000


def records(smoke: bool) -> list[dict]:
    return [
        {"id": i, "x": i * 0.5, "name": f"n{i}", "ok": i % 2 == 0} for i in range(100 if smoke else RECORDS)
    ]


def random_array(smoke: bool) -> np.ndarray:
    return np.random.default_rng(0).random((RANDOM_BYTES // 100 if smoke else RANDOM_BYTES) // 8)


def big_array(smoke: bool) -> np.ndarray:
    return np.arange((ARRAY_BYTES // 100 if smoke else ARRAY_BYTES) // 8, dtype=np.float64)


def codec(contender: str):
    if contender == "djnb":
        from djnb import blob
    else:
        from datajoint import blob
    return blob


class PackDicts:
    DESCRIPTION = "pack a list of 10,000 small dicts (floor: pickle.dumps)"

    @staticmethod
    def make(contender: str, smoke: bool):
        data = records(smoke)
        if contender == "floor":
            return lambda: pickle.dumps(data)
        pack = codec(contender).pack
        return lambda: pack(data)


class UnpackDicts:
    DESCRIPTION = "unpack a list of 10,000 small dicts (floor: pickle.loads)"

    @staticmethod
    def make(contender: str, smoke: bool):
        data = records(smoke)
        if contender == "floor":
            pickled = pickle.dumps(data)
            return lambda: pickle.loads(pickled)
        blob = codec(contender)
        packed = blob.pack(data)
        return lambda: blob.unpack(packed)


class PackRandom:
    DESCRIPTION = "pack 10 MB of random float64, default settings (floor: tobytes)"

    @staticmethod
    def make(contender: str, smoke: bool):
        array = random_array(smoke)
        if contender == "floor":
            return array.tobytes
        pack = codec(contender).pack
        return lambda: pack(array)


class UnpackArray:
    DESCRIPTION = "unpack a 40 MB float64 array (floor: frombuffer().copy())"

    @staticmethod
    def make(contender: str, smoke: bool):
        array = big_array(smoke)
        if contender == "floor":
            raw = array.tobytes()
            return lambda: np.frombuffer(raw, dtype=np.float64).copy()
        blob = codec(contender)
        packed = blob.pack(array, compress=False)
        return lambda: blob.unpack(packed)
