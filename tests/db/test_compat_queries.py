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
        contents = ((1, "A"), (2, "B"), (3, "C"), (4, "D"))

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


# -- 2. columns that DataJoint did not name ---------------------------------------------------


@pytest.fixture(scope="module")
def legacy(lab):
    """A table created by hand, outside DataJoint, with capitals in its column names."""
    schema, _ = lab
    connection = schema.connection
    connection.query(
        f"CREATE TABLE `{schema.database}`.`legacy` (`oldID` int NOT NULL, `Name` varchar(20) NOT NULL, "
        "`Value` int DEFAULT NULL, PRIMARY KEY (`oldID`))"
    )
    table = dj.FreeTable(connection, f"{schema.database}.legacy")
    table.insert([(1, "a", 10), (2, "b", None)])
    table.insert1({"oldID": 3, "Name": "c", "Value": 30})
    return table


def test_proj_keeps_renames_and_computes_columns_with_capitals(legacy):
    assert legacy.proj("Name").fetch(as_dict=True, order_by="oldID")[0] == {"oldID": 1, "Name": "a"}
    assert legacy.proj().fetch("oldID").tolist() == [1, 2, 3]
    assert legacy.proj("-Name").heading.names == ["oldID", "Value"]
    renamed = legacy.proj(new_id="oldID", NewName="Name")
    assert renamed.heading.names == ["new_id", "NewName"] and renamed.heading["new_id"].in_key
    assert (renamed & {"new_id": 2}).fetch1() == {"new_id": 2, "NewName": "b"}
    assert (legacy.proj(More="Value + 1") & "oldID = 3").fetch1("More") == 31
    assert (legacy.proj(nothing="NULL") & "oldID = 1").fetch1("nothing") is None  # a constant, not a rename
    joined = legacy * legacy.proj(Other="Value")
    assert len(joined) == 3 and joined.heading.names == ["oldID", "Name", "Value", "Other"]


def test_restrictions_and_aggregations_on_columns_with_capitals(legacy):
    assert (legacy & {"oldID": 1}).fetch1("Name") == "a"
    assert (legacy & 'Name = "b"').fetch1("oldID") == 2
    assert len(legacy - (legacy.proj(x="Value") & "x > 15")) == 2
    assert (legacy & (legacy.proj(Other="Value") & "Other = 30")).fetch1("oldID") == 3
    counts = legacy.aggr(legacy.proj(o="oldID", V="Value"), "Name", N="count(V)")
    assert counts.heading.names == ["oldID", "Name", "N"]
    assert sorted((dj.U("Name").aggr(legacy, Total="sum(Value)")).fetch("Total").tolist(), key=str) == [
        10, 30, None,
    ]  # fmt: skip
    with pytest.raises(dj.errors.ArgumentError, match="not a valid attribute name"):
        legacy.proj(**{"bad name": "Value"})


# -- 3. percent signs as DataJoint 0.14 reads them ----------------------------------------------


@pytest.fixture(scope="module")
def words(lab):
    schema, space = lab

    @schema(context=space)
    class Word(dj.Manual):
        definition = """
        word_id : int
        ---
        v : varchar(20)
        """

    Word.insert([(1, "abc"), (2, "%%%"), (3, "%"), (4, "ab%x"), (5, "a%%b"), (6, "%s")])
    return Word


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ('v LIKE "ab%"', [1, 4]),
        ('v LIKE "ab%%"', [1, 4]),  # the text reaches the server as written: "ab%%" in LIKE
        ('v = "%%%"', [2]),
        ('v = "%%"', []),  # no row is two percent signs
        ('v = "%"', [3]),
        ("v LIKE '%b%'", [1, 4, 5]),
        ('v = "%s"', [6]),
        ('v = "%%s"', []),
        ("v LIKE '%%'", [1, 2, 3, 4, 5, 6]),
    ],
)
def test_percent_in_string_restrictions_is_sent_as_written(words, condition, expected):
    assert (words & condition).fetch("word_id", order_by="word_id").tolist() == expected
    assert sorted((words - condition).fetch("word_id").tolist()) == sorted(set(range(1, 7)) - set(expected))
    having = dj.U("v").aggr(words, n="count(*)") & condition  # a restriction of an aggregation
    assert len(having) == len(expected)


def test_percent_in_proj_and_aggr_expressions(words):
    one = words & {"word_id": 5}
    assert one.proj(m="word_id %% 3").fetch1("m") == 2  # 0.14's spelling of the modulo
    assert one.proj(m="word_id % 3").fetch1("m") == 2  # an error in 0.14; a modulo here
    assert one.proj(x='v LIKE "a%%b"').fetch1("x") == 1
    assert dj.U().aggr(words, n='sum(v LIKE "%%b%%")').fetch1("n") == 3
    assert (
        words.aggr(words.proj(w="word_id"), n="max(w) %% 4").fetch("n", order_by="word_id").tolist()[-1] == 2
    )


def test_percent_in_query_without_arguments_is_formatted_as_in_014(lab):
    schema, _ = lab
    connection = schema.connection
    assert connection.query('SELECT "%%", "%%s", 5 %% 3').fetchone() == ("%", "%s", 2)
    assert connection.query("SELECT 'a%b', 7 % 4").fetchone() == ("a%b", 3)  # a lone % stays
    assert connection.query('SELECT "%%"', args=None).fetchone() == ("%%",)  # args=None: as written
    assert connection.query('SELECT %s, "%%"', (1,)).fetchone() == (1, "%")
