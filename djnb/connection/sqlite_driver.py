"""sqlite3: the embedded database, with DataJoint's schemas as name spaces of one file.

All schemas live in one database file so that foreign keys work across schemas: the table
`lab`.`session` is stored as the table "lab.session". Statements keep the server form
(`` `lab`.`session` ``); this module rewrites such pairs outside string literals, turns
``%s`` placeholders into ``?``, and carries out the few schema statements SQLite lacks
(CREATE/DROP DATABASE, SET FOREIGN_KEY_CHECKS) on its own registry table. Everything else
about the SQL comes from ``sql/dialect/sqlite.py``.
"""

from __future__ import annotations

import datetime
import decimal
import functools
import getpass
import os
import random
import re
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from ..errors import ArgumentError
from ..sql.dialect.sqlite import (
    CATALOG_TABLES,
    SCHEMAS_TABLE,
    catalog_column_line,
    is_declaration,
    mysql_string,
    split_clauses,
    translate_ddl,
)
from ..sql.dialect.sqlite_functions import MYSQL_FUNCTIONS
from .info import ConnInfo

DRIVER_ERRORS: tuple[type[BaseException], ...] = (sqlite3.Error,)
SESSION_CLOSED = "closed"
TLS_FAILED = "tls"
# Several worker processes share the file. SQLite's own busy handler backs off up to 100 ms,
# so a process that commits and begins again keeps the lock while the others sleep: workers
# starve. Instead statements wait here, polling every few milliseconds, for up to a minute.
LOCK_WAIT_SECONDS = 60.0
BUSY = frozenset({"SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_BUSY_RECOVERY", "SQLITE_LOCKED_SHAREDCACHE"})

_LITERAL = re.compile(r"'(?:[^'\\]|\\.|'')*'|\"(?:[^\"\\]|\\.|\"\")*\"")  # server form: \\ escapes
_QUALIFIED = re.compile(r"`((?:[^`]|``)+)`\.`((?:[^`]|``)+)`")
_MARKER = re.compile(r"%(%|s|\((\w+)\)s)")
_NAME = r"(?:`((?:[^`]|``)+)`|([A-Za-z0-9_$]+))"  # a schema name, quoted or not, as MySQL reads it
_CREATE_DATABASE = re.compile(
    rf"\s*CREATE\s+(?:DATABASE|SCHEMA)\s+(IF\s+NOT\s+EXISTS\s+)?{_NAME}\s*;?\s*$", re.I
)
_DROP_DATABASE = re.compile(rf"\s*DROP\s+(?:DATABASE|SCHEMA)\s+(IF\s+EXISTS\s+)?{_NAME}\s*;?\s*$", re.I)
_USE = re.compile(rf"\s*USE\s+{_NAME}\s*;?\s*$", re.I)
_SHOW_TABLES = re.compile(
    rf"\s*SHOW\s+(FULL\s+)?TABLES(?:\s+(?:FROM|IN)\s+{_NAME})?(?:\s+LIKE\s+('(?:[^'\\]|\\.|'')*'|\"(?:[^\"\\]|\\.)*\"))?\s*;?\s*$",
    re.I,
)
_SPECIAL_VERBS = ("CREATE", "DROP", "USE", "SHOW", "SET")
_SHOW_DATABASES = re.compile(r"\s*SHOW\s+(?:DATABASES|SCHEMAS)\s*;?\s*$", re.I)
_FK_CHECKS = re.compile(r"\s*SET\s+FOREIGN_KEY_CHECKS\s*=\s*([01])\s*$", re.I)
_CREATE_TABLE = re.compile(r"\s*CREATE\s+TABLE\b", re.I)
_TABLE_OPTIONS = re.compile(r"\)\s*ENGINE\s*=\s*\w+[^)]*$", re.I)
_ALTER_TABLE = re.compile(r"\s*ALTER TABLE `((?:[^`]|``)+)` (.*)$", re.S)
_DROP_TABLE = re.compile(r"\s*DROP\s+TABLE\s+(IF\s+EXISTS\s+)?`((?:[^`]|``)+)`\s*$", re.I)
_CATALOG_COLUMNS = ("Field", "Type", "Null", "Default", "Key", "Extra", "Comment")


