"""Parse DataJoint's table definition language into a ``TableSpec``.

Pure text processing: no database and no name resolution (``-> Session`` stays the string
``"Session"``); never ``eval``. Every problem raises ``DefinitionError`` carrying the 1-based
line number and column of the offending token, the line as written, and a hint on how to fix it.

Grammar, one item per line (leading and trailing whitespace ignored)::

    # table comment                      first non-blank line only
    # any other comment                  ignored, as are blank lines
    ---                                  (or ___, 3 or more) ends the primary key; at most once
    name [= default] : type [# comment]
    -> [nullable, unique] module.Parent[.proj(new='old', ...)] [# comment]
    [unique] index (a, b) [# comment]
"""

from __future__ import annotations

import difflib
import re

from djnb.definition.spec import AttributeSpec, ForeignKeySpec, IndexSpec, Source, TableSpec
from djnb.definition.types import SERIALIZED, classify_type
from djnb.errors import DefinitionError

__all__ = ["parse_definition"]

_NAME = re.compile(r"[a-z][a-z0-9_]*")
_MAX_NAME = 64  # MySQL's limit on column names
_REF = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")
_INDEX_KEYWORDS = re.compile(r"(?:(unique)\s+)?index\b", re.I)
# `index`/`unique` starts an index line unless it is an attribute of that name (`unique : bool`)
_INDEX_LINE = re.compile(r"(?:unique|index)(?![a-z0-9_])(?!\s*[:=])", re.I)
_RENAME = re.compile(r"\s*(?P<new>[^\s=]*)\s*=\s*(?P<q>['\"])(?P<old>[^'\"]*)(?P=q)\s*\Z")
_FK_FORMS = (
    "Write `-> Parent`, `-> module.Parent`, `-> [nullable, unique] Parent` or `-> Parent.proj(new='old')`."
)
_INDEX_FORMS = "Write `index(a, b)` or `unique index(a)`, naming attributes."


class _Line:
    """One line of the definition: its number, text, and how to report a problem in it."""

    def __init__(self, no: int, text: str, table: str | None) -> None:
        self.no, self.text, self.table = no, text.rstrip(), table
        self.start = len(self.text) - len(self.text.lstrip())  # index of the first token

    def fail(self, index: int, message: str, hint: str) -> DefinitionError:
        """The error to raise for a problem at 0-based ``index`` of this line."""
        return DefinitionError(
            message, line_no=self.no, column=index + 1, line=self.text, hint=hint, table=self.table
        )

    def skip(self, index: int) -> int:
        """The index of the next non-blank character at or after ``index``."""
        while index < len(self.text) and self.text[index].isspace():
            index += 1
        return index

    def scan(self, index: int, stops: str, end: int | None = None) -> int:
        """The index of the first unquoted character in ``stops`` (or ``end``); quotes must close."""
        end = len(self.text) if end is None else end
        quote, opened = "", 0
        for i in range(index, end):
            char = self.text[i]
            if quote:
                quote = "" if char == quote else quote
            elif char in "'\"":
                quote, opened = char, i
            elif char in stops:
                return i
        if quote:
            raise self.fail(opened, "unterminated quote", f"Close the string with a matching {quote}.")
        return end

    def split(self, start: int, end: int) -> list[tuple[int, str]]:
        """Comma-separated pieces of ``text[start:end]`` as (index of first token, stripped text)."""
        pieces = []
        while True:
            comma = self.scan(start, ",", end)
            piece = self.text[start:comma]
            pieces.append((self.skip(start) if piece.strip() else start, piece.strip()))
            if comma == end:
                return pieces
            start = comma + 1

    def rest_is_comment(self, index: int, what: str, hint: str) -> None:
        """Only blanks or a ``# comment`` may follow ``index``."""
        index = self.skip(index)
        if index < len(self.text) and self.text[index] != "#":
            raise self.fail(index, f"unexpected text after the {what}", hint)


