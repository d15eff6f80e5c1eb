"""External storage shared with DataJoint 0.14 (side virtualenv) through one file store.

DataJoint writes blobs, attachments and filepaths into schema A and djnb reads them; djnb
writes the same rows into schema B and DataJoint reads them. Both clients must fetch equal
values and see the same ``~external_raw`` rows; cleanup by one client is seen by the other.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from pathlib import Path

import pytest

import djnb as dj
from benchmarks.sidevenv import datajoint_python
from tests.interop import external_values

BACKENDS = ("mysql",)
MYSQL_ONLY = "DataJoint 0.14, the other client in these tests, runs only on MySQL/MariaDB"


SIDE_SCRIPT = Path(__file__).resolve().parents[1] / "interop" / "datajoint_external.py"
TRACKED = ("hash", "size", "attachment_name", "filepath", "contents_hash")


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("interop_external")
    names = ("store", "dj_stage", "dj_attach", "dj_downloads", "nb_stage", "nb_attach", "nb_downloads")
    for name in names:
        (root / name).mkdir()
    return {name: root / name for name in names}


@pytest.fixture(scope="module")
def datajoint(server, folders):
    """Run datajoint_external.py; ``read`` returns its JSON."""
    env = {**os.environ, "DJNB_TEST_HOST": server["host"], "DJNB_TEST_PORT": str(server["port"]),
           "DJNB_TEST_USER": server["user"], "DJNB_TEST_PASSWORD": server["password"]}  # fmt: skip

    def run(command: str, schema_name: str) -> dict | None:
        folder = folders["dj_attach" if command == "write" else "dj_downloads"]
        result = subprocess.run(
            [str(datajoint_python()), str(SIDE_SCRIPT), command, schema_name, str(folders["store"]),
             str(folders["dj_stage"]), str(folder)],
            capture_output=True, text=True, env=env, timeout=300,
        )  # fmt: skip
        assert result.returncode == 0, f"datajoint_external.py {command} failed:\n{result.stderr}"
        return json.loads(result.stdout) if command == "read" else None

    return run


@pytest.fixture(scope="module")
def djnb_side(server, folders):
    connection = dj.Connection(**server)
    store = {"protocol": "file", "location": str(folders["store"]), "stage": str(folders["nb_stage"])}
    with dj.config(stores={"raw": store}):
        yield connection
    connection.close()


def djnb_table(connection, schema_name: str):
    schema = dj.Schema(schema_name, connection=connection)
    return schema, schema(type("Item", (dj.Manual,), {"definition": external_values.DEFINITION}))


def djnb_read(connection, schema_name: str, folders) -> dict:
    schema, table = djnb_table(connection, schema_name)
    fetched = table.fetch(as_dict=True, download_path=str(folders["nb_downloads"]))
    tracked = schema.external["raw"].fetch(*TRACKED, as_dict=True, order_by="hash")
    return {
        "report": external_values.report(fetched, folders["nb_stage"]),
        "tracked": [{k: None if v is None else str(v) for k, v in row.items()} for row in tracked],
        "unused": len(schema.external["raw"].unused()),
    }


def objects(folders, schema_name: str) -> dict[str, bytes]:
    """The store's files of one schema: relative path -> contents."""
    root = folders["store"] / schema_name
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def written_by_datajoint(prefix, datajoint):
    name = f"{prefix}_ext_dj"
    datajoint("write", name)
    return name


@pytest.fixture(scope="module")
def written_by_djnb(prefix, djnb_side, folders):
    name = f"{prefix}_ext_nb"
    _, table = djnb_table(djnb_side, name)
    external_values.write_files(folders["nb_attach"], folders["nb_stage"])
    table.insert(external_values.rows(folders["nb_attach"], folders["nb_stage"]))
    return name


def test_djnb_reads_what_datajoint_wrote(written_by_datajoint, datajoint, djnb_side, folders):
    ours = djnb_read(djnb_side, written_by_datajoint, folders)
    assert ours["report"] == external_values.expected_report()
    theirs = datajoint("read", written_by_datajoint)
    assert ours["tracked"] == theirs["tracked"] and len(ours["tracked"]) == 5 + 2 + 2
    assert ours["unused"] == theirs["unused"] == 0


def test_datajoint_reads_what_djnb_wrote(written_by_djnb, datajoint, djnb_side, folders):
    theirs = datajoint("read", written_by_djnb)
    assert theirs["report"] == external_values.expected_report()
    ours = djnb_read(djnb_side, written_by_djnb, folders)
    assert ours["tracked"] == theirs["tracked"] and ours["unused"] == theirs["unused"] == 0


def test_both_clients_store_the_same_objects(
    written_by_datajoint, written_by_djnb, datajoint, djnb_side, folders
):
    """Same ids, sizes, names and bytes (ids are content hashes, so the two schemas match), except
    for the blobs of over 1 MB (items 3 and 4): DataJoint deflates every blob at level 6, djnb
    deflates large ones at level 1 and stores barely compressible ones (3) as they are."""

    def deflated_differently(schema_name: str) -> set[str]:
        _, table = djnb_table(djnb_side, schema_name)
        rows = djnb_side.query(f"SELECT data FROM {table.full_table_name} WHERE item_id IN (3, 4)")
        return {str(uuid.UUID(bytes=raw)) for (raw,) in rows.fetchall()}

    ours, theirs = written_by_djnb, written_by_datajoint
    skip = deflated_differently(ours) | deflated_differently(theirs)
    assert len(skip) == 4

    def same(rows: list[dict]) -> list[dict]:
        return [row for row in rows if row["hash"] not in skip]

    assert same(datajoint("read", ours)["tracked"]) == same(datajoint("read", theirs)["tracked"])
    assert len(same(datajoint("read", ours)["tracked"])) == 7

    def files(schema_name: str) -> dict[str, bytes]:
        return {k: v for k, v in objects(folders, schema_name).items() if k.split("/")[-1][:32] not in
                {uuid.UUID(h).hex for h in skip}}  # fmt: skip

    assert files(ours) == files(theirs) and len(files(ours)) == 5  # filepaths live outside the schema folder


def test_cleanup_by_djnb_is_seen_by_datajoint(written_by_datajoint, datajoint, djnb_side, folders):
    schema, table = djnb_table(djnb_side, written_by_datajoint)
    (table & "item_id in (1, 10)").delete(safemode=False)
    assert len(schema.external["raw"].unused()) == 2  # blob 1 and attachment 10 (notes.txt)
    before = objects(folders, written_by_datajoint)
    assert schema.external["raw"].delete(delete_external_files=True) == []
    after = objects(folders, written_by_datajoint)
    assert len(before) - len(after) == 2
    theirs = datajoint("read", written_by_datajoint)
    assert theirs["unused"] == 0 and len(theirs["tracked"]) == 5 + 2 + 2 - 2
    assert set(theirs["report"]) == set(external_values.expected_report()) - {"1", "10"}
