"""Users' SQL (restriction strings, proj/aggr expressions) read in MySQL's dialect, for any engine.

DataJoint users write these fragments in MySQL's dialect (``Subject & 'sex = "F"'``,
``proj(day="date(start_time)")``). On the server they are sent as written. For other engines
they are parsed with sqlglot (a maintained SQL parser and transpiler), checked, adjusted where
sqlglot's rendering would change the meaning, and rendered in the target dialect. A fragment
that cannot be translated raises :class:`UntranslatableSQLError` naming the construct: it never
runs with another meaning. Translations are cached by text.

Kinds of difference handled for SQLite (each has tests in ``tests/unit/test_usersql.py``):

- ``"x"`` is a string literal in MySQL; in SQLite a double-quoted word is an identifier when a
  column of that name exists. The parser reads it as MySQL does and writes ``'x'``.
- ``BINARY a = 'X'`` (a case-sensitive comparison) becomes ``a = 'X' COLLATE BINARY``;
  ``COLLATE utf8mb4_bin`` becomes ``COLLATE BINARY`` and a ``*_ci`` collation ``COLLATE NOCASE``.
- Date and time functions whose sqlglot rendering is wrong or missing for SQLite
  (``YEAR``/``MONTH``/... , ``TIMESTAMPDIFF``, ``DATE_ADD``/``DATE_SUB``/``x + INTERVAL n unit``,
  ``UNIX_TIMESTAMP``, ``TRUNCATE``) become calls of the functions the SQLite driver registers
  with MySQL's meaning (``sql/dialect/sqlite_functions.py``).
- Refused: session variables (``@x``, ``:=``), ``XOR``, other collations, and functions
  that SQLite lacks and djnb does not provide.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from ..errors import QuerySyntaxError

#: MySQL's date parts as DATE_ADD's unit names (sqlglot keeps them as written)
DATE_UNITS = frozenset({"MICROSECOND", "SECOND", "MINUTE", "HOUR", "DAY", "WEEK", "MONTH", "QUARTER", "YEAR"})
_PLAIN_NAME = re.compile(r"`[^`]+`|[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")
#: words that are function calls without parentheses, whose SQLite meaning differs (UTC there)
_BARE_FUNCTIONS = frozenset(
    {"CURRENT_TIMESTAMP", "CURRENT_DATE", "CURRENT_TIME", "LOCALTIME", "LOCALTIMESTAMP"}
)


class UntranslatableSQLError(QuerySyntaxError):
    """A MySQL fragment that the target engine cannot run with the same meaning."""


def _sqlglot() -> Any:
    # imported on first use: `import djnb` stays light, and the server path never needs it
    import sqlglot
    from sqlglot import exp

    return sqlglot, exp


@functools.lru_cache(maxsize=8192)
def parse(text: str) -> Any:
    """The sqlglot tree of a MySQL fragment (cached by text); QuerySyntaxError if it is not SQL."""
    sqlglot, exp = _sqlglot()
    from sqlglot.errors import ParseError, TokenError

    try:  # read as a SELECT's one column: words that start statements (START, COMMENT, CACHE)
        trees = sqlglot.parse("SELECT " + text, read="mysql")  # are then column names, as in MySQL
    except (ParseError, TokenError) as err:
        raise QuerySyntaxError(
            f"Cannot read the SQL fragment {text!r}: {_problem(err)}. Write it in MySQL's "
            "dialect, as DataJoint restrictions and proj()/aggr() expressions are written; quote "
            "a column named like an SQL keyword in backticks (`key`)."
        ) from None
    if (
        len(trees) != 1
        or not isinstance(trees[0], exp.Select)
        or len(trees[0].expressions) != 1
        or isinstance(trees[0].expressions[0], exp.Alias)
    ):
        raise QuerySyntaxError(
            f"The SQL fragment {text!r} must be one expression (no ';', no top-level ',')."
        )
    return trees[0].expressions[0]


def _problem(err: Exception) -> str:
    """What sqlglot found wrong, said without its internals, at the fragment's own column."""
    found = (getattr(err, "errors", None) or [{}])[0]
    if not found.get("description"):  # a token it cannot read: most often an unclosed quote
        return "an unclosed quote or a character that is not SQL"
    what = "incomplete expression" if "Required keyword" in found["description"] else found["description"]
    column = max(1, int(found.get("col") or 0) - len("SELECT "))
    return f"{what} (near column {column}, at {found.get('highlight', '')!r})"


