"""SQLite, the embedded default: one database file holds every schema.

A schema is a name space of that file: `lab`.`session` is the table "lab.session", so foreign
keys work across schemas. SQLite keeps neither column comments nor server types, so the
catalog tables below record, for every column, what MySQL's SHOW FULL COLUMNS would say (the
declared type, null, default, key, extra, comment): headings and describe() round-trip
exactly. Types are enforced with CHECK constraints (integer ranges, unsigned, string lengths,
enum members, valid dates and JSON), as MySQL's strict mode would.

``translate_ddl`` turns the server-form CREATE TABLE / ALTER TABLE that ``sql/ddl.py`` writes
into SQLite statements plus catalog rows; it is a pure function.
"""

from __future__ import annotations

import datetime
import decimal
import re
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from ... import errors
from ...definition.types import enum_members, enum_type
from ...errors import ArgumentError, DefinitionError
from .. import usersql
from .base import Dialect, Statement
from .sqlite_functions import MYSQL_FUNCTIONS

SCHEMAS_TABLE = "~djnb_schemas"
CATALOG_TABLES = (
    f'CREATE TABLE IF NOT EXISTS "{SCHEMAS_TABLE}" (schema_name TEXT PRIMARY KEY)',
    'CREATE TABLE IF NOT EXISTS "~djnb_tables" (schema_name TEXT, table_name TEXT, comment TEXT, '
    "PRIMARY KEY (schema_name, table_name))",
    'CREATE TABLE IF NOT EXISTS "~djnb_columns" (schema_name TEXT, table_name TEXT, position INTEGER, '
    '"Field" TEXT, "Type" TEXT, "Null" TEXT, "Default" TEXT, "Key" TEXT, "Extra" TEXT, "Comment" TEXT, '
    "PRIMARY KEY (schema_name, table_name, position))",
)
#: text types that MariaDB compares case-insensitively (its default collation, utf8mb4_*_ci):
#: declared COLLATE NOCASE, SQLite's built-in collation (ASCII letters only; trailing spaces count)
CASE_INSENSITIVE = re.compile(r"(var)?char\(|enum\(|(tiny|medium|long)?text$", re.I)
LENGTH_CHECK = "~length"  # the name of a char/varchar column's length check: "<column>~length"
INTEGER_BITS = {"tinyint": 8, "smallint": 16, "mediumint": 24, "int": 32, "integer": 32, "bigint": 64}
SQLITE_MAX = 2**63 - 1

_SCHEMA = "substr(m.name, 1, instr(m.name, '.') - 1)"
_TABLE = "substr(m.name, instr(m.name, '.') + 1)"
_PARENT_SCHEMA = 'substr(f."table", 1, instr(f."table", \'.\') - 1)'
_PARENT_TABLE = 'substr(f."table", instr(f."table", \'.\') + 1)'


#: SQLite's own functions (core, date and time, math, JSON, aggregate, window; SQLite 3.35+)
SQLITE_FUNCTIONS = frozenset(
    [
        "ABS",
        "ACOS",
        "ACOSH",
        "ASIN",
        "ASINH",
        "ATAN",
        "ATAN2",
        "ATANH",
        "AVG",
        "CEIL",
        "CEILING",
        "CHANGES",
        "CHAR",
        "COALESCE",
        "COS",
        "COSH",
        "COUNT",
        "CUME_DIST",
        "DATE",
        "DATETIME",
        "DEGREES",
        "DENSE_RANK",
        "EXP",
        "FIRST_VALUE",
        "FLOOR",
        "FORMAT",
        "GLOB",
        "GROUP_CONCAT",
        "HEX",
        "IFNULL",
        "IIF",
        "INSTR",
        "JSON",
        "JSON_ARRAY",
        "JSON_ARRAY_LENGTH",
        "JSON_EXTRACT",
        "JSON_GROUP_ARRAY",
        "JSON_GROUP_OBJECT",
        "JSON_INSERT",
        "JSON_OBJECT",
        "JSON_PATCH",
        "JSON_QUOTE",
        "JSON_REMOVE",
        "JSON_REPLACE",
        "JSON_SET",
        "JSON_TYPE",
        "JSON_VALID",
        "JULIANDAY",
        "LAG",
        "LAST_VALUE",
        "LEAD",
        "LENGTH",
        "LIKE",
        "LIKELIHOOD",
        "LIKELY",
        "LN",
        "LOG",
        "LOG10",
        "LOG2",
        "LOWER",
        "LTRIM",
        "MAX",
        "MIN",
        "MOD",
        "NTH_VALUE",
        "NTILE",
        "NULLIF",
        "PERCENT_RANK",
        "PI",
        "POW",
        "POWER",
        "PRINTF",
        "QUOTE",
        "RADIANS",
        "RANDOM",
        "RANDOMBLOB",
        "RANK",
        "REPLACE",
        "ROUND",
        "ROW_NUMBER",
        "RTRIM",
        "SIGN",
        "SIN",
        "SINH",
        "SOUNDEX",
        "SQRT",
        "STRFTIME",
        "SUBSTR",
        "SUBSTRING",
        "SUM",
        "TAN",
        "TANH",
        "TIME",
        "TOTAL",
        "TRIM",
        "TRUNC",
        "TYPEOF",
        "UNICODE",
        "UNIXEPOCH",
        "UNLIKELY",
        "UPPER",
        "ZEROBLOB",
    ]
)


