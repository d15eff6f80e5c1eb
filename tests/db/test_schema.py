"""Declaring a pipeline of every tier and form against MariaDB, and reading it back."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

import djnb as dj
from djnb.heading import strip_display_width

BACKENDS = ("mysql", "sqlite")


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    location = tmp_path_factory.mktemp("store")
    with dj.config(stores={"raw": {"protocol": "file", "location": str(location)}}):
        yield


@pytest.fixture(scope="module")
def pipeline(server, prefix, stores):
    """A module-level pipeline declared through the decorator (context: this namespace)."""
    connection = dj.Connection(**server)
    schema = dj.Schema(f"{prefix}_lab", connection=connection)
    space: dict = {}

    @schema
    class Subject(dj.Manual):
        definition = """
        # experimental animals
        subject_id : int unsigned   # unique id
        ---
        species = "mouse" : varchar(32)
        sex : enum('M', 'F', 'U')
        date_of_birth = null : date
        weight = null : decimal(5, 2)  # grams
        notes = "" : varchar(1000)
        born = CURRENT_TIMESTAMP : timestamp
        """

    space["Subject"] = Subject

    @schema(context=space)
    class Rig(dj.Lookup):
        definition = """
        rig : varchar(16)
        ---
        room : varchar(16)
        """
        contents = (("rig1", "A"), ("rig2", "B"))

    space["Rig"] = Rig

    @schema(context=space)
    class Session(dj.Manual):
        definition = """
        -> Subject
        session : smallint
        ---
        -> [nullable] Rig
        start = null : datetime(3)
        ok = 1 : bool
        params = null : json
        uid : uuid   # session uuid
        index (start)
        """

    space["Session"] = Session

    @schema(context=space)
    class Recording(dj.Imported):
        definition = """
        -> Session
        ---
        trace : longblob
        raw = null : blob@raw
        attachment = null : attach
        fs : double  # Hz
        """

        class Channel(dj.Part):
            definition = """
            -> master
            channel : tinyint unsigned
            ---
            gain : float
            """

    space["Recording"] = Recording

    @schema(context=space)
    class Pairing(dj.Computed):
        definition = """
        -> Session
        -> Session.proj(other_subject="subject_id", other_session="session")
        ---
        -> [unique] Subject.proj(mentor="subject_id")
        score : float
        unique index (score)
        """

    space["Pairing"] = Pairing
    yield schema, space
    connection.close()


def test_tables_are_declared_with_datajoint_names(pipeline):
    schema, space = pipeline
    assert schema.list_tables() == sorted(schema.list_tables(), key=schema.list_tables().index)
    assert set(schema.list_tables()) == {
        "subject", "#rig", "session", "_recording", "_recording__channel", "__pairing",
    }  # fmt: skip
    assert space["Recording"].Channel.table_name == "_recording__channel"
    assert space["Pairing"].full_table_name == f"`{schema.database}`.`__pairing`"


def test_headings(pipeline):
    _, space = pipeline
    session = space["Session"].heading
    assert session.primary_key == ["subject_id", "session"]
    assert session["rig"].nullable and session["rig"].default == "null"
    assert session["uid"].uuid and session["uid"].type == "uuid" and session["uid"].comment == "session uuid"
    assert session["start"].type == "datetime(3)"
    subject = space["Subject"].heading
    assert subject["species"].default == '"mouse"' and subject["born"].default == "CURRENT_TIMESTAMP"
    assert subject["subject_id"].type == "int unsigned" and subject["weight"].comment == "grams"
    assert subject.table_comment == "experimental animals"
    recording = space["Recording"].heading
    assert recording["trace"].is_blob and not recording["trace"].is_external
    assert (
        recording["raw"].is_external
        and recording["raw"].store == "raw"
        and recording["raw"].type == "blob@raw"
    )
    assert recording["attachment"].is_attachment
    pairing = space["Pairing"].heading
    assert pairing.primary_key == ["subject_id", "session", "other_subject", "other_session"]


def test_lookup_contents_are_inserted(pipeline, server):
    schema, _ = pipeline
    connection = dj.Connection(**server)
    rows = connection.query(f"SELECT rig, room FROM `{schema.database}`.`#rig` ORDER BY rig").fetchall()
    assert rows == (("rig1", "A"), ("rig2", "B"))


def test_dependencies(pipeline):
    _, space = pipeline
    session = space["Session"]()
    db = session.database
    assert set(session.parents()) == {f"`{db}`.`subject`", f"`{db}`.`#rig`"}
    assert session.parents(primary=True) == [f"`{db}`.`subject`"]
    children = session.children(foreign_key_info=True)
    aliased = [info for name, info in children if info["aliased"]]
    assert aliased and aliased[0]["attr_map"] == {"other_subject": "subject_id", "other_session": "session"}
    assert space["Recording"]().parts() == [f"`{db}`.`_recording__channel`"]
    assert f"`{db}`.`__pairing`" in space["Subject"]().descendants()


def test_describe_redeclares_identical_tables(pipeline, server, prefix):
    schema, space = pipeline
    connection = schema.connection
    copy = dj.Schema(f"{prefix}_copy", connection=connection)
    copies: dict = {}
    for name in ("Subject", "Rig", "Session", "Recording", "Pairing"):
        original = space[name]
        text = original().describe(context=space)
        clone = type(name, (original.__mro__[1],), {"definition": text})
        if name == "Recording":
            part_text = original.Channel().describe(context={**space, "Recording": original})
            clone.Channel = type(
                "Channel", (dj.Part,), {"definition": part_text.replace("-> Recording", "-> master")}
            )
        copy(clone, context={**space, **copies})
        copies[name] = clone
        pairs = [(original, clone)] + ([(original.Channel, clone.Channel)] if name == "Recording" else [])
        for ours, theirs in pairs:
            expected = show_create(connection, theirs.full_table_name).replace(
                f"{prefix}_copy", f"{prefix}_lab"
            )
            assert show_create(connection, ours.full_table_name) == expected, name


def show_create(connection, full_name: str) -> str:
    """The table's stored definition, lines sorted (constraints may come in another order):
    SHOW CREATE TABLE on the server; on SQLite its CREATE statement and catalog rows."""
    if connection.backend == "sqlite":
        schema, table = full_name.strip("`").split("`.`")
        text = connection.query(
            "SELECT sql FROM sqlite_master WHERE name = %s", (f"{schema}.{table}",)
        ).fetchone()[0]
        text = text.replace(f"{schema}.", "SCHEMA.")
        rows = connection.query(*connection.dialect.columns(schema, table)).fetchall()
        text += "\n" + "\n".join(map(repr, rows))
    else:
        text = connection.query(f"SHOW CREATE TABLE {full_name}").fetchone()[1]
    return "\n".join(sorted(line.strip().rstrip(",") for line in text.splitlines()))


def test_virtual_module_from_another_process(pipeline, server):
    schema, _ = pipeline
    script = textwrap.dedent(f"""
        import djnb as dj
        c = dj.Connection(**{server!r})
        lab = dj.VirtualModule("lab", {schema.database!r}, connection=c)
        print(sorted(n for n in vars(lab) if n[:1].isupper()))
        print(lab.Recording.Channel.heading.primary_key)
        print(lab.Session().describe().count("->"))
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == str(sorted(["Pairing", "Recording", "Rig", "Session", "Subject"]))
    assert lines[1] == str(["subject_id", "session", "channel"])
    assert lines[2] == "2"


