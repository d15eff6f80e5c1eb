"""Open a session, run ``SELECT 1``, close it."""

from __future__ import annotations

DESCRIPTION = "connect + SELECT 1 + close"


def _through(dj, server: dict, **options):
    """The same code for djnb and DataJoint: both offer ``dj.Connection``."""

    def run() -> None:
        connection = dj.Connection(**server, **options)
        connection.query("SELECT 1").fetchall()
        connection.close()

    return run


def djnb(server: dict, smoke: bool):
    import djnb

    return _through(djnb, server)


def datajoint(server: dict, smoke: bool):
    import datajoint

    # DataJoint 0.14 with PyMySQL 1.2 fails on servers without TLS unless TLS is turned off.
    return _through(datajoint, server, use_tls=False)


def floor(server: dict, smoke: bool):
    from contextlib import closing

    from benchmarks.workloads.server import floor_connection

    def run() -> None:
        connection = floor_connection(server)
        with closing(connection.cursor()) as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchall()
        connection.close()

    return run
