"""The move from laptop to server: a pipeline filled on SQLite, copied to MariaDB, fetches the same."""

from __future__ import annotations

import datetime
import decimal
import uuid
from pathlib import Path

import numpy as np
import pytest

import djnb as dj

BACKENDS = ("mysql",)
MYSQL_ONLY = "copies from SQLite (opened here) to the server: it needs both at once"


def declare(schema: dj.Schema, other: dj.Schema) -> dict:
    names: dict = {}  # the classes declared so far: the context of later definitions

    def into(target: dj.Schema):
        def declare_class(cls):
            target(cls, context=names)
            names[cls.__name__] = cls
            return cls

        return declare_class

    @into(other)
    class Species(dj.Lookup):
        definition = """
        species : varchar(20)
        ---
        latin : varchar(60)
        """
        contents = (("mouse", "Mus musculus"), ("rat", "Rattus norvegicus"))

    @into(schema)
    class Subject(dj.Manual):
        definition = """
        # animals
        subject_id : int unsigned
        ---
        -> Species
        sex : enum('F', 'M', 'U')
        dob = null : date
        weight = null : decimal(6,2)   # grams
        tag : uuid
        notes = null : json
        """

    @into(schema)
    class Session(dj.Manual):
        definition = """
        -> Subject
        session : smallint
        ---
        started : datetime
        data = null : longblob
        report = null : attach
        """

    @into(schema)
    class Pair(dj.Manual):
        definition = """
        -> Session.proj(first='session')
        -> Session.proj(second='session')
        """

    @into(schema)
    class Stats(dj.Computed):
        definition = """
        -> Session
        ---
        mean : double
        """

        class Value(dj.Part):
            definition = """
            -> master
            index : int
            ---
            value : float
            """

        def make(self, key):
            data = (Session & key).fetch1("data")
            self.insert1({**key, "mean": float(np.mean(data))})
            self.Value.insert({**key, "index": i, "value": float(v)} for i, v in enumerate(data))

    return {"Species": Species, "Subject": Subject, "Session": Session, "Pair": Pair, "Stats": Stats}


def contents(schema_name: str, connection: dj.Connection, folder: Path) -> dict:
    """Every table's rows, decoded, in key order (blobs as lists, attachments as their bytes)."""
    module = dj.VirtualModule("m", schema_name, connection=connection)
    found = {}
    for name, cls in sorted(vars(module).items()):
        if not name[:1].isupper():
            continue
        for table in [cls, *[p for n, p in vars(cls).items() if n[:1].isupper() and isinstance(p, type)]]:
            rows = table.fetch(as_dict=True, order_by="KEY", download_path=str(folder))
            found[table.table_name] = [
                {k: (v.tolist() if isinstance(v, np.ndarray) else Path(v).read_bytes() if k == "report" and v else v)
                 for k, v in row.items()} for row in rows
            ]  # fmt: skip
    return found


def test_a_pipeline_moves_from_sqlite_to_the_server(server, prefix, tmp_path):
    laptop = dj.Connection(backend="sqlite", path=str(tmp_path / "laptop.sqlite"))
    lab, ref = dj.Schema(f"{prefix}_lab", connection=laptop), dj.Schema(f"{prefix}_ref", connection=laptop)
    tables = declare(lab, ref)
    report = tmp_path / "report.txt"
    report.write_text("all good")
    tables["Subject"].insert([
        (1, "mouse", "F", datetime.date(2026, 1, 2), decimal.Decimal("21.50"), uuid.uuid4(), {"cage": 3}),
        (2, "rat", "M", None, None, uuid.uuid4(), None),
    ])  # fmt: skip
    tables["Session"].insert([
        (1, 1, datetime.datetime(2026, 3, 4, 5, 6, 7), np.arange(5.0), report),
        (1, 2, datetime.datetime(2026, 3, 5, 5, 6, 7), np.ones(3), None),
        (2, 1, datetime.datetime(2026, 3, 6, 5, 6, 7), np.zeros(2), None),
    ])  # fmt: skip
    tables["Pair"].insert1((1, 1, 2))
    tables["Stats"].populate()
    before = {
        **contents(lab.database, laptop, tmp_path / "a"),
        **contents(ref.database, laptop, tmp_path / "a"),
    }

    server_connection = dj.Connection(**server)
    counts = dj.copy_schema(ref.database, source_connection=laptop, target_connection=server_connection)
    counts |= dj.copy_schema(
        lab.database, source_connection=laptop, target_connection=server_connection, batch=2
    )
    assert counts[f"`{prefix}_lab`.`__stats__value`"] == 5 + 3 + 2
    after = {
        **contents(lab.database, server_connection, tmp_path / "b"),
        **contents(ref.database, server_connection, tmp_path / "b"),
    }
    assert after == before and len(after) == 6
    for name in ("subject", "__stats"):
        ours = dj.FreeTable(laptop, f"`{lab.database}`.`{name}`")
        theirs = dj.FreeTable(server_connection, f"`{lab.database}`.`{name}`")
        assert ours.describe() == theirs.describe()
    laptop.close()
    server_connection.close()


