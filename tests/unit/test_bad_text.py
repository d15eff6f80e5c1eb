"""Finding text that cannot be stored, and SQLite's character count of char/varchar columns."""

from __future__ import annotations

import random
import sqlite3

import pytest

from djnb.errors import InvalidValueError
from djnb.sql.conditions import bad_text, unencodable
from djnb.sql.dialect.sqlite import length_check, translate_ddl


@pytest.mark.parametrize(
    ("text", "position"),
    [("", None), ("plain", None), ("µm 日本 😀", None), ("\ud800", 0), ("ab\udfff", 2), ("é\udce9x\ud800", 1),
     ("\ud83d\ude00", 0)],  # a surrogate pair written as two characters is two lone surrogates
)  # fmt: skip
def test_unencodable_gives_the_first_bad_position(text, position):
    assert unencodable(text) == position


def test_the_error_names_the_place_the_character_and_how_to_fix_it():
    error = bad_text("name\udce9" + "x" * 100, "attribute `name` in row 3 of the insert into `lab`.`t`")
    assert isinstance(error, InvalidValueError)
    message = str(error)
    for part in ("attribute `name` in row 3", "`lab`.`t`", "'\\udce9'", "position 4", "...", "decode"):
        assert part in message
    message.encode("utf-8")  # the message itself can be printed


def _checked(limit: int, texts: list[str]) -> list[bool]:
    """Whether each text passes the length check of a varchar(limit) column, in SQLite itself."""
    session = sqlite3.connect(":memory:")
    session.execute(f'CREATE TABLE t ("v" TEXT {length_check("v", f"varchar({limit})")})')
    passed = []
    for text in texts:
        try:
            session.execute("INSERT INTO t VALUES (?)", (text,))
        except sqlite3.IntegrityError as err:
            assert "v~length" in str(err)
            passed.append(False)
        else:
            passed.append(True)
    return passed


def test_the_length_check_counts_every_character_as_mysql_does():
    rng = random.Random(17)
    alphabet = ["a", "\x00", "µ", "日", "😀", "\\", '"', "\n", "\x01", "u", "0", "'"]
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(2000)]
    texts += ["\\u0000\x00", "\\\\u0000\x00", "\x00" * 8, "\x00" * 9, ""]
    assert _checked(8, texts) == [len(text) <= 8 for text in texts]


def test_only_char_and_varchar_have_a_named_length_check():
    assert length_check("v", "char(4)") is not None
    for sql_type in ("binary(4)", "varbinary(4)", "text", "int", "enum('a')"):
        assert length_check("v", sql_type) is None


def test_a_declared_varchar_gets_the_named_check():
    create = (
        'CREATE TABLE IF NOT EXISTS `lab.t` (\n  `k` int NOT NULL COMMENT "",\n  '
        '`v` varchar(3) NOT NULL COMMENT "",\n  PRIMARY KEY (`k`)\n) ENGINE=InnoDB, COMMENT ""'
    )
    _, statements = translate_ddl(create)
    assert 'CONSTRAINT "v~length" CHECK' in statements[0][0]
    session = sqlite3.connect(":memory:")
    session.execute(statements[0][0])
    session.execute('INSERT INTO "lab.t" VALUES (1, ?)', ("a\x00b",))
    with pytest.raises(sqlite3.IntegrityError, match="v~length"):
        session.execute('INSERT INTO "lab.t" VALUES (2, ?)', ("a\x00bc",))
