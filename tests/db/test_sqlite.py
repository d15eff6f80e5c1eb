"""The embedded default: SQLite when nothing names a server, the demo, one file for all schemas."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import djnb as dj

BACKENDS = ("sqlite",)  # what only the embedded backend does


def clean_environment(**extra: str) -> dict:
    """The environment with no database settings at all (nor a config file in the folder)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJ_", "DJNB_"))}
    return {**env, "HOME": extra.pop("HOME"), "PYTHONPATH": str(Path.cwd()), **extra}


def test_nothing_configured_means_sqlite_in_the_current_folder(tmp_path):
    script = (
        "import logging, djnb as dj\n"
        "logging.basicConfig(level=logging.INFO, format='%(message)s')\n"
        "schema = dj.Schema('lab')\n"
        "print(dj.conn().backend, dj.conn().conn_info['path'], schema.connection is dj.conn())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=clean_environment(HOME=str(tmp_path)),
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    backend, path, same = result.stdout.split()
    assert backend == "sqlite" and path == str(tmp_path / "djnb.sqlite") and same == "True"
    assert (tmp_path / "djnb.sqlite").is_file()
    assert f"djnb is using the embedded SQLite database {tmp_path / 'djnb.sqlite'}" in result.stderr


def test_the_demo_runs_on_the_embedded_default_and_again(tmp_path):
    command = [sys.executable, "-m", "djnb", "demo", "--diagram", str(tmp_path / "pipeline.svg")]
    env = clean_environment(HOME=str(tmp_path))
    for _ in range(2):  # a second run finds everything in place
        result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "djnb demo on the embedded SQLite database" in out and str(tmp_path / "djnb.sqlite") in out
    assert ("populate Recording:" in out and "12/12" in out) or "0 made, 0 failed" in out
    assert "(Total: 12)" in out and "mean_peak" in out and "(Total: 3)" in out
    assert (tmp_path / "pipeline.svg").read_text().lstrip().startswith("<?xml")


def test_all_schemas_share_one_file_with_foreign_keys_across_them(server, prefix):
    connection = dj.Connection(**server)
    first = dj.Schema(f"{prefix}_a", connection=connection)

    @first
    class Animal(dj.Manual):
        definition = "animal_id : int"

    second = dj.Schema(f"{prefix}_b", connection=connection, context={"Animal": Animal})

    @second
    class Visit(dj.Manual):
        definition = """
        -> Animal
        visit : int
        """

    Animal.insert1((1,))
    Visit.insert1((1, 1))
    with pytest.raises(dj.errors.IntegrityError, match="foreign key"):
        Visit.insert1((2, 1))  # no such animal, though it lives in another schema
    with pytest.raises(dj.errors.IntegrityError):
        (Animal & {"animal_id": 1}).delete_quick()
    assert {f"{prefix}_a", f"{prefix}_b"} <= set(dj.list_schemas(connection=connection))
    tables = connection.query("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    assert (f"{prefix}_a.animal",) in tables and (f"{prefix}_b.visit",) in tables  # one file
    second.drop(force=True)
    assert f"{prefix}_b" not in dj.list_schemas(connection=connection)
    assert (Animal & {"animal_id": 1}).delete_quick(get_count=True) == 1  # nothing refers to it now
    connection.close()


@pytest.mark.parametrize(
    ("definition", "row", "message"),
    [
        ("x : tinyint unsigned", (256,), "Out of range or invalid value for column 'x'"),
        ("x : varchar(3)", ("four",), "column 'x'"),
        ("x : enum('a', 'b')", ("c",), "column 'x'"),
        ("x : date", ("2026-13-45",), "column 'x'"),
        ("x : decimal(4,2)", (100,), "column 'x'"),
        ("x : int", ("seven",), "column 'x'"),
        ("x = 1 : int\n---\ny : float", (2, "heavy"), "column 'y'"),
    ],
)
def test_types_are_enforced_as_in_strict_mode(server, prefix, definition, row, message):
    connection = dj.Connection(**server)
    schema = dj.Schema(f"{prefix}_types", connection=connection)
    table = schema(type(f"T{abs(hash(definition)) % 10**6}", (dj.Manual,), {"definition": definition}))
    with pytest.raises(dj.errors.InvalidValueError, match=message):
        table.insert1(row)
    assert len(table()) == 0
    connection.close()


def test_info_names_the_embedded_database(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "djnb", "info"], cwd=tmp_path, env=clean_environment(HOME=str(tmp_path)),
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "database.backend" in result.stdout and "= None  [default]" in result.stdout
    assert f"connection: embedded SQLite database {tmp_path / 'djnb.sqlite'}" in result.stdout