def _register_adapters() -> None:
    # values arrive as Python objects; store them in the text forms MySQL prints, so that
    # comparisons in SQL (dates as ISO text) and the catalog's types behave the same way
    sqlite3.register_adapter(datetime.date, lambda v: v.isoformat())
    sqlite3.register_adapter(datetime.datetime, lambda v: v.isoformat(" "))
    sqlite3.register_adapter(datetime.time, lambda v: v.isoformat())
    sqlite3.register_adapter(datetime.timedelta, _timedelta_text)
    sqlite3.register_adapter(decimal.Decimal, str)
    sqlite3.register_adapter(uuid.UUID, lambda v: v.bytes)


def _timedelta_text(value: datetime.timedelta) -> str:
    seconds = value.total_seconds()
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, rest = divmod(rest, 60)
    return f"{sign}{int(hours):02d}:{int(minutes):02d}:{rest:09.6f}".rstrip("0").rstrip(".")


_register_adapters()


def _functions(session: sqlite3.Connection) -> None:
    """MySQL's functions that users' SQL calls (``sql/dialect/sqlite_functions.py``)."""
    for name, (arguments, function, deterministic) in MYSQL_FUNCTIONS.items():
        session.create_function(name, arguments, function, deterministic=deterministic)
    session.create_function("CONNECTION_ID", 0, os.getpid)
    session.create_function("USER", 0, lambda: f"{getpass.getuser()}@localhost")
    session.create_function("DATABASE", 0, lambda: getattr(session, "schema", None))


class Session(sqlite3.Connection):
    """An SQLite connection that also knows the server-form session state it emulates."""

    schema: str | None = None  # the current schema (USE name; SELECT DATABASE())


def open_session(info: ConnInfo) -> sqlite3.Connection:
    """Open the database file (created on first use) in autocommit mode, WAL journal."""
    if info.path != ":memory:":
        Path(info.path).parent.mkdir(parents=True, exist_ok=True)
    session = sqlite3.connect(
        info.path, timeout=0.001, isolation_level=None, check_same_thread=False, factory=Session
    )
    with suppress(sqlite3.OperationalError):  # another process may be switching it right now
        _waiting(session.execute, "PRAGMA journal_mode = WAL")
    session.execute("PRAGMA synchronous = NORMAL")
    session.execute("PRAGMA foreign_keys = ON")
    for sql in CATALOG_TABLES:
        _waiting(session.execute, sql)
    _functions(session)
    if info.init_command:
        session.execute(info.init_command)
    return session


def condition(err: BaseException) -> str | None:
    if isinstance(err, sqlite3.ProgrammingError) and "closed" in str(err):
        return SESSION_CLOSED
    return None


def error_info(err: BaseException) -> tuple[int | str, str]:
    """(code, message): SQLite's extended error name, refined for its generic errors."""
    message = str(err)
    name = getattr(err, "sqlite_errorname", None) or "SQLITE_ERROR"
    if name == "SQLITE_ERROR":
        lowered = message.lower()
        for fragment, refined in (
            ("no such table", "NO_TABLE"), ("no such column", "NO_COLUMN"), ("has no column named", "NO_COLUMN"),
            ("syntax error", "SYNTAX"), ("incomplete input", "SYNTAX"), ("unrecognized token", "SYNTAX"),
            ("already exists", "EXISTS"),
        ):  # fmt: skip
            if fragment in lowered:
                return f"SQLITE_ERROR_{refined}", message
    return name, message


def session_id(session: sqlite3.Connection) -> int:
    """An id for the session (the process id: one writer identity per worker process)."""
    return os.getpid()


@functools.lru_cache(maxsize=1024)  # statements repeat (inserts, populate): rewrite each once
def rewrite(sql: str, with_arguments: bool) -> str:
    """Server-form SQL as SQLite reads it: `schema`.`table` pairs joined, %s as ?.

    With arguments, ``%%`` becomes ``%`` inside string literals too, as PyMySQL's formatting
    does on the server backend (a restriction ``'v = "%"'`` compiles to ``'v = "%%"'``).
    """
    pieces, last = [], 0
    for literal in _LITERAL.finditer(sql):
        pieces.append(_rewrite_code(sql[last : literal.start()], with_arguments))
        pieces.append(literal.group().replace("%%", "%") if with_arguments else literal.group())
        last = literal.end()
    pieces.append(_rewrite_code(sql[last:], with_arguments))
    return "".join(pieces)


def _rewrite_code(code: str, with_arguments: bool) -> str:
    code = _QUALIFIED.sub(lambda m: f"`{m.group(1)}.{m.group(2)}`", code)
    if with_arguments:
        code = _MARKER.sub(
            lambda m: "%" if m.group(1) == "%" else (f":{m.group(2)}" if m.group(2) else "?"), code
        )
    return code