def test_spawn_missing_classes(pipeline):
    schema, _ = pipeline
    fresh = dj.Schema(schema.database, connection=schema.connection, create_tables=False)
    context: dict = {}
    fresh.spawn_missing_classes(context=context)
    assert {"Subject", "Rig", "Session", "Recording", "Pairing"} <= set(context)
    assert issubclass(context["Rig"], dj.Lookup) and issubclass(context["Pairing"], dj.Computed)
    assert context["Recording"].Channel.heading.primary_key == ["subject_id", "session", "channel"]


def test_log_records_declarations(pipeline):
    schema, _ = pipeline
    events = [row[0] for row in schema.connection.query(f"SELECT event FROM `{schema.database}`.`~log`")]
    assert any(e.startswith("Declared") and "`subject`" in e for e in events)


def test_unknown_parent_suggests_a_name(pipeline):
    schema, space = pipeline

    class Broken(dj.Manual):
        definition = """
        -> Sesion
        x : int
        """

    with pytest.raises(dj.errors.DefinitionError, match="Did you mean Session") as caught:
        schema(Broken, context=space)
    assert caught.value.line_no == 2 and "-> Sesion" in str(caught.value)

    class Misspelled(dj.Manual):
        definition = """
        x : int
        ---
        notes : varchr(20)
        """

    with pytest.raises(dj.errors.DefinitionError, match="Did you mean `varchar") as caught:
        schema(Misspelled, context=space)
    assert f"`{schema.database}`.`misspelled`, line 4" in str(caught.value)


