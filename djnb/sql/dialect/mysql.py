"""MySQL and MariaDB."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from ... import errors
from ...errors import ArgumentError
from .base import Dialect, Statement

# The session mode DataJoint sets, so both clients see the same strictness.
SQL_MODE = (
    "NO_ZERO_DATE,NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO,"
    "STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION,ONLY_FULL_GROUP_BY"
)
SYSTEM_SCHEMAS = ("information_schema", "performance_schema", "mysql", "sys")


def _codes(cls: type[errors.DataJointError], *codes: int) -> dict[int, type]:
    return dict.fromkeys(codes, cls)


class MySQLDialect(Dialect):
    name = "mysql"
    placeholder = "%s"
    identifier_quote = "`"
    default_port = 3306
    session_setup = (f"SET SESSION sql_mode = '{SQL_MODE}'",)
    begin_transaction = "START TRANSACTION WITH CONSISTENT SNAPSHOT"
    error_classes: ClassVar[dict[int | str, type[errors.DataJointError]]] = {
        **_codes(errors.DuplicateError, 1062, 1586),
        **_codes(errors.IntegrityError, 1216, 1217, 1451, 1452),
        **_codes(errors.QuerySyntaxError, 1064, 1149),
        **_codes(errors.AccessError, 1044, 1095, 1142, 1143, 1227, 1370),
        **_codes(errors.AuthenticationError, 1045, 1698),
        **_codes(errors.MissingTableError, 1146),
        **_codes(errors.UnknownAttributeError, 1054),
        **_codes(errors.MissingAttributeError, 1048, 1364),
        **_codes(errors.InvalidValueError, 1264, 1265, 1292, 1366, 1406, 3819, 4025),
        **_codes(errors.LockError, 1205, 1213),
        **_codes(errors.ConnectError, 1040, 1129, 1130, 2002, 2003, 2005),
    }
    # 2006/2013/2055: gone away / lost during query / lost at handshake; 1927: MariaDB
    # "connection was killed"; 4031: MySQL 8 "disconnected by the server because of inactivity".
    lost_connection_codes = frozenset({1927, 2006, 2013, 2055, 4031})
    # errors after which the server has rolled back the whole transaction
    transaction_abort_codes = frozenset({1213})

    def list_schemas(self) -> Statement:
        marks = self.placeholders(len(SYSTEM_SCHEMAS))
        sql = (
            "SELECT schema_name FROM information_schema.schemata "
            f"WHERE schema_name NOT IN ({marks}) ORDER BY schema_name"
        )
        return sql, SYSTEM_SCHEMAS

    def schema_exists(self, schema: str) -> Statement:
        return "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = %s", (schema,)

    def create_schema(self, schema: str) -> Statement:
        return f"CREATE DATABASE {self.quote(schema)}", ()

    def drop_schema(self, schema: str) -> Statement:
        return f"DROP DATABASE {self.quote(schema)}", ()

    def list_tables(self, schema: str) -> Statement:
        sql = "SELECT table_name FROM information_schema.tables WHERE table_schema = %s ORDER BY table_name"
        return sql, (schema,)

    def connection_id(self) -> Statement:
        return "SELECT CONNECTION_ID()", ()

    def current_user(self) -> Statement:
        return "SELECT USER()", ()

    def tls_cipher(self) -> Statement:
        return "SHOW SESSION STATUS LIKE 'Ssl_cipher'", ()

    def server_version(self) -> Statement:
        return "SELECT VERSION()", ()

    def set_password(self, server_version: str) -> tuple[str, ...]:
        # MySQL 8 has no PASSWORD(); MariaDB reads `SET PASSWORD = '...'` as a hash and lets only
        # users with the CREATE USER privilege run ALTER USER, even on their own account.
        if "mariadb" in server_version.lower():
            return ("SET PASSWORD = PASSWORD(%s)", "ALTER USER CURRENT_USER() IDENTIFIED BY %s")
        return ("ALTER USER USER() IDENTIFIED BY %s", "SET PASSWORD = %s", "SET PASSWORD = PASSWORD(%s)")

    def server_uptime(self) -> Statement:
        # a status variable: in information_schema on MariaDB, performance_schema on MySQL 8
        # (MariaDB's is empty unless enabled); SHOW reads it on both
        return "SHOW GLOBAL STATUS LIKE 'Uptime'", ()

    def process_list(self, restriction: str | None, order_by: str) -> Statement:
        where = "" if restriction is None else f" AND ({restriction})"
        sql = f"SELECT * FROM information_schema.processlist WHERE id <> CONNECTION_ID(){where} ORDER BY {order_by}"
        return sql, ()

    def kill_process(self, process_id: int) -> Statement:
        return "KILL %s", (int(process_id),)

    def row_estimate(self, schema: str, table: str) -> Statement | None:
        # InnoDB's sampled statistics: read without scanning, typically within tens of percent
        sql = "SELECT table_rows FROM information_schema.tables WHERE table_schema = %s AND table_name = %s"
        return sql, (schema, table)

    def table_status(self, schema: str, table: str) -> Statement:
        return f"SHOW TABLE STATUS FROM {self.quote(schema)} WHERE name = %s", (table,)

    def columns(self, schema: str, table: str) -> Statement:
        return f"SHOW FULL COLUMNS FROM {self.quote(table)} IN {self.quote(schema)}", ()

    def index_columns(self, schema: str, table: str) -> Statement:
        return f"SHOW KEYS FROM {self.table_name(schema, table)}", ()

    def json_columns(self, schema: str, table: str) -> Statement:
        """MariaDB stores json as longtext with a json_valid() check; find those columns."""
        sql = (
            "SELECT check_clause FROM information_schema.check_constraints "
            "WHERE constraint_schema = %s AND table_name = %s"
        )
        return sql, (schema, table)

    def foreign_keys(self, schemas: Sequence[str]) -> Statement:
        sql = (
            "SELECT constraint_name, table_schema, table_name, column_name, referenced_table_schema, "
            "referenced_table_name, referenced_column_name FROM information_schema.key_column_usage "
            f"WHERE referenced_table_name IS NOT NULL AND table_schema IN ({self.placeholders(len(schemas))}) "
            "ORDER BY table_schema, table_name, constraint_name, ordinal_position"
        )
        return sql, tuple(schemas)

    def referencing_schemas(self, schemas: Sequence[str]) -> Statement:
        sql = (
            "SELECT DISTINCT table_schema FROM information_schema.key_column_usage "
            f"WHERE referenced_table_schema IN ({self.placeholders(len(schemas))})"
        )
        return sql, tuple(schemas)

    def primary_keys(self, schemas: Sequence[str]) -> Statement:
        sql = (
            "SELECT table_schema, table_name, column_name FROM information_schema.key_column_usage "
            f"WHERE constraint_name = 'PRIMARY' AND table_schema IN ({self.placeholders(len(schemas))}) "
            "ORDER BY table_schema, table_name, ordinal_position"
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
        source = select if select is not None else f"VALUES ({self.placeholders(len(columns))})"
        sql = f"INSERT INTO {table} ({names}) {source}"
        if on_duplicate == "error":
            return sql
        if on_duplicate == "ignore":
            # A no-op update skips duplicates without INSERT IGNORE's silencing of other errors.
            first = f"{table}.{self.quote(primary_key[0] if primary_key else columns[0])}"
            return f"{sql} ON DUPLICATE KEY UPDATE {first} = {first}"  # qualified: SELECT sources too
        if on_duplicate == "replace":  # DataJoint's REPLACE: the old row goes, defaults included
            return "REPLACE" + sql[len("INSERT") :]
        raise ArgumentError(f"on_duplicate must be 'error', 'ignore' or 'replace'; got {on_duplicate!r}")