class Result:
    """A buffered result with the DB-API cursor methods callers use."""

    def __init__(self, cursor: sqlite3.Cursor | None, rows: list, as_dict: bool) -> None:
        self.description = cursor.description if cursor is not None else None
        self.rowcount = cursor.rowcount if cursor is not None else 0
        self.lastrowid = cursor.lastrowid if cursor is not None else None
        if as_dict and self.description:
            names = [d[0] for d in self.description]
            rows = [dict(zip(names, row, strict=True)) for row in rows]
        self._rows, self._next, self._as_dict = rows, 0, as_dict

    def fetchone(self) -> Any:
        if self._next >= len(self._rows):
            return None
        self._next += 1
        return self._rows[self._next - 1]

    def fetchmany(self, size: int = 1) -> list:
        chunk = self._rows[self._next : self._next + size]
        self._next += len(chunk)
        return chunk

    def fetchall(self) -> tuple | list:
        rest = self._rows[self._next :]  # PyMySQL gives a tuple of tuples, or a list of dicts
        self._next = len(self._rows)
        return rest if self._as_dict else tuple(rest)

    def __iter__(self):
        return iter(self.fetchall())

    def close(self) -> None:
        self._rows = []


#: ordinary statements already seen -> their SQLite text (statements repeat: inserts, populate)
_ORDINARY: dict[tuple[str, bool], str] = {}


def execute(
    session: sqlite3.Connection, sql: str, args: Any, as_dict: bool, formatted: bool = False
) -> Result:
    """Run one statement (or the few SQLite does not have, carried out here)."""
    with_arguments = bool(args) or formatted
    text = _ORDINARY.get((sql, with_arguments))
    if text is None:
        done = _unusual(session, sql, as_dict, with_arguments)
        if done is not None:
            return done
        text = rewrite(sql, with_arguments)
        if len(_ORDINARY) < 4096:
            _ORDINARY[sql, with_arguments] = text
    params: Any = args if isinstance(args, dict | tuple | list) else tuple(args or ())
    try:
        cursor = session.execute(text, params)
    except sqlite3.OperationalError as err:  # busy: wait for the lock where a retry is safe
        if getattr(err, "sqlite_errorname", "") not in BUSY:
            raise
        retry = not session.in_transaction or text == "BEGIN IMMEDIATE"
        cursor = _waiting(session.execute, text, params, retry=retry)
    except sqlite3.ProgrammingError as err:
        if "bindings" not in str(err):
            raise
        raise ArgumentError(
            f"The statement's %s placeholders do not match the {len(params)} arguments given ({err}). "
            "Pass one value per placeholder; with arguments, write a literal % as %%."
        ) from err
    return Result(cursor, cursor.fetchall() if cursor.description else [], as_dict)


def _unusual(session: sqlite3.Connection, sql: str, as_dict: bool, with_arguments: bool) -> Result | None:
    """Carry out a statement SQLite does not have (schema statements, DDL as the server writes
    it, ALTER TABLE); None for an ordinary statement."""
    special = _special(session, sql, as_dict)
    if special is not None:
        return special
    if _ALTER_TABLE.match(rewrite(sql, False)):
        _alter(session, rewrite(sql, False))
        return Result(None, [], as_dict)
    if _CREATE_TABLE.match(sql) and is_declaration(rewrite(sql, False)):
        table, statements = translate_ddl(rewrite(sql, False))
        with _all_or_nothing(session):  # the table and its catalog rows; another process may race us
            exists = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
            if not session.execute(exists, (table,)).fetchone():
                for statement, params in statements:
                    session.execute(statement, params)
        return Result(None, [], as_dict)
    text = rewrite(sql, with_arguments)
    if _CREATE_TABLE.match(text):  # hand-written DDL: SQLite has no storage engines
        _create_by_hand(session, _TABLE_OPTIONS.sub(")", text))
        return Result(None, [], as_dict)
    return None


def execute_many(session: sqlite3.Connection, sql: str, rows: list) -> int:
    cursor = _waiting(session.executemany, rewrite(sql, True), rows, retry=not session.in_transaction)
    return cursor.rowcount


