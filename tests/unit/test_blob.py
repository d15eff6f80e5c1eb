"""The blob codec: round trips (hypothesis), headers, dj0 switch, squeeze, compression."""

from __future__ import annotations

import datetime
import struct
import uuid
import zlib
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import djnb as dj
from djnb import blob
from djnb.blob import MatCell, MatStruct
from tests.blob_compare import same

pytestmark = pytest.mark.usefixtures("codec")

NUMERIC_DTYPES = ["bool", "i1", "u1", "<i2", "<u2", "<i4", "<u4", "<i8", "<u8", "<f4", "<f8", "<c8", "<c16"]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**600), max_value=2**600),
    st.floats(allow_nan=True),
    st.complex_numbers(),
    st.text(),
    st.binary(),
    st.decimals(allow_nan=False).filter(lambda d: d.is_finite()),
    st.dates(),
    st.times(),
    st.datetimes(),
    st.uuids(),
)
arrays = st.one_of(
    hnp.arrays(
        st.sampled_from(NUMERIC_DTYPES), hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4)
    ),
    hnp.arrays(hnp.unicode_string_dtypes(), hnp.array_shapes(min_dims=1, max_dims=2, max_side=3)).filter(
        lambda a: all(
            not any(0xD800 <= ord(c) <= 0xDFFF for c in s) for s in a.ravel()
        )  # UTF-8 has no surrogates
    ),
    hnp.arrays(
        hnp.datetime64_dtypes(max_period="Y", min_period="ns"), hnp.array_shapes(max_dims=2, max_side=3)
    ),
)


keys = st.one_of(st.text(max_size=8), st.integers(), st.booleans(), st.tuples(st.integers()))


def _object_array(items: list, shape: tuple[int, ...]) -> np.ndarray:
    out = np.empty(len(items), dtype=object)
    for index, item in enumerate(items):
        out[index] = item
    return out.reshape(shape)


leaf_values = st.one_of(st.floats(allow_nan=False), st.text(max_size=5), st.none(), st.integers(-5, 5))
cells = st.lists(
    st.one_of(leaf_values, hnp.arrays("<f8", st.tuples(st.integers(0, 3)))), min_size=1, max_size=4
).map(lambda items: _object_array(items, (1, len(items))).view(MatCell))
structs = st.lists(st.tuples(st.floats(allow_nan=False), st.text(max_size=4)), min_size=1, max_size=3).map(
    lambda rows: np.array(rows, dtype=[("a", object), ("b", object)]).reshape(1, len(rows)).view(MatStruct)
)
record_arrays = st.lists(
    st.tuples(st.integers(-100, 100), st.floats(allow_nan=False), st.booleans()), max_size=4
).map(lambda rows: np.array(rows, dtype=[("i", "<i4"), ("x", "<f8"), ("ok", "?")]))
object_arrays = st.lists(leaf_values, min_size=1, max_size=5).map(
    lambda items: _object_array(items, (len(items),))
)
char_arrays = st.text(alphabet="abcxyz", min_size=1, max_size=6).map(
    lambda t: np.array([c.encode() for c in t], dtype="S1")
)
datetimes = st.sampled_from(["ps", "fs", "as", "W", "M"]).flatmap(
    lambda unit: hnp.arrays(np.dtype(f"<M8[{unit}]"), st.integers(1, 3))
)
structures = st.one_of(cells, structs, record_arrays, object_arrays, char_arrays, datetimes)


values = st.recursive(
    st.one_of(scalars, arrays, structures),
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.lists(children, max_size=5).map(tuple),
        st.dictionaries(keys, children, max_size=5),
        st.sets(st.one_of(st.integers(), st.text(max_size=5)), max_size=5),
    ),
    max_leaves=25,
)


def expected_after_round_trip(value: object) -> object:
    """What a reader returns: str arrays come back as object arrays, 0-d arrays as scalars."""
    if isinstance(value, MatStruct | MatCell):
        return value
    if isinstance(value, np.ndarray) and value.dtype.kind == "S":  # chars come back as one string
        return np.array(["".join(c.decode() for c in value.ravel())])
    if isinstance(value, np.ndarray) and value.dtype.names:
        return np.rec.array(value)
    if isinstance(value, np.ndarray):
        if value.dtype.byteorder == ">":
            value = value.astype(value.dtype.newbyteorder("<"))
        if value.ndim == 0 and value.dtype.kind not in "UO":
            return value[()]
        return value.astype(object) if value.dtype.kind == "U" else value
    if isinstance(value, list):
        return [expected_after_round_trip(v) for v in value]
    if isinstance(value, tuple):
        return tuple(expected_after_round_trip(v) for v in value)
    if isinstance(value, dict):
        return {k: expected_after_round_trip(v) for k, v in value.items()}
    return value


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values, st.booleans())
def test_round_trip(value, compress):
    packed = blob.pack(value, compress=compress)
    assert same(expected_after_round_trip(value), blob.unpack(packed))