@functools.lru_cache(maxsize=8192)
def to_sqlite(text: str, functions: frozenset[str]) -> str:
    """``text`` (MySQL) as SQLite reads it with the same meaning; ``functions``: the function
    names the SQLite session knows (built in and registered by djnb), upper case.

    Raises UntranslatableSQLError naming the construct when there is no such translation.
    """
    if (_PLAIN_NAME.fullmatch(text) and text.upper() not in _BARE_FUNCTIONS) or _NUMBER.fullmatch(text):
        return text  # a renamed attribute or a number: nothing to translate (the common case)
    _, exp = _sqlglot()
    tree = parse(text).copy()
    tree = tree.transform(lambda node: _for_sqlite(node, exp, text))
    for node in tree.walk():
        if isinstance(node, exp.Anonymous) and node.name.upper() not in functions:
            raise UntranslatableSQLError(
                f"The SQL fragment {text!r} calls {node.name.upper()}(), which SQLite does not "
                "have and djnb does not provide: rewrite it with other functions, or run it on a "
                "MySQL/MariaDB server."
            )
    return tree.sql(dialect="sqlite")


def _refuse(text: str, construct: str, hint: str) -> UntranslatableSQLError:
    return UntranslatableSQLError(
        f"The SQL fragment {text!r} uses {construct}, which SQLite cannot run with MySQL's meaning; {hint}."
    )


_CALLS = {  # sqlglot's node for a MySQL function -> the function djnb registers on SQLite
    "Year": "YEAR", "Month": "MONTH", "Day": "DAY", "DayOfMonth": "DAY", "Hour": "HOUR",
    "Minute": "MINUTE", "Second": "SECOND", "Quarter": "QUARTER", "Week": "WEEK",
    "DayOfWeek": "DAYOFWEEK", "DayOfYear": "DAYOFYEAR", "StrToDate": "STR_TO_DATE",
    "UnixToTime": "FROM_UNIXTIME", "TimeToUnix": "UNIX_TIMESTAMP", "TimeToStr": "DATE_FORMAT",
}  # fmt: skip


def _for_sqlite(node: Any, exp: Any, text: str) -> Any:
    """One node of a MySQL tree, rewritten where sqlglot's SQLite rendering changes the meaning."""
    kind = type(node).__name__
    if isinstance(node, (exp.Parameter, exp.SessionParameter, exp.PropertyEQ, exp.Placeholder)):
        raise _refuse(text, "a variable or placeholder", "use literal values instead")
    if isinstance(node, exp.Xor):
        raise _refuse(text, "XOR", "write (a AND NOT b) OR (NOT a AND b)")
    if isinstance(node, exp.Collate):
        collation = node.expression.name.lower()
        target = "BINARY" if collation.endswith("_bin") or collation == "binary" else None
        target = "NOCASE" if collation.endswith("_ci") or collation == "nocase" else target
        if target is None:
            raise _refuse(text, f"COLLATE {collation}", "use a _bin or _ci collation")
        return exp.Collate(this=node.this, expression=exp.var(target))
    binary = (exp.DataType.Type.BINARY, exp.DataType.Type.VARBINARY)
    if isinstance(node, exp.Cast) and node.to.this in binary and not node.to.expressions:
        return exp.Collate(this=node.this, expression=exp.var("BINARY"))  # BINARY x: case-sensitive
    if isinstance(node, exp.Cast) and node.to.this in (exp.DataType.Type.UBIGINT, exp.DataType.Type.UINT):
        return exp.Cast(this=node.this, to=exp.DataType.build("INTEGER"))
    if isinstance(node, exp.Cast) and node.to.this == exp.DataType.Type.DECIMAL:
        return exp.Cast(this=node.this, to=exp.DataType.build("NUMERIC"))
    if isinstance(node, _comparisons(exp)) and not _has_collation(node, exp):
        return _case_insensitive(node, exp)
    if kind in _CALLS:
        args = [_date_arg(node.this, exp)] + [
            node.args[k] for k in ("format", "expression") if node.args.get(k)
        ]
        if kind == "TimeToStr":  # DATE_FORMAT(d, format): sqlglot keeps the format in strftime's terms
            return exp.Anonymous(
                this="DATE_FORMAT", expressions=[args[0], exp.Literal.string(_mysql_format(node))]
            )
        return exp.Anonymous(this=_CALLS[kind], expressions=args)
    if isinstance(node, exp.TimestampDiff):
        unit = node.args.get("unit")
        name = (unit.name if unit is not None else "SECOND").upper()
        return exp.Anonymous(
            this="TIMESTAMPDIFF", expressions=[exp.Literal.string(name), node.expression, node.this]
        )
    if isinstance(node, (exp.DateAdd, exp.DateSub)):
        return _date_add(
            node.this, node.expression, node.args.get("unit"), isinstance(node, exp.DateSub), exp, text
        )
    if isinstance(node, (exp.Add, exp.Sub)) and isinstance(node.expression, exp.Interval):
        interval = node.expression
        return _date_add(
            node.this, interval.this, interval.args.get("unit"), isinstance(node, exp.Sub), exp, text
        )
    if isinstance(node, exp.Interval):
        raise _refuse(text, "INTERVAL outside date arithmetic", "write DATE_ADD(x, INTERVAL n unit)")
    if isinstance(node, exp.CurrentDate):  # SQLite's CURRENT_DATE is UTC; MySQL's, local time
        return exp.Anonymous(this="CURDATE", expressions=[])
    if isinstance(node, exp.CurrentTimestamp):
        return exp.Anonymous(this="NOW", expressions=[])
    if isinstance(node, exp.Trunc):  # TRUNCATE(x, d)
        decimals = node.args.get("decimals") or exp.Literal.number(0)
        return exp.Anonymous(this="TRUNCATE", expressions=[node.this, decimals])
    return node


