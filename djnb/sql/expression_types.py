"""The types MySQL gives computed values, inferred from the parsed expression.

``proj(day="date(start_time)")``, ``aggr(n="count(*)", total="sum(amount)")``: the server
tells its driver each result column's type, and PyMySQL returns date, datetime, Decimal,
float, int or str accordingly. SQLite has no such types (dates are text, decimals are
numbers), so for an embedded database the type is inferred here from the expression (read by
``usersql.parse``) and the types of the attributes it uses, following MariaDB 10.11's rules as
observed (e.g. ``avg`` and ``/`` of integers give DECIMAL with 4 more decimals,
``div_precision_increment``; ``sum`` of integers gives DECIMAL; comparisons give int). The
result is a type as MySQL spells it (``"decimal(65,4)"``, ``"date"``, ``"bigint"``, ...) or
None when unknown (the value is then returned as SQLite gives it).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ..errors import DataJointError
from .nodes import Aggregate, Join, Node, Project, Relation, Union
from .usersql import parse

TypeOf = Callable[[str], "str | None"]

_DECIMAL = re.compile(r"(?:decimal|numeric)(?:\((\d+)(?:,\s*(\d+))?\))?", re.I)
DIV_PRECISION_INCREMENT = 4  # MariaDB's default: decimals added by / and AVG


def kind_of(sql_type: str | None) -> str | None:
    """int, decimal, float, date, datetime, time, text, or None."""
    if not sql_type:
        return None
    text = sql_type.lower()
    if re.match(r"(tiny|small|medium|big)?int|integer|bool|year", text):
        return "int"
    if _DECIMAL.match(text):
        return "decimal"
    if re.match(r"float|double|real", text):
        return "float"
    if text == "date":
        return "date"
    if text.startswith(("datetime", "timestamp")):
        return "datetime"
    if text.startswith("time"):
        return "time"
    if re.match(r"(var)?char|.*text|enum|set|json", text):
        return "text"
    return None


def scale_of(sql_type: str | None) -> int:
    match = _DECIMAL.match(sql_type or "")
    return int(match.group(2) or 0) if match else 0


def _decimal(scale: int) -> str:
    return f"decimal(65,{min(scale, 30)})"


def result_type(text: str, type_of: TypeOf) -> str | None:
    """The MySQL type of the value of the MySQL expression ``text``; ``type_of(name)`` gives the
    type of an attribute it names (None when unknown)."""
    try:
        tree = parse(text)
    except DataJointError:
        return None
    return _type(tree, type_of)


_INTEGER_FUNCTIONS = frozenset(
    [
        "Count",
        "Year",
        "Month",
        "Day",
        "DayOfMonth",
        "DayOfWeek",
        "DayOfYear",
        "Week",
        "Quarter",
        "Hour",
        "Minute",
        "Second",
        "DateDiff",
        "TimestampDiff",
        "Length",
        "TimeToUnix",
        "Sign",
        "Unicode",
        "BitwiseAnd",
        "BitwiseOr",
        "BitwiseXor",
        "IntDiv",
    ]
)
_FLOAT_FUNCTIONS = frozenset(
    [
        "Sqrt",
        "Pow",
        "Exp",
        "Ln",
        "Log",
        "Stddev",
        "StddevPop",
        "StddevSamp",
        "Variance",
        "VariancePop",
        "Rand",
    ]
)
_TEXT_FUNCTIONS = frozenset(
    [
        "Concat",
        "ConcatWs",
        "Upper",
        "Lower",
        "Substring",
        "Trim",
        "Replace",
        "GroupConcat",
        "TimeToStr",
        "Left",
        "Right",
        "Lpad",
        "Rpad",
        "Initcap",
    ]
)
_BOOLEAN = frozenset(
    [
        "EQ",
        "NEQ",
        "GT",
        "GTE",
        "LT",
        "LTE",
        "NullSafeEQ",
        "And",
        "Or",
        "Not",
        "Like",
        "ILike",
        "In",
        "Is",
        "Between",
        "RegexpLike",
        "Exists",
        "Boolean",
    ]
)
_ANONYMOUS = {  # functions sqlglot does not model, by name
    "UNIX_TIMESTAMP": "bigint", "NOW": "datetime", "CURDATE": "date", "SYSDATE": "datetime",
    "CURRENT_TIMESTAMP": "datetime", "FROM_UNIXTIME": "datetime", "TIME_TO_SEC": "bigint",
    "SEC_TO_TIME": "time", "CHAR_LENGTH": "bigint", "LOCATE": "bigint", "INSTR": "bigint",
    "CONNECTION_ID": "bigint", "FIND_IN_SET": "bigint", "CRC32": "bigint", "MD5": "varchar(32)",
    "DATABASE": "varchar(64)", "USER": "varchar(64)", "DATE_FORMAT": "varchar(255)",
}  # fmt: skip


def _type(node: Any, type_of: TypeOf) -> str | None:
    from sqlglot import exp

    name = type(node).__name__
    if isinstance(node, exp.Paren | exp.Alias):
        return _type(node.this, type_of)
    if isinstance(node, exp.Column):
        return type_of(node.name)
    if isinstance(node, exp.Null):
        return None
    if isinstance(node, exp.Literal):
        if node.is_string:
            return "varchar(255)"
        digits = node.this.split(".")
        return "bigint" if len(digits) == 1 and "e" not in node.this.lower() else _decimal(len(digits[-1]))
    if name in _BOOLEAN or isinstance(node, exp.Predicate):
        return "int"
    if name in _INTEGER_FUNCTIONS:
        return "bigint"
    if name in _FLOAT_FUNCTIONS:
        return "double"
    if name in _TEXT_FUNCTIONS:
        return "varchar(255)"
    if isinstance(node, exp.Anonymous):
        return _ANONYMOUS.get(node.name.upper())
    if isinstance(node, exp.Date | exp.TsOrDsToDate | exp.CurrentDate | exp.StrToDate):
        return "date"
    if isinstance(node, exp.CurrentTimestamp | exp.UnixToTime | exp.TsOrDsToTimestamp):
        return "datetime"
    if isinstance(node, exp.DateAdd | exp.DateSub):
        return _date_arithmetic(_type(node.this, type_of), node.args.get("unit"))
    if isinstance(node, exp.Add | exp.Sub) and isinstance(node.expression, exp.Interval):
        return _date_arithmetic(_type(node.this, type_of), node.expression.args.get("unit"))
    if isinstance(node, exp.Cast):
        return _cast_type(node)
    if isinstance(node, exp.Neg | exp.Abs):
        return _type(node.this, type_of)
    if isinstance(node, exp.Add | exp.Sub | exp.Mul | exp.Mod):
        return _arithmetic(node, type_of, exp)
    if isinstance(node, exp.Div):
        left, right = _type(node.this, type_of), _type(node.expression, type_of)
        if "float" in (kind_of(left), kind_of(right)):
            return "double"
        return _decimal(scale_of(left) + DIV_PRECISION_INCREMENT)
    if isinstance(node, exp.Sum):
        inner = _type(node.this, type_of)
        return "double" if kind_of(inner) == "float" else _decimal(scale_of(inner))
    if isinstance(node, exp.Avg):
        inner = _type(node.this, type_of)
        return "double" if kind_of(inner) == "float" else _decimal(scale_of(inner) + DIV_PRECISION_INCREMENT)
    if isinstance(node, exp.Max | exp.Min | exp.AnyValue):
        return _type(node.this, type_of)
    if isinstance(node, exp.Round):
        inner = _type(node.this, type_of)
        if kind_of(inner) == "decimal":
            decimals = node.args.get("decimals")
            return _decimal(int(decimals.this) if isinstance(decimals, exp.Literal) else 0)
        return inner
    if isinstance(node, exp.Floor | exp.Ceil):
        inner = _type(node.this, type_of)
        return "bigint" if kind_of(inner) in ("int", "decimal") else inner
    if isinstance(node, exp.Trunc):
        return _type(node.this, type_of)
    if isinstance(node, exp.If | exp.Case | exp.Coalesce | exp.Greatest | exp.Least | exp.Nullif):
        return _common(node, type_of)
    return None


def _date_arithmetic(base: str | None, unit: Any) -> str:
    """MySQL's DATE_ADD/DATE_SUB/INTERVAL: a date moved by whole days or more stays a date."""
    name = (unit.name if unit is not None else "DAY").upper()
    whole_days = name in ("DAY", "WEEK", "MONTH", "QUARTER", "YEAR")
    return "date" if kind_of(base) == "date" and whole_days else "datetime"


