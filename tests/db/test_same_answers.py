"""One set of definitions and queries, run on MariaDB and SQLite: the same rows, the same types.

Each expected value is what MariaDB 10.11 answers (through PyMySQL); SQLite, the embedded
default, must answer exactly the same. Cases by kind of difference (issue 18): string literals
and comparisons (double-quoted literals, case-insensitive equality, ordering and keys), enum
definitions as MySQL reads them, typed computed values, MySQL functions in restrictions and
expressions, and fragments that cannot be translated (refused, never run with another meaning).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

import djnb as dj

BACKENDS = ("mysql", "sqlite")


@pytest.fixture(scope="module")
def lab(server, prefix):
    connection = dj.Connection(**server)
    schema = dj.Schema(f"{prefix}_same", connection=connection)

    @schema
    class Subject(dj.Manual):
        definition = """
        subject_id : int
        ---
        sex : enum("M", "F", "U")    # double-quoted members, as real pipelines write them
        name : varchar(16)
        x = "" : varchar(16)          # a column named like a word users compare with
        dob : date
        mood = 'ok' : enum('it''s fine', 'a,b', "say \\"hi\\"", 'ok')
        """

    @schema
    class Session(dj.Manual):
        definition = """
        -> Subject
        session_id : int
        ---
        start_time : datetime
        duration : decimal(6,2)
        rating : float
        """

    @schema
    class Name(dj.Manual):
        definition = """
        name : varchar(16)
        """

    Subject.insert(
        [
            (1, "F", "alice", "x", datetime.date(2020, 5, 1), "it's fine"),
            (2, "M", "Bob", "", datetime.date(2021, 1, 2), "a,b"),
            (3, "F", "carol", "", datetime.date(2020, 12, 31), 'say "hi"'),
        ]
    )
    Session.insert(
        [
            (1, 1, datetime.datetime(2024, 1, 2, 3, 4, 5), Decimal("1.25"), 1.5),
            (1, 2, datetime.datetime(2024, 1, 3, 10, 0, 0), Decimal("2.50"), 2.5),
            (2, 1, datetime.datetime(2024, 2, 1, 0, 0, 0), Decimal("0.75"), 3.0),
        ]
    )

    @schema
    class Event(dj.Manual):  # columns named like words that start SQL statements
        definition = """
        event : int
        ---
        start : datetime
        comment : varchar(16)
        cache = 0 : int
        """

    Event.insert(
        [(1, datetime.datetime(2024, 5, 1, 9, 30), "First", 1), (2, datetime.datetime(2024, 5, 3), "", 0)]
    )
    yield Subject, Session, Name, Event
    schema.drop(force=True)
    connection.close()


def same(value, expected):
    """Equal, and of the same Python type (element by element in lists and dicts)."""
    assert value == expected
    if isinstance(expected, dict):
        for name in expected:
            assert type(value[name]) is type(expected[name]), (name, value[name], expected[name])
    elif isinstance(expected, list):
        for got, want in zip(value, expected, strict=True):
            same(got, want)
    else:
        assert type(value) is type(expected), (value, expected)


# -- string literals and comparisons
@pytest.mark.parametrize(
    ("restriction", "ids"),
    [
        ('sex = "F"', [1, 3]),
        ("sex = 'F'", [1, 3]),
        ('sex = "f"', [1, 3]),  # MariaDB's default collation: case-insensitive
        ('name = "x"', []),  # a literal, never the column `x` (which holds "x" in row 1)
        ('x = "x"', [1]),
        ('name = "ALICE"', [1]),
        ('name IN ("bob", "Carol")', [2, 3]),
        ('name LIKE "A%"', [1]),
        ('name > "b"', [2, 3]),  # case-insensitive ordering: "Bob" > "b", "alice" < "b"
        ('BINARY name = "Alice"', []),  # BINARY: case-sensitive, as written
        ('BINARY name = "alice"', [1]),
        ('mood = "it\'s fine"', [1]),
        ("mood = 'say \"hi\"'", [3]),
        ('`name` = "bob"', [2]),
    ],
)
def test_string_literals_and_comparisons(lab, restriction, ids):
    Subject = lab[0]
    assert sorted((Subject & restriction).fetch("subject_id").tolist()) == ids


def test_ordering_is_case_insensitive(lab):
    Subject = lab[0]
    assert Subject.fetch("name", order_by="name").tolist() == ["alice", "Bob", "carol"]


def test_keys_differing_only_in_case_are_duplicates(lab):
    Name = lab[2]
    Name.delete_quick()
    Name.insert1({"name": "Ada"})
    with pytest.raises(dj.errors.DuplicateError):
        Name.insert1({"name": "ada"})
    assert len(Name & {"name": "ADA"}) == 1


# -- definitions as MySQL reads them
def test_enum_members_with_double_quotes_quotes_and_commas(lab):
    Subject = lab[0]
    assert Subject.heading["sex"].sql_type == "enum('M','F','U')"
    assert Subject.heading["mood"].sql_type == "enum('it''s fine','a,b','say \"hi\"','ok')"
    assert sorted(Subject.fetch("mood").tolist()) == ["a,b", "it's fine", 'say "hi"']
    with pytest.raises(dj.errors.DataJointError):
        Subject.insert1((9, "X", "z", "", datetime.date(2020, 1, 1), "ok"))  # not a member


def test_an_enum_value_is_stored_as_the_member_is_spelled(lab):
    Subject = lab[0]
    Subject.insert1((60, "f", "eve", "", datetime.date(2020, 1, 1), "OK"))
    try:
        assert (Subject & {"subject_id": 60}).fetch1("sex", "mood") == ("F", "ok")
    finally:
        (Subject & {"subject_id": 60}).delete_quick()


# -- typed computed values
@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("date(start_time)", datetime.date(2024, 1, 2)),
        ("start_time", datetime.datetime(2024, 1, 2, 3, 4, 5)),
        ("session_id / 2", Decimal("0.5000")),
        ("duration * 2", Decimal("2.50")),
        ("duration + session_id", Decimal("2.25")),
        ("rating * 2", 3.0),
        ("session_id + 1", 2),
        ("session_id DIV 2", 0),
        ('concat(subject_id, "-", session_id)', "1-1"),
        ("year(start_time)", 2024),
        ("month(start_time) + 1", 2),
        ("datediff(start_time, '2024-01-01')", 1),
        ("timestampdiff(SECOND, '2024-01-02', start_time)", 11045),
        ("start_time + INTERVAL 1 DAY", datetime.datetime(2024, 1, 3, 3, 4, 5)),
        ("date(start_time) + INTERVAL 1 DAY", datetime.date(2024, 1, 3)),
        ("date_add(start_time, INTERVAL 1 HOUR)", datetime.datetime(2024, 1, 2, 4, 4, 5)),
        ("session_id > 0", 1),
        ("round(duration, 1)", Decimal("1.3")),
        ("floor(duration)", 1),
        ("if(session_id > 1, 'late', 'early')", "early"),
        ("ifnull(duration, 0)", Decimal("1.25")),
    ],
)
def test_computed_values_have_mysql_types(lab, expression, expected):
    Session = lab[1]
    value = (Session & {"subject_id": 1, "session_id": 1}).proj(v=expression).fetch1("v")
    same(value, expected)


def test_aggregates_have_mysql_types(lab):
    Subject, Session = lab[:2]
    row = (
        (Subject & {"subject_id": 1})
        .aggr(
            Session,
            n="count(*)",
            total="sum(duration)",
            mean="avg(session_id)",
            mean_rating="avg(rating)",
            last="max(start_time)",
            first="min(start_time)",
            ids="sum(session_id)",
        )
        .fetch1()
    )
    same(
        {k: row[k] for k in ("n", "total", "mean", "mean_rating", "last", "first", "ids")},
        {
            "n": 2,
            "total": Decimal("3.75"),
            "mean": Decimal("1.5000"),
            "mean_rating": 2.0,
            "last": datetime.datetime(2024, 1, 3, 10, 0, 0),
            "first": datetime.datetime(2024, 1, 2, 3, 4, 5),
            "ids": Decimal("3"),
        },
    )
    dobs = dj.U().aggr(Subject, oldest="min(dob)", count="count(*)").fetch1()
    same(
        {"oldest": dobs["oldest"], "count": dobs["count"]}, {"oldest": datetime.date(2020, 5, 1), "count": 3}
    )


# -- MySQL functions in restrictions
@pytest.mark.parametrize(
    ("restriction", "ids"),
    [
        ("year(dob) = 2020", [1, 3]),
        ("month(dob) = 1", [2]),
        ('dob > "2020-06-01"', [2, 3]),
        ("dob BETWEEN '2020-01-01' AND '2020-12-31'", [1, 3]),
        ("datediff('2021-01-01', dob) = 1", [3]),
        ("dob + INTERVAL 1 DAY = '2021-01-01'", [3]),
        ("date_sub(dob, INTERVAL 1 MONTH) = '2020-04-01'", [1]),
        ('name REGEXP "^[ab]"', [1, 2]),  # case-insensitive as the column's collation
        ("subject_id % 2 = 1", [1, 3]),
        ("subject_id / 2 = 1", [2]),
        ('concat(name, "!") = "bob!"', [2]),
    ],
)
def test_functions_in_restrictions(lab, restriction, ids):
    Subject = lab[0]
    assert sorted((Subject & restriction).fetch("subject_id").tolist()) == ids


@pytest.mark.parametrize(
    ("restriction", "events"),
    [
        ("start > '2024-05-01' + INTERVAL 1 DAY", [2]),
        ('comment = "first"', [1]),
        ("cache > 0", [1]),
        ("`start` < '2024-05-02'", [1]),
    ],
)
def test_columns_named_like_keywords(lab, restriction, events):
    Event = lab[3]
    assert sorted((Event & restriction).fetch("event").tolist()) == events


# -- server-form statements, accepted as they are on the server
def test_server_form_schema_statements(lab, connect, prefix):
    connection = connect()
    name = f"{prefix}_plain"
    connection.query(f"DROP DATABASE IF EXISTS {name}")
    connection.query(f"CREATE DATABASE {name}")
    connection.query(f"CREATE DATABASE IF NOT EXISTS {name}")
    assert name in dj.list_schemas(connection=connection)
    connection.query(f"USE {name}")
    assert connection.query("SELECT DATABASE()").fetchone() == (name,)
    assert connection.query("SHOW TABLES").fetchall() == ()
    same_schema = lab[0].database
    tables = connection.query(f"SHOW TABLES FROM `{same_schema}` LIKE 'sub%'", as_dict=True).fetchall()
    assert tables == [{f"Tables_in_{same_schema} (sub%)": "subject"}]
    connection.query(f"DROP DATABASE {name}")
    connection.query(f"DROP DATABASE IF EXISTS {name}")
    assert name not in dj.list_schemas(connection=connection)
    with pytest.raises(dj.errors.QueryError):
        connection.query(f"DROP DATABASE {name}")


# -- refused values: the same error class, naming the table, the attribute and the value
@pytest.mark.parametrize(
    ("row", "attribute", "value"),
    [
        ({"sex": "X"}, "sex", "'X'"),
        ({"dob": "2024-02-30"}, "dob", None),  # an impossible date is refused, not stored
        ({"name": "a" * 17}, "name", "'" + "a" * 17 + "'"),
    ],
)
def test_refused_values_name_table_attribute_and_value(lab, row, attribute, value):
    Subject = lab[0]
    good = {"subject_id": 50, "sex": "F", "name": "n", "dob": "2020-01-01", **row}
    with pytest.raises(dj.errors.InvalidValueError) as info:
        Subject.insert1(good)
    message = str(info.value)
    assert attribute in message and Subject.table_name in message
    if value is not None:
        assert value in message
    assert len(Subject & {"subject_id": 50}) == 0


def test_a_missing_parent_is_named(lab):
    Session = lab[1]
    with pytest.raises(
        dj.errors.IntegrityError, match=r"must refer to an existing row of its parent\(s\) `[^`]+`\.`subject`"
    ):
        Session.insert1((99, 1, datetime.datetime(2024, 1, 1), Decimal("1.00"), 1.0))
