"""More DataJoint 0.14 query behaviours, on both backends: proj's rename/copy rules, checked
limits and offsets, fetch's result shapes, fetch1's messages, and which class-level names each
tier exposes."""

from __future__ import annotations

import numpy as np
import pandas as pd
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


# -- 2. limits and offsets are checked where they are given


@pytest.mark.parametrize(
    ("make", "place"),
    [
        (lambda: dj.Top(-1), r"dj\.Top\(limit=-1"),
        (lambda: dj.Top(1, offset=-2), r"dj\.Top\(offset=-2"),
        (lambda: dj.Top(None, "KEY", -1), r"dj\.Top\(offset=-1"),
    ],
)
def test_top_refuses_negative_numbers_at_construction(make, place):
    with pytest.raises(ArgumentError, match=place):
        make()


def test_top_refuses_wrong_types():
    with pytest.raises(dj.errors.ArgumentTypeError, match=r"limit=\.\.\.\) takes an integer"):
        dj.Top(1.5)
    with pytest.raises(TypeError, match=r"offset=\.\.\.\) takes an integer"):
        dj.Top(1, offset="2")


def test_fetch_head_tail_preview_refuse_negative_limits(tables):
    A = tables["A"]
    for call, place in (
        (lambda: A.fetch(limit=-1), r"fetch\(limit=-1"),
        (lambda: A.fetch(limit=1, offset=-1), r"fetch\(offset=-1"),
        (lambda: A.fetch("x", offset=-3), r"fetch\(offset=-3"),
        (lambda: A.head(-1), r"head\(limit=-1"),
        (lambda: A.tail(-2), r"tail\(limit=-2"),
        (lambda: A().preview(-1), r"preview\(limit=-1"),
    ):
        with pytest.raises(ArgumentError, match=place):
            call()
    with pytest.raises(dj.errors.ArgumentTypeError, match=r"limit=\.\.\.\) takes an integer"):
        A.fetch(limit="2")


def test_zero_and_positive_windows_still_work(tables):
    A = tables["A"]
    assert len(A & dj.Top(0)) == 0
    assert A.fetch("a", limit=0).tolist() == []
    assert A.fetch("a", offset=1).tolist() == [2]
    assert A.fetch("a", limit=1, offset=1).tolist() == [2]
    assert (A & dj.Top(None, "KEY", 1)).fetch("a").tolist() == [2]
    assert A.head(1)["a"].tolist() == [1] and A.tail(1)["a"].tolist() == [2]


# -- 3. fetch's shapes follow 0.14


def test_fetch_of_several_attributes_is_a_list_of_arrays(tables):
    A = tables["A"]
    result = A.fetch("x", "y", order_by="a")
    assert type(result) is list and len(result) == 2
    assert [column.tolist() for column in result] == [[10, 20], [20, 10]]
    x, y = A.fetch("x", "y", order_by="a")  # unpacking works as before
    assert isinstance(x, np.ndarray) and y.tolist() == [20, 10]
    keys, xs = A.fetch("KEY", "x", order_by="a")
    assert keys == [{"a": 1}, {"a": 2}] and xs.tolist() == [10, 20]
    assert isinstance(A.fetch("x"), np.ndarray)
    assert A.fetch("KEY", order_by="a") == [{"a": 1}, {"a": 2}]
    assert A.fetch("x", "y", as_dict=True, order_by="a") == [{"x": 10, "y": 20}, {"x": 20, "y": 10}]


def test_fetch_frame_applies_to_whole_rows_only(tables):
    A = tables["A"]
    assert isinstance(A.fetch(format="frame"), pd.DataFrame)
    with pytest.raises(ArgumentError, match="format='frame'.*attribute names"):
        A.fetch("x", "y", format="frame")
    with pytest.raises(ArgumentError, match="as_dict=True"):
        A.fetch(format="frame", as_dict=True)
    with dj.config(fetch_format="frame"):
        assert isinstance(A.fetch(), pd.DataFrame)
        assert isinstance(A.fetch("x"), np.ndarray)  # the setting is for whole rows, as 0.14
        assert isinstance(A.fetch(as_dict=True), list)


