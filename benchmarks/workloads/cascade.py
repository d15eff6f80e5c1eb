"""Delete cascade: 10,000 parents with 10 children each, deleted through the parent.

Floor: the two hand-written DELETEs (children, then parents) in one transaction. Each run
refills the tables first (not timed).
"""

from __future__ import annotations

import time
from contextlib import closing

from benchmarks.workloads.server import configure, drop_schema, floor_connection, floor_sql, run_sql

SCHEMA = "djnb_bench_cascade"
PARENTS, CHILDREN = 10_000, 10
DESCRIPTION = "delete 10,000 parents with 10 children each (floor: two DELETEs in a transaction)"


def count(smoke: bool) -> int:
    return 100 if smoke else PARENTS


def setup(server: dict, smoke: bool) -> None:
    run_sql(server, [
        f"DROP DATABASE IF EXISTS `{SCHEMA}`",
        f"CREATE DATABASE `{SCHEMA}`",
        f"CREATE TABLE `{SCHEMA}`.`parent` (`parent_id` int NOT NULL, `label` varchar(16) NOT NULL, "
        "PRIMARY KEY (`parent_id`)) ENGINE=InnoDB",
        f"CREATE TABLE `{SCHEMA}`.`child` (`parent_id` int NOT NULL, `child_id` int NOT NULL, `value` double NOT NULL, "
        f"PRIMARY KEY (`parent_id`, `child_id`), FOREIGN KEY (`parent_id`) REFERENCES `{SCHEMA}`.`parent` (`parent_id`) "
        "ON UPDATE CASCADE ON DELETE RESTRICT) ENGINE=InnoDB",
    ])  # fmt: skip


def teardown(server: dict) -> None:
    drop_schema(server, SCHEMA)


def _refill(server: dict, smoke: bool) -> None:
    n = count(smoke)
    connection = floor_connection(server)
    with closing(connection.cursor()) as cursor:
        cursor.execute("BEGIN")
        cursor.execute(floor_sql(server, f"DELETE FROM `{SCHEMA}`.`child`"))
        cursor.execute(floor_sql(server, f"DELETE FROM `{SCHEMA}`.`parent`"))
        cursor.executemany(floor_sql(server, f"INSERT INTO `{SCHEMA}`.`parent` VALUES (%s, %s)"),
                           [(i, f"p{i}") for i in range(n)])  # fmt: skip
        cursor.executemany(floor_sql(server, f"INSERT INTO `{SCHEMA}`.`child` VALUES (%s, %s, %s)"),
                           [(i, j, i * 0.5 + j) for i in range(n) for j in range(CHILDREN)])  # fmt: skip
        cursor.execute("COMMIT")
    connection.close()


def _tables(dj, server: dict, **options):
    configure(dj, server, safemode=False, **options)
    schema = dj.Schema(SCHEMA, connection=dj.conn())

    @schema
    class Parent(dj.Manual):
        definition = """
        parent_id : int
        ---
        label : varchar(16)
        """

    @schema
    class Child(dj.Manual):
        definition = """
        -> Parent
        child_id : int
        ---
        value : double
        """

    return Parent


def _contender(parent, server: dict, smoke: bool):
    def run() -> float:
        _refill(server, smoke)
        start = time.perf_counter()
        parent.delete(safemode=False)
        return time.perf_counter() - start

    return run


def djnb(server: dict, smoke: bool):
    import djnb as dj

    return _contender(_tables(dj, server), server, smoke)


def datajoint(server: dict, smoke: bool):
    import datajoint as dj

    return _contender(_tables(dj, server, **{"database.use_tls": False}), server, smoke)


def floor(server: dict, smoke: bool):
    connection = floor_connection(server)

    def run() -> float:
        _refill(server, smoke)
        with closing(connection.cursor()) as cursor:
            start = time.perf_counter()
            cursor.execute("BEGIN")
            cursor.execute(floor_sql(server, f"DELETE FROM `{SCHEMA}`.`child`"))
            cursor.execute(floor_sql(server, f"DELETE FROM `{SCHEMA}`.`parent`"))
            cursor.execute("COMMIT")
            return time.perf_counter() - start

    return run