def _waiting(run: Any, *args: Any, retry: bool = True) -> Any:
    """``run(*args)``, retried while another process holds the lock (only where a retry is
    safe: outside a transaction, or the BEGIN that starts one)."""
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        try:
            return run(*args)
        except sqlite3.OperationalError as err:
            if not retry or getattr(err, "sqlite_errorname", "") not in BUSY or time.monotonic() > deadline:
                raise
        time.sleep(random.uniform(0.0001, 0.001))


@contextmanager
def _all_or_nothing(session: sqlite3.Connection, pause_foreign_keys: bool = False) -> Iterator[None]:
    """Statements that belong together: inside the caller's transaction, or in one of their own
    that takes the write lock first (and, for a table rebuild, pauses foreign-key checks, which
    SQLite only allows outside a transaction)."""
    if session.in_transaction:
        yield
        return
    if pause_foreign_keys:
        session.execute("PRAGMA foreign_keys = OFF")
    _waiting(session.execute, "BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        session.execute("ROLLBACK")
        raise
    else:
        session.execute("COMMIT")
    finally:
        if pause_foreign_keys:
            session.execute("PRAGMA foreign_keys = ON")


def _forget(session: sqlite3.Connection, schema: str, table: str) -> None:
    """Remove a dropped table's catalog rows."""
    session.execute('DELETE FROM "~djnb_columns" WHERE schema_name = ? AND table_name = ?', (schema, table))
    session.execute('DELETE FROM "~djnb_tables" WHERE schema_name = ? AND table_name = ?', (schema, table))


def _special(session: sqlite3.Connection, sql: str, as_dict: bool = False) -> Result | None:
    """The server's statements that SQLite does not have: CREATE/DROP DATABASE, USE, SHOW
    TABLES/DATABASES, DROP TABLE (with its catalog rows) and SET FOREIGN_KEY_CHECKS."""
    if not sql.lstrip()[:6].upper().startswith(_SPECIAL_VERBS):
        return None  # SELECT, INSERT, BEGIN, COMMIT...: at once
    match = _CREATE_DATABASE.match(sql)
    if match:
        verb = "INSERT OR IGNORE" if match.group(1) else "INSERT"
        name = _schema_name(match, 2)
        _waiting(session.execute, f'{verb} INTO "{SCHEMAS_TABLE}" (schema_name) VALUES (?)', (name,))
        return Result(None, [], False)
    match = _DROP_DATABASE.match(sql)
    if match:
        with _all_or_nothing(session):
            _drop_schema(session, _schema_name(match, 2), if_exists=bool(match.group(1)))
        return Result(None, [], False)
    match = _USE.match(sql)
    if match:
        name = _schema_name(match, 1)
        known = f'SELECT 1 FROM "{SCHEMAS_TABLE}" WHERE schema_name = ?'  # noqa: S608 (a constant name)
        if not session.execute(known, (name,)).fetchone():
            raise sqlite3.OperationalError(f"Unknown database '{name}'")
        session.schema = name  # type: ignore[attr-defined]
        return Result(None, [], False)
    match = _SHOW_TABLES.match(sql)
    if match:
        return _show_tables(session, match, as_dict)
    if _SHOW_DATABASES.match(sql):
        cursor = session.execute(f'SELECT schema_name AS "Database" FROM "{SCHEMAS_TABLE}" ORDER BY 1')  # noqa: S608
        return Result(cursor, cursor.fetchall(), as_dict)
    match = _DROP_TABLE.match(rewrite(sql, False))
    if match:
        full = match.group(2).replace("``", "`")
        schema, _, table = full.partition(".")
        with _all_or_nothing(session):
            session.execute(f"DROP TABLE {'IF EXISTS ' if match.group(1) else ''}" + _quoted(full))
            _forget(session, schema, table)
        return Result(None, [], False)
    match = _FK_CHECKS.match(sql)
    if match:
        session.execute(f"PRAGMA foreign_keys = {'ON' if match.group(1) == '1' else 'OFF'}")
        return Result(None, [], False)
    return None


def _schema_name(match: re.Match, group: int) -> str:
    quoted, bare = match.group(group), match.group(group + 1)
    return quoted.replace("``", "`") if quoted is not None else bare


def _show_tables(session: sqlite3.Connection, match: re.Match, as_dict: bool) -> Result:
    """SHOW [FULL] TABLES [FROM schema] [LIKE 'pattern'], as the server lists them."""
    schema = _schema_name(match, 2) if (match.group(2) or match.group(3)) else session.schema  # type: ignore[attr-defined]
    if schema is None:
        raise sqlite3.OperationalError("No database selected")
    pattern = mysql_string(match.group(4)) if match.group(4) else "%"
    label = f"Tables_in_{schema}" + (f" ({pattern})" if match.group(4) else "")
    kind = ", 'BASE TABLE' AS \"Table_type\"" if match.group(1) else ""
    listing = (
        f"SELECT substr(name, instr(name, '.') + 1) AS {_quoted(label)}{kind} FROM sqlite_master "  # noqa: S608 (quoted)
        "WHERE type = 'table' AND substr(name, 1, instr(name, '.') - 1) = ? "
        "AND substr(name, instr(name, '.') + 1) LIKE ? ORDER BY 1"
    )
    cursor = session.execute(listing, (schema, pattern))
    return Result(cursor, cursor.fetchall(), as_dict)


def _drop_schema(session: sqlite3.Connection, schema: str, if_exists: bool) -> None:
    known = session.execute('SELECT 1 FROM "~djnb_schemas" WHERE schema_name = ?', (schema,)).fetchone()
    if not known and not if_exists:
        raise sqlite3.OperationalError(f"Can't drop database '{schema}'; database doesn't exist")
    prefix = schema.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + ".%"
    tables = [
        name for (name,) in session.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE ? ESCAPE '\\'", (prefix,)
        )
    ]  # fmt: skip
    parents = {
        name: {row[2] for row in session.execute("SELECT * FROM pragma_foreign_key_list(?)", (name,))}
        for name in tables
    }
    ordered: list[str] = []
    while parents:  # children first: no table is dropped while a table of the schema refers to it
        leaves = sorted(n for n in parents if not any(n in refs for m, refs in parents.items() if m != n))
        leaves = leaves or sorted(parents)[:1]
        for name in leaves:
            ordered.append(name)
            del parents[name]
    for name in ordered:
        session.execute('DROP TABLE "' + name.replace('"', '""') + '"')  # a name read from sqlite_master
    session.execute('DELETE FROM "~djnb_columns" WHERE schema_name = ?', (schema,))
    session.execute('DELETE FROM "~djnb_tables" WHERE schema_name = ?', (schema,))
    session.execute('DELETE FROM "~djnb_schemas" WHERE schema_name = ?', (schema,))


