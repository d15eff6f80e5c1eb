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
    assert legacy.proj(..., "-Name").heading.names == ["oldID", "Value"]
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


# -- 4. insert and update1 -----------------------------------------------------------------------


@pytest.fixture
def item(lab):
    _, space = lab
    table = space["Item"]()
    yield table
    table.delete_quick()


def test_insert_from_a_csv_file_converts_values_by_the_heading(item, tmp_path):
    path = tmp_path / "items.csv"
    path.write_text("item_id,name,weight,count,price\n10,a,1.5,3,2.25\n11,b,,,4\n12,,0.5,-2,0.1\n")
    item.insert(path)
    rows = item.fetch(as_dict=True, order_by="item_id")
    assert [(r["item_id"], r["name"], r["weight"], r["count"], str(r["price"])) for r in rows] == [
        (10, "a", 1.5, 3, "2.25"),
        (11, "b", None, 7, "4.00"),  # empty numeric cells take the default (NULL or 7), as in 0.14
        (12, "", 0.5, -2, "0.10"),  # an empty string stays one
    ]
    assert item.fetch("count").dtype == np.int64
    with pytest.raises(dj.errors.UnknownAttributeError):  # a column the table lacks
        (path.parent / "extra.csv").write_text("item_id,price,colour\n20,1,red\n")
        item.insert(path.parent / "extra.csv")
    item.insert(path.parent / "extra.csv", ignore_extra_fields=True)
    assert len(item & {"item_id": 20}) == 1
    with pytest.raises(dj.errors.ArgumentError, match="missing.csv"):
        item.insert(tmp_path / "missing.csv")


def test_unknown_field_in_insert_is_a_key_error(item):
    for rows in (
        [{"item_id": 1, "price": 1, "colour": "red"}],
        np.array([(1, 1.0, 2)], [("item_id", "i8"), ("price", "f8"), ("colour", "i8")]),
    ):
        with pytest.raises(KeyError, match="colour") as info:
            item.insert(rows)
        assert isinstance(info.value, dj.DataJointError)
    try:  # the way 0.14 code catches it
        item.insert1({"item_id": 1, "price": 1, "colour": "red"})
    except KeyError as err:
        assert "ignore_extra_fields" in str(err)
    assert len(item) == 0


def test_none_and_nan_stand_for_the_default_in_insert_as_in_014(item):
    item.insert1({"item_id": 1, "price": 1, "count": None, "name": None, "weight": None})
    item.insert([(2, None, float("nan"), np.float32("nan"), 2, None)])  # tuples: the fast path
    item.insert([{"item_id": 3, "price": 3, "count": 4}, {"item_id": 4, "price": 4, "count": np.nan}])
    ids, names, weights, counts = item.fetch("item_id", "name", "weight", "count", order_by="item_id")
    assert (
        ids.tolist() == [1, 2, 3, 4] and names.tolist() == ["thing"] * 4 and counts.tolist() == [7, 7, 4, 7]
    )
    assert np.isnan(weights).all()  # nullable: NULL
    with pytest.raises(dj.errors.MissingAttributeError):  # no default: a value is needed
        item.insert1({"item_id": 5, "price": None})


def test_update1_with_none_resets_to_the_default(item):
    item.insert1(
        {"item_id": 1, "price": 1, "count": 1, "name": "x", "weight": 2.5, "made": "2020-01-02 03:04:05"}
    )
    item.update1({"item_id": 1, "count": None, "name": None, "weight": None})
    row = (item & {"item_id": 1}).fetch1()
    assert (row["count"], row["name"], row["weight"]) == (7, "thing", None)
    item.update1({"item_id": 1, "made": None, "count": np.nan})  # CURRENT_TIMESTAMP: the server's time
    made = (item & {"item_id": 1}).fetch1("made")
    assert str(made) > "2020-01-02 03:04:05"
    with pytest.raises(dj.errors.MissingAttributeError):  # no default: 0.14 fails too
        item.update1({"item_id": 1, "price": None})
    with pytest.raises(KeyError):
        item.update1({"item_id": 1, "colour": None})


# -- 5. aggregate, dj.U restrictions, unions, preview, dj.Top --------------------------------------


def test_aggregate_is_aggr(lab):
    _, space = lab
    rig, session = space["Rig"], space["Session"]
    counts = rig.aggregate(session, n="count(*)")
    assert dict(zip(*counts.fetch("rig_id", "n"), strict=True)) == {1: 2, 2: 1}
    assert dj.U().aggregate(session, n="count(*)").fetch1("n") == 5
    with pytest.raises(dj.errors.ArgumentError, match="keep_all_rows"):
        dj.U("rig_id").aggr(session, n="count(*)", keep_all_rows=True)


