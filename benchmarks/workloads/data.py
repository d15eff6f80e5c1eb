"""Insert and fetch of 100,000 five-column rows (int key, int, double, float, varchar)."""

from __future__ import annotations

import time
from contextlib import closing

from benchmarks.workloads.server import configure, drop_schema, floor_connection, floor_sql, run_sql

ROWS = 100_000
SCHEMA = "djnb_bench_data"
DEFINITION = """
id : int
---
a : int
b : double
c : float
d : varchar(32)
"""


def rows(smoke: bool) -> list[tuple]:
    return [(i, i * 2, i * 0.5, i * 0.25, f"value {i}") for i in range(1000 if smoke else ROWS)]


def setup(server: dict, smoke: bool) -> None:
    run_sql(
        server,
        [
            f"DROP DATABASE IF EXISTS `{SCHEMA}`",
            f"CREATE DATABASE `{SCHEMA}`",
            f"CREATE TABLE `{SCHEMA}`.`row` (`id` int NOT NULL, `a` int NOT NULL, `b` double NOT NULL, "
            "`c` float NOT NULL, `d` varchar(32) NOT NULL, PRIMARY KEY (`id`)) ENGINE=InnoDB",
        ],
        (f"INSERT INTO `{SCHEMA}`.`row` VALUES (%s, %s, %s, %s, %s)", rows(smoke)),
    )


def teardown(server: dict) -> None:
    drop_schema(server, SCHEMA)


def _table(dj, server: dict, **options):
    """The same class for djnb and DataJoint (both find the existing table)."""
    configure(dj, server, **options)
    schema = dj.Schema(SCHEMA, connection=dj.conn())

    @schema
    class Row(dj.Manual):
        definition = DEFINITION

    return Row


def _floor_connection(server: dict):
    return floor_connection(server)


class Insert:
    DESCRIPTION = "insert 100,000 rows from a list of dicts (floor: PyMySQL executemany)"

    @staticmethod
    def make(contender: str, smoke: bool, server: dict):
        data = rows(smoke)
        names = ("id", "a", "b", "c", "d")
        dicts = [dict(zip(names, row, strict=True)) for row in data]
        if contender == "floor":
            connection = _floor_connection(server)

            def insert_floor() -> float:
                with closing(connection.cursor()) as cursor:
                    cursor.execute(floor_sql(server, f"DELETE FROM `{SCHEMA}`.`row`"))
                    start = time.perf_counter()
                    cursor.execute("BEGIN")
                    cursor.executemany(
                        floor_sql(server, f"INSERT INTO `{SCHEMA}`.`row` VALUES (%s, %s, %s, %s, %s)"), data
                    )
                    cursor.execute("COMMIT")
                    return time.perf_counter() - start

            return insert_floor
        if contender == "djnb":
            import djnb as dj

            table = _table(dj, server)
        else:
            import datajoint as dj

            table = _table(dj, server, **{"database.use_tls": False, "safemode": False})

        def insert() -> float:
            table.connection.query(f"DELETE FROM `{SCHEMA}`.`row`")
            start = time.perf_counter()
            table.insert(dicts)
            return time.perf_counter() - start

        return insert


class Fetch:
    DESCRIPTION = "fetch 100,000 rows as a record array (floor: cursor.fetchall)"

    @staticmethod
    def make(contender: str, smoke: bool, server: dict):
        if contender == "floor":
            connection = _floor_connection(server)

            def fetch_floor() -> None:
                with closing(connection.cursor()) as cursor:
                    cursor.execute(
                        floor_sql(server, f"SELECT `id`, `a`, `b`, `c`, `d` FROM `{SCHEMA}`.`row`")
                    )
                    cursor.fetchall()

            return fetch_floor
        if contender == "djnb":
            import djnb as dj

            table = _table(dj, server)
        else:
            import datajoint as dj

            table = _table(dj, server, **{"database.use_tls": False})
        return table().fetch
