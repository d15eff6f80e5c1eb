"""External storage on a file store: blobs, attachments, filepaths, cache, cleanup, adapters."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import numpy as np
import pytest

import djnb as dj
from benchmarks.workloads.server import LocalS3

BACKENDS = ("mysql", "sqlite")


class Graph(dj.AttributeAdapter):
    """A dict of edges stored as a blob."""

    attribute_type = "longblob"

    def put(self, obj):
        return {"edges": list(obj.items())}

    def get(self, value):
        return dict(value["edges"])


@pytest.fixture(scope="module")
def s3_server(tmp_path_factory):
    """A local S3 server (SeaweedFS) that checks credentials, with a bucket."""
    local = LocalS3("djnb")
    yield local.settings, local.client
    local.stop()


@pytest.fixture(scope="module", params=["file", "s3"])
def store(request, tmp_path_factory):
    root = tmp_path_factory.mktemp(f"stores_{request.param}")
    location, stage, cache = root / "store", root / "stage", root / "cache"
    for folder in (location, stage, cache):
        folder.mkdir()
    if request.param == "file":
        spec, client = {"protocol": "file", "location": str(location)}, None
    else:
        spec, client = request.getfixturevalue("s3_server")
    with dj.config(stores={"raw": {**spec, "stage": str(stage)}}):
        yield {
            "protocol": request.param,
            "location": location,
            "stage": stage,
            "cache": cache,
            "client": client,
        }


def stored_objects(store) -> list[str]:
    """Names of the stored objects (files or bucket keys)."""
    if store["protocol"] == "file":
        return [p.name for p in store["location"].rglob("*") if p.is_file()]
    return [o.object_name.rsplit("/", 1)[-1] for o in store["client"].list_objects("djnb", recursive=True)]


def tamper(store, object_id: uuid.UUID) -> None:
    if store["protocol"] == "file":
        next(p for p in store["location"].rglob(object_id.hex) if p.is_file()).write_bytes(b"tampered")
        return
    name = next(
        o.object_name
        for o in store["client"].list_objects("djnb", recursive=True)
        if o.object_name.endswith(object_id.hex)
    )
    store["client"].put_object("djnb", name, io.BytesIO(b"tampered"), length=8)


@pytest.fixture(scope="module")
def tables(server, prefix, store):
    connection = dj.Connection(**server)
    schema = dj.Schema(
        f"{prefix}_store_{store['protocol']}", connection=connection, context={"graph": Graph()}
    )

    @schema
    class Item(dj.Manual):
        definition = """
        item_id : int
        ---
        data = null : blob@raw
        inline = null : attach
        outside = null : attach@raw
        path = null : filepath@raw
        network = null : <graph>
        """

    yield schema, Item
    connection.close()


def test_every_external_type_round_trips(tables, store, tmp_path):
    schema, item = tables
    stage = store["stage"]
    (stage / "sub").mkdir(exist_ok=True)
    (stage / "sub" / "rec.dat").write_bytes(b"recording")
    note = tmp_path / "note.txt"
    note.write_text("hello")
    item.insert1({
        "item_id": 1, "data": np.arange(1000.0), "inline": note, "outside": note,
        "path": stage / "sub" / "rec.dat", "network": {1: 2, 3: 4},
    })  # fmt: skip
    downloads = tmp_path / "downloads"
    data, inline, outside, path, network = (item & {"item_id": 1}).fetch1(
        "data", "inline", "outside", "path", "network", download_path=str(downloads)
    )
    assert np.array_equal(data, np.arange(1000.0)) and network == {1: 2, 3: 4}
    assert Path(inline).read_text() == "hello" and Path(outside).read_text() == "hello"
    assert inline == outside == str(downloads / "note.txt")  # same contents: the file is reused
    assert path.endswith("sub/rec.dat") and Path(path).read_bytes() == b"recording"
    tracked = schema.external["raw"]
    assert len(tracked) == 3  # the blob, the attachment and the file
    assert len(tracked.used()) == 3 and len(tracked.unused()) == 0


def test_attachments_never_overwrite_a_different_file(tables, tmp_path):
    _, item = tables
    first, second = tmp_path / "a" / "same.txt", tmp_path / "b" / "same.txt"
    first.parent.mkdir()
    second.parent.mkdir()
    first.write_text("one")
    second.write_text("two")
    item.insert([{"item_id": 10, "outside": first}, {"item_id": 11, "outside": second}])
    target = tmp_path / "out"
    paths = [(item & {"item_id": i}).fetch1("outside", download_path=str(target)) for i in (10, 11)]
    assert paths[0] != paths[1] and [Path(p).read_text() for p in paths] == ["one", "two"]


def test_cleanup_of_unused_objects(tables, store):
    schema, item = tables
    item.insert1({"item_id": 20, "data": np.ones(5)})
    tracked = schema.external["raw"]
    before = len(tracked)
    (item & {"item_id": 20}).delete(safemode=False)
    assert len(tracked.unused()) == 1
    objects_before = len(stored_objects(store))
    assert tracked.delete(delete_external_files=True) == []
    assert len(tracked) == before - 1
    assert len(stored_objects(store)) == objects_before - 1


def test_cache_hits_and_altered_objects(tables, store):
    _schema, item = tables
    item.insert1({"item_id": 30, "data": {"value": 30}})
    raw = item.connection.query(f"SELECT data FROM {item.full_table_name} WHERE item_id = 30").fetchone()[0]
    object_id = uuid.UUID(bytes=raw)
    with dj.config(cache=str(store["cache"])):
        assert (item & {"item_id": 30}).fetch1("data") == {"value": 30}
        tamper(store, object_id)
        assert (item & {"item_id": 30}).fetch1("data") == {"value": 30}  # served from the cache
    with pytest.raises(dj.DataJointError, match="altered"):
        (item & {"item_id": 30}).fetch1("data")


def test_changed_filepath_contents_are_refused(tables, store):
    _, item = tables
    file = store["stage"] / "changing.dat"
    file.write_bytes(b"v1")
    item.insert1({"item_id": 40, "path": file})
    file.write_bytes(b"v2")
    with pytest.raises(dj.DataJointError, match="other contents"):
        item.insert1({"item_id": 41, "path": file})
    with pytest.raises(dj.DataJointError, match="checksum"):
        (item & {"item_id": 40}).fetch1("path")


def test_checksum_size_limit_skips_checks_of_large_files(tables, store):
    """Files at or over filepath_checksum_size_limit are not hashed on fetch (as in DataJoint)."""
    _, item = tables
    file = store["stage"] / "large.dat"
    file.write_bytes(b"0123456789")
    item.insert1({"item_id": 45, "path": file})
    file.write_bytes(b"9876543210")  # changed after insert
    with dj.config(filepath_checksum_size_limit=10):
        assert Path((item & {"item_id": 45}).fetch1("path")).read_bytes() == b"9876543210"
    with dj.config(filepath_checksum_size_limit=11), pytest.raises(dj.DataJointError, match="checksum"):
        (item & {"item_id": 45}).fetch1("path")


def test_many_external_blobs_in_one_fetch(tables):
    _, item = tables
    item.insert([{"item_id": 1000 + i, "data": np.full(100, i)} for i in range(200)])
    values = (item & "item_id >= 1000").fetch("data", order_by="item_id")
    assert [v[0] for v in values] == list(range(200))


def test_many_attachments_and_filepaths_in_one_fetch(tables, store, tmp_path):
    """Downloads run concurrently; attachments that share a name still never overwrite each other."""
    _, item = tables
    rows = []
    for i in range(40):
        source = tmp_path / "src" / str(i) / ("same.txt" if i < 10 else f"file{i}.txt")
        source.parent.mkdir(parents=True)
        source.write_text(f"attachment {i}")
        staged = store["stage"] / "many" / f"rec{i}.dat"
        staged.parent.mkdir(exist_ok=True)
        staged.write_text(f"recording {i}")
        rows.append({"item_id": 2000 + i, "outside": source, "path": staged})
    item.insert(rows)
    for i in range(40):  # fetching must download them again
        (store["stage"] / "many" / f"rec{i}.dat").unlink()
    target = tmp_path / "downloads"
    outside, paths = (item & "item_id >= 2000 and item_id < 2040").fetch(
        "outside", "path", order_by="item_id", download_path=str(target)
    )
    assert [Path(p).read_text() for p in outside] == [f"attachment {i}" for i in range(40)]
    assert len(set(outside)) == 40 and all(Path(p).parent == target for p in outside)
    assert [Path(p).read_text() for p in paths] == [f"recording {i}" for i in range(40)]


def test_missing_files_and_files_outside_the_stage_are_refused(tables, store, tmp_path):
    schema, item = tables
    before = len(schema.external["raw"])
    missing = tmp_path / "nowhere.txt"
    with pytest.raises(
        dj.errors.ArgumentError, match=r"`inline` is an attachment; .*nowhere.txt is not a file"
    ):
        item.insert1({"item_id": 3000, "inline": missing})
    with pytest.raises(
        dj.errors.MissingExternalFile, match=r"`outside` \(attach@raw\).*nowhere.txt is not a file"
    ):
        item.insert1({"item_id": 3000, "outside": missing})
    elsewhere = tmp_path / "elsewhere.dat"
    elsewhere.write_bytes(b"x")
    with pytest.raises(dj.DataJointError, match=r"`path` \(filepath@raw\).*not inside the stage"):
        item.insert1({"item_id": 3000, "path": elsewhere})
    assert not (item & {"item_id": 3000}) and len(schema.external["raw"]) == before  # nothing was stored


def test_s3_missing_bucket_wrong_credentials_and_unreachable_server(s3_server, server, prefix):
    settings, _ = s3_server
    connection = dj.Connection(**server)
    schema = dj.Schema(f"{prefix}_s3err", connection=connection)
    cases = {
        "missing": ({"bucket": "missing"}, "bucket of store 'missing' .* does not exist"),
        "wrongkey": ({"secret_key": "not-the-secret"}, "refused the credentials of store 'wrongkey'"),
        "nouser": ({"access_key": "nobody"}, "refused the credentials .* Check 'access_key'"),
        "gone": ({"endpoint": "127.0.0.1:1"}, "Cannot reach the s3 server of store 'gone'"),
    }
    for name, (change, message) in cases.items():
        with dj.config(stores={name: {**settings, **change}}):
            with pytest.raises(dj.errors.BucketInaccessible, match=message) as raised:
                schema.external[name]
            assert "not-the-secret" not in str(raised.value)  # secrets never appear in errors
    connection.close()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"protocol": "ftp", "location": "/x"}, r"\['protocol'\] must be 'file' or 's3'; got 'ftp'"),
        ({"protocol": "file"}, r"\(file\) needs 'location'"),
        ({"protocol": "file", "location": "/x", "subfolder": [2]}, "unknown setting 'subfolder'.*'subfolding'"),
        ({"protocol": "file", "location": "/x", "subfolding": [2, 0]}, "subfolding.*positive"),
        ({"protocol": "s3", "location": "b", "bucket": "b", "access_key": "k", "secret_key": "s"},
         r"needs 'endpoint'"),
        ({"protocol": "s3", "endpoint": "http://host:9000", "location": "b", "bucket": "b",
          "access_key": "k", "secret_key": "s"}, "without a scheme"),
        ({"protocol": "s3", "endpoint": "h:1", "location": "b", "bucket": "b", "access_key": "k",
          "secret_key": 5}, r"\['secret_key'\] must be a string; got \*+"),
        ({"protocol": "s3", "endpoint": "h:1", "location": "b", "bucket": "b", "access_key": "k",
          "secret_key": "s", "secure": "yes"}, "secure.*True or False"),
    ],
)  # fmt: skip
def test_store_settings_are_checked_when_assigned(spec, message):
    before = dj.config["stores"]
    with pytest.raises(dj.errors.ConfigError, match=message):
        dj.config["stores"] = {"bad": spec}
    assert dj.config["stores"] == before  # nothing was changed


def test_store_settings_checked_at_use_too(tables):
    """Settings changed in place (not through assignment) are checked when the store is used."""
    with dj.config(stores={"late": {"protocol": "file", "location": "/tmp"}}):
        dj.config["stores"]["late"]["protocol"] = "S3"
        with pytest.raises(dj.errors.ConfigError, match="needs 'endpoint'"):
            tables[0].external["late"]