def functions() -> frozenset[str]:
    """Upper-case names of the functions a djnb SQLite session knows: SQLite's own and MySQL's
    that the driver registers."""
    return _FUNCTIONS


_FUNCTIONS = SQLITE_FUNCTIONS | set(MYSQL_FUNCTIONS) | {"CONNECTION_ID", "USER"}


def _optional(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None or not isinstance(value, (str, int, float)) else convert(value)


def _timedelta(text: str) -> datetime.timedelta:
    sign = -1 if text.startswith("-") else 1
    hours, minutes, seconds = text.lstrip("-").split(":")
    return sign * datetime.timedelta(hours=int(hours), minutes=int(minutes), seconds=float(seconds))


def _codes(cls: type[errors.DataJointError], *codes: str) -> dict[str, type]:
    return dict.fromkeys(codes, cls)


class SQLiteDialect(Dialect):
    name = "sqlite"
    placeholder = "%s"  # the driver turns %s into ?
    identifier_quote = "`"  # SQLite reads MySQL's quotes; statements keep the server form
    begin_transaction = "BEGIN IMMEDIATE"  # take the write lock first: no deadlock on upgrade
    error_classes: ClassVar[dict[int | str, type[errors.DataJointError]]] = {
        **_codes(errors.DuplicateError, "SQLITE_CONSTRAINT_PRIMARYKEY", "SQLITE_CONSTRAINT_UNIQUE"),
        **_codes(errors.IntegrityError, "SQLITE_CONSTRAINT_FOREIGNKEY", "SQLITE_CONSTRAINT_TRIGGER"),
        **_codes(errors.MissingAttributeError, "SQLITE_CONSTRAINT_NOTNULL"),
        **_codes(errors.InvalidValueError, "SQLITE_CONSTRAINT_CHECK", "SQLITE_MISMATCH", "SQLITE_TOOBIG"),
        **_codes(errors.MissingTableError, "SQLITE_ERROR_NO_TABLE"),
        **_codes(errors.UnknownAttributeError, "SQLITE_ERROR_NO_COLUMN"),
        **_codes(errors.QuerySyntaxError, "SQLITE_ERROR_SYNTAX"),
        **_codes(errors.LockError, "SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_BUSY_SNAPSHOT", "SQLITE_BUSY_RECOVERY"),
        **_codes(errors.AccessError, "SQLITE_READONLY", "SQLITE_PERM", "SQLITE_AUTH"),
        **_codes(errors.ConnectError, "SQLITE_CANTOPEN", "SQLITE_NOTADB"),
    }  # fmt: skip

    def error_message(self, code: int | str, message: str) -> str:
        """SQLite's terse messages, said the way the server says them (naming the same things)."""
        detail = message.split(": ", 1)[1] if ": " in message else ""
        columns = [c.rsplit(".", 1)[-1] for c in detail.split(", ")] if detail else []
        table = detail.split(", ")[0].rsplit(".", 1)[0] if detail else ""
        if code in ("SQLITE_CONSTRAINT_PRIMARYKEY", "SQLITE_CONSTRAINT_UNIQUE"):
            key = "the primary key" if code.endswith("PRIMARYKEY") else "a unique index"
            return f"Duplicate entry for {key} ({', '.join(columns)}) of `{table}` [{message}]"
        if code == "SQLITE_CONSTRAINT_FOREIGNKEY":
            return f"A foreign key constraint fails: a parent row is missing or a child row still refers to it [{message}]"
        if code == "SQLITE_CONSTRAINT_NOTNULL":
            return f"Field '{', '.join(columns)}' of `{table}` needs a value (it is NOT NULL) [{message}]"
        if code == "SQLITE_CONSTRAINT_CHECK":
            if detail.endswith(LENGTH_CHECK):  # the named length check of a char/varchar column
                return f"Data too long for column '{detail[: -len(LENGTH_CHECK)]}' [{message}]"
            return f"Out of range or invalid value for column '{detail}' [{message}]"
        if code == "SQLITE_MISMATCH":
            return f"Incorrect value for the column's type [{message}]"
        if code == "SQLITE_ERROR_SYNTAX":
            return f"You have an error in your SQL syntax: {message}"
        if code == "SQLITE_ERROR_NO_COLUMN":
            return f"Unknown column: {message}"
        return message

    def table_name(self, schema: str, table: str) -> str:
        """One table of the file: the schema is part of its name (`lab.session`)."""
        return self.quote(f"{schema}.{table}")

    def user_sql(self, text: str) -> str:
        """MySQL's fragment as SQLite reads it (``sql/usersql.py``): literals stay literals, MySQL
        functions map to SQLite's or to those the driver registers; UntranslatableSQLError else."""
        return usersql.to_sqlite(text, functions())

    infers_expression_types = True
    hoists_nested_subqueries = True  # its parser overflows at about 14 nested semijoins

    def expression_decoder(self, sql_type: str) -> Callable[[Any], Any] | None:
        """Computed values: an integer type also turns SQLite's float results (FLOOR of a
        number, arithmetic on NUMERIC) into int, as MySQL returns them."""
        if re.match(r"(tiny|small|medium|big)?int", sql_type):
            return lambda value: int(value) if isinstance(value, float) and value.is_integer() else value
        return self.value_decoder(sql_type)

    def value_decoder(self, sql_type: str) -> Callable[[Any], Any] | None:
        """SQLite keeps temporal values as ISO text and decimals as numbers: give back the
        date, datetime, timedelta and Decimal objects the MySQL driver returns."""
        text = sql_type.lower()
        if text == "date":
            return _optional(datetime.date.fromisoformat)
        if text.startswith(("datetime", "timestamp")):
            return _optional(datetime.datetime.fromisoformat)
        if re.fullmatch(r"time(\(\d\))?", text):
            return _optional(_timedelta)
        number = re.fullmatch(r"(decimal|numeric)(?:\((\d+)(?:,\s*(\d+))?\))?.*", text)
        if number:
            scale = int(number.group(3) or 0)
            return _optional(lambda v: decimal.Decimal(f"{v:.{scale}f}") if isinstance(v, float) else
                             decimal.Decimal(v).quantize(decimal.Decimal(1).scaleb(-scale)))  # fmt: skip
        return None

    def list_schemas(self) -> Statement:
        return f"SELECT schema_name FROM `{SCHEMAS_TABLE}` ORDER BY schema_name", ()

    def schema_exists(self, schema: str) -> Statement:
        return f"SELECT COUNT(*) FROM `{SCHEMAS_TABLE}` WHERE schema_name = %s", (schema,)

    def create_schema(self, schema: str) -> Statement:
        if "." in schema:
            raise ArgumentError(f"Schema name {schema!r}: on SQLite schema names cannot contain '.'.")
        return f"CREATE DATABASE {self.quote(schema)}", ()

    def drop_schema(self, schema: str) -> Statement:
        return f"DROP DATABASE {self.quote(schema)}", ()

    def list_tables(self, schema: str) -> Statement:
        sql = (
            f"SELECT {_TABLE} FROM sqlite_master AS m WHERE m.type = 'table' AND {_SCHEMA} = %s "
            f"AND instr(m.name, '.') > 0 ORDER BY 1"
        )
        return sql, (schema,)

    def connection_id(self) -> Statement:
        return "SELECT CONNECTION_ID()", ()

    def current_user(self) -> Statement:
        return "SELECT USER()", ()

    def tls_cipher(self) -> Statement:
        return "SELECT ''", ()

    def table_status(self, schema: str, table: str) -> Statement:
        sql = (
            "SELECT t.comment AS comment, COALESCE((SELECT SUM(pgsize) FROM dbstat WHERE name = %s), 0) "
            "AS data_length, 0 AS index_length FROM `~djnb_tables` AS t WHERE t.schema_name = %s AND t.table_name = %s"
        )
        return sql, (f"{schema}.{table}", schema, table)

    def columns(self, schema: str, table: str) -> Statement:
        sql = (
            'SELECT "Field", "Type", "Null", "Default", "Key", "Extra", "Comment" FROM `~djnb_columns` '
            "WHERE schema_name = %s AND table_name = %s ORDER BY position"
        )
        return sql, (schema, table)

    def index_columns(self, schema: str, table: str) -> Statement:
        sql = (
            'SELECT i.name AS Key_name, c.seqno + 1 AS Seq_in_index, c.name AS Column_name, 1 - i."unique" '
            "AS Non_unique FROM pragma_index_list(%s) AS i, pragma_index_info(i.name) AS c "
            "WHERE i.origin = 'c' ORDER BY i.name, c.seqno"
        )
        return sql, (f"{schema}.{table}",)

    def foreign_keys(self, schemas: Sequence[str]) -> Statement:
        sql = (
            f'SELECT \'fk\' || f.id, {_SCHEMA}, {_TABLE}, f."from", {_PARENT_SCHEMA}, {_PARENT_TABLE}, f."to" '
            "FROM sqlite_master AS m, pragma_foreign_key_list(m.name) AS f "
            f"WHERE m.type = 'table' AND {_SCHEMA} IN ({self.placeholders(len(schemas))}) ORDER BY m.name, f.id, f.seq"
        )
        return sql, tuple(schemas)

    def referencing_schemas(self, schemas: Sequence[str]) -> Statement:
        sql = (
            f"SELECT DISTINCT {_SCHEMA} FROM sqlite_master AS m, pragma_foreign_key_list(m.name) AS f "
            f"WHERE m.type = 'table' AND {_PARENT_SCHEMA} IN ({self.placeholders(len(schemas))})"
        )
        return sql, tuple(schemas)

    def primary_keys(self, schemas: Sequence[str]) -> Statement:
        sql = (
            f"SELECT {_SCHEMA}, {_TABLE}, p.name FROM sqlite_master AS m, pragma_table_info(m.name) AS p "
            f"WHERE m.type = 'table' AND p.pk > 0 AND instr(m.name, '.') > 0 "
            f"AND {_SCHEMA} IN ({self.placeholders(len(schemas))}) ORDER BY m.name, p.pk"
        )
        return sql, tuple(schemas)

    def insert(
        self,
        table: str,
        columns: Sequence[str],
        on_duplicate: str = "error",
        primary_key: Sequence[str] = (),
        select: str | None = None,
    ) -> str:
        names = ", ".join(map(self.quote, columns))
        if on_duplicate == "replace":  # as MySQL's REPLACE: the old row goes, defaults included
            verb = "REPLACE"
        elif on_duplicate in ("error", "ignore"):
            verb = "INSERT"
        else:
            raise ArgumentError(f"on_duplicate must be 'error', 'ignore' or 'replace'; got {on_duplicate!r}")
        if select is not None:
            # "WHERE true" keeps the parser from reading ON CONFLICT as a join condition
            source = f"SELECT * FROM ({select}) WHERE true"
        else:
            source = f"VALUES ({self.placeholders(len(columns))})"
        sql = f"{verb} INTO {table} ({names}) {source}"
        if on_duplicate == "ignore":  # only uniqueness conflicts are skipped, not bad values
            sql += " ON CONFLICT DO NOTHING"
        return sql


# ---- DDL translation ----------------------------------------------------------------------

_CREATE = re.compile(
    r"CREATE TABLE IF NOT EXISTS `(?P<name>(?:[^`]|``)+)` \(\n  (?P<body>.*)\n\) ENGINE=InnoDB, "
    r'COMMENT (?P<comment>"(?:[^"\\]|\\.)*")\s*$',
    re.S,
)
_COLUMN = re.compile(
    r"`(?P<name>(?:[^`]|``)+)` (?P<type>.+?)(?P<notnull> NOT NULL)?"
    r"(?: DEFAULT (?P<default>NULL|\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|\S+))?"
    r'(?: COMMENT (?P<comment>"(?:[^"\\]|\\.)*"))?$',
    re.S,
)
_INDEX = re.compile(r"(?P<unique>UNIQUE )?INDEX \((?P<columns>.*)\)$")
_FOREIGN = re.compile(
    r"FOREIGN KEY \((?P<columns>[^)]*)\) REFERENCES `(?P<parent>(?:[^`]|``)+)` \((?P<refs>[^)]*)\)"
)


def mysql_string(literal: str) -> str:
    """The text of a MySQL double- or single-quoted literal (backslash escapes undone)."""
    return re.sub(
        r"\\(.)", lambda m: {"n": "\n", "t": "\t", "0": "\0"}.get(m.group(1), m.group(1)), literal[1:-1]
    )


def sqlite_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _names(columns: str) -> list[str]:
    return [c.strip().strip("`").replace("``", "`") for c in columns.split(",") if c.strip()]


def column_check(name: str, sql_type: str) -> tuple[str, str | None]:
    """(SQLite type, CHECK condition or None) enforcing what MySQL's strict mode enforces."""
    q = f'"{name}"'
    text = sql_type.lower().replace(" auto_increment", "").strip()
    integer = re.fullmatch(r"(tiny|small|medium|big)?int(eger)?(\(\d+\))?( unsigned)?( zerofill)?", text)
    if integer or text in ("bool", "boolean"):
        bits = INTEGER_BITS.get(f"{integer.group(1) or ''}int" if integer else "tinyint", 32)
        unsigned = bool(integer and integer.group(4))
        low, high = (
            (0, min(2**bits - 1, SQLITE_MAX)) if unsigned else (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
        )
        # "INT", not "INTEGER": a lone INTEGER primary key would alias the rowid and turn NULL into
        # a new number instead of refusing it
        return "INT", f"typeof({q}) = 'integer' AND {q} BETWEEN {low} AND {high}"
    if re.fullmatch(r"(float|double|real)(\(.*\))?( unsigned)?", text):
        check = f"typeof({q}) IN ('real', 'integer')"
        return "REAL", check + (f" AND {q} >= 0" if text.endswith("unsigned") else "")
    decimal = re.fullmatch(r"(decimal|numeric)(\((\d+)(?:,\s*(\d+))?\))?( unsigned)?", text)
    if decimal:
        digits, scale = int(decimal.group(3) or 10), int(decimal.group(4) or 0)
        check = f"typeof({q}) IN ('real', 'integer') AND abs({q}) < 1e{digits - scale}"
        return "NUMERIC", check + (f" AND {q} >= 0" if decimal.group(5) else "")
    if re.fullmatch(r"(var)?char\((\d+)\)", text):
        return "TEXT", f"typeof({q}) = 'text'"  # its length: length_check
    sized = re.fullmatch(r"(var)?(char|binary)\((\d+)\)", text)
    if sized:
        kind = "BLOB" if sized.group(2) == "binary" else "TEXT"
        exact = sized.group(2) == "binary" and not sized.group(1)
        length = f"length({q}) {'=' if exact else '<='} {sized.group(3)}"
        return kind, (
            f"typeof({q}) = 'blob' AND " if kind == "BLOB" else f"typeof({q}) = 'text' AND "
        ) + length
    members = enum_members(sql_type)
    if members is not None:
        return "TEXT", f"{q} IN ({', '.join(map(sqlite_string, members))})"
    # date() takes '2024-02-30' as it is; with a modifier it normalises it ('2024-03-01'): a
    # value that changes is not a real date, and MySQL's strict mode refuses it
    if text == "date":
        return "TEXT", f"{q} IS date({q}, '+0 days')"
    if re.fullmatch(r"(datetime|timestamp)(\(\d\))?", text):
        return "TEXT", f"datetime({q}) IS NOT NULL AND substr({q}, 1, 10) IS date({q}, '+0 days')"
    if re.fullmatch(r"time(\(\d\))?", text):
        return "TEXT", None
    if text == "json":
        return "TEXT", f"json_valid({q})"
    if text.endswith("text"):
        return "TEXT", f"typeof({q}) = 'text'"
    if text.endswith("blob"):
        return "BLOB", None
    if text == "year":
        return "INT", f"{q} BETWEEN 1901 AND 2155"
    return "TEXT", None


def length_check(name: str, sql_type: str) -> str | None:
    """The named CHECK constraint limiting a char(N)/varchar(N) column to N characters, or None.

    SQLite's length() stops at the first NUL character, and MySQL counts every character: when
    the text holds a NUL, its characters are counted in its JSON form, where each NUL is the
    escape \\u0000 (turned into \\u0020, so that the decoded text is NUL-free and as long).
    Tables of earlier djnb versions keep their unnamed length() check in the column's CHECK.
    """
    sized = re.fullmatch(r"(var)?char\((\d+)\)", sql_type.lower().strip())
    if sized is None:
        return None
    q, limit = f'"{name}"', sized.group(2)
    whole = f"length(json_extract(replace(json_quote({q}), '\\u0000', '\\u0020'), '$'))"
    fits = f"length({q}) <= {limit} AND (instr({q}, char(0)) = 0 OR {whole} <= {limit})"
    # most text is at most N bytes long: that test is as cheap as length() and settles it
    condition = f"length(CAST({q} AS BLOB)) <= {limit} OR typeof({q}) <> 'text' OR ({fits})"
    return f'CONSTRAINT "{name}{LENGTH_CHECK}" CHECK ({condition})'


def server_spelling(sql_type: str) -> str:
    """A type as MySQL reports it back (its aliases resolved), for the catalog."""
    text = sql_type.strip()
    lowered = text.lower()
    aliases = {"bool": "tinyint(1)", "boolean": "tinyint(1)", "integer": "int", "real": "double",
               "double precision": "double"}  # fmt: skip
    if lowered in aliases:
        return aliases[lowered]
    members = enum_members(text)
    if members is not None:  # as MySQL prints it
        return enum_type(members)
    text = re.sub(r",\s+", ",", text)
    return re.sub(
        r"^(numeric|dec|fixed)\b", "decimal", re.sub(r"^integer\b", "int", text, flags=re.I), flags=re.I
    )


def catalog_column_line(row: dict) -> str:
    """The server-form column definition of a catalog row (the inverse of the translation)."""
    line = f"`{row['Field']}` {row['Type']}" + (" auto_increment" if row["Extra"] == "auto_increment" else "")
    if row["Null"] == "NO":
        line += " NOT NULL"
    default = row["Default"]
    if default is None and row["Null"] == "YES":
        line += " DEFAULT NULL"
    elif default is not None:
        numeric = re.match(
            r"(tiny|small|medium|big)?int|integer|float|double|real|decimal|numeric|bool", row["Type"], re.I
        )
        if default == "current_timestamp()":
            line += " DEFAULT CURRENT_TIMESTAMP"
        else:
            line += (
                f" DEFAULT {default}"
                if numeric
                else ' DEFAULT "' + default.replace("\\", "\\\\").replace('"', '\\"') + '"'
            )
    comment = (row["Comment"] or "").replace("\\", "\\\\").replace('"', '\\"')
    return line + f' COMMENT "{comment}"'


def split_clauses(text: str) -> list[str]:
    """Top-level comma-separated clauses of an ALTER TABLE (commas in quotes or parentheses stay)."""
    clauses, depth, quote, current = [], 0, "", []
    index = 0
    while index < len(text):
        char = text[index]
        if quote:
            if char == "\\":
                current.append(text[index : index + 2])
                index += 2
                continue
            if char == quote:
                quote = ""
        elif char in "\"'`":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            clauses.append("".join(current).strip())
            current = []
            index += 1
            continue
        current.append(char)
        index += 1
    clauses.append("".join(current).strip())
    return [c for c in clauses if c]


def _default(value: str | None, sql_type: str) -> tuple[str, str | None]:
    """(SQLite DEFAULT clause, the default as SHOW FULL COLUMNS shows it)."""
    if value is None or value.upper() == "NULL":
        return "", None
    if value[0] in "\"'":
        text = mysql_string(value)
        return f" DEFAULT {sqlite_string(text)}", text
    if value.upper().startswith("CURRENT_TIMESTAMP"):
        return " DEFAULT (datetime('now', 'localtime'))", "current_timestamp()"
    return f" DEFAULT {value}", value


def _create(match: re.Match) -> list[Statement]:
    full = match.group("name").replace("``", "`")
    schema, _, table = full.partition(".")
    lines = match.group("body").split(",\n  ")
    columns, primary, foreign, indexes = [], [], [], []
    for line in lines:
        if line.startswith("PRIMARY KEY ("):
            primary = _names(line[len("PRIMARY KEY (") : -1])
        elif line.startswith("FOREIGN KEY"):
            foreign.append(line)
        elif _INDEX.match(line):
            indexes.append(_INDEX.match(line))
        else:
            column = _COLUMN.match(line)
            if column is None:
                raise DefinitionError(f"cannot translate this column to SQLite: {line}", table=full)
            columns.append(column)
    auto = [c.group("name") for c in columns if "auto_increment" in c.group("type").lower()]
    if auto and primary != auto:
        raise DefinitionError(
            "on SQLite, auto_increment works only for a primary key of that one attribute",
            hint="Make the auto_increment attribute the whole primary key, or drop auto_increment.", table=full,
        )  # fmt: skip
    body, catalog = [], []
    for position, column in enumerate(columns, start=1):
        name, sql_type = column.group("name").replace("``", "`"), server_spelling(column.group("type"))
        affinity, check = column_check(name, sql_type)
        default_sql, shown_default = _default(column.group("default"), sql_type)
        nullable = not column.group("notnull")
        line = f'"{name}" {affinity}'
        if CASE_INSENSITIVE.match(sql_type):  # as MariaDB's default collation compares text
            line += " COLLATE NOCASE"
        if name in auto:
            line = f'"{name}" INTEGER PRIMARY KEY AUTOINCREMENT'
        elif not nullable:
            line += " NOT NULL"
        line += default_sql
        if check:
            line += f' CHECK ("{name}" IS NULL OR ({check}))'
        limit = length_check(name, sql_type)
        if limit:
            line += f" {limit}"
        body.append(line)
        comment = mysql_string(column.group("comment")) if column.group("comment") else ""
        extra = "auto_increment" if name in auto else ""
        shown_type = re.sub(r"\s+auto_increment", "", sql_type, flags=re.I)
        catalog.append((schema, table, position, name, shown_type, "YES" if nullable else "NO", shown_default,
                        "PRI" if name in primary else "", extra, comment))  # fmt: skip
    if not auto:
        body.append("PRIMARY KEY (" + ", ".join(f'"{c}"' for c in primary) + ")")
    statements: list[Statement] = []
    covered = [primary] + [_names(i.group("columns")) for i in indexes]
    extra_indexes = []
    for line in foreign:
        fk = _FOREIGN.match(line)
        body.append(line.replace(f"`{fk.group('parent')}`", f'"{fk.group("parent").replace("``", "`")}"'))
        cols = _names(fk.group("columns"))
        if not any(index[: len(cols)] == cols for index in covered):  # as InnoDB: an index per foreign key
            extra_indexes.append((False, cols))
            covered.append(cols)
    statements.append((f'CREATE TABLE "{full}" (\n  ' + ",\n  ".join(body) + "\n)", ()))
    declared = [(bool(i.group("unique")), _names(i.group("columns")), "i") for i in indexes]
    for number, (unique, cols, kind) in enumerate(
        declared + [(u, c, "f") for u, c in extra_indexes], start=1
    ):
        quoted = ", ".join(f'"{c}"' for c in cols)
        name = f"{full}~{kind}{number}"  # ~i: declared, ~f: made for a foreign key (as InnoDB does)
        statements.append((f'CREATE {"UNIQUE " if unique else ""}INDEX "{name}" ON "{full}" ({quoted})', ()))
    statements.append(
        ('INSERT INTO "~djnb_tables" VALUES (?, ?, ?)', (schema, table, mysql_string(match.group("comment"))))
    )
    statements.extend(
        ('INSERT INTO "~djnb_columns" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', row) for row in catalog
    )
    return statements


def is_declaration(sql: str) -> bool:
    """Whether ``sql`` is a CREATE TABLE as sql/ddl.py writes it (else it is hand-written)."""
    return _CREATE.match(sql.strip()) is not None


def translate_ddl(sql: str) -> tuple[str, list[Statement]]:
    """(table, SQLite statements) for a server-form CREATE TABLE IF NOT EXISTS: the table, its
    indexes and its catalog rows. The caller skips them when the table exists."""
    match = _CREATE.match(sql.strip())
    if match is None:
        raise errors.QueryError(
            "This change to a table's definition is not available on SQLite yet (alter); "
            f"declare a new table instead. Statement: {sql[:200]}"
        )
    return match.group("name").replace("``", "`"), _create(match)
