"""Text that cannot be stored is refused with one clear error, on MariaDB and SQLite alike.

Lone surrogates (``"\\ud800"``: not valid Unicode, so UTF-8 cannot encode them) in any value
a statement binds raise InvalidValueError naming the table, the attribute, the row and the
character's position, before anything is sent: nothing is half inserted. A NUL character is
ordinary text, counted as one character by the char/varchar length check on both backends.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

import djnb as dj

BACKENDS = ("mysql", "sqlite")

LONE = "\ud800"


@pytest.fixture(scope="module")
def tables(server, prefix):
    connection = dj.Connection(**server)
    schema = dj.Schema(f"{prefix}_text", connection=connection)

    @schema
    class Note(dj.Manual):
        definition = """
        name : varchar(16)
        ---
        body : varchar(8)
        code = "" : char(4)
        kind = "a" : enum('a', 'b')
        extra = null : json
        long = "" : varchar(400)
        story = null : varchar(6)
        """

    @schema
    class Document(dj.Manual):
        definition = """
        doc : int
        ---
        file : attach
        """

    yield Note, Document
    connection.close()


@pytest.fixture
def note(tables):
    Note = tables[0]
    Note.delete_quick()
    return Note


def test_an_unencodable_secondary_value_names_table_attribute_row_and_position(note):
    with pytest.raises(dj.errors.InvalidValueError) as caught:
        note.insert1({"name": "n1", "body": "ab" + LONE})
    message = str(caught.value)
    for part in ("attribute `body`", "row 0", "position 2", note.full_table_name, "\\ud800", "decode"):
        assert part in message
    assert len(note()) == 0


@pytest.mark.parametrize(
    ("row", "attribute"),
    [
        ({"name": LONE, "body": "b"}, "name"),  # the primary key
        ({"name": "n", "body": "b", "code": "c" + LONE}, "code"),
        ({"name": "n", "body": "b", "kind": LONE}, "kind"),
        ({"name": "n", "body": "b", "long": "é" * 100 + LONE}, "long"),
        ({"name": "n", "body": "b", "extra": {"k" + LONE: 1}}, "extra"),  # a key inside json
        ({"name": "n", "body": "b", "extra": ["ok", "\udfff"]}, "extra"),
    ],
)
def test_every_kind_of_column_refuses_unencodable_text(note, row, attribute):
    with pytest.raises(dj.errors.InvalidValueError, match=f"attribute `{attribute}` in row 0"):
        note.insert1(row)
    assert len(note()) == 0


def _rows(count: int, bad: int, text: str = LONE) -> list[dict]:
    rows = [{"name": f"n{i}", "body": "ok"} for i in range(count)]
    rows[bad]["body"] = "x" + text
    return rows


@pytest.mark.parametrize("text", [LONE, "\udce9"])  # PyMySQL's batches would send \udce9 as a byte
def test_a_bad_row_among_many_dicts_is_named_and_nothing_is_inserted(note, text):
    with pytest.raises(dj.errors.InvalidValueError, match=r"attribute `body` in row 7 .*position 1"):
        note.insert(_rows(10, 7, text))
    assert len(note()) == 0


@pytest.mark.parametrize("shape", ["tuples", "records", "frame"])
def test_a_bad_row_in_tuples_records_or_a_frame_is_named(note, shape):
    data = [(f"n{i}", "ok", "", "a", None, "", None) for i in range(6)]
    data[4] = ("n4", "ok", "", "a", None, LONE, None)
    if shape == "records":
        dtype = [(n, "O") for n in note.heading.names]
        data = np.array(data, dtype=dtype)
    elif shape == "frame":
        data = pd.DataFrame(data, columns=note.heading.names)
    with pytest.raises(dj.errors.InvalidValueError, match=r"attribute `long` in row 4 .*position 0"):
        note.insert(data)
    assert len(note()) == 0


def test_a_large_insert_in_a_transaction_sends_nothing_before_the_bad_row(note):
    connection = note.connection
    rows = _rows(30_000, 29_999)
    with connection.transaction:
        with pytest.raises(dj.errors.InvalidValueError, match="row 29999"):
            note.insert(rows)
        assert len(note()) == 0  # not even the first batches, inside the caller's transaction
    assert len(note()) == 0


def test_update1_refuses_unencodable_text_and_keeps_the_row(note):
    note.insert1({"name": "n1", "body": "before"})
    with pytest.raises(dj.errors.InvalidValueError, match=r"attribute `body` in the update1 .*position 3"):
        note.update1({"name": "n1", "body": "aft" + LONE})
    with pytest.raises(dj.errors.InvalidValueError, match="attribute `name`"):
        note.update1({"name": "n" + LONE, "body": "x"})
    assert (note & {"name": "n1"}).fetch1("body") == "before"


@pytest.mark.parametrize(
    "restriction",
    [
        {"name": LONE},
        {"body": "a" + LONE, "name": "n1"},
        [{"name": "n0"}, {"body": LONE}],
        dj.AndList([{"name": "n1"}, {"body": LONE}]),
        dj.Not({"body": LONE}),
    ],
)
def test_restrictions_by_unencodable_text_are_refused(note, restriction):
    note.insert1({"name": "n1", "body": "b"})
    with pytest.raises(dj.errors.InvalidValueError, match="restriction's value for attribute `(name|body)`"):
        (note & restriction).fetch()
    with pytest.raises(dj.errors.InvalidValueError, match="restriction's value"):
        note - restriction


def test_a_restriction_by_a_record_with_unencodable_text_is_refused(note):
    record = np.array([("n1", "b" + LONE)], dtype=[("name", "O"), ("body", "O")])[0]
    with pytest.raises(dj.errors.InvalidValueError, match=r"attribute `body`.*position 1"):
        len(note & record)


@pytest.mark.parametrize("text", [LONE, "\udce9"])
def test_sql_strings_with_unencodable_text_are_refused_where_given(note, text):
    note.insert1({"name": "n1", "body": "b"})
    with pytest.raises(dj.errors.InvalidValueError, match=r"the restriction string .*position 8"):
        note & f'name = "{text}"'
    with pytest.raises(dj.errors.InvalidValueError, match=r"proj\(x=\.\.\.\).*position 14"):
        note.proj(x=f'concat(name, "{text}")')
    with pytest.raises(dj.errors.InvalidValueError, match=r"aggr\(n=\.\.\.\)"):
        note.aggr(note, n=f'count("{text}")')
    assert len(note) == 1  # nothing changed, and the connection still answers


@pytest.mark.parametrize("text", [LONE, "\udce9"])  # PyMySQL would send \udce9 as the byte 0xe9
def test_raw_statements_with_unencodable_text_are_refused_before_sending(note, text):
    connection = note.connection
    with pytest.raises(dj.errors.InvalidValueError, match=r"argument 1 of the statement 'SELECT %s'"):
        connection.query("SELECT %s", ("a" + text,))
    with pytest.raises(dj.errors.InvalidValueError, match=r"the statement \(SQL text.*position 9"):
        connection.query(f"SELECT 'x{text}'")
    with connection.transaction:  # refused before anything was sent: the transaction goes on
        note.insert1({"name": "n2", "body": "b"})
        with pytest.raises(dj.errors.InvalidValueError):
            connection.query("SELECT %s", (text,))
    assert connection.query("SELECT 1").fetchone()[0] == 1
    assert len(note & {"name": "n2"}) == 1


def test_an_attachment_whose_file_name_is_not_utf8_is_refused(tables, tmp_path):
    Document = tables[1]
    path = tmp_path / os.fsdecode(b"caf\xe9.bin")  # as listed from a disk written in Latin-1
    try:
        path.write_bytes(b"data")
    except (OSError, UnicodeEncodeError):
        pytest.skip("this file system cannot hold a file name that is not UTF-8")
    with pytest.raises(dj.errors.InvalidValueError, match=r"attribute `file` in row 0 .*position 3"):
        Document.insert1({"doc": 1, "file": path})
    assert len(Document()) == 0


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("body", "ab\x00cdefghijk"),  # SQLite's length() stops at the NUL: 2
        ("body", "\x00" * 9),
        ("code", "ab\x00cd"),
        ("story", "µ\x00µµ\x00éé"),  # 7 characters, 11 bytes
        ("story", "\\u0000\x00"),  # a literal backslash-u0000 and a NUL: 7 characters
    ],
)
def test_text_with_nul_is_counted_whole_by_the_length_check(note, field, text):
    with pytest.raises(dj.errors.InvalidValueError, match=f"Data too long for column '{field}'"):
        note.insert1({"name": "n", "body": "b", field: text})
    assert len(note()) == 0


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("body", "ab\x00cdefg"),
        ("body", "\x00" * 8),
        ("code", "a\x00\x00b"),
        ("story", "µ\x00µµ\x00é"),  # 6 characters, 10 bytes: fits varchar(6)
        ("story", "\\u000\x00"),
        ("long", "\x00" + "日本" * 199 + "\x00"),
    ],
)
def test_text_with_nul_that_fits_is_stored_whole(note, field, text):
    note.insert1({"name": "n", "body": "b", field: text})
    assert (note & {"name": "n"}).fetch1(field) == text


def test_too_long_text_is_the_same_error_on_both_backends(note):
    with pytest.raises(dj.errors.InvalidValueError, match="Data too long for column 'body'"):
        note.insert1({"name": "n", "body": "123456789"})
    note.insert1({"name": "n", "body": "12345678"})
    with pytest.raises(dj.errors.InvalidValueError, match="Data too long for column 'body'"):
        note.update1({"name": "n", "body": "x\x00yyyyyyy"})


def test_an_external_attachment_whose_file_name_is_not_utf8_is_refused_before_upload(
    server, prefix, tmp_path
):
    store = tmp_path / "store"
    store.mkdir()
    path = tmp_path / os.fsdecode(b"caf\xe9.bin")
    try:
        path.write_bytes(b"data")
    except (OSError, UnicodeEncodeError):
        pytest.skip("this file system cannot hold a file name that is not UTF-8")
    path.with_name("fine.bin").write_bytes(b"fine")
    connection = dj.Connection(**server)
    with dj.config(stores={"raw": {"protocol": "file", "location": str(store)}}):
        schema = dj.Schema(f"{prefix}_external", connection=connection)

        @schema
        class Upload(dj.Manual):
            definition = """
            up : int
            ---
            file : attach@raw
            """

        with pytest.raises(
            dj.errors.InvalidValueError, match=r"file name of attribute `file` in row 1 .*position 3"
        ):
            Upload.insert([{"up": 0, "file": path.with_name("fine.bin")}, {"up": 1, "file": path}])
        assert len(Upload()) == 0
        assert not any(p.is_file() for p in store.rglob("*"))  # nothing was uploaded
    connection.close()
