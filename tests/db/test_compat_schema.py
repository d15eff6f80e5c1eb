"""DataJoint 0.14's schema-level surface, on MariaDB and SQLite (issue 16).

``schema.log`` as a table, ``size_on_disk``, ``schema.external`` / ``Table.external``,
``download_filepath``; refused drops and foreign-key errors that name the referencing table;
``alter()`` of tables with external attributes; ``conn.dependencies`` as a networkx graph;
``config["add_hidden_timestamp"]``.
"""

from __future__ import annotations

import hashlib
import uuid
import warnings
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pytest

import djnb as dj
from djnb.table import Table

BACKENDS = ("mysql", "sqlite")


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    location = tmp_path_factory.mktemp("compat_store")
    stage = tmp_path_factory.mktemp("compat_stage")
    with dj.config(stores={"raw": {"protocol": "file", "location": str(location), "stage": str(stage)}}):
        yield {"location": location, "stage": stage}


@pytest.fixture(scope="module")
def lab(server, prefix, store):
    """A schema with an external blob, an attachment and a filepath."""
    connection = dj.Connection(**server)
    schema = dj.Schema(f"{prefix}_lab", connection=connection, context={})

    @schema
    class Item(dj.Manual):
        definition = """
        item_id : int
        ---
        data = null : blob@raw
        path = null : filepath@raw
        """

    yield schema, Item
    connection.close()


# -- item 1: schema.log, size_on_disk, external, download_filepath


def test_log_is_a_queryable_table_and_callable(lab):
    schema, item = lab
    log = schema.log
    assert isinstance(log, Table)
    declared = log & "id > 0"
    assert f"Declared {item.full_table_name}" in declared.fetch("event")
    before = len(log)
    schema.log("calibrated rig 3")
    assert len(log) == before + 1
    row = (log & {"event": "calibrated rig 3"}).fetch1()
    assert set(row) == {"id", "timestamp", "version", "user", "host", "event"}
    assert row["version"].endswith("djnb") and "@" in row["user"]
    assert isinstance(log.fetch(as_dict=True), list) and "event" in log.heading.names
    assert "calibrated" in repr(log) and "calibrated rig 3" in log._repr_html_()
    assert schema.log is log  # one object per schema, as 0.14
    log("skipped", skip_logging=True)
    assert len(log & {"event": "skipped"}) == 0


def test_log_of_a_schema_that_may_not_create_tables_writes_nothing(lab, server):
    schema, _ = lab
    connection = dj.Connection(**server)
    reader = dj.Schema(schema.database, connection=connection, create_tables=False)
    before = len(schema.log)
    reader.log("not written")
    assert len(schema.log) == before and len(reader.log) == before  # still readable
    connection.close()


def test_size_on_disk_is_bytes_of_the_whole_schema(lab):
    schema, item = lab
    size = schema.size_on_disk
    assert isinstance(size, int) and size >= item().size_on_disk >= 0
    assert size > 0


def test_external_mapping_and_table_external(lab, store):
    schema, item = lab
    item.insert1({"item_id": 1, "data": np.arange(10.0)})
    mapping = schema.external
    assert isinstance(mapping, Mapping) and mapping is item().external is schema.external
    tracked = mapping["raw"]
    assert "raw" in mapping and list(mapping) == ["raw"] and len(mapping) == 1
    assert "raw" in repr(mapping) and "file:" in repr(mapping)
    assert isinstance(tracked, Table) and tracked.table_name == "~external_raw"
    references = sorted(tracked.references, key=lambda ref: ref["column_name"])
    assert references == [
        {"referencing_table": item.full_table_name, "column_name": "data"},
        {"referencing_table": item.full_table_name, "column_name": "path"},
    ]
    (row_hash,) = tracked.fetch("hash")
    paths = tracked.fetch_external_paths()
    assert [h for h, _ in paths] == [row_hash]
    assert Path(paths[0][1]).is_file() and str(paths[0][1]).startswith(str(store["location"]))
    assert len(tracked.used()) == 1 and len(tracked.unused()) == 0
    (item & {"item_id": 1}).delete(safemode=False)
    assert len(tracked.unused()) == 1 and tracked.unused().fetch1("hash") == row_hash
    assert tracked.delete(delete_external_files=True) == []
    assert len(tracked) == 0 and not Path(paths[0][1]).exists()
    with pytest.raises(dj.DataJointError, match="True or False"):
        tracked.delete(delete_external_files=None)