@settings(max_examples=100, deadline=None)
@given(hnp.arrays(st.sampled_from(NUMERIC_DTYPES), hnp.array_shapes(min_dims=1, max_dims=3, max_side=5)))
def test_numeric_arrays_are_matlab_compatible_and_keep_dtype_and_shape(array):
    packed = blob.pack(array, compress=False)
    assert packed.startswith(b"mYm\0")
    back = blob.unpack(packed)
    assert back.dtype == array.dtype and back.shape == array.shape
    assert same(array, back)


@settings(max_examples=50, deadline=None)
@given(hnp.arrays(st.sampled_from(["<f8", "<i4"]), hnp.array_shapes(min_dims=1, max_dims=3, max_side=4)))
def test_big_endian_arrays_are_converted(array):
    swapped = array.astype(array.dtype.newbyteorder(">"))
    assert blob.pack(swapped) == blob.pack(array)


def cell_of(*items: object) -> MatCell:
    out = np.empty(len(items), dtype=object)
    for index, item in enumerate(items):
        out[index] = item
    return out.view(MatCell)


@pytest.mark.parametrize(
    ("value", "header"),
    [
        (np.arange(3.0), b"mYm\0"),
        (np.array([[b"a", b"b"]], dtype="S1"), b"mYm\0"),
        (np.array([1.0, 2.0], dtype=object).view(MatCell), b"dj0\0"),  # its Python floats need dj0
        (cell_of(np.zeros(2), np.eye(2)), b"mYm\0"),
        (1, b"dj0\0"),
        ("text", b"dj0\0"),
        (np.float64(1.0), b"dj0\0"),
        (np.array(1.0), b"dj0\0"),
        (np.array(["a"]), b"dj0\0"),
        (np.array(["2020-01-01"], dtype="M8[D]"), b"dj0\0"),
    ],
)
def test_header_is_mym_unless_something_needs_dj0(value, header):
    assert blob.pack(value, compress=False)[:4] == header


def test_disabling_native_blobs_refuses_dj0_values_but_still_reads_them():
    packed = blob.pack({"a": 1})
    with dj.config(enable_python_native_blobs=False):
        assert blob.pack(np.arange(3.0))[:4] == b"mYm\0"
        with pytest.raises(dj.errors.NativeBlobsDisabledError, match="enable_python_native_blobs") as caught:
            blob.pack([np.zeros(2), {"nested": 1}])
        assert "a list" in str(caught.value)
        with pytest.raises(dj.errors.NativeBlobsDisabledError, match="datetime64"):
            blob.pack(np.array(["2020-01-01"], dtype="M8[D]"))
        assert blob.unpack(packed) == {"a": 1}


def test_squeeze():
    assert blob.unpack(blob.pack(np.array([[5.0]])), squeeze=True) == 5.0
    assert isinstance(blob.unpack(blob.pack(np.array([[5.0]])), squeeze=True), float)
    assert blob.unpack(blob.pack(np.ones((1, 3, 1))), squeeze=True).shape == (3,)
    assert blob.unpack(blob.pack(np.ones((1, 3, 1)))).shape == (1, 3, 1)
    assert blob.unpack(blob.pack(np.float32(2)), squeeze=True) == 2.0


def test_python_types_round_trip_as_themselves():
    value = {
        "none": None, "int": 2**100, "float": 0.1, "complex": 1j, "str": "é", "bytes": b"\0",
        "tuple": (1,), "list": [1], "set": {1}, "decimal": Decimal("1.10"),
        "date": datetime.date(2020, 1, 1), "time": datetime.time(1, 2), "datetime": datetime.datetime(2020, 1, 1, 1),
        "uuid": uuid.UUID(int=5), "bool": False, "range": range(3),
    }  # fmt: skip
    back = blob.unpack(blob.pack(value))
    for key in value:
        if key != "range":
            assert type(back[key]) is type(value[key]) and back[key] == value[key], key
    assert back["range"] == (0, 1, 2)


def test_struct_and_cell_round_trip():
    cell = np.empty((2, 2), dtype=object)
    cell[0, 0], cell[1, 0], cell[0, 1], cell[1, 1] = np.eye(2), "text", np.arange(5.0), cell.copy()
    back = blob.unpack(blob.pack(cell.view(MatCell)))
    assert isinstance(back, MatCell) and back.shape == (2, 2)
    assert same(back[0, 0], np.eye(2)) and same(back[0, 1], np.arange(5.0)) and back[1, 0] == "text"
    struct = np.empty((1, 2), dtype=[("a", object), ("b", object)]).view(MatStruct)
    struct["a"][0, 0], struct["a"][0, 1], struct["b"][0, 0], struct["b"][0, 1] = 1.0, "x", np.eye(3), None
    back = blob.unpack(blob.pack(struct))
    assert isinstance(back, MatStruct) and back.shape == (1, 2) and same(back["b"][0, 0], np.eye(3))


