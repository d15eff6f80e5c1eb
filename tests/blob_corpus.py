"""A corpus of values for blob interoperability, as Python expressions.

Shared by ``tests/make_blob_fixtures.py`` (run with DataJoint 0.14 in a throwaway virtualenv)
and the unit tests (run with djnb). Expressions are evaluated with ``np``, ``datetime``,
``Decimal``, ``UUID``, ``MatCell`` and ``MatStruct`` in scope, where the last two are the
classes of whichever package is being exercised.
"""

from __future__ import annotations

CORPUS: dict[str, str] = {
    # Python scalars
    "none": "None",
    "true": "True",
    "false": "False",
    "int_zero": "0",
    "int_small": "7",
    "int_negative": "-1",
    "int_255": "255",
    "int_minus_129": "-129",
    "int_2_64": "2**64",
    "int_huge_negative": "-(2**200) + 12345",
    "float_zero": "0.0",
    "float": "-1.5",
    "float_inf": "float('inf')",
    "float_nan": "float('nan')",
    "complex": "complex(1.5, -2.25)",
    "str_empty": "''",
    "str_ascii": "'hello world'",
    "str_unicode": "'ünïcødé ∑ 🚀'",
    "bytes_empty": "b''",
    "bytes": "bytes(range(256))",
    "decimal": "Decimal('3.14159265358979323846')",
    "decimal_exponent": "Decimal('-1.5E+12')",
    "date": "datetime.date(2024, 2, 29)",
    "time": "datetime.time(13, 45, 7, 123456)",
    "datetime": "datetime.datetime(1999, 12, 31, 23, 59, 59, 999999)",
    "uuid": "UUID('3b1f2a9c-6d4e-4f7a-9b2c-1d2e3f405162')",
    # Python containers
    "tuple_empty": "()",
    "tuple": "(1, 'a', 2.5, None)",
    "list_empty": "[]",
    "list_nested": "[1, [2, [3, [4, 'deep']]], {'k': (5, 6)}]",
    "set": "{1, 2, 3}",
    "dict_empty": "{}",
    "dict": "{'a': 1, 'b': [1, 2], 'c': {'d': None}}",
    "dict_odd_keys": "{1: 'one', (1, 2): 'pair', 2.5: 'float'}",
    "range": "range(5)",
    "records": "[{'id': i, 'x': i * 0.5, 'name': f'n{i}', 'ok': i % 2 == 0} for i in range(50)]",
    # numeric arrays (MATLAB-compatible)
    "array_float64": "np.array([1.0, -2.5, 3.25])",
    "array_float32_2d": "np.arange(6, dtype=np.float32).reshape(2, 3)",
    "array_int8": "np.array([-128, 0, 127], dtype=np.int8)",
    "array_uint8_3d": "np.arange(24, dtype=np.uint8).reshape(2, 3, 4)",
    "array_int16": "np.array([-300, 300], dtype=np.int16)",
    "array_uint16": "np.array([0, 65535], dtype=np.uint16)",
    "array_int32_column": "np.array([[1], [2], [3]], dtype=np.int32)",
    "array_uint32": "np.array([4000000000], dtype=np.uint32)",
    "array_int64": "np.array([-(2**62), 2**62], dtype=np.int64)",
    "array_uint64": "np.array([2**64 - 1], dtype=np.uint64)",
    "array_bool": "np.array([[True, False], [False, True]])",
    "array_fortran_order": "np.asfortranarray(np.arange(12.0).reshape(3, 4))",
    "array_transposed_view": "np.arange(12.0).reshape(3, 4).T",
    "array_complex128": "np.array([1 + 2j, -3.5 - 4j])",
    "array_complex64_2d": "(np.arange(4) + 1j * np.arange(4)).astype(np.complex64).reshape(2, 2)",
    "array_empty": "np.array([], dtype=np.float64)",
    "array_empty_0x3": "np.zeros((0, 3))",
    "array_empty_3x0x2": "np.zeros((3, 0, 2), dtype=np.int16)",
    "array_large": "np.arange(2000, dtype=np.float64)",
    # dj0 numpy values
    "array_0d": "np.array(2.5)",
    "scalar_float32": "np.float32(1.5)",
    "scalar_int64": "np.int64(-7)",
    "scalar_uint8": "np.uint8(200)",
    "scalar_bool": "np.bool_(True)",
    "scalar_complex128": "np.complex128(1 - 1j)",
    "scalar_datetime64": "np.datetime64('2020-01-02T03:04:05')",
    "datetime64_D": "np.array(['2020-01-01', '1969-07-20'], dtype='datetime64[D]')",
    "datetime64_s": "np.array(['2020-01-01T12:00:00'], dtype='datetime64[s]')",
    "datetime64_ms": "np.array(['2020-01-01T12:00:00.123'], dtype='datetime64[ms]')",
    "datetime64_ns": "np.array(['2020-01-01T12:00:00.123456789'], dtype='datetime64[ns]')",
    "datetime64_Y": "np.array(['1999', '2024'], dtype='datetime64[Y]')",
    "unicode_array": "np.array(['a', 'bc', 'déf'])",
    "unicode_array_2d": "np.array([['x', 'yy'], ['zzz', '']])",
    "unicode_0d": "np.array('solo')",
    "object_array": "np.array([1, 'two', None, 3.5], dtype=object)",
    "record_array": "np.array([(1, 2.5, True), (2, -1.0, False)], dtype=[('id', 'i4'), ('x', 'f8'), ('ok', '?')])",
    "record_nested": "np.array([((1, 2), 3.0)], dtype=[('pos', [('a', 'i2'), ('b', 'i2')]), ('w', 'f8')])",
    # MATLAB structures
    "char_row": "np.array([b'h', b'i', b'!'], dtype='S1')",
    "char_matrix_2x3": "np.array([[b'a', b'b', b'c'], [b'd', b'e', b'f']], dtype='S1')",
    "cell_numbers": "np.array([1.0, 2.0, 3.0], dtype=object).reshape(1, 3).view(MatCell)",
    "cell_ragged": "_cell([np.arange(3.0), np.arange(5.0)], (1, 2), MatCell)",
    "cell_equal_arrays": "_cell([np.eye(2), np.ones((2, 2))], (2, 1), MatCell)",
    "struct_numeric_fields": "np.array([(1.0, 2), (3.5, -4)], dtype=[('a', 'f8'), ('b', 'i4')]).reshape(1, 2).view(MatStruct)",
    "struct": "_struct({'a': [np.array([[1.0]]), np.array([[2.0]])], 'b': [np.array([[3.0]]), np.eye(2)]}, (1, 2), MatStruct)",
}

