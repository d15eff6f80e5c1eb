"""Named workloads, run by contender: "djnb", "datajoint" and "floor" (the raw driver, or the
cheapest way to do the same work). A workload is a module, or a class in a module, with a
factory per contender ``<contender>(server, smoke)`` or one ``make(contender, smoke)``; the
factory prepares and returns a zero-argument callable, which the worker times (or which returns
its own seconds, for self-timed workloads). Optional ``setup(server, smoke)`` /
``teardown(server)`` run once in the runner. Contender libraries are imported inside the
factories: each contender runs in its own interpreter, and DataJoint's side virtualenv has no
djnb.
"""

# workload name -> "module" or "module:Class" in this package
WORKLOADS = {
    "import": "importing",
    "connect": "connect",
    "roundtrip": "roundtrip",
    "blob_pack_dicts": "blobs:PackDicts",
    "blob_unpack_dicts": "blobs:UnpackDicts",
    "blob_pack_random": "blobs:PackRandom",
    "blob_unpack_array": "blobs:UnpackArray",
    "insert_100k": "data:Insert",
    "insert_100k_tuples": "data:InsertTuples",
    "insert_100k_records": "data:InsertRecords",
    "insert_100k_frame": "data:InsertFrame",
    "fetch_100k": "data:Fetch",
    "fetch_100k_dicts": "data:FetchDicts",
    "fetch_100k_frame": "data:FetchFrame",
    "populate_1k": "populate:Direct",
    "populate_1k_jobs": "populate:Reserved",
    "delete_cascade_10k": "cascade",
    "query_join": "queries:Join",
    "query_having": "queries:Having",
    "query_restricted_aggr": "queries:RestrictedAggr",
    "preview_1m": "preview",
    "pipeline": "pipeline",
    "external_file": "external:FileStore",
    "external_s3": "external:S3Store",
    "external_s3_remote": "external:RemoteS3Store",
}


def load(name: str):
    """The module or class implementing workload ``name``."""
    import importlib

    module_name, _, class_name = WORKLOADS[name].partition(":")
    module = importlib.import_module(f"benchmarks.workloads.{module_name}")
    return getattr(module, class_name) if class_name else module


def factory(workload, contender: str):
    """A ``(server, smoke) -> callable`` for ``contender`` of a loaded workload."""
    if hasattr(workload, "make"):
        if workload.make.__code__.co_argcount == 3:  # make(contender, smoke, server)
            return lambda server, smoke: workload.make(contender, smoke, server)
        return lambda server, smoke: workload.make(contender, smoke)
    return getattr(workload, contender)
