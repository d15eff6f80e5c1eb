"""The dialect interface: what every engine must say about its SQL.

A dialect is data plus small pure functions: quoting, parameter markers, transaction and
catalog statements, and the map from the engine's error codes to djnb error classes. It never
talks to a database; the connection layer executes what it produces.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from ...errors import DataJointError

Statement = tuple[str, tuple]


class Dialect:
    """Base class; engines override the class attributes and methods."""

    name: str = ""
    #: placeholder for one bound value in a statement ("%s" or "?")
    placeholder: str = "%s"
    identifier_quote: str = '"'
    #: statements run once on each new session
    session_setup: tuple[str, ...] = ()
    begin_transaction: str = "BEGIN"
    commit_transaction: str = "COMMIT"
    rollback_transaction: str = "ROLLBACK"
    #: engine error code -> djnb error class
    error_classes: ClassVar[Mapping[int | str, type[DataJointError]]] = {}
    #: error codes meaning the session is gone
    lost_connection_codes: frozenset[int | str] = frozenset()
    #: error codes after which the server has rolled back the open transaction (deadlocks)
    transaction_abort_codes: frozenset[int | str] = frozenset()
    default_port: int | None = None
    #: server type holding a UUID (and external-object ids)
    uuid_type: str = "binary(16)"

    def quote(self, name: str) -> str:
        """Quote an identifier, doubling any quote character inside it."""
        q = self.identifier_quote
        return q + name.replace(q, q + q) + q

    def table_name(self, schema: str, table: str) -> str:
        """The fully qualified, quoted name of a table."""
        return f"{self.quote(schema)}.{self.quote(table)}"

    def placeholders(self, count: int) -> str:
        """Comma-separated placeholders for ``count`` bound values."""
        return ", ".join([self.placeholder] * count)

    def error_class(self, code: int | str) -> type[DataJointError] | None:
        """The djnb error class for an engine error code, or None if it has no special class."""
        return self.error_classes.get(code)

    def is_lost_connection(self, code: int | str) -> bool:
        return code in self.lost_connection_codes

    def error_message(self, code: int | str, message: str) -> str:
        """The engine's error message as users should read it."""
        return message

    def user_sql(self, text: str) -> str:
        """A user's SQL fragment (a restriction string, a proj/aggr expression), written in
        MySQL's dialect as DataJoint's are, as this engine reads it with the same meaning."""
        return text

    def value_decoder(self, sql_type: str) -> Callable[[Any], Any] | None:
        """How to turn the driver's value of a column of ``sql_type`` into what MySQL's driver
        returns (e.g. date objects); None: as it comes."""
        return None

    #: whether semijoins nested in semijoins are hoisted into common table expressions
    #: (``WITH``), for engines whose parsers stop at some depth of nested subqueries
    hoists_nested_subqueries: bool = False
    #: whether computed values need their types inferred (``sql/expression_types.py``) to be
    #: returned as MySQL's driver returns them (the engine does not type them itself)
    infers_expression_types: bool = False

    def expression_decoder(self, sql_type: str) -> Callable[[Any], Any] | None:
        """As ``value_decoder``, for a computed value whose type was inferred as ``sql_type``."""
        return self.value_decoder(sql_type)

    # -- catalog statements; each returns (sql, params)
    def list_schemas(self) -> Statement:
        raise NotImplementedError

    def schema_exists(self, schema: str) -> Statement:
        raise NotImplementedError

    def create_schema(self, schema: str) -> Statement:
        raise NotImplementedError

    def drop_schema(self, schema: str) -> Statement:
        raise NotImplementedError

    def list_tables(self, schema: str) -> Statement:
        raise NotImplementedError

    def connection_id(self) -> Statement:
        raise NotImplementedError

    def current_user(self) -> Statement:
        raise NotImplementedError

    def tls_cipher(self) -> Statement:
        """A statement whose last column is the session's TLS cipher (empty when unencrypted)."""
        raise NotImplementedError

    def row_estimate(self, schema: str, table: str) -> Statement | None:
        """The catalog's cheap estimate of a table's row count, if the engine keeps one."""
        return None

    def table_status(self, schema: str, table: str) -> Statement:
        """One row (as dict) with at least ``comment``, ``data_length``, ``index_length``."""
        raise NotImplementedError

    def columns(self, schema: str, table: str) -> Statement:
        """Rows (as dicts) with Field, Type, Null, Default, Key, Extra, Comment."""
        raise NotImplementedError

    def index_columns(self, schema: str, table: str) -> Statement:
        """Rows (as dicts) with Key_name, Seq_in_index, Column_name, Non_unique."""
        raise NotImplementedError

    def json_columns(self, schema: str, table: str) -> Statement | None:
        """Rows whose first column names json columns stored as text (None: not needed)."""
        return None

    def foreign_keys(self, schemas: Sequence[str]) -> Statement:
        """Rows: constraint, child schema, child table, column, parent schema, parent table, parent column."""
        raise NotImplementedError

    def referencing_schemas(self, schemas: Sequence[str]) -> Statement:
        """Rows: schemas with tables whose foreign keys point into ``schemas``."""
        raise NotImplementedError

    def primary_keys(self, schemas: Sequence[str]) -> Statement:
        """Rows: schema, table, column (in key order)."""
        raise NotImplementedError

    # -- accounts and sessions (djnb.admin)
    def server_version(self) -> Statement | None:
        """The server's version string (one row, one column); None for an embedded engine."""
        return None

    def set_password(self, server_version: str) -> tuple[str, ...]:
        """Statements that set the current user's password, bound to one value (the password),
        in the order to try: a form the server cannot parse makes way for the next one.
        Empty when the engine has no accounts."""
        return ()

    def server_uptime(self) -> Statement | None:
        """Seconds since the server started (one row: name, value); None for an embedded engine.
        Session ids restart with the server: a session recorded before it last started is gone
        even when a new session has the same id."""
        return None

    def process_list(self, restriction: str | None, order_by: str) -> Statement | None:
        """The server's sessions other than this one (rows with at least id, user, host, db,
        command, time, state, info); ``restriction`` and ``order_by`` are user SQL over those
        columns. None when the engine has no server sessions."""
        return None

    def kill_process(self, process_id: int) -> Statement:
        """End the server session ``process_id``."""
        raise NotImplementedError

    # -- data statements
    def delete(self, table: str, where: str) -> str:
        """DELETE of the rows of ``table`` matching the SQL condition ``where``."""
        return f"DELETE FROM {table} WHERE {where}"

    def insert(
        self,
        table: str,
        columns: Sequence[str],
        on_duplicate: str = "error",
        primary_key: Sequence[str] = (),
        select: str | None = None,
    ) -> str:
        """An INSERT for one row of ``columns`` (run with executemany for many rows), or of the
        rows of a ``select`` statement.

        ``on_duplicate``: "error" (raise DuplicateError), "ignore" (skip the row), or
        "replace" (overwrite the existing row's other columns).
        """
        raise NotImplementedError
