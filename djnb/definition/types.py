"""DataJoint attribute types: the category of a type as written, and how to fix a wrong one.

The categories and their patterns follow DataJoint 0.14, matched case-insensitively against the
whole type text (0.14 matches only a prefix, so it let ``int foo`` through; we do not). Also
accepted, as an extension for definitions written for DataJoint 2.x: the core integer and float
names ``int8``..``int64``, ``uint8``..``uint64``, ``float32``, ``float64`` (see
``CORE_TYPE_SQL``). The 2.x ``bytes`` type is not accepted: it holds raw bytes, which no 0.14
category describes.
"""

from __future__ import annotations

import difflib
import re

from djnb.errors import DefinitionError

__all__ = [
    "CATEGORIES",
    "CORE_TYPE_SQL",
    "EXTERNAL",
    "NATIVE",
    "SERIALIZED",
    "SPECIAL",
    "classify_type",
    "enum_members",
    "enum_type",
    "type_hint",
]

_STORE = r"@(?P<store>[a-z][\-\w]*)"
_PATTERNS = {
    category: re.compile(pattern, re.I)
    for category, pattern in {
        "INTEGER": r"((tiny|small|medium|big|)int|integer)(\s*\(.+\))?(\s+unsigned)?(\s+auto_increment)?"
        r"|serial|u?int(8|16|32|64)",
        "DECIMAL": r"(decimal|numeric)(\s*\(.+\))?(\s+unsigned)?",
        "FLOAT": r"(double|float|real)(\s*\(.+\))?(\s+unsigned)?|float(32|64)",
        "STRING": r"(var)?char\s*\(.+\)",
        "JSON": r"json",
        "ENUM": r"enum\s*\(.+\)",
        "BOOL": r"bool(ean)?",
        "TEMPORAL": r"(date|datetime|time|timestamp|year)(\s*\(.+\))?",
        "INTERNAL_BLOB": r"(tiny|small|medium|long|)blob",
        "EXTERNAL_BLOB": r"blob" + _STORE,
        "INTERNAL_ATTACH": r"attach",
        "EXTERNAL_ATTACH": r"attach" + _STORE,
        "FILEPATH": r"filepath" + _STORE,
        "UUID": r"uuid",
        # 0.14 adapters are identifiers; 2.x codecs may name a store: <blob@>, <blob@raw>
        "ADAPTED": r"<(?P<adapter>[a-z_]\w*(@[\-\w]*)?)>",
    }.items()
}

CATEGORIES: tuple[str, ...] = tuple(_PATTERNS)
# types the server cannot express: declared as another SQL type, recorded in the comment as :type:
SPECIAL = frozenset({"UUID", "INTERNAL_ATTACH", "EXTERNAL_ATTACH", "EXTERNAL_BLOB", "FILEPATH", "ADAPTED"})
NATIVE = frozenset(CATEGORIES) - SPECIAL
# values live in a store, the column holds a UUID referencing ~external_<store>
EXTERNAL = frozenset({"EXTERNAL_BLOB", "EXTERNAL_ATTACH", "FILEPATH"})
# values are packed/unpacked (blob format or attachment encoding)
SERIALIZED = frozenset({"INTERNAL_BLOB", "EXTERNAL_BLOB", "INTERNAL_ATTACH", "EXTERNAL_ATTACH"})

# DataJoint 2.x core names -> the MySQL type to declare. Never pass them through: MySQL and
# MariaDB read INT8 as a synonym of BIGINT, not as an 8-bit integer.
CORE_TYPE_SQL = {
    "int8": "tinyint",
    "uint8": "tinyint unsigned",
    "int16": "smallint",
    "uint16": "smallint unsigned",
    "int32": "int",
    "uint32": "int unsigned",
    "int64": "bigint",
    "uint64": "bigint unsigned",
    "float32": "float",
    "float64": "double",
}

