"""Headings have DataJoint 0.14's shapes: code written for 0.14 reads them (no database)."""

from __future__ import annotations

import numpy as np
import pytest

from djnb.errors import DataJointError, UnknownAttributeError
from djnb.heading import Attribute, Heading, Index
from djnb.sql.compiler import compile_query
from djnb.sql.conditions import Not, normalize
from djnb.sql.dialect import MySQLDialect
from djnb.sql.nodes import Node, Project, Relation, Restrict

FIELDS_014 = (
    "name", "type", "in_key", "nullable", "default", "comment", "autoincrement", "numeric", "string",
    "uuid", "json", "is_blob", "is_attachment", "is_filepath", "is_external", "is_hidden", "adapter",
    "store", "unsupported", "attribute_expression", "database", "dtype",
)  # fmt: skip


def heading() -> Heading:
    attributes = (
        Attribute("subject", "int", "INTEGER", in_key=True, sql_type="int(11)", database="lab"),
        Attribute("weight", "float", "FLOAT", nullable=True, default="null", comment="grams"),
        Attribute("count", "bigint unsigned", "INTEGER", sql_type="bigint(20) unsigned"),
        Attribute("maybe", "int", "INTEGER", nullable=True, default="null"),
        Attribute("name", "varchar(20)", "STRING", default='"x"'),
        Attribute("price", "decimal(5,2)", "DECIMAL"),
        Attribute("token", "uuid", "UUID", sql_type="binary(16)", comment="the token"),
        Attribute("trace", "longblob", "INTERNAL_BLOB"),
        Attribute("raw", "blob@store", "EXTERNAL_BLOB", store="store", sql_type="binary(16)"),
        Attribute("meta", "json", "JSON"),
        Attribute("_stamp", "timestamp", "TEMPORAL", default="CURRENT_TIMESTAMP"),
    )
    return Heading(attributes, "a comment", (Index(("name",), True), Index(("maybe", "price"), False)))


def test_attributes_is_a_dict_of_the_visible_attributes_keyed_by_name():
    h = heading()
    assert isinstance(h.attributes, dict)
    assert list(h.attributes) == [
        "subject",
        "weight",
        "count",
        "maybe",
        "name",
        "price",
        "token",
        "trace",
        "raw",
        "meta",
    ]
    assert h.attributes["weight"].type == "float" and h.attributes["weight"].comment == "grams"
    assert [name for name, attribute in h.attributes.items() if attribute.in_key] == ["subject"]
    assert all(isinstance(a, Attribute) for a in h.attributes.values())
    assert "_stamp" not in h.attributes and "_stamp" in h  # hidden: out of the 0.14 views only
    assert h["_stamp"].type == "timestamp" and len(h.all_attributes) == 11


def test_heading_iterates_and_counts_visible_names_like_014():
    h = heading()
    assert list(h) == h.names and len(h) == 10
    assert h.primary_key == ["subject"]
    assert h.secondary_attributes == [
        "weight",
        "count",
        "maybe",
        "name",
        "price",
        "token",
        "trace",
        "raw",
        "meta",
    ]
    assert h.blobs == ["trace", "raw"]
    assert h.non_blobs == ["subject", "weight", "count", "maybe", "name", "price", "token"]
    assert h.table_status["comment"] == "a comment" and h.new_attributes == []


def test_attribute_carries_014_fields():
    h = heading()
    assert set(h["subject"].todict()) == set(FIELDS_014)
    assert h["subject"]._asdict() == h["subject"].todict()
    subject, token, raw, name = h["subject"], h["token"], h["raw"], h["name"]
    assert subject.numeric and not subject.string and not subject.nullable and subject.database == "lab"
    assert name.string and not name.numeric and name.default == '"x"'
    assert token.uuid and token.sql_type == "binary(16)" and token.sql_comment == ":uuid:the token"
    assert token.sql == '`token` binary(16) NOT NULL COMMENT ":uuid:the token"'
    assert raw.is_blob and raw.is_external and raw.store == "store" and raw.sql_comment == ":blob@store:"
    assert h["meta"].json and h["trace"].is_blob and not h["trace"].is_external
    assert h["_stamp"].is_hidden and not subject.is_hidden
    assert not subject.unsupported and subject.attribute_expression is None and subject.adapter is None
    assert subject._replace(comment="c").comment == "c"
    with pytest.raises(UnknownAttributeError, match="colour"):
        subject._replace(colour="red")


def test_dtypes_follow_datajoint_rules():
    h = heading()
    dtypes = {name: a.dtype for name, a in h.attributes.items()}
    assert dtypes["subject"] is np.int64 and dtypes["weight"] is np.float64
    assert dtypes["count"] is np.uint64  # 0.14 says int64 and overflows above 2**63
    assert dtypes["maybe"] is object and dtypes["price"] is object and dtypes["token"] is object
    assert h.as_dtype == np.dtype(
        [("subject", "<i8"), ("weight", "<f8"), ("count", "<u8"), ("maybe", "O"), ("name", "O"),
         ("price", "O"), ("token", "O"), ("trace", "O"), ("raw", "O"), ("meta", "O")]
    )  # fmt: skip
    np.zeros(2, dtype=h.as_dtype)  # usable as a record dtype


def test_indexes_map_columns_to_unique_and_nullable():
    assert heading().indexes == {
        ("name",): {"unique": True, "nullable": False},
        ("maybe", "price"): {"unique": False, "nullable": True},
    }


def test_unknown_attribute_is_a_key_error_and_a_datajoint_error():
    with pytest.raises(KeyError) as info:
        heading()["nope"]
    assert isinstance(info.value, DataJointError)
    assert str(info.value).startswith("Attribute `nope` is not in the heading")  # no quotes added


def test_renamed_attributes_show_their_source_as_in_014():
    node = Project(Relation("`lab`.`t`", heading()), ("name",), renames=(("label", "weight"),))
    label = node.heading.attributes["label"]
    assert label.attribute_expression == "`weight`" and label.original_name == "weight"
    assert node.heading.new_attributes == ["label"]


def test_semijoins_on_nullable_attributes_never_compare_null():
    rig = Relation("`lab`.`rig`", Heading((Attribute("rig_id", "int", "INTEGER", in_key=True),)))
    session = Relation(
        "`lab`.`session`",
        Heading(
            (
                Attribute("session", "int", "INTEGER", in_key=True),
                Attribute("rig_id", "int", "INTEGER", nullable=True, default="null"),
            )
        ),
    )

    def restrict(node, condition):
        return Restrict(
            node, normalize(condition, node.heading, lambda o: o if isinstance(o, Node) else None)
        )

    sql, _ = compile_query(restrict(rig, Not(session)), MySQLDialect())
    assert sql == (
        "SELECT `rig_id` FROM `lab`.`rig` WHERE NOT ((`rig_id`) IN "
        "(SELECT `rig_id` FROM `lab`.`session` WHERE `rig_id` IS NOT NULL))"
    )
    sql, _ = compile_query(restrict(session, Not(rig)), MySQLDialect())
    assert sql == (
        "SELECT `session`, `rig_id` FROM `lab`.`session` WHERE NOT "
        "(`rig_id` IS NOT NULL AND (`rig_id`) IN (SELECT `rig_id` FROM `lab`.`rig`))"
    )  # a session without a rig is in session - rig
    other = Relation("`lab`.`other`", Heading((Attribute("rig_id", "int", "INTEGER", in_key=True),)))
    sql, _ = compile_query(restrict(rig, Not(other)), MySQLDialect())
    assert "NULL" not in sql  # no nullable attribute: the plain form
