"""Hostile and damaged blobs end in InvalidBlobError (or BlobError): never a crash or a huge allocation."""

from __future__ import annotations

import contextlib
import struct
import tracemalloc
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import djnb as dj
from djnb import blob
from tests.blob_compare import same
from tests.blob_corpus import CORPUS, build

pytestmark = pytest.mark.usefixtures("codec")

u64 = struct.Struct("<Q").pack
u32 = struct.Struct("<I").pack
VALID = [blob.pack(build(name, dj.MatCell, dj.MatStruct), compress=False) for name in CORPUS]


def rejects(data: bytes, match: str | None = None) -> dj.errors.BlobError:
    with pytest.raises(dj.errors.BlobError, match=match) as caught:
        blob.unpack(data)
    return caught.value


@pytest.mark.parametrize("data", [b"", b"mY", b"hello world", b"\x00" * 16, b"dj1\0\xff", b"PK\x03\x04"])
def test_wrong_headers(data):
    rejects(data, "Not a DataJoint blob")


def test_not_bytes():
    rejects("mYm\0", "bytes")  # type: ignore[arg-type]


@pytest.mark.parametrize("index", range(len(VALID)))
def test_every_truncation_of_every_corpus_blob(index):
    data = VALID[index]
    for cut in sorted({4, 5, 8, 12, len(data) // 2, len(data) - 1}):
        if 4 <= cut < len(data):
            rejects(data[:cut])


def test_trailing_bytes():
    rejects(blob.pack([1, 2]) + b"\0", "left over")


def test_unknown_codes():
    rejects(b"dj0\0Z", "unknown item code")
    rejects(b"dj0\0\x02" + u64(1) + u64(1) + b"Q", "unknown item code")


def test_array_shape_larger_than_buffer():
    huge = b"mYm\0A" + u64(2) + u64(2**31) + u64(2**31) + u32(6) + u32(0) + b"\0" * 16
    rejects(huge, "needs")
    overflow = b"mYm\0A" + u64(3) + u64(2**63) + u64(2**63) + u64(2**63) + u32(6) + u32(0)
    rejects(overflow)
    rejects(b"mYm\0A" + u64(2**60), "dimensions")


def test_counts_larger_than_buffer():
    rejects(b"dj0\0\x02" + u64(2**62), "cannot fit")
    rejects(b"dj0\0\x04" + u64(2**40) + u64(1) + b"\xff", "cannot fit")
    rejects(b"dj0\0\x05" + u64(2**50) + b"abc", "needs")
    rejects(b"dj0\0C" + u64(2) + u64(2**30) + u64(2**30), "cannot fit")
    rejects(b"dj0\0S" + u64(2) + u64(1) + u64(2**40) + u32(1) + b"a\0", "cannot fit")
    rejects(b"dj0\0A" + u64(1) + u64(2**40) + u32(5) + u32(0), "cannot fit")


def test_element_lengths_that_lie():
    good = blob.pack([1.5, "x"], compress=False)
    bad = good[:13] + u64(100) + good[21:]  # the first element claims 100 bytes
    rejects(bad)
    short = good[:13] + u64(3) + good[21:]
    rejects(short)


def test_bad_utf8():
    rejects(b"dj0\0\x05" + u64(2) + b"\xff\xfe", "UTF-8")
    rejects(b"dj0\0\x02" + u64(1) + u64(11) + b"\x05" + u64(2) + b"\xc3\x28", "UTF-8")
    rejects(b"dj0\0F" + u32(1) + b"\xff\0" + blob.pack(np.zeros(1), compress=False)[4:], "UTF-8")


def test_deep_nesting():
    depth = 10_000
    data = b"dj0\0" + b"".join(b"\x02" + u64(1) + u64(0) for _ in range(depth))
    rejects(data)
    nested = b"\xff"
    for _ in range(500):
        nested = b"\x02" + u64(1) + u64(len(nested)) + nested
    rejects(b"dj0\0" + nested, "nesting deeper")
    fine = b"\xff"
    for _ in range(150):
        fine = b"\x02" + u64(1) + u64(len(fine)) + fine
    assert blob.unpack(b"dj0\0" + fine) is not None


def test_bad_values():
    rejects(b"dj0\0t" + struct.pack("<iq", 20201340, -1), "impossible date")
    rejects(b"dj0\0d" + u64(3) + b"abc", "decimal")
    rejects(b"dj0\0\x03" + u64(1) + u64(9) + b"\x02" + u64(0), "unhashable")
    rejects(b"dj0\0\x04" + u64(1) + u64(9) + b"\x02" + u64(0) + u64(1) + b"\xff", "unhashable")
    rejects(b"dj0\0A" + u64(1) + u64(1) + u32(99) + u32(0) + b"\0" * 8, "class 99")
    rejects(b"mYm\0P", "sparse")


def test_compression_bombs_and_lies():
    inner = blob.pack(list(range(100)), compress=False)
    stream = zlib.compress(inner)
    rejects(b"ZL123\0" + u64(2**62) + stream, "claims")
    rejects(b"ZL123\0" + u64(len(inner) + 1) + stream, "claims")
    rejects(b"ZL123\0" + u64(len(inner)) + stream[:-5], "truncated")
    rejects(b"ZL123\0" + u64(len(inner)) + b"not zlib at all", "damaged")
    rejects(b"ZL123\0" + b"\1\2", "shorter")
    bomb = zlib.compress(b"\0" * 50_000_000, 9)  # ~50 KB that inflate to 50 MB
    rejects(b"ZL123\0" + u64(10) + bomb)  # stops after 11 bytes, never inflates it all


def test_allocation_stays_proportional_to_the_input():
    hostile = [
        b"mYm\0A" + u64(2) + u64(100_000) + u64(100_000) + u32(6) + u32(0) + b"\0" * 64,
        b"dj0\0\x02" + u64(10**9) + b"\0" * 64,
        b"dj0\0C" + u64(1) + u64(10**9) + b"\0" * 64,
        b"ZL123\0" + u64(10**9) + zlib.compress(b"\0" * 1000),
        # a record array whose char-row field would be broadcast over many records
        b"dj0\0F"
        + u32(2)
        + b"a\0b\0"
        + blob.pack(np.zeros(20_000, "<i4"), compress=False)[4:]
        + b"A"
        + u64(2)
        + u64(1)
        + u64(20_000)
        + u32(4)
        + u32(0)
        + b"x\0" * 20_000,
    ]
    tracemalloc.start()
    try:
        for data in hostile:
            with pytest.raises(dj.errors.BlobError):
                blob.unpack(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000


@settings(
    max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(st.sampled_from(VALID), st.data())
def test_fuzz_mutated_blobs(original, data):
    """Random byte edits of valid blobs: a value or a BlobError, nothing else."""
    mutated = bytearray(original)
    for _ in range(data.draw(st.integers(1, 4))):
        action = data.draw(st.sampled_from(["flip", "insert", "delete", "length"]))
        at = data.draw(st.integers(0, max(len(mutated) - 1, 0)))
        if action == "flip" and mutated:
            mutated[at] ^= data.draw(st.integers(1, 255))
        elif action == "insert":
            mutated[at:at] = data.draw(st.binary(min_size=1, max_size=9))
        elif action == "delete" and mutated:
            del mutated[at : at + data.draw(st.integers(1, 9))]
        elif action == "length" and len(mutated) > at + 8:
            mutated[at : at + 8] = u64(data.draw(st.sampled_from([0, 1, 2**31, 2**63, 2**64 - 1])))
    with contextlib.suppress(dj.errors.BlobError):
        blob.unpack(bytes(mutated))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_fuzz_random_bytes_after_a_header(tail):
    for header in (b"mYm\0", b"dj0\0"):
        with contextlib.suppress(dj.errors.BlobError):
            blob.unpack(header + tail)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(st.sampled_from(VALID), st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=4))
def test_accelerated_and_python_readers_agree(original, edits):
    """The C reader and the Python reader return the same value or the same error class."""
    from djnb.blob import accelerator

    if not accelerator.available():
        pytest.skip("the blob accelerator was not built")
    mutated = bytearray(original)
    for at, byte in edits:
        mutated[at % len(mutated)] = byte
    outcomes = []
    for enabled in (True, False):
        accelerator.use(enabled)
        try:
            outcomes.append(("value", blob.unpack(bytes(mutated))))
        except dj.errors.BlobError as err:
            outcomes.append(("error", type(err)))
    accelerator.use(True)
    (kind_c, c), (kind_py, py) = outcomes
    assert kind_c == kind_py
    assert c == py if kind_c == "error" else same(c, py)
