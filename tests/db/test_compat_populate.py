"""DataJoint 0.14 behaviours that real pipelines rely on: contents, make forms, parts, adapters."""

from __future__ import annotations

import os
import signal

import numpy as np
import pytest

import djnb as dj

BACKENDS = ("mysql", "sqlite")


@pytest.fixture
def schema(server, prefix, request):
    """A fresh schema per test (named after the test) on its own connection."""
    connection = dj.Connection(**server)
    name = f"{prefix}_{request.node.name.split('[')[0][5:30]}"
    schema = dj.Schema(name, connection=connection, context={})
    yield schema
    with dj.config(safemode=False):
        schema.drop(force=True)
    connection.close()


def declare(schema, *classes):
    """Declare classes in order, each visible to the next (as a module's namespace would be)."""
    for cls in classes:
        schema.context[cls.__name__] = cls
        schema(cls)
    return classes


# -- 1. Lookup contents and definitions read from an instance


def test_lookup_contents_may_be_a_property_or_any_iterable(schema):
    class Colour(dj.Lookup):
        @property
        def definition(self):
            return "colour : varchar(12)\n---\nrank : int"

        @property
        def contents(self):
            return [("red", 1), ("green", 2)]

    class Shape(dj.Lookup):
        definition = "shape : varchar(12)"
        contents = (("circle",), ("square",))  # a tuple of tuples

    class Size(dj.Lookup):
        definition = "size : int\n---\nlabel : varchar(8)"
        contents = ({"size": s, "label": f"s{s}"} for s in (1, 2, 3))  # a generator of dicts

    class Grade(dj.Lookup):
        definition = "grade : int\n---\nscore : float"
        contents = np.array([(1, 0.5), (2, 0.75)], dtype=[("grade", "<i8"), ("score", "<f8")]).view(
            np.recarray
        )

    class Empty(dj.Lookup):
        definition = "empty_id : int"
        contents = None

    declare(schema, Colour, Shape, Size, Grade, Empty)
    assert sorted(Colour.fetch("colour", "rank", as_dict=True), key=lambda r: r["rank"]) == [
        {"colour": "red", "rank": 1},
        {"colour": "green", "rank": 2},
    ]
    assert sorted(Shape.fetch("shape").tolist()) == ["circle", "square"]
    assert sorted(Size.fetch("label").tolist()) == ["s1", "s2", "s3"]
    assert Grade.fetch("score", order_by="grade").tolist() == [0.5, 0.75]
    assert len(Empty()) == 0
    schema(Colour)  # declared again (a module imported twice): the rows are not duplicated
    assert len(Colour()) == 2
    Shape.insert1(("triangle",))
    Shape.delete_quick()  # the table emptied: contents come back at the next declaration
    schema(Shape)
    assert sorted(Shape.fetch("shape").tolist()) == ["circle", "square"]


# -- 2, 3. make forms: legacy _make_tuples, three parts, a generator make


@pytest.fixture
def source(schema):
    class Source(dj.Manual):
        definition = "source_id : int\n---\nvalue : int\nsignal : longblob"

    declare(schema, Source)
    Source.insert([(i, 10 * i, np.arange(i + 3, dtype=float)) for i in range(4)])
    return Source


def test_legacy_make_tuples_is_called_when_there_is_no_make(schema, source):
    class Legacy(dj.Computed):
        definition = "-> Source\n---\ntwice : int"

        def _make_tuples(self, key):
            self.insert1({**key, "twice": 2 * (source & key).fetch1("value")})

    declare(schema, Legacy)
    assert Legacy.populate() == {"success_count": 4, "error_list": []}
    assert sorted(Legacy.fetch("twice").tolist()) == [0, 20, 40, 60]


def test_three_part_make_gets_make_kwargs_and_computes_once(schema, source):
    calls: list = []

    class Parts(dj.Computed):
        definition = "-> Source\n---\ntotal : float\nscaled : int"

        def make_fetch(self, key, scale=1):
            calls.append(("fetch", scale))
            value, signal = (source & key).fetch1("value", "signal")
            return value * scale, {"signal": signal, "rows": (source & key).fetch()}

        def make_compute(self, key, value, inputs):
            calls.append(("compute",))
            return float(inputs["signal"].sum()), value

        def make_insert(self, key, total, scaled):
            self.insert1({**key, "total": total, "scaled": scaled})

    declare(schema, Parts)
    assert Parts.populate({"source_id": 2}, make_kwargs={"scale": 3})["success_count"] == 1
    assert (Parts & {"source_id": 2}).fetch1("total", "scaled") == (10.0, 60)  # arange(5).sum()
    # fetched (with a record array holding a blob), computed, fetched again in the transaction
    assert calls == [("fetch", 3), ("compute",), ("fetch", 3)]
    assert Parts.populate(reserve_jobs=True)["success_count"] == 3


