"""The HTML preview of a 1,000,000-row table (what a notebook shows for ``Table()``).

Floor: the two queries a preview needs, through the raw driver: the first rows in key order
(blobs left out) and the row count. Above ``display.exact_count_limit`` rows (100,000), djnb's
preview reads the catalog's estimate instead of counting, which is what DataJoint's COUNT(*)
spends its time on; on SQLite, which keeps no estimate, it counts.
"""

from __future__ import annotations

from contextlib import closing

from benchmarks.workloads.server import (
    configure,
    drop_schema,
    floor_connection,
    floor_sql,
    is_sqlite,
    run_sql,
)

SCHEMA = "djnb_bench_preview"
ROWS = 1_000_000
DESCRIPTION = "HTML preview of a 1,000,000-row table (floor: first rows + estimate, or COUNT(*) on SQLite)"


def count(smoke: bool) -> int:
    return 1000 if smoke else ROWS


def setup(server: dict, smoke: bool) -> None:
    run_sql(server, [
        f"DROP DATABASE IF EXISTS `{SCHEMA}`",
        f"CREATE DATABASE `{SCHEMA}`",
        f"CREATE TABLE `{SCHEMA}`.`recording` (`recording_id` int NOT NULL, `session` int NOT NULL, "
        "`value` double NOT NULL, `label` varchar(16) NOT NULL, `trace` longblob NOT NULL, "
        "PRIMARY KEY (`recording_id`)) ENGINE=InnoDB",
    ])  # fmt: skip
    trace = b"dj0\x00" + bytes(16)  # a stand-in: previews never read blobs
    total, batch = count(smoke), 100_000
    for start in range(0, total, batch):
        run_sql(server, [], (
            f"INSERT INTO `{SCHEMA}`.`recording` VALUES (%s, %s, %s, %s, %s)",
            [(i, i // 100, i * 0.5, f"r{i}", trace) for i in range(start, min(total, start + batch))],
        ))  # fmt: skip
    if not is_sqlite(server):  # statistics as a server keeps them, not as a bulk load just left them
        run_sql(server, [f"ANALYZE TABLE `{SCHEMA}`.`recording`"])


def teardown(server: dict) -> None:
    drop_schema(server, SCHEMA)


def _table(dj, server: dict, **options):
    configure(dj, server, **options)
    schema = dj.Schema(SCHEMA, connection=dj.conn())

    @schema
    class Recording(dj.Manual):
        definition = """
        recording_id : int
        ---
        session : int
        value : double
        label : varchar(16)
        trace : longblob
        """

    return Recording


def floor(server: dict, smoke: bool):
    connection = floor_connection(server)
    first = floor_sql(
        server,
        f"SELECT `recording_id`, `session`, `value`, `label` FROM `{SCHEMA}`.`recording` "
        "ORDER BY `recording_id` LIMIT 13",
    )
    if is_sqlite(server):
        total = floor_sql(server, f"SELECT COUNT(*) FROM `{SCHEMA}`.`recording`")
    else:
        total = (
            "SELECT table_rows FROM information_schema.tables "
            f"WHERE table_schema = '{SCHEMA}' AND table_name = 'recording'"
        )

    def run() -> None:
        with closing(connection.cursor()) as cursor:
            cursor.execute(first)
            cursor.fetchall()
            cursor.execute(total)
            cursor.fetchall()

    return run


def djnb(server: dict, smoke: bool):
    import djnb as dj

    query = _table(dj, server)()
    return query._repr_html_


def datajoint(server: dict, smoke: bool):
    import datajoint as dj

    query = _table(dj, server, **{"database.use_tls": False})()
    return query._repr_html_
