"""Rows of ordinary columns are encoded a column at a time exactly as value by value."""

from __future__ import annotations

import math

import numpy as np
import pytest

from djnb.insert import _plain, _plain_rows

COLUMNS = {
    "ints": [1, 2, None, True],
    "ascii": ["a", "", None, "bcd"],
    "text": ["é", "a", None],
    "floats": [1.5, 0.0, None, -2.0],
    "nan": [1.5, float("nan"), None],
    "mixed numbers": [1, 2.5, None],
    "numpy": [np.int64(3), np.float64(2.5), None],
    "bytes": [b"x", None, b""],
}


def same(a, b) -> bool:
    return (
        (a is None and b is None)
        or (isinstance(a, float) and math.isnan(a) and math.isnan(b))
        or (a == b and type(a) is type(b))
    )


@pytest.mark.parametrize("kind", list(COLUMNS))
def test_column_at_a_time_equals_value_by_value(kind):
    values = COLUMNS[kind]
    rows = [(i, v) for i, v in enumerate(values)]
    encoded = _plain_rows(rows)
    expected = [tuple(map(_plain, row)) for row in rows]
    assert len(encoded) == len(expected)
    for got, want in zip(encoded, expected, strict=True):
        assert all(same(g, w) for g, w in zip(got, want, strict=True)), (got, want)


def test_bad_text_in_a_column_still_raises():
    with pytest.raises(UnicodeEncodeError):
        _plain_rows([(1, "a"), (2, "b\ud800")])


def test_rows_that_need_nothing_are_returned_as_they_are():
    rows = [(1, "a", 2.5), (2, "b", None)]
    assert _plain_rows(rows) is rows
