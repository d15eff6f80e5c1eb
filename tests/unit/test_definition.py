"""The definition parser: every form of the language, and every error with its line and column."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import djnb.definition as definition
from djnb.definition import (
    AttributeSpec,
    ForeignKeySpec,
    IndexSpec,
    Source,
    TableSpec,
    classify_type,
    parse_definition,
)
from djnb.definition.types import CATEGORIES, CORE_TYPE_SQL, EXTERNAL, NATIVE, SERIALIZED, SPECIAL
from djnb.errors import DataJointError, DefinitionError

PACKAGE = Path(definition.__file__).parent


def attribute(text: str, *, key: bool = False) -> AttributeSpec:
    """The one attribute a definition line declares, as a secondary (or key) attribute."""
    spec = parse_definition(text if key else f"id : int\n---\n{text}")
    return spec.attributes[0 if key else 1]


def foreign_key(text: str) -> ForeignKeySpec:
    return parse_definition(f"id : int\n{text}").foreign_keys[0]


# ---------------------------------------------------------------------------------------- forms


def test_a_full_definition():
    spec = parse_definition(
        """
        # Experiment session
        -> Subject
        session_id : smallint unsigned   # session number
        ---
        # an ignored comment line

        -> [nullable] lab.User
        session_date = CURRENT_TIMESTAMP : timestamp
        note = "a: b # c" : varchar(255)  # a note
        index (session_date)
        """
    )
    assert isinstance(spec, TableSpec)
    assert spec.comment == "Experiment session"
    assert [type(item).__name__ for item in spec.items] == [
        "ForeignKeySpec", "AttributeSpec", "ForeignKeySpec", "AttributeSpec", "AttributeSpec",
    ]  # fmt: skip
    assert [a.name for a in spec.attributes] == ["session_id", "session_date", "note"]
    assert [(fk.ref, fk.in_key) for fk in spec.foreign_keys] == [("Subject", True), ("lab.User", False)]
    assert spec.attributes[0] == AttributeSpec(
        name="session_id",
        type="smallint unsigned",
        category="INTEGER",
        in_key=True,
        nullable=False,
        default=None,
        comment="session number",
        source=Source(4, "        session_id : smallint unsigned   # session number"),
    )
    assert spec.attributes[2].default == '"a: b # c"'
    assert spec.attributes[2].comment == "a note"
    assert spec.indexes == (
        IndexSpec(("session_date",), unique=False, source=Source(11, "        index (session_date)")),
    )


def test_table_comment_is_only_the_first_line():
    assert parse_definition("#  Subjects of the lab  \nid : int").comment == "Subjects of the lab"
    assert parse_definition("\n\n   # first\n# second\nid : int").comment == "first"
    assert parse_definition("#\nid : int").comment == ""
    assert parse_definition("id : int\n# not the table comment").comment == ""


def test_comment_and_blank_lines_are_ignored():
    spec = parse_definition("# c\n\n   \nid : int  \n# -> Parent\n#   index(x)\n---\n  # x : int\n")
    assert [item.name for item in spec.items] == ["id"]
    assert spec.indexes == ()


@pytest.mark.parametrize("separator", ["---", "___", "----------", "______", "--- dependent attributes"])
def test_separators(separator):
    spec = parse_definition(f"a : int\n{separator}\nb : int")
    assert [(a.name, a.in_key) for a in spec.attributes] == [("a", True), ("b", False)]


def test_without_separator_everything_is_key():
    spec = parse_definition("a : int\n-> Parent\nb : int")
    assert all(item.in_key for item in spec.items)


def test_windows_line_endings_and_tabs():
    spec = parse_definition("# comment\r\n\ta : int\t# note\r\n---\r\nb : float\r\n")
    assert spec.comment == "comment"
    assert [(a.name, a.comment, a.source.line) for a in spec.attributes] == [
        ("a", "note", "\ta : int\t# note"),
        ("b", "", "b : float"),
    ]


def test_source_keeps_the_line_as_written():
    spec = parse_definition("\n    id : int   \n    ---\n    -> Parent  # why\n")
    assert spec.items[0].source == Source(2, "    id : int")
    assert spec.items[1].source == Source(4, "    -> Parent  # why")


# ----------------------------------------------------------------------------------- attributes


@pytest.mark.parametrize(
    ("line", "name", "default", "nullable"),
    [
        ("a = 0 : int", "a", "0", False),
        ("a=-1:int", "a", "-1", False),
        ("a = 2.5e-3 : double", "a", "2.5e-3", False),
        ("a = null : int", "a", "null", True),
        ("a = NULL : int", "a", "NULL", True),
        ("a = Null : varchar(8)", "a", "Null", True),
        ("a = CURRENT_TIMESTAMP : timestamp", "a", "CURRENT_TIMESTAMP", False),
        ("a = current_timestamp(3) : datetime(3)", "a", "current_timestamp(3)", False),
        ("a = 'x' : varchar(8)", "a", "'x'", False),
        ('a = "x y" : varchar(8)', "a", '"x y"', False),
        ("a = 'a:b' : varchar(8)", "a", "'a:b'", False),
        ('a = "#1: first" : varchar(8)  # hash and colon', "a", '"#1: first"', False),
        ('a = "it\'s" : varchar(8)', "a", '"it\'s"', False),
        ("a = '' : varchar(8)", "a", "''", False),
        ("a = pending : enum('pending', 'done')", "a", "pending", False),
        ("a = null : longblob", "a", "null", True),
        ("a = null : blob@store", "a", "null", True),
        ("a = null : attach", "a", "null", True),
        ("a : int", "a", None, False),
    ],
)
def test_defaults(line, name, default, nullable):
    attr = attribute(line)
    assert (attr.name, attr.default, attr.nullable) == (name, default, nullable)


def test_defaults_in_the_primary_key():
    attr = attribute("a = 1 : int", key=True)
    assert (attr.in_key, attr.default, attr.nullable) == (True, "1", False)


@pytest.mark.parametrize(
    ("line", "comment"),
    [
        ("a : int", ""),
        ("a : int #", ""),
        ("a : int   #   spaced out   ", "spaced out"),
        ("a : int # one # two", "one # two"),
        ("a : int # time: 10:30", "time: 10:30"),
        ("a : int # see -> Parent", "see -> Parent"),
        ("a : varchar(8) # 'quoted' \"text\"", "'quoted' \"text\""),
    ],
)
def test_comments(line, comment):
    assert attribute(line).comment == comment


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        ("int   unsigned", "int unsigned"),
        ("  INT  UNSIGNED  ", "INT UNSIGNED"),
        ("varchar( 10 )", "varchar( 10 )"),
        ("bigint\tunsigned   auto_increment", "bigint unsigned auto_increment"),
        ("enum('a  b',   'c')", "enum('a  b', 'c')"),
        ("enum('x#y', \"z:w\")", "enum('x#y', \"z:w\")"),
        ("Decimal(8, 3)", "Decimal(8, 3)"),
    ],
)
def test_type_whitespace_normalised_case_kept(written, normalised):
    assert attribute(f"a : {written}  # c").type == normalised


def test_an_arrow_after_a_quote_or_hash_is_not_a_foreign_key():
    spec = parse_definition('id : int\n---\na = "->" : varchar(4)\nb : int # -> here')
    assert [a.name for a in spec.attributes] == ["id", "a", "b"]
    assert spec.foreign_keys == ()


@pytest.mark.parametrize("name", ["index_no", "unique_id", "indexed", "unique", "index"])
def test_attributes_named_like_index_keywords(name):
    assert attribute(f"{name} : int").name == name


def test_attribute_names_up_to_64_characters():
    assert attribute("a" * 64 + " : int").name == "a" * 64


# ---------------------------------------------------------------------------------------- types

TYPES = [
    ("tinyint", "INTEGER"),
    ("smallint unsigned", "INTEGER"),
    ("mediumint", "INTEGER"),
    ("int", "INTEGER"),
    ("int(11)", "INTEGER"),
    ("int(10) unsigned", "INTEGER"),
    ("integer", "INTEGER"),
    ("bigint unsigned auto_increment", "INTEGER"),
    ("int auto_increment", "INTEGER"),
    ("serial", "INTEGER"),
    ("INT UNSIGNED", "INTEGER"),
    ("decimal(8,3)", "DECIMAL"),
    ("numeric(5, 2) unsigned", "DECIMAL"),
    ("decimal", "DECIMAL"),
    ("float", "FLOAT"),
    ("double", "FLOAT"),
    ("real", "FLOAT"),
    ("float unsigned", "FLOAT"),
    ("double(10,4)", "FLOAT"),
    ("char(1)", "STRING"),
    ("varchar(255)", "STRING"),
    ("VARCHAR (64)", "STRING"),
    ("json", "JSON"),
    ("enum('a', 'b')", "ENUM"),
    ("ENUM('x')", "ENUM"),
    ("bool", "BOOL"),
    ("boolean", "BOOL"),
    ("date", "TEMPORAL"),
    ("datetime", "TEMPORAL"),
    ("datetime(6)", "TEMPORAL"),
    ("time", "TEMPORAL"),
    ("timestamp", "TEMPORAL"),
    ("year", "TEMPORAL"),
    ("tinyblob", "INTERNAL_BLOB"),
    ("smallblob", "INTERNAL_BLOB"),
    ("blob", "INTERNAL_BLOB"),
    ("mediumblob", "INTERNAL_BLOB"),
    ("longblob", "INTERNAL_BLOB"),
    ("LONGBLOB", "INTERNAL_BLOB"),
    ("attach", "INTERNAL_ATTACH"),
    ("uuid", "UUID"),
    ("UUID", "UUID"),
    # DataJoint 2.x core names
    ("int8", "INTEGER"),
    ("int16", "INTEGER"),
    ("int32", "INTEGER"),
    ("int64", "INTEGER"),
    ("uint8", "INTEGER"),
    ("uint16", "INTEGER"),
    ("uint32", "INTEGER"),
    ("uint64", "INTEGER"),
    ("float32", "FLOAT"),
    ("float64", "FLOAT"),
]


@pytest.mark.parametrize(("type_text", "category"), TYPES)
def test_type_categories(type_text, category):
    assert classify_type(type_text) == (category, None, None)
    attr = attribute(f"a : {type_text}")
    assert (attr.type, attr.category, attr.store, attr.adapter) == (type_text, category, None, None)


@pytest.mark.parametrize(
    ("type_text", "expected"),
    [
        ("blob@store", ("EXTERNAL_BLOB", "store", None)),
        ("blob@raw-data_2", ("EXTERNAL_BLOB", "raw-data_2", None)),
        ("attach@store", ("EXTERNAL_ATTACH", "store", None)),
        ("filepath@data", ("FILEPATH", "data", None)),
        ("<graph>", ("ADAPTED", None, "graph")),
        ("<Graph_2>", ("ADAPTED", None, "Graph_2")),
        ("<blob@>", ("ADAPTED", None, "blob@")),
        ("<blob@store>", ("ADAPTED", None, "blob@store")),
    ],
)
def test_stores_and_adapters(type_text, expected):
    assert classify_type(type_text) == expected
    attr = attribute(f"a : {type_text}")
    assert (attr.category, attr.store, attr.adapter) == expected


def test_category_sets():
    assert len(set(CATEGORIES)) == len(CATEGORIES) == 15
    assert {category for _, category in TYPES} | SPECIAL == set(CATEGORIES)
    assert sorted(SPECIAL) == [
        "ADAPTED",
        "EXTERNAL_ATTACH",
        "EXTERNAL_BLOB",
        "FILEPATH",
        "INTERNAL_ATTACH",
        "UUID",
    ]
    assert sorted(EXTERNAL) == ["EXTERNAL_ATTACH", "EXTERNAL_BLOB", "FILEPATH"]
    assert sorted(SERIALIZED) == ["EXTERNAL_ATTACH", "EXTERNAL_BLOB", "INTERNAL_ATTACH", "INTERNAL_BLOB"]
    assert sorted(NATIVE | SPECIAL) == sorted(CATEGORIES) and not NATIVE & SPECIAL
    assert EXTERNAL <= SPECIAL and SERIALIZED <= NATIVE | SPECIAL


def test_core_type_sql_maps_each_core_name_to_a_native_type():
    for core, sql in CORE_TYPE_SQL.items():
        assert classify_type(core)[0] == classify_type(sql)[0]
    assert CORE_TYPE_SQL["int8"] == "tinyint"  # not MySQL's INT8, which is BIGINT


@pytest.mark.parametrize(
    ("type_text", "hint"),
    [
        ("varchr(10)", "Did you mean `varchar(10)`?"),
        ("innt", "Did you mean `int`?"),
        ("INTT unsigned", "Did you mean `int unsigned`?"),
        ("flaot", "Did you mean `float`?"),
        ("longblb", "Did you mean `longblob`?"),
        ("varchar", "varchar(255)"),
        ("char", "a length is required"),
        ("int foo", "int unsigned"),
        ("bool(1)", "bool"),
        ("blob@", "blob@store"),
        ("blob@1store", "blob@store"),
        ("filepath", "filepath@store"),
        ("int32 unsigned", "no length or unsigned"),
        ("<bad type>", "<graph>"),
        ("<graph", "<name>"),
        ("text", "varchar(n)"),
        ("longtext", "varchar(n)"),
        ("varbinary(16)", "uuid"),
        ("bytes", "longblob"),
        ("set('a')", "enum"),
        ("xyzzy", "Supported types"),
    ],
)
def test_unknown_types(type_text, hint):
    with pytest.raises(DefinitionError) as info:
        classify_type(type_text)
    assert info.value.hint is not None and hint in info.value.hint
    assert f"unknown attribute type `{type_text}`" in str(info.value)


def test_classify_empty_type():
    with pytest.raises(DefinitionError, match="missing attribute type"):
        classify_type("   ")


# --------------------------------------------------------------------------------- foreign keys


@pytest.mark.parametrize(
    ("line", "ref", "nullable", "unique", "renames"),
    [
        ("-> Session", "Session", False, False, ()),
        ("->Session", "Session", False, False, ()),
        ("-> lab.Subject", "lab.Subject", False, False, ()),
        ("-> pipeline.ephys.Probe", "pipeline.ephys.Probe", False, False, ()),
        ("-> master", "master", False, False, ()),
        ("-> Session.Trial", "Session.Trial", False, False, ()),
        ("-> _private_Table2", "_private_Table2", False, False, ()),
        ("-> [nullable] Session", "Session", True, False, ()),
        ("-> [unique] Session", "Session", False, True, ()),
        ("-> [nullable, unique] Session", "Session", True, True, ()),
        ("-> [ UNIQUE ,Nullable ] Session", "Session", True, True, ()),
        ("->[nullable]Session", "Session", True, False, ()),
        ("-> Session  # the session", "Session", False, False, ()),
        ("-> Session.proj()", "Session", False, False, ()),
        ("-> Session.proj(s2='session_id')", "Session", False, False, (("s2", "session_id"),)),
        (
            "-> lab.Cell.proj( pre = \"cell_id\" , pre_slice='slice' )  # presynaptic",
            "lab.Cell",
            False,
            False,
            (("pre", "cell_id"), ("pre_slice", "slice")),
        ),
        ("-> [nullable] Session.proj (other = 'id')", "Session", True, False, (("other", "id"),)),
    ],
)
def test_foreign_keys(line, ref, nullable, unique, renames):
    spec = parse_definition(f"id : int\n---\n{line}")
    fk = spec.foreign_keys[0]
    assert fk == ForeignKeySpec(
        ref=ref, in_key=False, nullable=nullable, unique=unique, renames=renames, source=Source(3, line)
    )


def test_foreign_keys_in_the_primary_key():
    fk = foreign_key("-> [unique] Parent")
    assert (fk.in_key, fk.unique, fk.nullable) == (True, True, False)


def test_a_table_keyed_only_by_a_foreign_key():
    spec = parse_definition("-> Parent\n---\nvalue : float")
    assert [item.in_key for item in spec.items] == [True, False]


# -------------------------------------------------------------------------------------- indexes


@pytest.mark.parametrize(
    ("line", "attributes", "unique"),
    [
        ("index(a)", ("a",), False),
        ("index (a, b)", ("a", "b"), False),
        ("INDEX( a ,b )", ("a", "b"), False),
        ("unique index(a)", ("a",), True),
        ("UNIQUE   Index (b, a)", ("b", "a"), True),
        ("index(a)  # for lookups", ("a",), False),
    ],
)
def test_indexes(line, attributes, unique):
    spec = parse_definition(f"a : int\n---\nb : int\n{line}")
    assert spec.indexes == (IndexSpec(attributes, unique=unique, source=Source(4, line)),)


def test_index_may_precede_its_attributes():
    assert parse_definition("index(b)\na : int\n---\nb : int").indexes[0].attributes == ("b",)


def test_index_on_inherited_attributes_is_left_to_resolution():
    spec = parse_definition("-> Session\n---\nunique index(session_id, x)")
    assert spec.indexes[0].attributes == ("session_id", "x")


# --------------------------------------------------------------------------------------- errors

ERRORS = [
    # (definition, line_no, column, token at the column, message part, hint part)
    ("Subject_id : int", 1, 1, "Subject_id", "invalid attribute name `Subject_id`", "`subject_id`"),
    ("id : int\n---\nsessionDate : date", 3, 1, "sessionDate", "invalid attribute name", "`session_date`"),
    ("    RawECG : longblob", 1, 5, "RawECG", "invalid attribute name", "`raw_ecg`"),
    ("1a : int", 1, 1, "1a", "invalid attribute name", "snake_case"),
    ("a-b : int", 1, 1, "a-b", "invalid attribute name", "`a_b`"),
    ("Session", 1, 1, "Session", "invalid attribute name", "`-> Session`"),
    ("a" * 65 + " : int", 1, 1, "a", "longer than 64", "Shorten"),
    (": int", 1, 1, ":", "missing attribute name", "session_id : int"),
    ("= 3 : int", 1, 1, "=", "missing attribute name", "name : type"),
    ("id : int\n---\na : ", 3, 4, "", "missing type for attribute `a`", "`a : int`"),
    ("a", 1, 2, "", "missing type for attribute `a`", "`a : int`"),
    ("a   # comment", 1, 5, "#", "missing type", "`a : int`"),
    ("a : # comment", 1, 5, "#", "missing type", "`a : int`"),
    ("a = 5", 1, 6, "", "missing type", "`a : int`"),
    ("a = 5  # five", 1, 8, "#", "missing type", "`a : int`"),
    ("a int", 1, 3, "int", "expected ':' before the type of `a`", "`a : int`"),
    (
        "id : int\nb : varchr(10)",
        2,
        5,
        "varchr",
        "unknown attribute type `varchr(10)`",
        "Did you mean `varchar(10)`?",
    ),
    ("a : innt  # number", 1, 5, "innt", "unknown attribute type `innt`", "Did you mean `int`?"),
    ("a :   text", 1, 7, "text", "unknown attribute type", "varchar(n)"),
    ("a = : int", 1, 5, ":", "missing default value", "`= null`"),
    ('a = "x" y : varchar(3)', 1, 9, "y", "unexpected text after the quoted default", "one pair of quotes"),
    ('a = x"y" : varchar(3)', 1, 6, '"', "a quote inside an unquoted default", "Quote the whole"),
    ('a = "x : int', 1, 5, '"', "unterminated quote", 'matching "'),
    ("a : enum('x) # c", 1, 10, "'", "unterminated quote", "matching '"),
    ("a = null : int", 1, 5, "null", "primary key attribute `a` cannot be nullable", "below the `---`"),
    ("b : int\na = NULL : int\n---", 2, 5, "NULL", "cannot be nullable", "remove `= null`"),
    ("-> [nullable] Session", 1, 5, "nullable", "cannot be nullable", "remove the `nullable` option"),
    ("a : int\n-> [unique, Nullable] Session\n---", 2, 13, "Nullable", "cannot be nullable", "below `---`"),
    (
        "id : int\n---\nb = 1 : longblob",
        3,
        5,
        "1",
        "`longblob` attributes can only default to null",
        "`b = null : longblob`",
    ),
    ("id : int\n---\nb = '' : blob@store", 3, 5, "''", "can only default to null", "= null"),
    ("id : int\n---\nb = 'x' : attach", 3, 5, "'x'", "can only default to null", "= null"),
    ("id : int\n---\nb = 'x' : attach@s", 3, 5, "'x'", "can only default to null", "= null"),
    (
        "id : int  # :uuid: sneaky",
        1,
        13,
        ":",
        "an attribute comment must not start with ':'",
        "Remove the ':'",
    ),
    ("#  : table\nid : int", 1, 4, ":", "the table comment must not start with ':'", "Remove the ':'"),
    (
        "a : int\n---\nb : int\na : float",
        4,
        1,
        "a",
        "attribute `a` is declared twice",
        "already declared on line 1",
    ),
    ("---\na : int", 1, 1, "---", "the table has no primary key", "above the `---` line"),
    ("\n    # comment\n    ---\n    a : int\n", 3, 5, "---", "no primary key", "e.g. `id : int`"),
    ("", 1, 1, "", "no primary key", "at least one attribute"),
    ("\n  # only a comment\n", 2, 3, "#", "no primary key", "at least one attribute"),
    ("a : int\n---\nb : int\n---", 4, 1, "---", "a second primary key separator", "first is on line 2"),
    ("a : int\nindex a", 2, 7, "a", "expected '(' after `index`", "`index(a, b)`"),
    ("a : int\nindex(a", 2, 6, "(", "unclosed '('", "`index(a, b)`"),
    ("a : int\nindex()", 2, 7, ")", "an index needs attribute names", "`index(a, b)`"),
    ("a : int\nindex(a, )", 2, 9, " ", "an index needs attribute names", "`unique index(a)`"),
    ("a : int\nindex(A)", 2, 7, "A", "invalid attribute name", "`a`"),
    ("a : int\nindex(a, a)", 2, 10, "a", "listed twice", "List each attribute once"),
    ("a : int\nindex(a) extra", 2, 10, "extra", "unexpected text after the index", "`index(a, b)`"),
    (
        "a : int\nunique(a)",
        2,
        1,
        "unique",
        "expected `index(...)` or `unique index(...)`",
        "`unique index(a)`",
    ),
    ("a : int\nunique key (a)", 2, 1, "unique", "expected `index(...)`", "`unique index(a)`"),
    (
        "abc : int\n---\nx : int\nindex(ab, x)",
        4,
        7,
        "ab",
        "index names unknown attribute `ab`",
        "Did you mean `abc`?",
    ),
    ("a : int\nunique index(zzz)", 2, 14, "zzz", "unknown attribute `zzz`", "Declare `zzz`"),
    (
        "a : int\n-> [nulable] Session",
        2,
        5,
        "nulable",
        "unknown foreign key option `nulable`",
        "Did you mean `nullable`?",
    ),
    ("a : int\n-> [uniqe] Session", 2, 5, "uniqe", "unknown foreign key option", "Did you mean `unique`?"),
    (
        "a : int\n-> [unique, foo] Session",
        2,
        13,
        "foo",
        "unknown foreign key option",
        "`nullable` and `unique`",
    ),
    ("a : int\n-> [] Session", 2, 5, "]", "empty foreign key option", "`nullable` and `unique`"),
    ("a : int\n-> [nullable Session", 2, 4, "[", "unclosed '['", "`-> [nullable, unique] Parent`"),
    ("a : int\n->", 2, 3, "", "missing the referenced table", "`-> Parent`"),
    ("a : int\n->   # parent", 2, 6, "#", "missing the referenced table", "`-> Parent`"),
    ("a : int\n-> 3abc", 2, 4, "3abc", "invalid table reference", "`-> module.Parent`"),
    (
        "a : int\nb -> Session",
        2,
        1,
        "b",
        "a foreign key line must start with '->'",
        "`-> Parent.proj(new='old')`",
    ),
    (
        "a : int\n-> Session extra",
        2,
        12,
        "extra",
        "unexpected text after the foreign key reference",
        "`-> Parent`",
    ),
    ("a : int\n-> Session.proj", 2, 12, "proj", "`.proj` must be called", "`-> Parent.proj(new='old')`"),
    ("a : int\n-> Session(a)", 2, 11, "(", "only `.proj(...)` may follow", "`-> Parent`"),
    ("a : int\n-> Session.fetch(a='b')", 2, 17, "(", "only `.proj(...)` may follow", "`-> Parent`"),
    ("a : int\n-> S.proj(x='y'", 2, 10, "(", "unclosed '(' in `.proj(...)`", "`-> Parent.proj(new='old')`"),
    ("a : int\n-> S.proj(b)", 2, 11, "b", "`b` is not a rename", "new_name='parent_name'"),
    ("a : int\n-> S.proj(b=c)", 2, 11, "b=c", "`b=c` is not a rename", "new_name='parent_name'"),
    ("a : int\n-> S.proj(b='c',)", 2, 17, ")", "empty argument", "new_name='parent_name'"),
    ("a : int\n-> S.proj(B='c')", 2, 11, "B", "invalid attribute name `B`", "`b`"),
    ("a : int\n-> S.proj(b='C d')", 2, 14, "C d", "invalid parent attribute name `C d`", "`c_d`"),
    ("a : int\n-> S.proj(b='c', b='d')", 2, 18, "b", "`b` is renamed twice", "new_name='parent_name'"),
    ("a : int\n-> S.proj(b='c', e='c')", 2, 18, "e", "`c` is renamed twice", "new_name='parent_name'"),
    ("a : int\n-> S.proj(b=')", 2, 13, "'", "unterminated quote", "matching '"),
]


@pytest.mark.parametrize(("text", "line_no", "column", "token", "message", "hint"), ERRORS)
def test_errors(text, line_no, column, token, message, hint):
    with pytest.raises(DefinitionError) as info:
        parse_definition(text)
    err = info.value
    line = (text.splitlines() or [""])[line_no - 1].rstrip()
    assert isinstance(err, DataJointError)
    assert (err.line_no, err.column, err.line) == (line_no, column, line)
    assert line[column - 1 :].startswith(token)
    assert message in err.problem
    assert err.hint is not None and hint in err.hint
    rendered = str(err)
    assert f"line {line_no}, column {column}" in rendered
    assert f"\n    {line}\n" in rendered  # the message quotes the line ...
    assert rendered.endswith(err.hint)  # ... and says how to fix it


def test_errors_name_the_table():
    with pytest.raises(DefinitionError, match=r"Definition of `lab`\.`session`, line 1") as info:
        parse_definition("Bad : int", table="`lab`.`session`")
    assert info.value.table == "`lab`.`session`"


def test_nullable_foreign_key_and_attribute_are_fine_below_the_separator():
    spec = parse_definition("id : int\n---\n-> [nullable] Parent\nx = null : int")
    assert spec.foreign_keys[0].nullable and spec.attributes[1].nullable


# ----------------------------------------------------------------------------- robustness, layer

LANGUAGE = st.sampled_from(
    ["a", "b", "Id", " ", "  ", ":", "=", "#", "'", '"', "->", "[", "]", "(", ")", ",", ".", "-", "---",
     "\n", "null", "int", "varchar(3)", "blob", "@s", "<g>", "proj", "index", "unique", "nullable", "1"]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(LANGUAGE, max_size=30).map("".join))
def test_any_text_parses_or_raises_a_definition_error(text):
    try:
        spec = parse_definition(text)
    except DefinitionError as err:
        assert err.line_no is not None and 1 <= err.column <= len(err.line) + 1
        assert err.hint
    else:
        assert any(item.in_key for item in spec.items)


def test_exports_are_sorted():
    assert definition.__all__ == sorted(definition.__all__)
    assert all(hasattr(definition, name) for name in definition.__all__)


@pytest.mark.parametrize("module", ["__init__.py", "parser.py", "types.py"])
def test_the_parser_imports_only_the_standard_library_and_layer_0(module):
    tree = ast.parse((PACKAGE / module).read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {
        alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    }
    allowed = {"__future__", "difflib", "re", "djnb.errors"}
    assert all(name in allowed or name.startswith("djnb.definition") for name in imported), imported
    assert "eval(" not in (PACKAGE / module).read_text()
