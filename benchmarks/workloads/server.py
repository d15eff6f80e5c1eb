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


def start_s3(bucket: str, key: str = "testing") -> tuple:
    """A local S3-compatible server (moto) on a free port with ``bucket``.

    Returns (process, store settings for dj.config['stores'], minio client).
    """
    import socket
    import subprocess
    import sys
    import time

    import minio

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    client = minio.Minio(f"127.0.0.1:{port}", access_key=key, secret_key=key, secure=False)
    deadline = time.monotonic() + 30
    while True:
        try:
            client.make_bucket(bucket)
            break
        except Exception:  # the server is still starting
            if time.monotonic() > deadline:
                process.kill()
                raise
            time.sleep(0.2)
    settings = {"protocol": "s3", "endpoint": f"127.0.0.1:{port}", "bucket": bucket, "location": f"{bucket}/objects",
                "access_key": key, "secret_key": key}  # fmt: skip
    return process, settings, client
