"""djnb against DataJoint's own bytes (fixtures made by tests/make_blob_fixtures.py) and MATLAB's."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

import djnb as dj
from djnb import blob
from djnb.blob import MatCell, MatStruct
from tests.blob_compare import same
from tests.blob_corpus import CORPUS, CORRECTIONS, build, build_read_as

pytestmark = pytest.mark.usefixtures("codec")

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "blobs"
INDEX = json.loads((FIXTURES / "datajoint" / "index.json").read_text())["blobs"]
VERDICTS = json.loads((FIXTURES / "datajoint_reads_djnb.json").read_text())["results"]
# a copy of shared/fixtures/matlab_blobs.json, so the tests need nothing outside the repository
MATLAB = json.loads((FIXTURES / "matlab_blobs.json").read_text())
SHARED_FILE = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "matlab_blobs.json"
FILES = [(name, file) for name, entry in INDEX.items() for file in entry["files"]]


def test_fixtures_cover_the_whole_corpus():
    assert set(INDEX) == set(CORPUS) == set(VERDICTS)


@pytest.mark.parametrize(("name", "file"), FILES)
def test_every_datajoint_fixture_unpacks_to_its_expected_value(name, file):
    value = blob.unpack((FIXTURES / "datajoint" / file).read_bytes())
    if name == "char_matrix_2x3":
        # DataJoint wrote the chars row-major under a column-major shape: the bytes mean this.
        expected = np.array(list("abcdef")).reshape((2, 3), order="F")
    else:
        expected = build_read_as(name, MatCell, MatStruct)
    assert same(expected, value), f"{name}: {value!r}"


@pytest.mark.parametrize(
    "name", [name for name in CORPUS if name not in CORRECTIONS or name.startswith("cell")]
)
def test_uncompressed_output_is_byte_identical_to_datajoint(name):
    theirs = (FIXTURES / "datajoint" / f"{name}.blob").read_bytes()
    assert blob.pack(build(name, MatCell, MatStruct), compress=False) == theirs


def test_char_matrices_are_the_documented_correction():
    value = build("char_matrix_2x3", MatCell, MatStruct)
    theirs = (FIXTURES / "datajoint" / "char_matrix_2x3.blob").read_bytes()
    ours = blob.pack(value, compress=False)
    assert ours != theirs and len(ours) == len(theirs)
    assert same(blob.unpack(ours), build_read_as("char_matrix_2x3", MatCell, MatStruct))


@pytest.mark.parametrize("name", CORPUS)
def test_datajoint_reads_back_what_djnb_packs(name):
    """DataJoint's verdicts hold for djnb's current bytes (same SHA-256 as when recorded)."""
    data = blob.pack(build(name, MatCell, MatStruct), compress=False)
    verdict = VERDICTS[name]
    assert hashlib.sha256(data).hexdigest() == verdict["sha256"], (
        "djnb's output changed: rerun make_blob_fixtures.py"
    )
    assert verdict["equal"] or name in CORRECTIONS, verdict


def test_compressed_datajoint_fixtures_are_compressed():
    assert all(INDEX[name]["files"][f"{name}.zl.blob"]["compressed"] for name in ("array_large", "records"))


# -- MATLAB-written blobs (shared/fixtures/matlab_blobs.json) ------------------------------


def test_matlab_fixture_copy_is_current():
    if SHARED_FILE.exists():  # beside a checkout in the team's workspace
        assert json.loads(SHARED_FILE.read_text()) == MATLAB


def matlab(blob_id: int, **options: object) -> object:
    entry = next(b for b in MATLAB["blobs"] if b["id"] == blob_id)
    return blob.unpack(bytes.fromhex(entry["hex"]), **options)


def test_matlab_string():
    assert same(matlab(1), np.array(["character string"]))
    assert matlab(1, squeeze=True) == "character string"


def test_matlab_row_vector():
    assert same(matlab(2), np.arange(1.0, 181.0, 15.0).reshape(1, 12))


def test_matlab_cell_of_strings():
    cell = matlab(3)
    assert isinstance(cell, MatCell) and cell.shape == (1, 2)
    assert [str(item[0]) for item in cell.ravel()] == ["string1", "string2"]


def test_matlab_struct_array_with_nested_structs():
    magic3 = np.array([[8.0, 1, 6], [3, 5, 7], [4, 9, 2]])
    magic5 = np.array(
        [
            [17.0, 24, 1, 8, 15],
            [23, 5, 7, 14, 16],
            [4, 6, 13, 20, 22],
            [10, 12, 19, 21, 3],
            [11, 18, 25, 2, 9],
        ]
    )
    value = matlab(4)
    assert isinstance(value, MatStruct) and value.shape == (1, 2) and value.dtype.names == ("a", "b")
    assert same(value[0, 0]["a"], np.array([[1.0]])) and same(value[0, 1]["a"], np.array([[2.0]]))
    inner_c, inner_big_c = value[0, 0]["b"], value[0, 1]["b"]
    assert isinstance(inner_c, MatStruct) and inner_c.dtype.names == ("c",)
    assert same(inner_c[0, 0]["c"], magic3)
    assert inner_big_c.dtype.names == ("C",) and same(inner_big_c[0, 0]["C"], magic5)


@pytest.mark.parametrize(("blob_id", "dtype"), [(5, np.float64), (6, np.uint8)])
def test_matlab_3d_arrays(blob_id, dtype):
    assert same(matlab(blob_id), np.arange(1, 25).astype(dtype).reshape((2, 3, 4), order="F"))


def test_matlab_3d_complex_array():
    expected = np.fft.fftn(np.arange(1.0, 25.0).reshape((2, 3, 4), order="F"))
    value = matlab(7)
    assert value.dtype == np.complex128 and value.shape == (2, 3, 4)
    np.testing.assert_allclose(value, expected, atol=1e-9)


def test_matlab_32bit_dims_struct():
    data = bytes.fromhex(MATLAB["blobs_32bit_dims"][0]["hex"])
    with pytest.raises(dj.errors.InvalidBlobError):
        blob.unpack(data)  # read as 64-bit, the lengths are nonsense: a clear error, not garbage
    value = blob.unpack(data, use_32bit=True)
    assert value.dtype.names == ("hits", "sides", "tasks", "stage")
    record = value[0, 0]
    assert same(record["hits"], np.array([[np.nan, 1, 1, 0, 1, 0, np.nan]]))
    assert [str(record[f][0]) for f in ("sides", "tasks", "stage")] == ["llllrrl", "ddddddd", "Stage 10"]
    blob.use_32bit_dims = True
    try:
        assert same(blob.unpack(data), value)
    finally:
        blob.use_32bit_dims = False