def ping(session: sqlite3.Connection) -> bool:
    try:
        session.execute("SELECT 1")
    except sqlite3.Error:
        return False
    return True


def close(session: sqlite3.Connection) -> None:
    with suppress(sqlite3.Error):
        session.close()


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _alter(session: sqlite3.Connection, sql: str) -> None:
    """ALTER TABLE by rebuilding the table, as SQLite's documentation prescribes: the new table
    is created beside the old one, the rows copied, the old one dropped and the new renamed,
    with foreign-key checks paused and verified before the commit. All or nothing."""
    match = _ALTER_TABLE.match(sql)
    full = match.group(1).replace("``", "`")
    schema, _, table = full.partition(".")
    rows = [
        dict(zip(_CATALOG_COLUMNS, row, strict=True)) for row in session.execute(
            'SELECT "Field", "Type", "Null", "Default", "Key", "Extra", "Comment" FROM "~djnb_columns" '
            "WHERE schema_name = ? AND table_name = ? ORDER BY position", (schema, table))
    ]  # fmt: skip
    if not rows:
        raise sqlite3.OperationalError(f"no such table: {full}")
    comment = session.execute(
        'SELECT comment FROM "~djnb_tables" WHERE schema_name = ? AND table_name = ?', (schema, table)
    ).fetchone()[0]
    lines = {row["Field"]: catalog_column_line(row) for row in rows}
    order = list(lines)
    for clause in split_clauses(match.group(2)):
        verb, _, rest = clause.partition(" ")
        if verb == "DROP":
            name = rest.strip().strip("`").replace("``", "`")
            order.remove(name)
            del lines[name]
        elif verb in ("MODIFY", "ADD"):
            after = re.search(r" AFTER `((?:[^`]|``)+)`$", rest)
            definition = rest[: after.start()] if after else rest
            name = re.match(r"`((?:[^`]|``)+)`", definition).group(1).replace("``", "`")
            lines[name] = definition
            if verb == "ADD":
                order.insert(
                    order.index(after.group(1).replace("``", "`")) + 1 if after else len(order), name
                )
        elif clause.startswith("COMMENT="):
            comment = mysql_string(clause[len("COMMENT=") :])
        else:
            raise sqlite3.OperationalError(f"alter on SQLite cannot do: {clause}")
    create = _rebuilt_definition(session, full, [lines[name] for name in order], comment)
    _, statements = translate_ddl(create)
    temporary = f"{full}~rebuild"
    kept = ", ".join(_quoted(name) for name in order if name in {row["Field"] for row in rows})
    with _all_or_nothing(session, pause_foreign_keys=True):
        session.execute(
            statements[0][0].replace(f"CREATE TABLE {_quoted(full)}", f"CREATE TABLE {_quoted(temporary)}", 1)
        )
        copy = f"INSERT INTO {_quoted(temporary)} ({kept}) SELECT {kept} FROM {_quoted(full)}"  # noqa: S608 (quoted names)
        session.execute(copy)
        session.execute(f"DROP TABLE {_quoted(full)}")
        session.execute(f"ALTER TABLE {_quoted(temporary)} RENAME TO {_quoted(full)}")
        _forget(session, schema, table)
        for statement, params in statements[1:]:
            session.execute(statement, params)
        if session.execute("SELECT * FROM pragma_foreign_key_check(?)", (full,)).fetchone():
            raise sqlite3.IntegrityError("FOREIGN KEY constraint failed")


