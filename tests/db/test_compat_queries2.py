"""More DataJoint 0.14 query behaviours, on both backends: proj's rename/copy rules, checked
limits and offsets, fetch's result shapes, fetch1's messages, and which class-level names each
tier exposes."""

from __future__ import annotations

import pytest

import djnb as dj
from djnb.errors import ArgumentError, UnknownAttributeError

BACKENDS = ("mysql", "sqlite")


@pytest.fixture(scope="module")
def tables(server, prefix):
    """``A(a | x, y)`` with two rows; a lookup, a computed table with a part."""
    connection = dj.Connection(**server)
    schema = dj.Schema(f"{prefix}_q2", connection=connection)
    space: dict = {}

    @schema(context=space)
    class A(dj.Manual):
        definition = """
        a : int
        ---
        x : int
        y : int
        """

    space["A"] = A

    @schema(context=space)
    class Kind(dj.Lookup):
        definition = """
        kind : varchar(8)
        """
        contents = (("big",), ("small",))

    @schema(context=space)
    class Double(dj.Computed):
        definition = """
        -> A
        ---
        twice : int
        """

        class Item(dj.Part):
            definition = """
            -> master
            n : int
            """

        def make(self, key):
            self.insert1(dict(key, twice=2 * (A & key).fetch1("x")))

    A.insert([(1, 10, 20), (2, 20, 10)])
    yield dict(space, Kind=Kind, Double=Double)
    connection.close()


# -- 1. proj: a bare name renames, a name in parentheses copies


def test_proj_rename_replaces_the_source_even_with_ellipsis(tables):
    A = tables["A"]
    assert A.proj(..., z="x").heading.names == ["a", "z", "y"]
    assert A.proj(z="x").heading.names == ["a", "z"]
    joined = A.proj(..., z="x") * A.proj(x="y")  # "Cannot join on x" before: x was still there
    assert joined.fetch(as_dict=True, order_by="a") == [
        {"a": 1, "z": 10, "y": 20, "x": 20},
        {"a": 2, "z": 20, "y": 10, "x": 10},
    ]


def test_proj_copy_in_parentheses_keeps_the_source(tables):
    A = tables["A"]
    assert A.proj(..., z="(x)").heading.names == ["a", "x", "z", "y"]
    assert A.proj(z="(x)").heading.names == ["a", "z"]  # x itself was not asked for
    assert A.proj(z="( x )").fetch("z", order_by="a").tolist() == [10, 20]
    copied = A.proj(d="(a)")
    assert copied.heading.names == ["a", "d"] and copied.primary_key == ["a", "d"]
    assert copied.heading["d"].type == A.heading["a"].type  # a copy keeps the type; not computed


def test_proj_renames_a_key_attribute_and_a_source_twice(tables):
    A = tables["A"]
    renamed = A.proj(..., b="a")
    assert renamed.heading.names == ["b", "x", "y"] and renamed.primary_key == ["b"]
    assert (renamed & {"b": 2}).fetch1("x") == 20
    assert A.proj(p="x", q="x").heading.names == ["a", "p", "q"]
    assert A.proj(..., p="x", q="x").heading.names == ["a", "p", "q", "y"]
    assert A.proj("x", z="x").heading.names == ["a", "x", "z"]  # listed by name: kept as well
    swapped = A.proj(x="y", y="x").fetch(as_dict=True, order_by="a")
    assert swapped == [{"a": 1, "y": 10, "x": 20}, {"a": 2, "y": 20, "x": 10}]


def test_proj_exclusion_and_computed_attributes(tables):
    A = tables["A"]
    assert A.proj("-x").heading.names == ["a"]  # as 0.14: without ... only the key remains
    assert A.proj(..., "-x").heading.names == ["a", "y"]
    assert A.proj(..., "-nothing").heading.names == ["a", "x", "y"]  # ignored, as 0.14
    assert A.proj(..., z="x + 1").heading.names == ["a", "x", "y", "z"]
    assert A.proj(z="NULL").heading.names == ["a", "z"]
    with pytest.raises(ArgumentError, match="primary-key attribute `a`"):
        A.proj(..., "-a")
    with pytest.raises(ArgumentError, match="`y` twice"):
        A.proj(..., y="x")
    with pytest.raises(UnknownAttributeError, match="`nope`.*existing: a, x, y"):
        A.proj(z="nope")