def _arithmetic(node: Any, type_of: TypeOf, exp: Any) -> str | None:
    left, right = _type(node.this, type_of), _type(node.expression, type_of)
    kinds = {kind_of(left), kind_of(right)}
    if "float" in kinds:
        return "double"
    if "decimal" in kinds:
        scales = scale_of(left), scale_of(right)
        return _decimal(sum(scales) if isinstance(node, exp.Mul) else max(scales))
    if kinds <= {"int"}:
        return "bigint"
    return None


def _common(node: Any, type_of: TypeOf) -> str | None:
    """The type of a choice among values (IF, CASE, COALESCE, GREATEST, ...): MySQL's
    aggregation of their types, simplified: text beats float beats decimal beats int."""
    from sqlglot import exp

    if isinstance(node, exp.Case):
        branches = [branch.args["true"] for branch in node.args["ifs"]] + [node.args.get("default")]
    elif isinstance(node, exp.If):
        branches = [node.args["true"], node.args.get("false")]
    else:
        branches = [node.this, *node.expressions]
    types = [t for t in (_type(b, type_of) for b in branches if b is not None) if t]
    for kind in ("text", "float", "decimal", "datetime", "date", "time", "int"):
        chosen = [t for t in types if kind_of(t) == kind]
        if chosen:
            return _decimal(max(map(scale_of, chosen))) if kind == "decimal" else chosen[0]
    return None