def test_download_filepath_returns_path_and_checksum(lab, store):
    _, item = lab
    source = store["stage"] / "rec" / "trace.dat"
    source.parent.mkdir(exist_ok=True)
    source.write_bytes(b"trace")
    item.insert1({"item_id": 2, "path": source})
    tracked = item().external["raw"]
    object_id = (tracked & 'filepath = "rec/trace.dat"').fetch1("hash")
    path, checksum = tracked.download_filepath(object_id)
    assert Path(path) == source and isinstance(checksum, uuid.UUID)
    assert checksum == uuid.UUID(bytes=hashlib.md5(b"trace").digest())
    assert tracked.download_filepath(None) is None
    (item & {"item_id": 2}).delete(safemode=False)


# -- item 2: refused drops and foreign-key errors name the referencing table


@pytest.fixture
def linked(server, prefix, request):
    """Schema `up` (Parent, Lonely, with rows) and schema `down` whose Child refers to Parent."""
    connection = dj.Connection(**server)
    tag = request.node.name.split("[")[0][-12:].strip("_")
    up = dj.Schema(f"{prefix}_up_{tag}", connection=connection, context={})

    @up
    class Parent(dj.Manual):
        definition = "pid : int"

    @up
    class Lonely(dj.Manual):
        definition = "lid : int"

    @up
    class Kid(dj.Manual):
        definition = "-> Parent\nkid : int"

    down = dj.Schema(f"{prefix}_down_{tag}", connection=connection, context={"Parent": Parent})

    @down
    class Child(dj.Manual):
        definition = "-> Parent\ncid : int"

    Parent.insert1((1,))
    Lonely.insert1((1,))
    Kid.insert1((1, 1))
    Child.insert1((1, 1))
    yield up, down, Parent, Lonely, Kid, Child
    down.drop(force=True)
    up.drop(force=True)
    connection.close()


def test_drop_of_a_schema_another_schema_refers_to_drops_nothing(linked):
    up, _, parent, lonely, kid, child = linked
    with pytest.raises(dj.errors.IntegrityError) as caught:
        up.drop(force=True)
    message = str(caught.value)
    assert child.full_table_name in message and parent.full_table_name in message
    assert "nothing was dropped" in message and "first" in message
    assert set(up.list_tables()) == {"parent", "lonely", "kid"}  # the unreferenced tables are still there
    assert len(lonely()) == 1 and len(kid()) == 1 and len(up.log) > 0


def test_table_drops_refused_while_another_schema_refers(linked):
    up, _, parent, _, kid, child = linked
    with dj.config(safemode=False):
        for drop in (parent.drop, parent.drop_quick):
            with pytest.raises(dj.errors.IntegrityError, match=r"Drop .*child.* first") as caught:
                drop()
            assert child.full_table_name in str(caught.value)
    assert set(up.list_tables()) == {"parent", "lonely", "kid"}  # Kid was not dropped before the refusal
    assert len(kid()) == 1 and len(parent()) == 1


def test_foreign_key_failures_name_the_tables_and_the_fix(linked):
    _, _, parent, _, _, child = linked
    with pytest.raises(dj.errors.IntegrityError) as caught:
        child.insert1((2, 1))  # no parent 2
    assert parent.full_table_name in str(caught.value) and "Insert the parent rows first" in str(caught.value)
    with pytest.raises(dj.errors.IntegrityError) as caught:
        (parent & {"pid": 1}).delete_quick()
    message = str(caught.value)
    assert child.full_table_name in message and "use delete()" in message
    assert len(parent()) == 1


