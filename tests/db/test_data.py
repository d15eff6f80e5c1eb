"""Insert, update and the all-or-nothing rule against MariaDB."""

from __future__ import annotations

import uuid

import numpy as np
import pandas as pd
import pytest

import djnb as dj

BACKENDS = ("mysql", "sqlite")


@pytest.fixture(scope="module")
def tables(server, prefix):
    connection = dj.Connection(**server)
    schema = dj.Schema(f"{prefix}_data", connection=connection)
    space: dict = {}

    @schema(context=space)
    class Animal(dj.Manual):
        definition = """
        animal_id : int
        ---
        name : varchar(64)
        weight = null : float
        tag = null : uuid
        info = null : json
        trace = null : longblob
        """

    space["Animal"] = Animal

    @schema(context=space)
    class Measure(dj.Computed):
        definition = """
        -> Animal
        ---
        value : double
        """

    yield {**space, "Measure": Measure}
    connection.close()


@pytest.fixture
def animal(tables):
    table = tables["Animal"]
    table.connection.query(f"DELETE FROM {tables['Measure'].full_table_name}")
    table.connection.query(f"DELETE FROM {table.full_table_name}")
    return table


def test_insert_forms_and_values_round_trip(animal):
    tag = uuid.uuid4()
    animal.insert1(
        {
            "animal_id": 1,
            "name": "rex",
            "weight": 3.5,
            "tag": tag,
            "info": {"a": [1, 2]},
            "trace": np.arange(4.0),
        }
    )
    animal.insert([(2, "tom", float("nan"), None, None, None)])
    animal.insert(np.array([(3, "kit")], dtype=[("animal_id", "i8"), ("name", "U8")]))
    animal.insert(pd.DataFrame({"animal_id": [4, 5], "name": ["a", "b"]}).set_index("animal_id"))
    rows = {r["animal_id"]: r for r in animal.fetch(as_dict=True)}
    assert sorted(rows) == [1, 2, 3, 4, 5]
    assert (
        rows[1]["tag"] == tag
        and rows[1]["info"] == {"a": [1, 2]}
        and rows[1]["trace"].tolist() == [0, 1, 2, 3]
    )
    assert rows[2]["weight"] is None and rows[2]["trace"] is None  # NaN went in as NULL
    assert np.isnan(animal.fetch("weight", order_by="animal_id")[1])


def test_duplicates_replace_and_extra_fields(animal):
    animal.insert1({"animal_id": 1, "name": "rex"})
    with pytest.raises(dj.errors.DuplicateError):
        animal.insert1({"animal_id": 1, "name": "again"})
    animal.insert1({"animal_id": 1, "name": "again"}, skip_duplicates=True)
    assert (animal & {"animal_id": 1}).fetch1("name") == "rex"
    animal.insert1({"animal_id": 1, "name": "replaced"}, replace=True)
    assert (animal & {"animal_id": 1}).fetch1("name") == "replaced"
    with pytest.raises(dj.errors.UnknownAttributeError, match="`color` is not in"):
        animal.insert1({"animal_id": 2, "name": "x", "color": "red"})
    animal.insert1({"animal_id": 2, "name": "x", "color": "red"}, ignore_extra_fields=True)
    with pytest.raises(dj.errors.ArgumentError, match="2 values but the table has 6"):
        animal.insert1((3, "short"))


def test_one_bad_row_leaves_the_table_as_it_was(animal):
    animal.insert1({"animal_id": 1, "name": "first"})
    rows = [{"animal_id": i, "name": f"n{i}"} for i in range(10, 200)] + [
        {"animal_id": 1, "name": "duplicate"}
    ]
    with pytest.raises(dj.errors.DuplicateError):
        animal.insert(rows)
    assert len(animal) == 1
    too_long = [{"animal_id": 500, "name": "ok"}, {"animal_id": 501, "name": "x" * 100}]
    with pytest.raises(dj.errors.InvalidValueError):
        animal.insert(too_long)
    assert len(animal) == 1


def test_insert_from_a_query_runs_on_the_server(animal, tables):
    animal.insert([{"animal_id": i, "name": f"n{i}"} for i in range(5)])
    measure = tables["Measure"]
    with pytest.raises(dj.DataJointError, match="auto-populated"):
        measure.insert(animal.proj(value="animal_id * 2"))
    measure.insert(animal.proj(value="animal_id * 2"), allow_direct_insert=True)
    assert sorted(measure.fetch("value").tolist()) == [0, 2, 4, 6, 8]
    # the same table as source and target (the server reads it through a derived table)
    animal.insert(animal, skip_duplicates=True)
    assert len(animal) == 5


def test_large_inserts_are_batched(animal):
    rows = [
        {"animal_id": i, "name": f"n{i}", "trace": np.full(2000, i, dtype=np.float64)} for i in range(2000)
    ]
    animal.insert(rows)  # ~32 MB of blobs: more than one packet, split by the driver
    assert len(animal) == 2000
    assert (animal & {"animal_id": 1999}).fetch1("trace")[0] == 1999