def parse_definition(text: str, *, table: str | None = None) -> TableSpec:
    """Parse a table definition; ``table`` names the table in error messages."""
    lines = [_Line(no, raw, table) for no, raw in enumerate(text.splitlines() or [""], start=1)]
    written = [line for line in lines if line.text.strip()]
    first_written = written[0] if written else lines[0]
    comment = ""
    if written and written[0].text.lstrip().startswith("#"):
        first = written.pop(0)
        comment = first.text.strip()[1:].strip()
        if comment.startswith(":"):
            raise first.fail(
                first.text.index(":"),
                "the table comment must not start with ':'",
                "Remove the ':'; DataJoint reserves it.",
            )
    items: list[AttributeSpec | ForeignKeySpec] = []
    indexes: list[tuple[IndexSpec, list[int]]] = []
    declared: dict[str, int] = {}  # attribute name -> line number
    separator: _Line | None = None
    for line in written:
        body = line.text.strip()
        if body.startswith("#"):
            continue
        if body.startswith(("---", "___")):
            if separator:
                raise line.fail(
                    line.start,
                    "a second primary key separator",
                    f"Only one `---` line is allowed; the first is on line {separator.no}.",
                )
            separator = line
        elif _is_foreign_key(body):
            items.append(_parse_foreign_key(line, in_key=separator is None))
        elif _INDEX_LINE.match(body):
            indexes.append(_parse_index(line))
        else:
            attribute = _parse_attribute(line, in_key=separator is None)
            if attribute.name in declared:
                raise line.fail(
                    line.start,
                    f"attribute `{attribute.name}` is declared twice",
                    f"It is already declared on line {declared[attribute.name]}; rename or remove one.",
                )
            declared[attribute.name] = line.no
            items.append(attribute)
    if not any(item.in_key for item in items):
        where = separator or first_written
        raise where.fail(
            where.start,
            "the table has no primary key",
            "Declare at least one attribute or foreign key above the `---` line, e.g. `id : int`.",
        )
    has_foreign_keys = any(isinstance(item, ForeignKeySpec) for item in items)
    _check_index_attributes(indexes, declared, has_foreign_keys=has_foreign_keys, lines=lines)
    return TableSpec(comment=comment, items=tuple(items), indexes=tuple(spec for spec, _ in indexes))


def _is_foreign_key(body: str) -> bool:
    # as in DataJoint: an arrow before any quote or comment makes the line a foreign key
    arrow = body.find("->")
    return arrow >= 0 and not any(char in body[:arrow] for char in "\"'#")


def _check_name(line: _Line, index: int, name: str, what: str = "attribute") -> None:
    if _NAME.fullmatch(name) and len(name) <= _MAX_NAME:
        return
    if len(name) > _MAX_NAME and _NAME.fullmatch(name):
        raise line.fail(index, f"{what} name `{name}` is longer than {_MAX_NAME} characters", "Shorten it.")
    snake = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()
    snake = re.sub(r"[^a-z0-9_]+", "_", snake).strip("_")
    snake = snake if _NAME.fullmatch(snake) else "a_" + snake
    hint = f"Names are lower-case snake_case (a-z, 0-9, _, starting with a letter): use `{snake}`."
    if line.text.strip() == name and _REF.fullmatch(name) and name[0].isupper():
        hint = f"To reference the table {name}, write `-> {name}`."
    raise line.fail(index, f"invalid {what} name `{name}`", hint)