def test_a_failed_copy_leaves_the_target_as_it_was(server, prefix, tmp_path):
    laptop = dj.Connection(backend="sqlite", path=str(tmp_path / "laptop.sqlite"))
    lab, ref = dj.Schema(f"{prefix}_lab2", connection=laptop), dj.Schema(f"{prefix}_ref2", connection=laptop)
    declare(lab, ref)
    server_connection = dj.Connection(**server)
    with pytest.raises(dj.errors.ArgumentError, match="no schema `nowhere`"):
        dj.copy_schema("nowhere", source_connection=laptop, target_connection=server_connection)
    with pytest.raises(dj.DataJointError):  # its parent schema was not copied first
        dj.copy_schema(lab.database, source_connection=laptop, target_connection=server_connection)
    assert lab.database not in dj.list_schemas(connection=server_connection)  # nothing left behind
    busy = dj.Schema(f"{prefix}_busy", connection=server_connection)
    busy(type("Thing", (dj.Manual,), {"definition": "thing : int"}))
    with pytest.raises(dj.errors.ArgumentError, match="already has tables"):
        dj.copy_schema(
            ref.database, busy.database, source_connection=laptop, target_connection=server_connection
        )
    assert busy.list_tables() == ["thing"] or set(busy.list_tables()) == {"thing", "~log"}
    laptop.close()
    server_connection.close()


def test_the_copy_command(server, prefix, tmp_path):
    import os
    import subprocess
    import sys

    laptop = dj.Connection(backend="sqlite", path=str(tmp_path / "laptop.sqlite"))
    lab, ref = dj.Schema(f"{prefix}_lab3", connection=laptop), dj.Schema(f"{prefix}_ref3", connection=laptop)
    tables = declare(lab, ref)
    tables["Subject"].insert1((7, "rat", "U", None, None, uuid.uuid4(), None))
    laptop.close()
    env = {**os.environ, "DJ_HOST": f"{server['host']}:{server['port']}", "DJ_USER": server["user"],
           "DJ_PASS": server["password"]}  # fmt: skip
    command = [sys.executable, "-m", "djnb", "copy-schema", ref.database, lab.database,
               "--from", str(tmp_path / "laptop.sqlite")]  # fmt: skip
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert f"{ref.database}: 1 tables, 2 rows copied" in result.stdout
    assert f"{lab.database}: 5 tables, 1 rows copied" in result.stdout
    server_connection = dj.Connection(**server)
    assert dj.FreeTable(server_connection, f"`{lab.database}`.`subject`").fetch1("subject_id") == 7
    server_connection.close()
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJ_", "DJNB_"))}
    nowhere = subprocess.run(command, env={**clean, "HOME": str(tmp_path)}, cwd=tmp_path, capture_output=True,
                             text=True, timeout=60)  # fmt: skip
    assert nowhere.returncode == 2 and "No server is configured to copy to" in nowhere.stderr