def test_update1(animal):
    animal.insert1({"animal_id": 1, "name": "rex", "weight": 1.0})
    animal.update1({"animal_id": 1, "weight": 2.5, "name": "rex ii"})
    assert (animal & {"animal_id": 1}).fetch1("name", "weight") == ("rex ii", 2.5)
    with pytest.raises(dj.DataJointError, match="no row"):
        animal.update1({"animal_id": 99, "name": "ghost"})
    with pytest.raises(dj.errors.ArgumentError, match="full primary key"):
        animal.update1({"name": "nobody"})


@pytest.fixture(scope="module")
def family(server, prefix):
    connection = dj.Connection(**server)
    schema = dj.Schema(f"{prefix}_family", connection=connection)
    other = dj.Schema(f"{prefix}_family2", connection=connection)
    space: dict = {}

    @schema(context=space)
    class Parent(dj.Manual):
        definition = "parent_id : int"

    space["Parent"] = Parent

    @schema(context=space)
    class Child(dj.Manual):
        definition = """
        -> Parent
        child_id : int
        """

        class Toy(dj.Part):
            definition = """
            -> master
            toy : varchar(8)
            """

    space["Child"] = Child

    @other(context=space)
    class Friend(dj.Manual):
        definition = """
        friend_id : int
        ---
        -> Parent.proj(best_parent="parent_id")
        """

    yield {**space, "Friend": Friend}
    connection.close()


def fill(family):
    connection = family["Parent"].connection
    for table in (family["Friend"], family["Child"].Toy, family["Child"], family["Parent"]):
        connection.query(f"DELETE FROM {table.full_table_name}")
    family["Parent"].insert([(i,) for i in range(10)])
    family["Child"].insert([(i, j) for i in range(10) for j in range(3)])
    family["Child"].Toy.insert([(i, j, t) for i in range(10) for j in range(3) for t in ("ball", "doll")])
    family["Friend"].insert([(i, i % 10) for i in range(20)])


def test_delete_cascades_across_schemas_and_renamed_keys(family):
    fill(family)
    asked: list[str] = []
    count = (family["Parent"] & "parent_id < 3").delete(
        confirm=lambda q: asked.append(q) or True, safemode=True
    )
    assert count == 3  # like DataJoint: the rows of the restricted table; dependents go too
    assert "3 rows" in asked[0] and "18 rows" in asked[0] and "family2" in asked[0]
    assert len(family["Parent"]) == 7 and len(family["Child"]) == 21 and len(family["Child"].Toy) == 42
    assert len(family["Friend"]) == 14


def test_declined_or_failed_deletes_change_nothing(family):
    fill(family)
    assert (family["Parent"] & {"parent_id": 1}).delete(confirm=lambda q: False, safemode=True) == 0
    assert len(family["Child"]) == 30
    connection = family["Parent"].connection
    connection.start_transaction()
    try:
        (family["Parent"] & {"parent_id": 1}).delete(safemode=False)
        assert len(family["Child"]) == 27  # inside the caller's transaction
    finally:
        connection.cancel_transaction()
    assert len(family["Child"]) == 30 and len(family["Child"].Toy) == 60


def test_part_rows_are_not_deleted_alone(family):
    fill(family)
    with pytest.raises(dj.DataJointError, match="force_parts"):
        (family["Child"].Toy & {"toy": "ball"}).delete(safemode=False)
    assert (family["Child"].Toy & {"toy": "ball"}).delete(safemode=False, force_parts=True) == 30
    with pytest.raises(dj.errors.IntegrityError):
        (family["Parent"] & {"parent_id": 2}).delete_quick()
    assert (family["Friend"] & "friend_id > 15").delete_quick(get_count=True) == 4


def test_previews_escape_values_and_show_counts(animal):
    animal.insert([{"animal_id": i, "name": f"n{i}", "trace": np.arange(3.0)} for i in range(20)])
    animal.insert1({"animal_id": 99, "name": "<script>alert(1)</script>"})
    text = repr(animal())
    assert text.startswith("*animal_id") and "=BLOB=" in text and "..." in text and "(Total: 21)" in text
    assert len(text.splitlines()) == 2 + dj.config["display.limit"] + 2
    with dj.config(display__limit=50):
        page = animal()._repr_html_()
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert " id=" not in page and page.count("<tr>") == 22 and "Total: 21" in page
    assert "=BLOB=" in page
    small = repr(animal & {"animal_id": 1})
    assert "..." not in small and "(Total: 1)" in small