# how each type keyword is written; used for hints when the keyword is right but the shape is not
_INT, _TIME, _BLOB = (
    "int, int unsigned, int(11), bigint unsigned auto_increment",
    "date, datetime(3)",
    "longblob",
)
_EXAMPLES = {
    **dict.fromkeys(("tinyint", "smallint", "mediumint", "int", "integer", "bigint"), _INT),
    "serial": "serial",
    **dict.fromkeys(("decimal", "numeric"), "decimal(8,3), decimal(8,3) unsigned"),
    **dict.fromkeys(("float", "double", "real"), "float, double, double unsigned"),
    **dict.fromkeys(("char", "varchar"), "varchar(255), char(32) (a length is required)"),
    "enum": "enum('a', 'b')",
    "json": "json",
    **dict.fromkeys(("bool", "boolean"), "bool"),
    **dict.fromkeys(("date", "datetime", "time", "timestamp", "year"), _TIME),
    **dict.fromkeys(("tinyblob", "smallblob", "mediumblob", "longblob"), _BLOB),
    "blob": "blob, longblob, blob@store",
    "attach": "attach, attach@store",
    "filepath": "filepath@store (a store name is required)",
    "uuid": "uuid",
    **dict.fromkeys(CORE_TYPE_SQL, "int32, uint8, float64 (no length or unsigned)"),
}
_UNSUPPORTED = {
    **dict.fromkeys(
        ("text", "tinytext", "mediumtext", "longtext"),
        "Text types are not DataJoint types: use varchar(n) for strings, or longblob for large data.",
    ),
    **dict.fromkeys(("binary", "varbinary"), "Use uuid for 16-byte identifiers or longblob for raw data."),
    "bit": "Use bool or tinyint unsigned.",
    "set": "Use enum(...) or a lookup table.",
    "bytes": "The DataJoint 2.x type `bytes` is not supported: use longblob.",
}
_SUPPORTED = (
    "Supported types: tinyint/smallint/mediumint/int/bigint [unsigned], decimal(p,s), float, double, "
    "char(n), varchar(n), enum(...), json, bool, date, datetime, time, timestamp, year, "
    "tinyblob/blob/mediumblob/longblob, attach, blob@store, attach@store, filepath@store, uuid, "
    "<adapter>, and the 2.x names int8..int64, uint8..uint64, float32, float64."
)


def classify_type(type_text: str) -> tuple[str, str | None, str | None]:
    """Return ``(category, store, adapter)`` for a type as written; raise DefinitionError if unknown.

    ``store`` is set for ``blob@store``, ``attach@store`` and ``filepath@store``; ``adapter`` is
    the name inside ``<...>`` for adapted types.
    """
    text = type_text.strip()
    if not text:
        raise DefinitionError("missing attribute type", hint="Write a type after the colon, e.g. `a : int`.")
    for category, pattern in _PATTERNS.items():
        match = pattern.fullmatch(text)
        if match:
            groups = match.groupdict()
            return category, groups.get("store"), groups.get("adapter")
    raise DefinitionError(f"unknown attribute type `{text}`", hint=type_hint(text))


def type_hint(type_text: str) -> str:
    """How to fix a type that ``classify_type`` rejects: the closest known type or examples."""
    text = type_text.strip()
    if text.startswith("<"):
        return "Adapted types are written `<name>`, naming an AttributeAdapter, e.g. `<graph>`."
    word_match = re.match(r"[a-z_]\w*", text, re.I)
    word = word_match.group().lower() if word_match else ""
    if word in _EXAMPLES:
        return f"`{word}` is written like: {_EXAMPLES[word]}."
    if word in _UNSUPPORTED:
        return _UNSUPPORTED[word]
    close = difflib.get_close_matches(word, _EXAMPLES, n=1, cutoff=0.6)
    if close:
        return f"Did you mean `{close[0]}{text[len(word) :]}`?"
    return _SUPPORTED


_MEMBER = re.compile(r"""\s*('(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*")\s*(,|$)""", re.S)
_ESCAPES = {"n": "\n", "t": "\t", "0": "\0", "r": "\r", "b": "\b", "Z": "\x1a"}


def enum_members(sql_type: str) -> list[str] | None:
    """The members of ``enum(...)`` as MySQL reads them: single- or double-quoted, with
    backslash escapes and doubled quotes (``enum("M", "F")``, ``enum('it''s', 'a,b')``); None if
    ``sql_type`` is not an enum or its list cannot be read."""
    match = re.fullmatch(r"\s*enum\s*\((.*)\)\s*", sql_type, re.I | re.S)
    if match is None:
        return None
    body, members, position = match.group(1), [], 0
    while position < len(body):
        member = _MEMBER.match(body, position)
        if member is None:
            return None
        literal = member.group(1)
        quote = literal[0]
        text = literal[1:-1].replace(quote * 2, quote)
        members.append(re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text))
        position = member.end()
    return members


def enum_type(members: list[str]) -> str:
    """``enum(...)`` as MySQL prints it (SHOW COLUMNS): single-quoted members, quotes doubled,
    backslashes escaped, no spaces."""
    quoted = ("'" + m.replace("\\", "\\\\").replace("'", "''") + "'" for m in members)
    return "enum(" + ",".join(quoted) + ")"