def test_drop_within_a_schema_still_cascades(linked):
    up, down, _, _, _, child = linked
    with dj.config(safemode=False):
        assert child.drop() is True
        parent = dj.FreeTable(up.connection, f"`{up.database}`.`parent`")
        assert parent.drop() is True
    assert set(up.list_tables()) == {"lonely"} and down.list_tables() == []


# -- item 3: alter() of a table with an external-store attribute


def test_alter_of_a_table_with_an_external_attribute(lab, store):
    schema, _ = lab

    @schema
    class Scan(dj.Manual):
        definition = """
        # scans
        scan_id : int
        ---
        image = null : blob@raw
        """

    Scan.insert1({"scan_id": 1, "image": np.eye(3)})
    Scan.definition = """
    # scans, renamed
    scan_id : int
    ---
    image = null : blob@raw   # the image
    gain = 1 : int            # added by alter
    """
    sql = Scan.alter(prompt=False)
    assert sql is not None and "ADD `gain`" in sql
    heading = Scan.heading
    assert heading.table_comment == "scans, renamed" and heading["image"].comment == "the image"
    assert heading["image"].store == "raw" and heading["gain"].default is not None
    assert np.array_equal((Scan & {"scan_id": 1}).fetch1("image"), np.eye(3))
    assert (Scan & {"scan_id": 1}).fetch1("gain") == 1
    Scan.insert1({"scan_id": 2, "image": np.ones(2), "gain": 2})
    tracked = schema.external["raw"]
    assert {"referencing_table": Scan.full_table_name, "column_name": "image"} in tracked.references
    assert len(tracked.used()) >= 2  # the store's foreign key is still there
    assert Scan.alter(prompt=False) is None  # nothing left to change

    Scan.definition += "extra = null : blob@raw\n"
    with pytest.raises(dj.errors.DefinitionError, match="external-store attributes"):
        Scan.alter(prompt=False)
    Scan.definition = Scan.definition.replace("image = null : blob@raw", "image = null : longblob")
    with pytest.raises(dj.errors.DefinitionError, match="external-store attributes"):
        Scan.alter(prompt=False)


# -- item 4: Diagram's images and conn.dependencies as 0.14's networkx graph


def test_diagram_svg_image_and_draw(lab):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    from matplotlib import pyplot

    schema, _ = lab
    diagram = dj.Diagram(schema)
    svg = diagram._repr_svg_()
    assert isinstance(svg, str) and "<svg" in svg and "Item" in svg
    made = diagram.make_svg()  # 0.14 returns an IPython SVG: displayable, with .data
    assert made == svg and made.data == svg and made._repr_svg_() == svg
    image = diagram.make_image()
    assert isinstance(image, np.ndarray) and image.ndim == 3 and image.shape[2] in (3, 4)
    assert image.shape[0] > 10 and image.shape[1] > 10
    pyplot.close("all")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # plt.show() on the non-interactive Agg backend warns
        diagram.draw()
    axes = pyplot.gca()
    assert len(axes.images) == 1 and not axes.axison
    pyplot.close("all")