def _rebuilt_definition(session: sqlite3.Connection, full: str, columns: list[str], comment: str) -> str:
    """The server-form CREATE TABLE of ``full`` with new column lines (keys and indexes kept)."""
    key = [row[0] for row in session.execute(
        "SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk", (full,))]  # fmt: skip
    body = [*columns, "PRIMARY KEY (" + ", ".join(f"`{name}`" for name in key) + ")"]
    foreign: dict[int, list] = {}
    for row in session.execute('SELECT id, "table", "from", "to", on_update, on_delete FROM pragma_foreign_key_list(?) '
                               "ORDER BY id, seq", (full,)):  # fmt: skip
        foreign.setdefault(row[0], []).append(row[1:])
    for parts in foreign.values():
        parent, on_update, on_delete = parts[0][0], parts[0][3], parts[0][4]
        body.append(
            f"FOREIGN KEY ({', '.join(f'`{p[1]}`' for p in parts)}) REFERENCES `{parent}` "
            f"({', '.join(f'`{p[2]}`' for p in parts)}) ON UPDATE {on_update} ON DELETE {on_delete}"
        )
    for name, unique in session.execute(
        "SELECT name, \"unique\" FROM pragma_index_list(?) WHERE origin = 'c' AND name LIKE ? ORDER BY name",
        (full, "%~i%"),
    ).fetchall():
        names = [
            row[0] for row in session.execute("SELECT name FROM pragma_index_info(?) ORDER BY seqno", (name,))
        ]
        body.append(f"{'UNIQUE ' if unique else ''}INDEX ({', '.join(f'`{n}`' for n in names)})")
    literal = comment.replace("\\", "\\\\").replace('"', '\\"')
    return (
        f"CREATE TABLE IF NOT EXISTS `{full}` (\n  "
        + ",\n  ".join(body)
        + f'\n) ENGINE=InnoDB, COMMENT "{literal}"'
    )


_TABLE_NAME = re.compile(
    r"\s*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?[`\"]((?:[^`\"]|``|\"\")+)[`\"]", re.I
)


def _create_by_hand(session: sqlite3.Connection, sql: str) -> None:
    """A CREATE TABLE written by hand (not by a definition): run it and describe its columns in
    the catalog from what SQLite knows (declared types, nullability, defaults, key), so that
    djnb can read its heading as it can any server table's."""
    match = _TABLE_NAME.match(sql)
    with _all_or_nothing(session):
        session.execute(sql)
        full = match.group(1) if match else ""
        if "." in full:
            schema, _, table = full.partition(".")
            columns = session.execute("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?)",
                                      (full,)).fetchall()  # fmt: skip
            for position, (name, declared, notnull, default, key) in enumerate(columns, start=1):
                shown = default.strip("'\"") if isinstance(default, str) else default
                row = (schema, table, position, name, declared.lower() or "text", "NO" if notnull or key else "YES",
                       shown, "PRI" if key else "", "", "")  # fmt: skip
                session.execute(
                    'INSERT OR REPLACE INTO "~djnb_columns" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', row
                )
            session.execute('INSERT OR REPLACE INTO "~djnb_tables" VALUES (?, ?, ?)', (schema, table, ""))