def test_a_generator_make_inserts_and_checks_its_inputs_again(schema, source):
    computed: list = []

    class Steps(dj.Computed):
        definition = "-> Source\n---\nsquare : int"

        edit_inputs = False

        def make(self, key, offset=0):
            value = (source & key).fetch1("value") + offset
            result = yield (value,)
            if result is None:
                computed.append(key["source_id"])
                if self.edit_inputs:  # another client changes the input meanwhile
                    self.connection.query(
                        f"UPDATE {source.full_table_name} SET value = value + 1 WHERE source_id = %s",
                        (key["source_id"],),
                    )
                result = (value * value,)
                yield result
            self.insert1({**key, "square": result[0]})
            # no final yield: the make may simply end after inserting

    declare(schema, Steps)
    assert Steps.populate({"source_id": 1}, make_kwargs={"offset": 1})["success_count"] == 1
    assert (Steps & {"source_id": 1}).fetch1("square") == 121 and computed == [1]
    Steps.edit_inputs = True
    with pytest.raises(dj.DataJointError, match="inputs of .* changed"):
        Steps.populate({"source_id": 2})
    assert not (Steps & {"source_id": 2})
    result = Steps.populate(suppress_errors=True)
    assert result["success_count"] == 0 and len(result["error_list"]) == 3 and len(Steps()) == 1
    Steps.edit_inputs = False
    assert Steps.populate()["success_count"] == 3 and len(Steps()) == 4


def test_a_table_without_make_raises_not_implemented(schema, source):
    class Nothing(dj.Computed):
        definition = "-> Source"

    declare(schema, Nothing)
    with pytest.raises(NotImplementedError, match="make_fetch") as caught:
        Nothing.populate()
    assert isinstance(caught.value, dj.errors.MissingDefinitionError)
    assert len(Nothing()) == 0


# -- 4. processes=None: one worker per CPU


def test_processes_none_means_one_worker_per_cpu(schema, source):
    class Pids(dj.Computed):
        definition = "-> Source\n---\npid : int"

        def make(self, key):
            self.insert1({**key, "pid": os.getpid()})

    declare(schema, Pids)
    result = Pids.populate(processes=None)
    assert result == {"success_count": 4, "error_list": []}
    pids = set(Pids.fetch("pid").tolist())
    assert os.getpid() not in pids or (os.cpu_count() or 1) == 1  # made in forked workers
    with pytest.raises(dj.errors.ArgumentError, match="processes"):
        Pids.populate(processes=-2)


def test_a_worker_killed_mid_run_is_reported_not_waited_for(schema, source):
    class Dies(dj.Computed):
        definition = "-> Source\n---\npid : int"

        def make(self, key):
            if key["source_id"] == 2:
                os.kill(os.getpid(), signal.SIGKILL)  # no report from this worker, ever
            self.insert1({**key, "pid": os.getpid()})

    declare(schema, Dies)
    result = Dies.populate(processes=2)
    assert any("ended without reporting" in message for _, message in result["error_list"])
    assert 1 <= len(Dies()) <= 3  # the other worker made what it could


# -- 5. Part.delete(force=True)


def test_a_part_deletes_its_own_rows_with_force(schema):
    class Recording(dj.Manual):
        definition = "recording_id : int"

        class Channel(dj.Part):
            definition = "-> master\nchannel : int"

    declare(schema, Recording)
    Recording.insert([(1,), (2,)])
    Recording.Channel.insert([(r, c) for r in (1, 2) for c in range(3)])
    with dj.config(safemode=False):
        with pytest.raises(dj.DataJointError, match="master"):
            Recording.Channel.delete()
        assert len(Recording.Channel()) == 6
        (Recording.Channel & {"recording_id": 1, "channel": 0}).delete(force=True)
        assert len(Recording.Channel()) == 5
        Recording.Channel.delete(force=True)
        Recording.Channel().delete(True)  # 0.14's first positional argument is force
    assert len(Recording.Channel()) == 0 and len(Recording()) == 2


# -- 7. errors that 0.14 code catches by a builtin type


def test_a_class_without_definition_raises_not_implemented(schema):
    class Undefined(dj.Manual):
        pass

    with pytest.raises(NotImplementedError, match="no definition") as caught:
        schema(Undefined)
    assert isinstance(caught.value, dj.errors.MissingDefinitionError)
    assert not isinstance(Undefined.definition, str)  # as in 0.14: code tests for a str
    assert "undefined" not in schema.list_tables()


