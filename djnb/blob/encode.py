"""Packing Python and numpy values into DataJoint's blob format.

Output is byte-identical to DataJoint 0.14 except where 0.14 is wrong: 2-D char arrays are
written in column-major order (0.14 writes row-major under a column-major shape, so they read
back permuted), and big-endian numeric arrays are converted instead of refused.
Hot paths (containers of scalars) avoid per-item function calls through ``_Packer.element``,
which returns a length-prefixed element in one ``struct`` call for the common scalar types.
"""

from __future__ import annotations

import datetime
import struct
import uuid
from collections.abc import Mapping, MutableSequence, Sequence, Set
from decimal import Decimal
from typing import Any

import numpy as np

from ..errors import BlobTypeError, NativeBlobsDisabledError
from . import accelerator, codes
from .codes import MatCell, MatStruct

_u64 = struct.Struct("<Q").pack
_u32 = struct.Struct("<I").pack
_float_element = struct.Struct("<QBd").pack  # element length 9, code, value
_int_head = struct.Struct("<QBH").pack  # element length, code, byte count
_str_head = struct.Struct("<QBQ").pack  # element length, code, byte length
_datetime_item = struct.Struct("<Biq").pack
_complex_item = struct.Struct("<Bdd").pack
_NONE_ELEMENT = _u64(1) + bytes([codes.NONE])
_BOOL_ELEMENTS = (_u64(2) + bytes([codes.BOOL, 0]), _u64(2) + bytes([codes.BOOL, 1]))
_MAX_CACHED_STR = 64
_DICT, _LIST, _TUPLE = bytes([codes.DICT]), bytes([codes.LIST]), bytes([codes.TUPLE])


class _PathError:
    """Adds the location inside the value to errors raised while packing it."""

    @staticmethod
    def extend(err: BlobTypeError | NativeBlobsDisabledError, step: str) -> None:
        path = getattr(err, "blob_path", "")
        err.blob_path = step + path
        message = err.args[0].split(" (at value", 1)[0]
        err.args = (f"{message} (at value{err.blob_path})",)


