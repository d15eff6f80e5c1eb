"""Shared set-up for workloads that need tables: raw SQL through PyMySQL, and client config."""

from __future__ import annotations

from collections.abc import Sequence


def run_sql(server: dict, statements: Sequence[str], rows: tuple[str, list] | None = None) -> None:
    """Run ``statements`` (and one executemany of ``rows = (sql, values)``) on a fresh connection."""
    import pymysql

    connection = pymysql.connect(**server, autocommit=True)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
        if rows is not None:
            cursor.executemany(*rows)
    connection.close()


def drop_schema(server: dict, schema: str) -> None:
    run_sql(server, [f"DROP DATABASE IF EXISTS `{schema}`"])


def configure(dj, server: dict, **options) -> None:
    """Point djnb's or DataJoint's ``dj.config`` at the benchmark server."""
    dj.config["database.host"], dj.config["database.user"] = server["host"], server["user"]
    dj.config["database.password"], dj.config["database.port"] = server["password"], server["port"]
    dj.config.update(options)
