"""Fetch of 1,000 external blobs of 100 KB from a file store and from an S3 server (SeaweedFS),
on this machine and behind a proxy that adds 10 ms of round-trip time (a store in another
building or cloud region, where one request after another is what makes fetches slow).

The blobs are inserted once by djnb; DataJoint 0.14 fetches the same rows (so this also shows
that DataJoint reads what djnb wrote). Floor: reading the same objects' bytes directly.
"""

from __future__ import annotations

import os
import tempfile

from benchmarks.workloads import latency
from benchmarks.workloads.server import LocalS3

SCHEMA = "djnb_bench_external"
COUNT = 1000
SIZE = 100_000
REMOTE_RTT_MS = 10
STATE: dict = {}
DEFINITION = """
item_id : int
---
data : blob@{store}
"""


def count(smoke: bool) -> int:
    return 20 if smoke else COUNT


def _start_s3() -> tuple[dict, dict]:
    """Settings of the local S3 server, directly and behind the latency proxy."""
    STATE["s3"] = LocalS3("bench")
    near = STATE["s3"].settings
    STATE["proxy"], endpoint = latency.start(near["endpoint"], REMOTE_RTT_MS)
    return near, {**near, "endpoint": endpoint}


def stores() -> dict:
    return STATE["stores"]


def setup(server: dict, smoke: bool) -> None:
    import numpy as np

    import djnb as dj

    folder = tempfile.mkdtemp(prefix="djnb-bench-store-")
    near, far = _start_s3()
    STATE["stores"] = {
        "benchfile": {"protocol": "file", "location": folder},
        "benchs3": near,
        "benchfar": far,
    }
    os.environ["DJNB_BENCH_STORES"] = repr(STATE["stores"])
    connection = dj.Connection(server["host"], server["user"], server["password"], port=server["port"])
    connection.query(f"DROP DATABASE IF EXISTS `{SCHEMA}`")
    with dj.config(stores=stores()):
        schema = dj.Schema(SCHEMA, connection=connection)
        rng = np.random.default_rng(0)
        for store in stores():
            table = schema(
                type(f"Item{store.title()}", (dj.Manual,), {"definition": DEFINITION.format(store=store)})
            )
            table.insert([{"item_id": i, "data": rng.random(SIZE // 8)} for i in range(count(smoke))])
    connection.close()


def teardown(server: dict) -> None:
    import pymysql

    connection = pymysql.connect(**server, autocommit=True)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS `{SCHEMA}`")
    connection.close()
    if "proxy" in STATE:
        STATE["proxy"].kill()
    if "s3" in STATE:
        STATE["s3"].stop()


def _fetcher(contender: str, server: dict, store: str):
    import ast

    specs = ast.literal_eval(os.environ["DJNB_BENCH_STORES"])
    if contender == "djnb":
        import djnb as dj
    else:
        import datajoint as dj

        dj.config["database.use_tls"] = False
    dj.config["database.host"], dj.config["database.user"] = server["host"], server["user"]
    dj.config["database.password"], dj.config["database.port"] = server["password"], server["port"]
    dj.config["stores"] = specs
    schema = dj.Schema(SCHEMA, connection=dj.conn(), create_tables=False)
    table = schema(type(f"Item{store.title()}", (dj.Manual,), {"definition": DEFINITION.format(store=store)}))
    return lambda: table.fetch("data")


def _floor(server: dict, store: str):
    """Read each object's bytes with the same client library: files one after another, S3
    objects in 16 threads (the best a client can do against this server)."""
    import ast
    import pathlib

    spec = ast.literal_eval(os.environ["DJNB_BENCH_STORES"])[store]
    if spec["protocol"] == "file":
        files = [p for p in pathlib.Path(spec["location"]).rglob("*") if p.is_file()]
        return lambda: [p.read_bytes() for p in files]
    from concurrent.futures import ThreadPoolExecutor

    import minio
    import urllib3

    client = minio.Minio(spec["endpoint"], access_key=spec["access_key"], secret_key=spec["secret_key"],
                         secure=False, http_client=urllib3.PoolManager(maxsize=16))  # fmt: skip
    names = [o.object_name for o in client.list_objects(spec["bucket"], recursive=True)]

    def read(name: str) -> bytes:
        response = client.get_object(spec["bucket"], name)
        try:
            return response.read()
        finally:
            response.close()
            response.release_conn()

    pool = ThreadPoolExecutor(16)
    return lambda: list(pool.map(read, names))


class FileStore:
    DESCRIPTION = "fetch 1,000 external blobs of 100 KB, file store (floor: read the files)"

    @staticmethod
    def make(contender: str, smoke: bool, server: dict):
        return (
            _floor(server, "benchfile") if contender == "floor" else _fetcher(contender, server, "benchfile")
        )


class S3Store:
    DESCRIPTION = "the same from a local S3 server (SeaweedFS; floor: GETs in 16 threads)"

    @staticmethod
    def make(contender: str, smoke: bool, server: dict):
        return _floor(server, "benchs3") if contender == "floor" else _fetcher(contender, server, "benchs3")


class RemoteS3Store:
    DESCRIPTION = f"the same through {REMOTE_RTT_MS} ms of added round-trip time (floor: GETs in 16 threads)"

    @staticmethod
    def make(contender: str, smoke: bool, server: dict):
        return _floor(server, "benchfar") if contender == "floor" else _fetcher(contender, server, "benchfar")