# -- 8. adapters found from the table itself and for spawned classes; -> self.attribute


class Pair(dj.AttributeAdapter):
    """A (left, right) tuple stored as a longblob."""

    attribute_type = "longblob"

    def put(self, obj):
        return np.array(obj, dtype=float)

    def get(self, value):
        return tuple(value.tolist())


def test_adapters_are_found_from_the_table_and_for_spawned_classes(schema, server):
    schema.context["pair"] = Pair()

    class Stereo(dj.Manual):
        definition = "stereo_id : int\n---\nlevels : <pair>"

    declare(schema, Stereo)
    Stereo.insert1((1, (0.5, 2.0)))
    assert Stereo.fetch1("levels") == (0.5, 2.0)  # straight from the table
    assert Stereo().fetch(as_dict=True) == [{"stereo_id": 1, "levels": (0.5, 2.0)}]
    assert (Stereo & "stereo_id = 1").fetch1("levels") == (0.5, 2.0)
    plain = dj.Schema(f"{schema.database}_b", connection=schema.connection, context={})

    class Take(dj.Manual):  # another schema, whose context has no adapter
        definition = "stereo_id : int\n---\nlabel : varchar(9)"

    plain(Take)
    Take.insert1((1, "first"))
    assert (Take * Stereo).fetch1("levels") == (0.5, 2.0)  # the joined table's adapter
    assert (Take.proj() + Stereo.proj()).fetch("KEY") == [{"stereo_id": 1}]

    elsewhere = dj.Connection(**server)
    spawned = {"pair": Pair()}  # a module's namespace with its adapter
    dj.Schema(schema.database, connection=elsewhere).spawn_missing_classes(context=spawned)
    assert spawned["Stereo"].fetch1("levels") == (0.5, 2.0)
    module = dj.VirtualModule("stereo", schema.database, connection=elsewhere, add_objects={"pair": Pair()})
    assert module.Stereo.fetch1("levels") == (0.5, 2.0)
    late = dj.VirtualModule("late", schema.database, connection=elsewhere)
    late.pair = Pair()  # set on the module after it was made, still found (its namespace)
    late.Stereo.insert1((2, (1, 1)))
    assert (late.Stereo & {"stereo_id": 2}).fetch1("levels") == (1.0, 1.0)
    elsewhere.close()


def test_foreign_keys_to_attributes_of_the_class_itself(schema):
    class Animal(dj.Manual):
        definition = "animal : varchar(12)"

    class Visit(dj.Manual):
        upstream = Animal  # as linking modules do: the parent is an attribute of the class
        definition = """
        -> self.upstream
        visit : int
        """

        class Note(dj.Part):
            parent = Animal
            definition = "-> master\n---\n-> [nullable] self.parent.proj(other='animal')"

    declare(schema, Animal)
    schema(Visit)  # Visit is not in the schema's context; its definition names only itself
    assert Visit.primary_key == ["animal", "visit"]
    assert Visit.Note.heading.secondary_attributes == ["other"] and Visit.Note.heading["other"].nullable
    assert Visit.parents() == [Animal.full_table_name]


def test_an_adapter_without_attribute_type_is_refused_by_name(schema):
    class Untyped(dj.AttributeAdapter):
        def put(self, obj):
            return obj

        def get(self, value):
            return value

    schema.context["untyped"] = Untyped()

    class Loose(dj.Manual):
        definition = "loose_id : int\n---\nthing : <untyped>"

    with pytest.raises(dj.errors.DefinitionError, match="`untyped` sets no attribute_type"):
        declare(schema, Loose)


# -- 9. spawn_missing_classes() without a context: the caller's local namespace


def test_spawn_missing_classes_fills_the_callers_locals(schema, server):
    class Probe(dj.Lookup):
        definition = "probe : varchar(9)"
        contents = (("p1",),)

    declare(schema, Probe)
    elsewhere = dj.Connection(**server)
    other = dj.Schema(schema.database, connection=elsewhere, create_tables=False)

    def inside_a_function():
        other.spawn_missing_classes()
        return locals()

    found = inside_a_function()
    assert found["Probe"].fetch1("probe") == "p1"
    assert "Probe" not in globals()  # the module's namespace is left alone, as in 0.14

    class Namespace:  # in a class body, the classes become its attributes
        dj.Schema(schema.database, connection=elsewhere, create_tables=False).spawn_missing_classes()

    assert Namespace.Probe.fetch1("probe") == "p1"
    elsewhere.close()