def test_drop_removes_dependents_children_first(server, prefix):
    connection = dj.Connection(**server)
    schema = dj.Schema(f"{prefix}_drop", connection=connection)
    space: dict = {}

    @schema(context=space)
    class A(dj.Manual):
        definition = "a : int"

    space["A"] = A

    @schema(context=space)
    class B(dj.Manual):
        definition = "-> A\nb : int"

    space["B"] = B

    @schema(context=space)
    class C(dj.Manual):
        definition = "-> B\nc : int"

    assert A().descendants() == [A.full_table_name, B.full_table_name, C.full_table_name]
    assert A().drop(confirm=lambda question: "`c`" in question) is True
    assert schema.list_tables() == []
    assert schema.drop(force=True)
    assert not schema.exists


def test_alter_changes_secondary_attributes_and_keeps_data(server, prefix):
    connection = dj.Connection(**server)
    schema = dj.Schema(f"{prefix}_alter", connection=connection)
    space: dict = {}

    @schema(context=space)
    class Animal(dj.Manual):
        definition = """
        # animals
        animal : int
        ---
        name : varchar(16)
        weight = null : float
        index (name)
        """

    space["Animal"] = Animal

    @schema(context=space)
    class Note(dj.Manual):
        definition = """
        -> Animal
        note_id : int
        ---
        text : varchar(100)
        """

    connection.query(f"INSERT INTO {Animal.full_table_name} (animal, name, weight) VALUES (1, 'rex', 3.5)")
    connection.query(f"INSERT INTO {Note.full_table_name} VALUES (1, 1, 'hello')")
    Animal.definition = """
    # animals, renamed comment
    animal : int
    ---
    name : varchar(64)  # longer now
    age = 0 : smallint unsigned
    index (name)
    """
    asked: list[str] = []
    sql = Animal().alter(confirm=lambda question: asked.append(question) or True)
    assert (
        "DROP `weight`" in sql
        and "MODIFY `name` varchar(64)" in sql
        and "ADD `age`" in sql
        and "COMMENT=" in sql
    )
    assert asked and sql in asked[0]
    heading = Animal.heading
    assert heading.names == ["animal", "name", "age"] and heading["name"].type == "varchar(64)"
    assert heading.table_comment == "animals, renamed comment"
    assert connection.query(f"SELECT animal, name, age FROM {Animal.full_table_name}").fetchall() == (
        (1, "rex", 0),
    )
    assert ("name",) in heading.indexes  # the index survives
    with pytest.raises(dj.errors.IntegrityError):  # and so do the foreign keys into the table
        connection.query(f"INSERT INTO {Note.full_table_name} VALUES (99, 1, 'orphan')")
    assert Animal().alter() is None  # nothing left to change
    Note.definition = """
    -> Animal
    note_id : int
    ---
    text : varchar(200)
    """
    assert "MODIFY `text` varchar(200)" in Note().alter(prompt=False)
    assert connection.query(f"SELECT text FROM {Note.full_table_name}").fetchone() == ("hello",)
    Animal.definition = Animal.definition.replace("animal : int", "animal : bigint")
    with pytest.raises(dj.errors.DefinitionError, match="primary key"):
        Animal().alter(prompt=False)
    Animal.definition = Animal.definition.replace("animal : bigint", "animal : int")
    with dj.config(safemode=True):
        Animal.definition += "extra = 1 : int\n"
        assert Animal().alter(confirm=lambda question: False) is None  # declined: unchanged
    assert "extra" not in Animal.heading.names


