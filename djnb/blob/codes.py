"""Constants of DataJoint's blob format (see shared/design/BLOB_FORMAT.md)."""

from __future__ import annotations

import numpy as np

MYM = b"mYm\0"  # the MATLAB-compatible subset
DJ0 = b"dj0\0"  # adds Python-native types
ZL123 = b"ZL123\0"  # zlib-compressed envelope
HEADERS = (MYM, DJ0)

# item codes
ARRAY, SPARSE, STRUCT, CELL, RECORDS = b"A"[0], b"P"[0], b"S"[0], b"C"[0], b"F"[0]
NONE, TUPLE, LIST, SET, DICT, STR, BYTES = 0xFF, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06
INT, BOOL, COMPLEX, FLOAT = 0x0A, 0x0B, 0x0C, 0x0D
DECIMAL, DATETIME, UUID = b"d"[0], b"t"[0], b"u"[0]

# MATLAB array class ids (the u32 after an A item's shape)
CLASS_CELL, CLASS_STRUCT, CLASS_LOGICAL, CLASS_CHAR, CLASS_VOID = 1, 2, 3, 4, 5
NUMERIC_CLASSES: dict[np.dtype, int] = {
    np.dtype("bool"): CLASS_LOGICAL,
    np.dtype("<f8"): 6,
    np.dtype("<f4"): 7,
    np.dtype("i1"): 8,
    np.dtype("u1"): 9,
    np.dtype("<i2"): 10,
    np.dtype("<u2"): 11,
    np.dtype("<i4"): 12,
    np.dtype("<u4"): 13,
    np.dtype("<i8"): 14,
    np.dtype("<u8"): 15,
}
CLASS_DTYPES: dict[int, np.dtype] = {class_id: dtype for dtype, class_id in NUMERIC_CLASSES.items()}
DATETIME_BASE = 65536
DATETIME_UNITS = ("Y", "M", "W", "D", "h", "m", "s", "ms", "us", "ns", "ps", "fs", "as")
CLASS_DTYPES.update({DATETIME_BASE + k: np.dtype(f"<M8[{unit}]") for k, unit in enumerate(DATETIME_UNITS)})
CLASS_NAMES = {
    0: "unknown",
    CLASS_CELL: "cell",
    CLASS_STRUCT: "struct",
    16: "function handle",
}

#: Deeper nesting than this is refused when reading (protects the interpreter's stack) ...
MAX_DEPTH = 200
#: ... and a lower limit when writing, so that everything djnb writes it can read back.
MAX_PACK_DEPTH = 100
#: zlib cannot expand data by more than about 1032:1; a larger claimed size is a lie.
MAX_INFLATION = 1032


class MatCell(np.ndarray):
    """A MATLAB cell array: an object ndarray whose elements are any blob values."""


class MatStruct(np.recarray):
    """A MATLAB struct array: a record array whose fields hold objects."""