def _cast_type(node: Any) -> str | None:
    from sqlglot import exp

    kind = node.to.this
    types = exp.DataType.Type
    if kind in (types.BIGINT, types.INT, types.UBIGINT, types.UINT, types.TINYINT, types.SMALLINT):
        return "bigint"
    if kind in (types.DECIMAL,):
        params = [p.this.this for p in node.to.expressions]
        return f"decimal({params[0] if params else 10},{params[1] if len(params) > 1 else 0})"
    if kind in (types.DOUBLE, types.FLOAT):
        return "double"
    if kind == types.DATE:
        return "date"
    if kind in (types.DATETIME, types.TIMESTAMP):
        return "datetime"
    if kind == types.TIME:
        return "time"
    if kind in (types.CHAR, types.VARCHAR, types.TEXT, types.NCHAR):
        return "varchar(255)"
    return None


def column_type(node: Node, name: str) -> str | None:
    """The MySQL type of attribute ``name`` of query ``node``'s result, computed or not."""
    if isinstance(node, Relation):
        return node.heading[name].sql_type if name in node.heading else None
    if isinstance(node, Project):
        computed = dict(node.computed)
        if name in computed:
            return result_type(computed[name], lambda n: column_type(node.source, n))
        old = dict(node.renames).get(name, name)
        return column_type(node.source, old)
    if isinstance(node, Aggregate):
        computed = dict(node.computed)
        if name in computed:
            return result_type(
                computed[name], lambda n: column_type(node.source, n) or column_type(node.group, n)
            )
        return column_type(node.group, name)
    if isinstance(node, Join | Union):
        return column_type(node.left if name in node.left.heading else node.right, name)
    source = getattr(node, "source", None)
    return column_type(source, name) if source is not None else None