def test_fetch1_of_several_attributes_is_a_tuple(tables):
    A = tables["A"]
    assert (A & {"a": 1}).fetch1("x", "y") == (10, 20)
    assert type((A & {"a": 1}).fetch1("x", "y")) is tuple
    assert (A & {"a": 1}).fetch1("KEY", "x") == ({"a": 1}, 10)
    assert (A & {"a": 2}).fetch1("y") == 10


# -- 4. fetch1's message says what went wrong


def test_fetch1_on_no_rows_says_the_restriction_matches_nothing(tables):
    A, Kind = tables["A"], tables["Kind"]
    with pytest.raises(dj.DataJointError, match=r"query on `[^`]+`\.`a` has none.*matches no rows") as info:
        (A & {"a": 99}).fetch1()
    assert "Restrict it" not in str(info.value)
    with pytest.raises(dj.DataJointError, match="has none"):
        (A & {"a": 99}).fetch1("x", "y")
    with pytest.raises(dj.DataJointError, match=r"table `[^`]+`\.`__double__item` is empty"):
        tables["Double"].Item.fetch1()  # never filled
    with pytest.raises(dj.DataJointError, match=r"`#kind`.*has none"):
        (Kind & {"kind": "huge"}).fetch1("kind")


def test_fetch1_on_several_rows_says_restrict_further(tables):
    A = tables["A"]
    with pytest.raises(dj.DataJointError, match=r"table `[^`]+`\.`a` has more than one\. Restrict it"):
        A.fetch1()
    with pytest.raises(dj.DataJointError, match=r"query on `[^`]+`\.`a` has more than one"):
        (A & "a > 0").fetch1("x")


def test_to_arrays_keeps_its_tuple(tables):
    x, y = tables["A"].to_arrays("x", "y", order_by="a")
    assert x.tolist() == [10, 20] and y.tolist() == [20, 10]
    assert type(tables["A"].to_arrays("x", "y")) is tuple
    with dj.config(fetch_format="frame"):
        assert isinstance(tables["A"].to_arrays(), np.ndarray)


# -- 5. class-level names: only what the class really has


POPULATE_NAMES = ("populate", "progress", "key_source")


def test_only_auto_populated_tables_have_populate(tables):
    from djnb.table import CLASS_LEVEL

    auto = {"A": False, "Kind": False, "Double": True}
    for label, table in [*((n, tables[n]) for n in auto), ("Double.Item", tables["Double"].Item)]:
        expected_auto = auto.get(label, False)
        for obj in (table, table()):
            for name in CLASS_LEVEL:
                assert hasattr(obj, name) is (expected_auto if name in POPULATE_NAMES else True), (
                    label,
                    name,
                )
    for tier, has in (
        (dj.Manual, False),
        (dj.Lookup, False),
        (dj.Part, False),
        (dj.Computed, True),
        (dj.Imported, True),
    ):
        assert hasattr(tier, "populate") is has and hasattr(tier, "progress") is has, tier


def test_populate_of_a_manual_table_says_which_tables_have_it(tables):
    with pytest.raises(dj.errors.MissingMethodError, match="A is a Manual table: it has no populate") as info:
        tables["A"].populate()
    assert isinstance(info.value, AttributeError) and "restricted" not in str(info.value)
    with pytest.raises(AttributeError, match="Kind is a Lookup table: it has no progress"):
        tables["Kind"]().progress()
    with pytest.raises(AttributeError, match="Item is a Part table: it has no key_source"):
        tables["Double"].Item.key_source  # noqa: B018
    query = tables["Double"] & {"a": 1}
    with pytest.raises(dj.DataJointError, match=r"Pass the conditions to populate\(\) instead"):
        query.populate()
    assert not hasattr(query, "populate") and not hasattr(tables["A"] & {"a": 1}, "progress")
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        tables["A"].nothing_here  # noqa: B018


def test_auto_populated_tables_still_populate(tables):
    Double = tables["Double"]
    Double.populate()
    assert Double.progress() == (0, 2)
    assert len(Double.key_source) == 2 and Double.fetch("twice", order_by="a").tolist() == [20, 40]