def _parse_attribute(line: _Line, *, in_key: bool) -> AttributeSpec:
    text, pos = line.text, line.start
    name = re.compile(r"[^\s=:#]*").match(text, pos).group()
    if not name:
        raise line.fail(pos, "missing attribute name", "Write `name : type`, e.g. `session_id : int`.")
    _check_name(line, pos, name)
    pos = line.skip(pos + len(name))
    default, default_at = None, 0
    if text.startswith("=", pos):
        default_at = line.skip(pos + 1)
        end = line.scan(pos + 1, ":#")
        default = text[pos + 1 : end].strip()
        if not default:
            raise line.fail(default_at, "missing default value after '='", "Write e.g. `= 0` or `= null`.")
        _check_default(line, default_at, default)
        pos = end
    if not text.startswith(":", pos):
        if pos < len(text) and text[pos] != "#":
            rest = text[pos : line.scan(pos, "#")].strip()
            raise line.fail(pos, f"expected ':' before the type of `{name}`", f"Write `{name} : {rest}`.")
        raise line.fail(pos, f"missing type for attribute `{name}`", f"Write e.g. `{name} : int`.")
    type_at, end = line.skip(pos + 1), line.scan(pos + 1, "#")
    type_text = _normalise(text[pos + 1 : end])
    if not type_text:
        raise line.fail(type_at, f"missing type for attribute `{name}`", f"Write e.g. `{name} : int`.")
    try:
        category, store, adapter = classify_type(type_text)
    except DefinitionError as err:
        raise line.fail(type_at, err.problem, err.hint or "") from None
    comment = text[end + 1 :].strip()
    if comment.startswith(":"):
        raise line.fail(
            line.skip(end + 1),
            "an attribute comment must not start with ':'",
            "Remove the ':'; DataJoint reserves it for `:type:` in stored comments.",
        )
    nullable = default is not None and default.lower() == "null"
    if nullable and in_key:
        raise line.fail(
            default_at,
            f"primary key attribute `{name}` cannot be nullable",
            f"Move `{name}` below the `---` line, or remove `= null`.",
        )
    if category in SERIALIZED and default is not None and not nullable:
        raise line.fail(
            default_at,
            f"`{type_text}` attributes can only default to null",
            f"Write `{name} = null : {type_text}`, or remove the default.",
        )
    return AttributeSpec(
        name=name,
        type=type_text,
        category=category,
        in_key=in_key,
        nullable=nullable,
        default=default,
        comment=comment,
        source=Source(line.no, line.text),
        store=store,
        adapter=adapter,
    )


def _check_default(line: _Line, index: int, default: str) -> None:
    """A default is one quoted string or an unquoted literal (number, CURRENT_TIMESTAMP, null)."""
    quote = default[0]
    if quote in "'\"":
        close = default.index(quote, 1)
        if close != len(default) - 1:
            raise line.fail(
                line.skip(index + close + 1),
                "unexpected text after the quoted default",
                "Put the whole default inside one pair of quotes.",
            )
    elif "'" in default or '"' in default:
        at = min(i for i in (default.find("'"), default.find('"')) if i >= 0)
        raise line.fail(index + at, "a quote inside an unquoted default", "Quote the whole default.")


def _normalise(type_text: str) -> str:
    # collapse whitespace outside quotes only: enum('a  b') keeps its value
    parts = re.split(r"('[^']*'|\"[^\"]*\")", type_text)
    return "".join(part if i % 2 else re.sub(r"\s+", " ", part) for i, part in enumerate(parts)).strip()


def _parse_foreign_key(line: _Line, *, in_key: bool) -> ForeignKeySpec:
    text = line.text
    arrow = text.index("->")
    if arrow != line.start:
        raise line.fail(line.start, "a foreign key line must start with '->'", _FK_FORMS)
    pos = line.skip(arrow + 2)
    options: dict[str, int] = {}  # option -> index
    if text.startswith("[", pos):
        close = text.find("]", pos)
        if close < 0:
            raise line.fail(pos, "unclosed '[' in foreign key options", _FK_FORMS)
        for at, option in line.split(pos + 1, close):
            if option.lower() not in ("nullable", "unique"):
                close_match = difflib.get_close_matches(option.lower(), ("nullable", "unique"), n=1)
                did_you_mean = f"Did you mean `{close_match[0]}`? " if close_match else ""
                message = f"unknown foreign key option `{option}`" if option else "empty foreign key option"
                raise line.fail(at, message, did_you_mean + "Options are `nullable` and `unique`.")
            options[option.lower()] = at
        pos = line.skip(close + 1)
    if "nullable" in options and in_key:
        raise line.fail(
            options["nullable"],
            "a foreign key in the primary key cannot be nullable",
            "Move the line below `---`, or remove the `nullable` option.",
        )
    match = _REF.match(text, pos)
    if not match:
        missing = pos >= len(text) or text[pos] == "#"
        message = "missing the referenced table after '->'" if missing else "invalid table reference"
        raise line.fail(pos, message, _FK_FORMS)
    ref, pos, renames = match.group(), match.end(), ()
    if ref.endswith(".proj") or ref == "proj":
        proj_at, paren = pos - len("proj"), line.skip(pos)
        if not text.startswith("(", paren) or ref == "proj":
            raise line.fail(proj_at, "`.proj` must be called: `.proj(new='old')`", _FK_FORMS)
        close = line.scan(paren + 1, ")")
        if close == len(text):
            raise line.fail(paren, "unclosed '(' in `.proj(...)`", _FK_FORMS)
        ref, renames = ref[: -len(".proj")], _parse_renames(line, paren + 1, close)
        pos = close + 1
    elif text.startswith("(", line.skip(pos)):
        raise line.fail(line.skip(pos), "only `.proj(...)` may follow a table reference", _FK_FORMS)
    line.rest_is_comment(pos, "foreign key reference", _FK_FORMS)
    return ForeignKeySpec(
        ref=ref,
        in_key=in_key,
        nullable="nullable" in options,
        unique="unique" in options,
        renames=renames,
        source=Source(line.no, line.text),
    )


