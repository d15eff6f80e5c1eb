"""Query, insert and heading behaviours that DataJoint 0.14 code relies on, on both backends."""

from __future__ import annotations

import numpy as np
import pytest

import djnb as dj

BACKENDS = ("mysql", "sqlite")


@pytest.fixture(scope="module")
def lab(server, prefix):
    """A small pipeline: rigs, sessions on a nullable rig, items with defaults."""
    connection = dj.Connection(**server)
    schema = dj.Schema(f"{prefix}_lab", connection=connection)
    space: dict = {}

    @schema(context=space)
    class Rig(dj.Lookup):
        definition = """
        rig_id : int
        ---
        room : varchar(16)
        """
        contents = [(1, "A"), (2, "B"), (3, "C"), (4, "D")]

    space["Rig"] = Rig

    @schema(context=space)
    class Session(dj.Manual):
        definition = """
        session : int
        ---
        -> [nullable] Rig
        note = "" : varchar(255)
        """

    space["Session"] = Session

    @schema(context=space)
    class Item(dj.Manual):
        definition = """
        item_id : int
        ---
        name = "thing" : varchar(20)   # what it is
        weight = null : float
        count = 7 : int
        price : decimal(5,2)
        made = CURRENT_TIMESTAMP : timestamp
        unique index (price)
        index (weight, count)
        """

    space["Item"] = Item
    Session.insert([(1, 1, "a"), (2, None, "b"), (3, 1, "c"), (4, 2, "d"), (5, None, "e")])
    yield schema, space
    connection.close()


# -- 1. headings have 0.14's shapes ------------------------------------------------------------


def test_heading_attributes_is_a_dict_of_014_attributes(lab):
    _, space = lab
    heading = space["Item"].heading
    assert list(heading.attributes) == ["item_id", "name", "weight", "count", "price", "made"]
    assert heading.attributes["name"].type == "varchar(20)"
    assert (
        heading.attributes["name"].comment == "what it is" and heading.attributes["name"].default == '"thing"'
    )
    assert {n: a.in_key for n, a in heading.attributes.items()}["item_id"]
    assert heading.attributes["weight"].nullable and heading.attributes["weight"].default == "null"
    assert heading.attributes["count"].numeric and heading.attributes["name"].string
    assert heading.attributes["made"].default == "CURRENT_TIMESTAMP"
    assert heading.attributes["item_id"].database == space["Item"].database
    assert heading.as_dtype == np.dtype(
        [
            ("item_id", "<i8"),
            ("name", "O"),
            ("weight", "<f8"),
            ("count", "<i8"),
            ("price", "O"),
            ("made", "O"),
        ]
    )
    assert heading.indexes == {
        ("price",): {"unique": True, "nullable": False},
        ("weight", "count"): {"unique": False, "nullable": True},
    }
    assert space["Session"]().heading.secondary_attributes == ["rig_id", "note"]
    assert space["Session"].proj(rig="rig_id").heading.attributes["rig"].original_name == "rig_id"
