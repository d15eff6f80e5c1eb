"""populate() of 1,000 keys with a trivial make: per-key overhead, with and without reserve_jobs.

Floor: one ``BEGIN; INSERT; COMMIT`` per key through PyMySQL.
"""

from __future__ import annotations

import time
from contextlib import closing

from benchmarks.workloads.server import configure, drop_schema, floor_connection, floor_sql, run_sql

SCHEMA = "djnb_bench_populate"
KEYS = 1000


def count(smoke: bool) -> int:
    return 20 if smoke else KEYS


def setup(server: dict, smoke: bool) -> None:
    run_sql(
        server,
        [
            f"DROP DATABASE IF EXISTS `{SCHEMA}`",
            f"CREATE DATABASE `{SCHEMA}`",
            f"CREATE TABLE `{SCHEMA}`.`key` (`key_id` int NOT NULL, PRIMARY KEY (`key_id`)) ENGINE=InnoDB",
            f"CREATE TABLE `{SCHEMA}`.`__target` (`key_id` int NOT NULL, `value` int NOT NULL, PRIMARY KEY (`key_id`), "
            f"FOREIGN KEY (`key_id`) REFERENCES `{SCHEMA}`.`key` (`key_id`) ON UPDATE CASCADE ON DELETE RESTRICT) ENGINE=InnoDB",
        ],
        (f"INSERT INTO `{SCHEMA}`.`key` VALUES (%s)", [(i,) for i in range(count(smoke))]),
    )


def teardown(server: dict) -> None:
    drop_schema(server, SCHEMA)


def _pipeline(dj, server: dict, **options):
    """The same classes for djnb and DataJoint (both find the existing tables)."""
    configure(dj, server, loglevel="WARNING", **options)
    schema = dj.Schema(SCHEMA, connection=dj.conn())

    @schema
    class Key(dj.Manual):
        definition = "key_id : int"

    @schema
    class Target(dj.Computed):
        definition = """
        -> Key
        ---
        value : int
        """

        def make(self, key):
            self.insert1({**key, "value": key["key_id"]})

    return schema, Target


def _populate(contender: str, server: dict, reserve_jobs: bool):
    if contender == "floor":
        connection = floor_connection(server)
        insert = floor_sql(server, f"INSERT INTO `{SCHEMA}`.`__target` VALUES (%s, %s)")

        def floor() -> float:
            with closing(connection.cursor()) as cursor:
                cursor.execute(floor_sql(server, f"DELETE FROM `{SCHEMA}`.`__target`"))
                cursor.execute(floor_sql(server, f"SELECT key_id FROM `{SCHEMA}`.`key`"))
                keys = [row[0] for row in cursor.fetchall()]
                start = time.perf_counter()
                for key in keys:
                    cursor.execute("BEGIN")
                    cursor.execute(insert, (key, key))
                    cursor.execute("COMMIT")
                return time.perf_counter() - start

        return floor
    if contender == "djnb":
        import djnb as dj

        schema, target = _pipeline(dj, server)
    else:
        import datajoint as dj

        schema, target = _pipeline(dj, server, **{"database.use_tls": False, "safemode": False})
    connection = target.connection if contender == "djnb" else dj.conn()

    def run() -> float:
        connection.query(f"DELETE FROM `{SCHEMA}`.`__target`")
        if reserve_jobs:
            schema.jobs  # noqa: B018 (declares ~jobs before timing)
            connection.query(f"DELETE FROM `{SCHEMA}`.`~jobs`")
        start = time.perf_counter()
        target.populate(reserve_jobs=reserve_jobs)
        return time.perf_counter() - start

    return run


class Direct:
    DESCRIPTION = "populate 1,000 keys, trivial make (floor: BEGIN; INSERT; COMMIT per key)"

    @staticmethod
    def make(contender: str, smoke: bool, server: dict):
        return _populate(contender, server, reserve_jobs=False)


class Reserved:
    DESCRIPTION = "the same with reserve_jobs=True"

    @staticmethod
    def make(contender: str, smoke: bool, server: dict):
        return _populate(contender, server, reserve_jobs=True)