def config_of(server: dict) -> dict:
    """dj.config settings that make dj.conn() open ``server``."""
    if server.get("backend") == "sqlite":
        return {"database.backend": "sqlite", "database.path": server["path"]}
    return {f"database.{key}": server[key] for key in ("host", "user", "password", "port")}


def test_schema_code_redeclares_the_schema(pipeline, server, prefix, tmp_path):
    schema, _ = pipeline
    path = schema.save(str(tmp_path / "lab.py"))
    code = (tmp_path / "lab.py").read_text()
    assert path.endswith("lab.py") and "@schema" in code and "class Channel(dj.Part):" in code
    assert (
        "-> master" in code and '-> Session.proj(other_subject="subject_id",other_session="session")' in code
    )
    clone = code.replace(repr(schema.database), repr(f"{prefix}_code"))
    script = (
        "import djnb as dj\n"
        f"dj.config['stores'] = {{'raw': {{'protocol': 'file', 'location': {str(tmp_path)!r}}}}}\n"
        + "".join(f"dj.config[{k!r}] = {v!r}\n" for k, v in config_of(server).items())
        + "dj.conn()\n"
        + clone
        + "\nprint(sorted(schema.list_tables()))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(sorted(schema.list_tables()))


ALL_TYPES = """
# one attribute of every kind
id : int
---
a_tinyint : tinyint
a_tinyint_unsigned : tinyint unsigned
a_smallint : smallint
a_mediumint : mediumint unsigned
a_bigint : bigint
a_integer = 5 : integer
a_float = 1.5 : float
a_double : double
a_decimal = 0.25 : decimal(8, 3) unsigned
a_char : char(3)
a_varchar = "it's" : varchar(20)  # quotes inside
a_enum = "two" : enum('one', 'two')
a_date = "2020-01-01" : date
a_datetime = null : datetime(6)
a_time : time
a_timestamp = CURRENT_TIMESTAMP : timestamp
a_year : year
a_bool = 0 : bool
a_json = null : json
a_tinyblob = null : tinyblob
a_blob = null : blob
a_mediumblob = null : mediumblob
a_longblob = null : longblob
a_uuid = null : uuid
a_attach = null : attach
a_blob_store = null : blob@raw
a_attach_store = null : attach@raw
a_filepath = null : filepath@raw
a_adapted = null : <graph>
a_int32 = null : int32  # a DataJoint 2.x core type
a_uint8 : uint8
a_float64 : float64
unique index (a_char)
index (a_date, a_time)
"""


class Graph:
    """A stand-in attribute adapter (dj.AttributeAdapter arrives with external storage)."""

    attribute_type = "longblob"


def test_every_type_is_stored_as_datajoint_stores_it(server, prefix, stores):
    connection = dj.Connection(**server)
    schema = dj.Schema(f"{prefix}_types", connection=connection, context={"graph": Graph()})

    @schema
    class Everything(dj.Manual):
        definition = ALL_TYPES

    heading = Everything.heading
    columns = {
        row["Field"]: (strip_display_width(row["Type"]), row["Comment"])
        for row in connection.query(*connection.dialect.columns(schema.database, "everything"), as_dict=True)
    }
    assert columns["a_uuid"] == ("binary(16)", ":uuid:")
    assert columns["a_attach"] == ("longblob", ":attach:")
    assert columns["a_blob_store"] == ("binary(16)", ":blob@raw:")
    assert columns["a_filepath"] == ("binary(16)", ":filepath@raw:")
    assert columns["a_adapted"] == ("longblob", ":<graph>:")
    assert columns["a_int32"] == ("int", ":int32:a DataJoint 2.x core type")
    assert columns["a_bool"][0] == "tinyint" and columns["a_varchar"][1] == "quotes inside"
    assert heading["a_int32"].type == "int32" and heading["a_int32"].comment == "a DataJoint 2.x core type"
    assert heading["a_adapted"].adapter == "graph" and heading["a_adapted"].type == "<graph>"
    assert heading["a_attach_store"].is_attachment and heading["a_attach_store"].is_external
    assert heading["a_filepath"].is_filepath and heading["a_json"].json and heading["a_json"].type == "json"
    assert heading["a_varchar"].default == '"it\'s"' and heading["a_decimal"].type == "decimal(8,3) unsigned"
    assert set(heading.indexes) >= {("a_char",), ("a_date", "a_time")}
    tables = {row[0] for row in connection.query(*connection.dialect.list_tables(schema.database))}
    assert "~external_raw" in tables and "~log" in tables
    text = Everything().describe()
    assert "a_blob_store=null    : blob@raw" in text and "UNIQUE INDEX (a_char)" in text
    # the description declares an identical table
    copy = dj.Schema(f"{prefix}_types2", connection=connection, context={"graph": Graph()})
    clone = copy(type("Everything", (dj.Manual,), {"definition": text}))
    assert show_create(connection, clone.full_table_name).replace(
        f"{prefix}_types2", f"{prefix}_types"
    ) == show_create(connection, Everything.full_table_name)


def test_names_longer_than_64_characters_are_refused(pipeline):
    schema, space = pipeline

    class AnExtremelyLongClassNameThatWillNotFitIntoTheSixtyFourCharacterLimitOfMySQL(dj.Manual):
        definition = "x : int"

    with pytest.raises(dj.errors.DefinitionError, match="limit is 64"):
        schema(AnExtremelyLongClassNameThatWillNotFitIntoTheSixtyFourCharacterLimitOfMySQL, context=space)


def test_part_tables_are_dropped_with_their_master_and_sizes_are_reported(pipeline):
    _, space = pipeline
    with pytest.raises(dj.errors.DataJointError, match="dropped with its master"):
        space["Recording"].Channel().drop()
    assert space["Subject"]().size_on_disk > 0
    free = dj.FreeTable(space["Subject"]().connection, space["Subject"].full_table_name)
    assert free.heading.primary_key == ["subject_id"] and free.is_declared


def test_deferred_activation_and_schema_options(server, prefix):
    connection = dj.Connection(**server)
    schema = dj.Schema()
    assert not schema.is_activated

    @schema(context={})
    class Later(dj.Manual):
        definition = "later_id : int"

    assert Later.database is None  # waits for activate()
    with pytest.raises(dj.errors.DataJointError, match="create_schema=False"):
        dj.Schema(f"{prefix}_absent", connection=connection, create_schema=False)
    schema.activate(f"{prefix}_later", connection=connection, add_objects={"Extra": Later})
    assert Later().is_declared and schema.list_tables() == ["later"]
    assert f"{prefix}_later" in dj.list_schemas(connection)
    with pytest.raises(dj.errors.DataJointError, match="already activated"):
        schema.activate(f"{prefix}_other")


def test_spawn_missing_classes_into_the_calling_module(pipeline, server):
    schema, _ = pipeline
    script = textwrap.dedent(f"""
        import djnb as dj
        c = dj.Connection(**{server!r})
        schema = dj.Schema({schema.database!r}, connection=c, create_tables=False)
        schema.spawn_missing_classes()
        print(Session.primary_key, Recording.Channel.table_name)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['subject_id', 'session'] _recording__channel"