def _parse_renames(line: _Line, start: int, end: int) -> tuple[tuple[str, str], ...]:
    """``new='old', ...`` inside ``.proj(...)``; empty parentheses rename nothing."""
    if not line.text[start:end].strip():
        return ()
    renames: dict[str, str] = {}
    hint = "In a foreign key, `.proj(...)` takes only renames: `.proj(new_name='parent_name')`."
    for at, piece in line.split(start, end):
        match = _RENAME.match(piece)
        if not match:
            raise line.fail(at, f"`{piece}` is not a rename" if piece else "empty argument", hint)
        new, old = match["new"], match["old"]
        _check_name(line, at, new)
        _check_name(line, at + match.start("old"), old, "parent attribute")
        if new in renames or old in renames.values():
            raise line.fail(at, f"`{new if new in renames else old}` is renamed twice", hint)
        renames[new] = old
    return tuple(renames.items())


def _parse_index(line: _Line) -> tuple[IndexSpec, list[int]]:
    """``[unique] index (a, b)``; also returns each attribute's index in the line."""
    text = line.text
    match = _INDEX_KEYWORDS.match(text, line.start)
    if not match:
        raise line.fail(line.start, "expected `index(...)` or `unique index(...)`", _INDEX_FORMS)
    pos = line.skip(match.end())
    if not text.startswith("(", pos):
        raise line.fail(pos, "expected '(' after `index`", _INDEX_FORMS)
    close = text.find(")", pos)
    if close < 0:
        raise line.fail(pos, "unclosed '(' in index", _INDEX_FORMS)
    names: list[str] = []
    columns: list[int] = []
    for at, name in line.split(pos + 1, close):
        if not name:
            raise line.fail(at, "an index needs attribute names", _INDEX_FORMS)
        _check_name(line, at, name)
        if name in names:
            raise line.fail(at, f"`{name}` is listed twice in the index", "List each attribute once.")
        names.append(name)
        columns.append(at)
    line.rest_is_comment(close + 1, "index", _INDEX_FORMS)
    return IndexSpec(tuple(names), unique=bool(match[1]), source=Source(line.no, line.text)), columns


def _check_index_attributes(
    indexes: list[tuple[IndexSpec, list[int]]],
    declared: dict[str, int],
    *,
    has_foreign_keys: bool,
    lines: list[_Line],
) -> None:
    # attributes may come from a parent, which we cannot see before resolution
    if has_foreign_keys:
        return
    for spec, columns in indexes:
        for name, at in zip(spec.attributes, columns, strict=True):
            if name not in declared:
                close = difflib.get_close_matches(name, declared, n=1)
                hint = f"Did you mean `{close[0]}`?" if close else f"Declare `{name}` or remove it."
                raise lines[spec.source.line_no - 1].fail(at, f"index names unknown attribute `{name}`", hint)