def test_connection_dependencies_is_the_networkx_graph_of_0_14(lab):
    nx = pytest.importorskip("networkx")
    schema, _ = lab

    @schema
    class Animal(dj.Manual):
        definition = "animal_id : int"

    @schema
    class Pairing(dj.Manual):
        definition = """
        -> Animal
        pairing : int
        ---
        -> [nullable] Animal.proj(mate='animal_id')
        """

    deps = schema.connection.dependencies
    assert isinstance(deps, nx.DiGraph) and deps is schema.connection.dependencies
    deps.load()
    deps.load(force=False)
    animal, pairing = Animal.full_table_name, Pairing.full_table_name
    assert animal == f"`{schema.database}`.`animal`" and animal in deps and pairing in deps
    assert f"`{schema.database}`.`~log`" not in deps  # hidden tables are not nodes, as in 0.14
    assert deps.nodes[animal] == {"primary_key": {"animal_id"}}
    parents = deps.parents(pairing)
    alias = next(node for node in parents if node.isdigit())  # the renamed key's alias node, as 0.14
    assert parents[animal] == {
        "attr_map": {"animal_id": "animal_id"},
        "primary": True,
        "aliased": False,
        "multi": True,
    }
    assert parents[alias] == {
        "attr_map": {"mate": "animal_id"},
        "primary": False,
        "aliased": True,
        "multi": True,
    }
    assert set(deps.children(animal)) == {pairing, alias} and deps.parents(pairing, primary=True) == {
        animal: parents[animal]
    }
    assert deps.descendants(animal) == [animal, pairing]
    assert list(deps.ancestors(pairing)) == [pairing, animal]
    assert nx.descendants(deps, animal) == {pairing, alias}
    assert nx.ancestors(deps, pairing) == {animal, alias}
    assert Pairing.ancestors() == [pairing, animal] and Animal.descendants() == [animal, pairing]
    assert deps.topo_sort().index(animal) < deps.topo_sort().index(pairing)


# -- item 5: config["add_hidden_timestamp"]


def test_add_hidden_timestamp_declares_datajoint_hidden_column(lab):
    schema, _ = lab
    with dj.config(add_hidden_timestamp=True):

        @schema
        class Stamped(dj.Manual):
            definition = """
            # stamped rows
            stamp_id : int
            ---
            value : float
            """

        @schema
        class KeyOnly(dj.Manual):
            definition = "key_only_id : int"

    @schema
    class Plain(dj.Manual):
        definition = "plain_id : int"

    assert KeyOnly.heading.names == ["key_only_id"]
    assert "---" not in KeyOnly.describe() and "_timestamp" not in KeyOnly.describe()
    assert KeyOnly.alter(prompt=False) is None  # the hidden column is no difference

    # DataJoint 0.14.2's name: "_" + sha1 of "schema.table" + "_timestamp"
    hidden = "_" + hashlib.sha1(f"{schema.database}.stamped".encode()).hexdigest() + "_timestamp"
    connection = schema.connection
    columns = {
        row["Field"]: row
        for row in connection.query(*connection.dialect.columns(schema.database, "stamped"), as_dict=True)
    }
    assert list(columns) == ["stamp_id", "value", hidden]
    assert columns[hidden]["Type"] == "timestamp" and columns[hidden]["Null"] == "NO"
    assert str(columns[hidden]["Default"]).lower().startswith("current_timestamp")
    plain = connection.query(*connection.dialect.columns(schema.database, "plain"), as_dict=True).fetchall()
    assert [row["Field"] for row in plain] == ["plain_id"]  # only while the setting is on
    heading = Stamped.heading
    assert heading.names == ["stamp_id", "value"] and heading.secondary_attributes == ["value"]
    Stamped.insert1({"stamp_id": 1, "value": 0.5})
    Stamped.insert1((2, 1.5))
    assert Stamped.fetch(as_dict=True) == [{"stamp_id": 1, "value": 0.5}, {"stamp_id": 2, "value": 1.5}]
    assert set((Stamped & {"stamp_id": 1}).fetch1()) == {"stamp_id", "value"}
    assert hidden not in Stamped.describe() and hidden not in repr(Stamped())
    stamps = connection.query(f"SELECT `{hidden}` FROM {Stamped.full_table_name}").fetchall()
    assert len(stamps) == 2 and all(row[0] is not None for row in stamps)
    Stamped.definition = Stamped.definition.replace("value : float", "value : float  # now commented")
    sql = Stamped.alter(prompt=False)
    assert sql is not None and hidden not in sql  # alter keeps the hidden column
    assert hidden in {
        row["Field"]
        for row in connection.query(*connection.dialect.columns(schema.database, "stamped"), as_dict=True)
    }