def test_restricting_by_the_universal_set_is_true(lab):
    _, space = lab
    session = space["Session"]
    assert len(session & dj.U("rig_id")) == 5 and len(session & dj.U()) == 5
    assert len(session & dj.U("nowhere")) == 5  # as 0.14: whatever its attributes
    assert len(session - dj.U("rig_id")) == 0 and len(session & dj.Not(dj.U())) == 0
    assert len(session & [dj.U("x"), "session = 1"]) == 5  # OR with True
    assert len(session & dj.AndList([dj.U("x"), "session = 1"])) == 1
    assert (session & dj.U("rig_id")).fetch(as_dict=True) == session.fetch(as_dict=True)
    assert dj.U("rig_id", "session").primary_key == ["rig_id", "session"]
    assert dj.U("note").join(session).primary_key == ["session", "note"]


def test_union_of_the_same_key_in_another_order(lab):
    _, space = lab
    session = space["Session"]
    ab = dj.U("session", "note") & (session & "session < 3")
    ba = dj.U("note", "session") & (session & "session > 1")
    union = ab + ba
    assert set(union.primary_key) == {"session", "note"}
    assert sorted(union.fetch("session").tolist()) == [1, 2, 3, 4, 5]
    assert len(ba + ab) == 5
    with pytest.raises(dj.DataJointError, match="same primary key"):
        ab + session.proj()


def test_preview_returns_text(lab):
    _, space = lab
    session = space["Session"]()
    text = session.preview()
    assert isinstance(text, str) and text == repr(session) and "*session" in text
    short = session.preview(limit=2)
    assert "..." in short and short.count("\n") < text.count("\n")
    assert "<table" in session._repr_html_()


@pytest.mark.parametrize(
    ("arguments", "wrong"),
    [
        (("3",), "limit"),
        ((1.5,), "limit"),
        ((1, 3), "order_by"),
        ((1, ["KEY", 2]), "order_by"),
        ((1, "KEY", "2"), "offset"),
    ],
)
def test_top_checks_its_argument_types(arguments, wrong):
    with pytest.raises(TypeError, match=rf"dj.Top\({wrong}=") as info:
        dj.Top(*arguments)
    assert isinstance(info.value, dj.DataJointError)


def test_top_accepts_what_014_accepts(lab):
    _, space = lab
    session = space["Session"]
    assert (session & dj.Top(None, None, None)).fetch("session").tolist() == [1, 2, 3, 4, 5]
    assert (session & dj.Top(np.int64(2), ["note DESC"])).fetch("note").tolist() == ["e", "d"]
    assert (session & dj.Top(None, "session", offset=3)).fetch("session").tolist() == [4, 5]


# -- 6. antijoins and semijoins when a matched attribute holds NULLs --------------------------------
# Sessions 2 and 5 have no rig (NULL rig_id); sessions use rigs 1 and 2; rigs 3 and 4 are unused.


def rigs(query) -> list[int]:
    return sorted(query.fetch("rig_id").tolist())


def test_rigs_that_no_session_uses(lab):
    _, space = lab
    rig, session = space["Rig"], space["Session"]
    assert rigs(rig - session) == [3, 4]  # SQL's NOT IN would give none (0.14 does)
    assert rigs(rig & session) == [1, 2]
    assert rigs(rig & dj.Not(session)) == [3, 4]
    assert rigs(rig - session.proj("rig_id")) == [3, 4]
    assert rigs(rig - (dj.U("rig_id") & session)) == [3, 4]
    assert rigs(rig - [session, rig & "rig_id = 4"]) == [3]  # a list of queries: OR
    assert rigs(rig - dj.AndList([session, 'room = "A"'])) == [2, 3, 4]
    assert rigs(rig - (session & "session > 3")) == [1, 3, 4]
    assert rigs(rig - dj.Not(rig - session)) == [3, 4]
    assert len(rig - session) + len(rig & session) == len(rig)


def test_renamed_and_computed_attributes_holding_nulls(lab):
    _, space = lab
    rig, session = space["Rig"], space["Session"]
    renamed_rig, renamed_session = rig.proj(r="rig_id"), session.proj(r="rig_id")
    assert sorted((renamed_rig - renamed_session).fetch("r").tolist()) == [3, 4]
    computed = session.proj(rig_id="CASE WHEN session = 1 THEN NULL ELSE rig_id END")  # may be NULL
    assert rigs(rig - computed) == [3, 4]  # session 3 still uses rig 1
    counted = rig.aggr(session, n="count(*)")
    assert rigs(rig - (counted & "n > 1")) == [2, 3, 4]  # by an aggregation (HAVING)
    outer = rig.join(session, left=True)
    assert outer.heading["session"].nullable  # unmatched rigs have no session
    assert sorted((session - outer.proj(s="rig_id")).fetch("session").tolist()) == [2, 5]


def test_rows_with_a_null_match_nothing(lab):
    _, space = lab
    rig, session = space["Rig"], space["Session"]
    sessions = lambda query: sorted(query.fetch("session").tolist())  # noqa: E731
    assert sessions(session & rig) == [1, 3, 4]
    assert sessions(session - rig) == [2, 5]  # no rig: not in any rig's sessions
    assert sessions(session - (rig & "rig_id = 1")) == [2, 4, 5]
    assert sessions(session & dj.Not(rig & 'room = "B"')) == [1, 2, 3, 5]
    assert len(session - rig) + len(session & rig) == len(session)