def _comparisons(exp: Any) -> tuple:
    return (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.NullSafeEQ, exp.In, exp.Between)


def _has_collation(node: Any, exp: Any) -> bool:
    """Whether the comparison names its collation (COLLATE, or BINARY x: not yet rewritten,
    since parents are rewritten before their children)."""
    binary = (exp.DataType.Type.BINARY, exp.DataType.Type.VARBINARY)
    return node.find(exp.Collate) is not None or any(
        cast.to.this in binary and not cast.to.expressions for cast in node.find_all(exp.Cast)
    )


def _is_text(node: Any, exp: Any) -> bool:
    return isinstance(node, exp.Literal) and node.is_string


def _case_insensitive(node: Any, exp: Any) -> Any:
    """A comparison with a string literal compares as MariaDB's default collation does, ignoring
    case, whatever the other side is (a column of an older table, a computed string)."""
    nocase = exp.var("NOCASE")
    if isinstance(node, exp.In | exp.Between):
        values = node.expressions or [node.args.get("low"), node.args.get("high")]
        if any(_is_text(v, exp) for v in values if v is not None):
            node.set("this", exp.Collate(this=node.this, expression=nocase))
        return node
    for side in ("this", "expression"):
        if _is_text(node.args.get(side), exp):
            node.set(side, exp.Collate(this=node.args[side], expression=nocase))
            break
    return node


def _date_arg(node: Any, exp: Any) -> Any:
    """sqlglot wraps the argument of some MySQL date functions in a conversion to a timestamp,
    which SQLite would render as a cast to a number; djnb's functions read the text as it is.
    (Its conversion to a date is SQLite's DATE(), which keeps the meaning: it stays.)"""
    return node.this if isinstance(node, exp.TsOrDsToTimestamp) else node


def _date_add(value: Any, amount: Any, unit: Any, subtract: bool, exp: Any, text: str) -> Any:
    name = (unit.name if unit is not None else "DAY").upper()
    if name not in DATE_UNITS:
        raise _refuse(text, f"INTERVAL ... {name}", f"use one of {', '.join(sorted(DATE_UNITS))}")
    if isinstance(amount, exp.Literal) and amount.is_string:
        amount = exp.Literal.number(amount.this) if _NUMBER.fullmatch(amount.this) else amount
    if subtract:
        amount = exp.Neg(this=exp.Paren(this=amount))
    return exp.Anonymous(
        this="DATE_ADD", expressions=[_date_arg(value, exp), amount, exp.Literal.string(name)]
    )


def _mysql_format(node: Any) -> str:
    """The MySQL format string of a DATE_FORMAT node (sqlglot stores strftime's codes)."""
    fmt = node.args["format"].name
    return fmt.replace("%M", "%i").replace("%S", "%s")  # strftime's minute/second -> MySQL's