class _Packer:
    """One packing run: remembers whether dj0 was needed and caches short strings."""

    __slots__ = ("allow_dj0", "depth", "dj0", "python_only", "strings")

    def __init__(self, allow_dj0: bool) -> None:
        self.allow_dj0 = allow_dj0
        self.dj0 = False
        self.depth = 0
        self.python_only = False  # set after an accelerator failure: redo in Python, once
        self.strings: dict[str, bytes] = {}

    def need_dj0(self, what: str) -> None:
        if not self.allow_dj0:
            raise NativeBlobsDisabledError(
                f"Packing {what} needs DataJoint's Python-native blob format (dj0), which "
                "dj.config['enable_python_native_blobs'] = False disables so that MATLAB can read "
                "every blob. Enable it, or store MATLAB-compatible values: numeric, logical or char "
                "arrays, dj.MatCell and dj.MatStruct."
            )
        self.dj0 = True

    # -- elements: u64 length + item
    def element(self, obj: Any) -> bytes:
        kind = type(obj)
        if kind is str:
            cached = self.strings.get(obj)
            if cached is None:
                if not self.dj0:
                    self.need_dj0("a str")
                data = _encode_str(obj)
                cached = _str_head(len(data) + 9, codes.STR, len(data)) + data
                if len(data) <= _MAX_CACHED_STR:
                    self.strings[obj] = cached
            return cached
        if kind is float:
            if not self.dj0:
                self.need_dj0("a float")
            return _float_element(9, codes.FLOAT, obj)
        if kind is int:
            if not self.dj0:
                self.need_dj0("an int")
            size = obj.bit_length() // 8 + 1
            if size > 0xFFFF:
                raise BlobTypeError("An int longer than 65535 bytes cannot be packed.")
            return _int_head(size + 3, codes.INT, size) + obj.to_bytes(size, "little", signed=True)
        if kind is bool:
            if not self.dj0:
                self.need_dj0("a bool")
            return _BOOL_ELEMENTS[obj]
        if obj is None:
            if not self.dj0:
                self.need_dj0("None")
            return _NONE_ELEMENT
        data = self.item(obj)
        return _u64(len(data)) + data

    def elements(self, values: Any, first_step: int = 0) -> bytes:
        element = self.element
        index = first_step
        try:
            parts = []
            for index, value in enumerate(values, first_step):  # noqa: B007 (index is used on error)
                parts.append(element(value))
            return b"".join(parts)
        except (BlobTypeError, NativeBlobsDisabledError) as err:
            _PathError.extend(err, f"[{index}]")
            raise

    # -- items: code + payload
    def item(self, obj: Any) -> bytes:
        kind = type(obj)
        if kind is dict or kind is list or kind is tuple:  # the common containers, fast
            if not self.dj0:
                self.need_dj0(f"a {kind.__name__}")
            fast = accelerator.speedups
            if fast is not None and not self.python_only:
                try:
                    return fast.pack_native(obj, self.item_with_depth_left, codes.MAX_PACK_DEPTH - self.depth)
                except Exception:
                    self.python_only = True
            self.depth += 1
            if self.depth > codes.MAX_PACK_DEPTH:
                raise BlobTypeError(
                    f"The value nests deeper than {codes.MAX_PACK_DEPTH} levels, or contains itself."
                )
            try:
                if kind is dict:
                    return self.mapping(obj)
                return (_LIST if kind is list else _TUPLE) + _u64(len(obj)) + self.elements(obj)
            finally:
                self.depth -= 1
        self.depth += 1
        if self.depth > codes.MAX_PACK_DEPTH:
            raise BlobTypeError(
                f"The value nests deeper than {codes.MAX_PACK_DEPTH} levels, or contains itself."
            )
        try:
            return self._item(obj)
        finally:
            self.depth -= 1

    def item_with_depth_left(self, obj: Any, depth_left: int) -> bytes:
        """item() called back from the accelerator, which has used up part of the depth."""
        saved, self.depth = self.depth, codes.MAX_PACK_DEPTH - depth_left
        try:
            return self.item(obj)
        finally:
            self.depth = saved

    def _item(self, obj: Any) -> bytes:
        if isinstance(obj, np.ndarray):
            if isinstance(obj, MatCell):
                return self.cell(obj)
            if isinstance(obj, MatStruct):
                return self.struct(obj)
            if obj.dtype.fields is None:
                return self.array(obj)
            self.need_dj0("a record array")
            return self.records(np.asarray(obj))
        if isinstance(obj, (np.number, np.bool_, np.datetime64)):
            self.need_dj0(f"a numpy scalar ({type(obj).__name__})")
            return self.array(np.asarray(obj))
        kind = type(obj)
        if kind in (bool, int, float, str) or obj is None:
            data = self.element(obj)
            return data[8:]
        if isinstance(obj, complex):
            self.need_dj0("a complex")
            return _complex_item(codes.COMPLEX, obj.real, obj.imag)
        if isinstance(obj, (bool, int, float, str)):  # subclasses, e.g. IntEnum
            base = next(t for t in (bool, int, float, str) if isinstance(obj, t))
            return self.element(base(obj))[8:]
        return self._python_item(obj)

    def _python_item(self, obj: Any) -> bytes:
        if isinstance(obj, (datetime.date, datetime.time)):
            self.need_dj0("a date/time")
            return _pack_datetime(obj)
        if isinstance(obj, Decimal):
            self.need_dj0("a Decimal")
            text = str(obj).encode()
            return bytes([codes.DECIMAL]) + _u64(len(text)) + text
        if isinstance(obj, uuid.UUID):
            self.need_dj0("a UUID")
            return bytes([codes.UUID]) + obj.bytes
        if isinstance(obj, Mapping):
            self.need_dj0("a dict")
            return self.mapping(obj)
        if isinstance(obj, (bytes, bytearray, memoryview)):
            self.need_dj0("bytes")
            data = bytes(obj)
            return bytes([codes.BYTES]) + _u64(len(data)) + data
        if isinstance(obj, MutableSequence):
            self.need_dj0("a list")
            return _LIST + _u64(len(obj)) + self.elements(obj)
        if isinstance(obj, Sequence):
            self.need_dj0("a tuple")
            return _TUPLE + _u64(len(obj)) + self.elements(obj)
        if isinstance(obj, Set):
            self.need_dj0("a set")
            return bytes([codes.SET]) + _u64(len(obj)) + self.elements(obj)
        raise BlobTypeError(
            f"Cannot pack a value of type {type(obj).__module__}.{type(obj).__qualname__}. "
            "Blobs hold numbers, strings, bytes, None, dates, Decimal, UUID, numpy arrays and "
            "lists/tuples/sets/dicts of these; convert the value first."
        )

    def mapping(self, obj: Mapping) -> bytes:
        element = self.element
        parts = [_DICT + _u64(len(obj))]
        append = parts.append
        key = None
        try:
            for key, value in obj.items():
                append(element(key))
                append(element(value))
        except (BlobTypeError, NativeBlobsDisabledError) as err:
            _PathError.extend(err, f"[{key!r}]")
            raise
        return b"".join(parts)

    # -- numpy and MATLAB containers
    def array(self, array: np.ndarray) -> bytes:
        class_id, data = self._array_payload(array)
        is_complex = np.iscomplexobj(array)
        head = b"A" + _u64(array.ndim) + b"".join(map(_u64, array.shape))
        return head + _u32(class_id) + _u32(int(is_complex)) + data

    def _array_payload(self, array: np.ndarray) -> tuple[int, bytes]:
        dtype = array.dtype
        if dtype.kind in "UO":
            self.need_dj0(f"a numpy array of dtype {dtype}")
            return codes.CLASS_VOID, self.elements(array.ravel(order="F"))
        if dtype.kind == "S" and dtype.itemsize == 1:  # numpy "c": one byte per char
            # MATLAB chars are 16-bit; column-major like every other array (0.14 writes row-major)
            return codes.CLASS_CHAR, array.view(np.uint8).astype("<u2").tobytes(order="F")
        if array.ndim == 0:
            self.need_dj0("a 0-d array or numpy scalar")
        if dtype.kind == "M":
            self.need_dj0("a datetime64 array")
            unit, count = np.datetime_data(dtype)
            if unit not in codes.DATETIME_UNITS or count != 1:
                raise BlobTypeError(
                    f"datetime64 unit {dtype} has no blob class; use one of datetime64[s], [ms], [us], [ns], ..."
                )
            class_id = codes.DATETIME_BASE + codes.DATETIME_UNITS.index(unit)
            return class_id, array.astype(dtype.newbyteorder("<")).view("<i8").tobytes(order="F")
        if dtype.kind == "c":
            part = np.dtype(f"<f{dtype.itemsize // 2}")
            class_id = codes.NUMERIC_CLASSES.get(part)
            if class_id is None:
                raise BlobTypeError(f"numpy dtype {dtype} has no blob class; use complex128 or complex64.")
            real = np.ascontiguousarray(array.real, dtype=part).tobytes(order="F")
            return class_id, real + np.ascontiguousarray(array.imag, dtype=part).tobytes(order="F")
        native = dtype.newbyteorder("<") if dtype.byteorder == ">" else dtype
        class_id = codes.NUMERIC_CLASSES.get(native)
        if class_id is None:
            raise BlobTypeError(
                f"numpy dtype {dtype} has no blob class. Use bool, (u)int8-64, float32/64, complex, "
                "datetime64, str or object arrays (e.g. array.astype(np.float32) for float16)."
            )
        if native is not dtype:
            array = array.astype(native)
        return class_id, array.tobytes(order="F")

    def records(self, array: np.ndarray) -> bytes:
        names = array.dtype.names
        parts = [b"F", _u32(len(names)), "\0".join(names).encode() + b"\0"]
        for name in names:
            column = array[name]
            parts.append(self.records(column) if column.dtype.fields else self.array(column))
        return b"".join(parts)

    def cell(self, array: np.ndarray) -> bytes:
        head = b"C" + _u64(array.ndim) + b"".join(map(_u64, array.shape))
        return head + self.elements(np.asarray(array).ravel(order="F"))

    def struct(self, array: np.ndarray) -> bytes:
        names = array.dtype.names or ()
        head = b"S" + _u64(array.ndim) + b"".join(map(_u64, array.shape))
        head += _u32(len(names)) + "".join(name + "\0" for name in names).encode()
        flat = np.asarray(array).ravel(order="F")
        # iterating a record yields numpy scalars for numeric fields, as DataJoint packs them
        return head + self.elements(value for record in flat for value in record)


def _encode_str(text: str) -> bytes:
    try:
        return text.encode()
    except UnicodeEncodeError as err:
        raise BlobTypeError(f"A str holds characters that UTF-8 cannot encode ({err.reason}).") from None


def _pack_datetime(value: datetime.date | datetime.time) -> bytes:
    date = value.date() if isinstance(value, datetime.datetime) else value
    time = value.time() if isinstance(value, datetime.datetime) else value
    date_code = (date.year * 100 + date.month) * 100 + date.day if isinstance(date, datetime.date) else -1
    time_code = -1
    if isinstance(time, datetime.time):
        time_code = ((time.hour * 100 + time.minute) * 100 + time.second) * 1_000_000 + time.microsecond
    return _datetime_item(codes.DATETIME, date_code, time_code)


def pack_item(obj: Any, allow_dj0: bool) -> tuple[bytes, bytes]:
    """Return (header, item) for ``obj``: the header is dj0 if anything needed it, else mYm."""
    packer = _Packer(allow_dj0)
    data = packer.item(obj)
    return (codes.DJ0 if packer.dj0 else codes.MYM), data