# Where djnb deliberately differs from DataJoint 0.14 (documented in the README).
CORRECTIONS: dict[str, str] = {
    "char_matrix_2x3": "DataJoint 0.14 writes 2-D char arrays row-major under a column-major shape, so they read back permuted; djnb writes them column-major.",
    "cell_ragged": "DataJoint 0.14 cannot read cell arrays whose elements differ in shape; djnb reads every cell as an object array.",
    "cell_numbers": "DataJoint 0.14 reads a cell of scalars as a numeric array (same values); djnb keeps every cell an object array.",
    "cell_equal_arrays": "DataJoint 0.14 stacks equal-shape cell contents into one array and then fails to reshape it; djnb reads every cell as an object array.",
}


def _cell(values, shape, cell_class):
    out = __import__("numpy").empty(len(values), dtype=object)
    for index, value in enumerate(values):
        out[index] = value
    return out.reshape(shape, order="F").view(cell_class)


def _struct(fields, shape, struct_class):
    np = __import__("numpy")
    count = len(next(iter(fields.values())))
    out = np.empty(count, dtype=[(name, object) for name in fields])
    for name, values in fields.items():
        for index, value in enumerate(values):
            out[name][index] = value
    return out.reshape(shape, order="F").view(struct_class)


def namespace(mat_cell: type, mat_struct: type) -> dict:
    import datetime
    from decimal import Decimal
    from uuid import UUID

    import numpy as np

    return {
        "np": np, "datetime": datetime, "Decimal": Decimal, "UUID": UUID,
        "MatCell": mat_cell, "MatStruct": mat_struct, "_cell": _cell, "_struct": _struct,
    }  # fmt: skip


def build(name: str, mat_cell: type, mat_struct: type):
    return eval(CORPUS[name], namespace(mat_cell, mat_struct))


# How a reader returns a value when that differs from the value packed.
READ_AS: dict[str, str] = {
    "struct_numeric_fields": "_struct({'a': [np.float64(1.0), np.float64(3.5)], 'b': [np.int32(2), np.int32(-4)]}, (1, 2), MatStruct)",
    "range": "(0, 1, 2, 3, 4)",
    "array_0d": "np.float64(2.5)",
    "char_row": "np.array(['hi!'])",
    "char_matrix_2x3": "np.array([['a', 'b', 'c'], ['d', 'e', 'f']])",
    "record_array": "np.rec.array(np.array([(1, 2.5, True), (2, -1.0, False)], dtype=[('id', 'i4'), ('x', 'f8'), ('ok', '?')]))",
    "record_nested": "np.rec.array(np.array([((1, 2), 3.0)], dtype=[('pos', [('a', 'i2'), ('b', 'i2')]), ('w', 'f8')]))",
}


def build_read_as(name: str, mat_cell: type, mat_struct: type):
    """The value a correct reader returns for the corpus entry ``name``."""
    return eval(READ_AS.get(name, CORPUS[name]), namespace(mat_cell, mat_struct))
