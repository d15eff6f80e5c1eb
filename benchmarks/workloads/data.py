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


NAMES = ("id", "a", "b", "c", "d")


def _shaped(data: list[tuple], shape: str):
    """The rows as the user holds them: dicts, tuples, a record array or a DataFrame."""
    if shape == "dicts":
        return [dict(zip(NAMES, row, strict=True)) for row in data]
    if shape == "tuples":
        return data
    import numpy as np

    records = np.array(data, dtype=[("id", "i4"), ("a", "i8"), ("b", "f8"), ("c", "f4"), ("d", "U32")])
    if shape == "records":
        return records
    import pandas as pd

    return pd.DataFrame.from_records(records)


def _insert(contender: str, smoke: bool, server: dict, shape: str):
    data = rows(smoke)
    if contender == "floor":  # the same for every shape: the driver's executemany of tuples
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
    given = _shaped(data, shape)

    def insert() -> float:
        table.connection.query(f"DELETE FROM `{SCHEMA}`.`row`")
        start = time.perf_counter()
        table.insert(given)
        return time.perf_counter() - start

    return insert


class Insert:
    DESCRIPTION = "insert 100,000 rows from a list of dicts (floor: the driver's executemany)"

    @staticmethod
    def make(contender: str, smoke: bool, server: dict):
        return _insert(contender, smoke, server, "dicts")


class InsertTuples:
    DESCRIPTION = "the same from a list of tuples"

    @staticmethod
    def make(contender: str, smoke: bool, server: dict):
        return _insert(contender, smoke, server, "tuples")


class InsertRecords:
    DESCRIPTION = "the same from a numpy record array"

    @staticmethod
    def make(contender: str, smoke: bool, server: dict):
        return _insert(contender, smoke, server, "records")


class InsertFrame:
    DESCRIPTION = "the same from a pandas DataFrame"

    @staticmethod
    def make(contender: str, smoke: bool, server: dict):
        return _insert(contender, smoke, server, "frame")


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


def _fetch(contender: str, server: dict, how: str):
    if contender == "floor":
        connection = _floor_connection(server)
        sql = floor_sql(server, f"SELECT `id`, `a`, `b`, `c`, `d` FROM `{SCHEMA}`.`row`")

        def fetch_floor() -> None:
            if how == "dicts" and server.get("backend") != "sqlite":
                import pymysql.cursors

                with closing(connection.cursor(pymysql.cursors.DictCursor)) as cursor:
                    cursor.execute(sql)
                    cursor.fetchall()
                return
            with closing(connection.cursor()) as cursor:
                cursor.execute(sql)
                result = cursor.fetchall()
                if how == "dicts":  # sqlite3 has no dict cursor: what its Row factory would give
                    names = [d[0] for d in cursor.description]
                    [dict(zip(names, row, strict=True)) for row in result]

        return fetch_floor
    if contender == "djnb":
        import djnb as dj

        table = _table(dj, server)
    else:
        import datajoint as dj

        table = _table(dj, server, **{"database.use_tls": False})
    query = table()
    if how == "dicts":
        return lambda: query.fetch(as_dict=True)
    return lambda: query.fetch(format="frame")


class FetchDicts:
    DESCRIPTION = "fetch 100,000 rows as dicts (floor: DictCursor)"

    @staticmethod
    def make(contender: str, smoke: bool, server: dict):
        return _fetch(contender, server, "dicts")


class FetchFrame:
    DESCRIPTION = "fetch 100,000 rows as a DataFrame (floor: cursor.fetchall)"

    @staticmethod
    def make(contender: str, smoke: bool, server: dict):
        return _fetch(contender, server, "frame")
