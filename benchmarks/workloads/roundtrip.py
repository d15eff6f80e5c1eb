"""Per-statement overhead: many small parameterised SELECTs on one open connection."""

from __future__ import annotations

DESCRIPTION = "1,000 x SELECT %s on one connection"


def count(smoke: bool) -> int:
    return 50 if smoke else 1000


def _through(dj, server: dict, smoke: bool, **options):
    """The same code for djnb and DataJoint: both offer ``Connection.query``."""
    connection = dj.Connection(**server, **options)
    n = count(smoke)

    def run() -> None:
        for i in range(n):
            connection.query("SELECT %s", (i,)).fetchone()

    return run


def djnb(server: dict, smoke: bool):
    import djnb

    return _through(djnb, server, smoke)


def datajoint(server: dict, smoke: bool):
    import datajoint

    # DataJoint 0.14 with PyMySQL 1.2 fails on servers without TLS unless TLS is turned off.
    return _through(datajoint, server, smoke, use_tls=False)


def floor(server: dict, smoke: bool):
    from contextlib import closing

    from benchmarks.workloads.server import floor_connection, floor_sql

    connection = floor_connection(server)
    n = count(smoke)
    sql = floor_sql(server, "SELECT %s")

    def run() -> None:
        with closing(connection.cursor()) as cursor:
            for i in range(n):
                cursor.execute(sql, (i,))
                cursor.fetchone()

    return run