def test_previews_of_large_tables_show_the_estimate_and_len_counts(animal):
    animal.insert({"animal_id": i, "name": f"n{i}"} for i in range(40))
    if animal.connection.backend == "mysql":
        animal.connection.query(f"ANALYZE TABLE {animal.full_table_name}")  # refresh InnoDB's statistics
    with dj.config(display__exact_count_limit=10):
        text, page = repr(animal()), animal()._repr_html_()
        restricted = repr(animal & "animal_id < 30")
    if animal.connection.backend == "mysql":  # the estimate is sampled: near 40, not exact
        assert "(Total: ~" in text and "estimated; len() counts exactly" in text and "Total: ~" in page
    else:  # SQLite keeps no estimate: counting is exact (and quick)
        assert "(Total: 40)" in text and "Total: 40<" in page
    assert "(Total: 30)" in restricted and len(animal()) == 40  # queries and len() count exactly
    with dj.config(display__exact_count_limit=None):
        assert "(Total: 40)" in repr(animal())


@pytest.mark.mysql_only("needs a server account with partial privileges; SQLite has no accounts")
def test_a_cascade_interrupted_by_an_error_changes_nothing(family, server, prefix):
    """A user who may delete in one schema but not the other: the second DELETE fails."""
    import secrets

    fill(family)
    admin = family["Parent"].connection
    user, password = f"djtest_{secrets.token_hex(4)}", f"pw-{secrets.token_hex(6)}"
    admin.query("CREATE USER %s@'%%' IDENTIFIED BY %s", (user, password))
    try:
        admin.query(f"GRANT SELECT, DELETE ON `{prefix}_family`.* TO %s@'%%'", (user,))
        admin.query(f"GRANT SELECT ON `{prefix}_family2`.* TO %s@'%%'", (user,))
        limited = dj.Connection(server["host"], user, password, port=server["port"])
        parent = dj.FreeTable(limited, family["Parent"].full_table_name)
        with pytest.raises(dj.errors.AccessError):
            (parent & "parent_id < 5").delete(safemode=False)
        assert len(family["Parent"]) == 10 and len(family["Child"]) == 30
        assert len(family["Child"].Toy) == 60 and len(family["Friend"]) == 20
        limited.close()
    finally:
        admin.query("DROP USER %s@'%%'", (user,))


def test_force_masters_deletes_masters_of_part_rows(family):
    fill(family)
    count = (family["Child"].Toy & {"parent_id": 1, "child_id": 0, "toy": "ball"}).delete(
        safemode=False, force_masters=True
    )
    assert count == 2  # both toys of the master: the master went too
    assert len(family["Child"]) == 29 and len(family["Child"].Toy) == 58


@pytest.mark.parametrize(
    "value", ["'; DROP TABLE x; --", "q\"uo'te", "back\\slash", "50%", "ünï∑", "nul\0byte"]
)
def test_hostile_values_through_insert(animal, value):
    animal.insert1({"animal_id": 1, "name": value})
    animal.insert1({"animal_id": 2, "name": value + "x"})
    assert (animal & {"name": value}).fetch1("name") == value
    assert len(animal & [{"name": value}, {"name": "other"}]) == 1


def test_delete_restricted_by_its_own_dependents(family):
    fill(family)
    with_toys = family["Parent"] & (family["Child"].Toy & {"toy": "ball"} & "parent_id < 4")
    assert with_toys.delete(safemode=False) == 4
    assert len(family["Parent"]) == 6


def test_review_regressions(animal, family):
    """Percent signs with bound values, order_by lists, uuid strings, datetime64, REPLACE, ndarray rows."""
    animal.insert([{"animal_id": 1, "name": "Alpha"}, {"animal_id": 2, "name": "beta"}])
    assert len(animal & "name like 'A%'" & {"animal_id": 1}) == 1
    assert animal.proj(odd="animal_id %% 2").fetch("odd", order_by="animal_id").tolist() == [1, 0]
    assert animal.proj(odd="animal_id % 2").fetch("odd", order_by="animal_id").tolist() == [1, 0]
    assert animal.fetch("animal_id", order_by="name DESC, animal_id").tolist() == [2, 1]
    tag = uuid.uuid4()
    animal.insert1({"animal_id": 3, "name": "tagged", "tag": tag})
    assert len(animal & {"tag": str(tag)}) == 1
    animal.insert1({"animal_id": 4, "name": "x", "weight": 1.0})
    animal.insert1({"animal_id": 4, "name": "y"}, replace=True)  # REPLACE: weight back to its default
    assert np.isnan((animal & {"animal_id": 4}).fetch1("weight"))
    animal.insert1(np.array([5, "arr", 2.0, None, None, None], dtype=object))
    assert (animal & {"animal_id": 5}).fetch1("name") == "arr"
    fill(family)
    assert (family["Parent"] & {"parent_id": 99}).delete(safemode=False) == 0
    with pytest.raises(dj.DataJointError, match="must not share secondary"):
        animal.proj(v="name") + animal.proj(v="name")
    with pytest.raises(dj.errors.ArgumentError, match="already has that attribute"):
        animal.aggr(family["Parent"].proj(animal_id="parent_id"), name="count(*)")
