"""DataJoint 0.14 behaviours that real pipelines rely on: contents, make forms, parts, adapters."""

from __future__ import annotations

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
