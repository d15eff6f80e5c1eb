"""Deep equality for blob values (numpy-aware, NaN-equal), shared by tests and fixture scripts."""

from __future__ import annotations

import math

import numpy as np


def same(a: object, b: object) -> bool:
    """True if ``a`` and ``b`` are the same value as a blob reader should return it.

    Arrays must agree in shape, dtype and values; a str array and an object array of the same
    strings count as equal (both DataJoint and djnb read str arrays back as object arrays).
    """
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return _same_array(a, b)
    if isinstance(a, np.generic) or isinstance(b, np.generic):
        return type(a) is type(b) and _same_scalar(a.item(), b.item())
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, (float, complex)):
        return type(a) is type(b) and _same_scalar(a, b)
    return type(a) is type(b) and a == b


def _same_scalar(a: object, b: object) -> bool:
    if isinstance(a, complex) and isinstance(b, complex):
        return _same_scalar(a.real, b.real) and _same_scalar(a.imag, b.imag)
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def _same_array(a: object, b: object) -> bool:
    if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)) or a.shape != b.shape:
        return False
    if a.dtype.names or b.dtype.names:
        return a.dtype.names == b.dtype.names and all(
            _same_array(np.asarray(a[n]), np.asarray(b[n])) for n in a.dtype.names
        )
    textual = {a.dtype.kind, b.dtype.kind} <= {"U", "O"}
    if a.dtype.kind == "O" or b.dtype.kind == "O":
        if not textual and a.dtype != b.dtype:
            return False
        return all(same(_plain(x), _plain(y)) for x, y in zip(a.ravel(), b.ravel(), strict=True))
    if a.dtype != b.dtype:
        return False
    return bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fcmM"))


def _plain(value: object) -> object:
    return str(value) if isinstance(value, np.str_) else value
