"""Open a session, run ``SELECT 1``, close it."""

from __future__ import annotations

DESCRIPTION = "connect + SELECT 1 + close"


def djnb(server: dict, smoke: bool):
    import djnb as dj

    def run() -> None:
        connection = dj.Connection(server["host"], server["user"], server["password"], port=server["port"])
        connection.query("SELECT 1").fetchall()
        connection.close()

    return run


def datajoint(server: dict, smoke: bool):
    import datajoint as dj

    # DataJoint 0.14 with PyMySQL 1.2 fails on servers without TLS unless TLS is turned off.
    def run() -> None:
        connection = dj.Connection(
            server["host"], server["user"], server["password"], port=server["port"], use_tls=False
        )
        connection.query("SELECT 1").fetchall()
        connection.close()

    return run


def driver(server: dict, smoke: bool):
    import pymysql

    def run() -> None:
        connection = pymysql.connect(
            host=server["host"], port=server["port"], user=server["user"], password=server["password"]
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchall()
        connection.close()

    return run