def test_unsupported_values_are_named_with_their_place():
    with pytest.raises(dj.errors.BlobTypeError, match=r"object.*\(at value\['b'\]\[1\]\)"):
        blob.pack({"a": 1, "b": [1, object()]})
    with pytest.raises(dj.errors.BlobTypeError, match=r"UTF-8.*\(at value\[0\]\)"):
        blob.pack(np.array(["\ud800"]))
    with pytest.raises(dj.errors.BlobTypeError, match="float16"):
        blob.pack(np.zeros(2, dtype=np.float16))
    with pytest.raises(dj.errors.BlobTypeError, match="nests deeper"):
        nested: list = []
        nested.append(nested)
        blob.pack(nested)
    assert isinstance(dj.errors.BlobTypeError("x"), TypeError)


# -- compression -------------------------------------------------------------------------------


def test_small_blobs_are_not_compressed():
    assert blob.pack(np.zeros(10))[:4] == b"mYm\0"


def test_compressible_blobs_are_compressed_and_readable_by_plain_zlib():
    value = np.zeros(100_000)
    packed = blob.pack(value)
    assert packed.startswith(b"ZL123\0")
    assert len(packed) < 10_000
    inner = zlib.decompress(packed[14:])
    assert inner == blob.pack(value, compress=False)
    assert int.from_bytes(packed[6:14], "little") == len(inner)


def test_random_floats_are_not_deflated():
    value = np.random.default_rng(1).random(1_000_000)
    assert blob.pack(value).startswith(b"mYm\0")


def test_any_zlib_level_is_read():
    inner = blob.pack(list(range(1000)), compress=False)
    for level in (0, 1, 9):
        data = b"ZL123\0" + len(inner).to_bytes(8, "little") + zlib.compress(inner, level)
        assert blob.unpack(data) == list(range(1000))


def test_bypass_serialization_passes_blobs_through():
    packed = blob.pack([1, 2])
    blob.bypass_serialization = True
    try:
        assert blob.pack(packed) is packed and blob.unpack(packed) is packed
        with pytest.raises(dj.errors.InvalidBlobError, match="bypass_serialization"):
            blob.pack([1, 2])
    finally:
        blob.bypass_serialization = False
    assert blob.unpack(packed) == [1, 2]


def test_failures_deep_inside_mixed_containers_are_reported_quickly():
    """A failure under alternating accelerated and Python containers is not redone per level."""
    import time

    value: object = object()
    for level in range(30):
        value = (value,) if level % 2 else frozenset({value})
    start = time.perf_counter()
    with pytest.raises(dj.errors.BlobTypeError, match="Cannot pack"):
        blob.pack(value)
    assert time.perf_counter() - start < 2  # the old behaviour took minutes (2**30 re-runs)


@pytest.mark.parametrize("wrap", ["list", "cell", "object array", "list+cell"])
def test_everything_packed_can_be_unpacked_at_the_depth_limit(wrap):
    def nest(depth: int) -> object:
        value: object = 1.0
        for level in range(depth):
            if wrap == "list" or (wrap == "list+cell" and level % 2):
                value = [value]
            else:
                value = _object_array([value], (1,))
                value = value.view(MatCell) if "cell" in wrap else value
        return value

    from djnb.blob.codes import MAX_PACK_DEPTH

    assert same(
        blob.unpack(blob.pack(nest(MAX_PACK_DEPTH - 1))), blob.unpack(blob.pack(nest(MAX_PACK_DEPTH - 1)))
    )
    with pytest.raises(dj.errors.BlobTypeError, match="nests"):
        blob.pack(nest(MAX_PACK_DEPTH + 1))


def test_squeezed_record_arrays_keep_their_dtypes():
    records = np.array([(1, "2020-01-01")], dtype=[("a", "<i4"), ("t", "<M8[D]")])
    back = blob.unpack(blob.pack(records), squeeze=True)
    assert back.dtype == records.dtype and back.shape == (1,)


def test_complex_integer_arrays_from_matlab_read_as_complex128():
    u64, u32 = struct.Struct("<Q").pack, struct.Struct("<I").pack
    data = b"mYm\0A" + u64(2) + u64(1) + u64(2) + u32(10) + u32(1) + np.array([1, 2, 3, 4], "<i2").tobytes()
    value = blob.unpack(data)
    assert value.dtype == np.complex128 and value.tolist() == [[1 + 3j, 2 + 4j]]


def test_public_names():
    assert dj.MatCell is MatCell and dj.MatStruct is MatStruct
    assert dj.blob.pack is blob.pack


def test_accelerator_is_built_in_ci():
    """CI machines have a compiler: the benchmarks there must measure the accelerated codec."""
    from djnb.blob import accelerator
    from tests.conftest import in_ci

    if in_ci():
        assert accelerator.available()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values)
def test_accelerated_and_python_packers_write_identical_bytes(value):
    from djnb.blob import accelerator

    if not accelerator.available():
        pytest.skip("the blob accelerator was not built")
    try:
        accelerator.use(True)
        fast = blob.pack(value, compress=False)
        accelerator.use(False)
        slow = blob.pack(value, compress=False)
    finally:
        accelerator.use(True)
    assert fast == slow
