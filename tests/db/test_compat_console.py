"""Scripts run as 0.14 users run them, on MariaDB and SQLite: real subprocesses whose standard
input is a pipe, /dev/null or closed.

With safemode on, ``delete``/``drop`` read their yes/no from standard input whatever it is
(``echo yes | python script.py`` answers, as with 0.14's ``input()``); when nobody can answer
they raise ConfirmationError (0.14: EOFError) and change nothing; a "no" cancels quietly,
with a line in the log.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest

import djnb as dj
from djnb import hooks

BACKENDS = ("mysql", "sqlite")

SCRIPT = """
import os, sys
import djnb as dj

schema = dj.Schema(os.environ["DJNB_SCHEMA"])

@schema
class Animal(dj.Manual):
    definition = "animal_id : int"

@schema
class Weighing(dj.Manual):
    definition = "-> Animal\\nweighing : int"

Animal.insert([(1,), (2,)], skip_duplicates=True)
Weighing.insert([(1, 1), (1, 2)], skip_duplicates=True)
action = sys.argv[1]
if action == "delete":
    print("deleted", (Animal & "animal_id = 1").delete())
elif action == "drop-table":
    print("dropped", Weighing.drop())
elif action == "drop-schema":
    print("dropped", schema.drop())
elif action == "alter":
    Animal.definition = "animal_id : int\\n---\\nnote = null : varchar(20)"
    print("altered", Animal.alter() is not None)
elif action == "delete-no-safemode":
    dj.config["safemode"] = False
    print("deleted", (Animal & "animal_id = 1").delete())
"""


@pytest.fixture
def script(server, prefix, tmp_path):
    """Run SCRIPT with an action and a standard input; returns (result, schema name)."""
    (tmp_path / "script.py").write_text(SCRIPT)
    if server.get("backend") == "sqlite":
        database = {"DJ_BACKEND": "sqlite", "DJNB_DATABASE_PATH": server["path"]}
    else:
        database = {"DJ_HOST": f"{server['host']}:{server['port']}", "DJ_USER": server["user"],
                    "DJ_PASS": server["password"]}  # fmt: skip
    schema = f"{prefix}_console_{tmp_path.name[-12:].lower().strip('_')}"
    env = {**os.environ, **database, "DJNB_SCHEMA": schema, "PYTHONPATH": os.getcwd()}

    def run(action: str, stdin: str | None) -> subprocess.CompletedProcess:
        command = [sys.executable, "script.py", action]
        if stdin == "closed":  # file descriptor 0 closed: Python's sys.stdin is None
            command = ["sh", "-c", 'exec "$@" <&-', "sh", *command]
        return subprocess.run(
            command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120,
            **({"input": stdin} if stdin not in (None, "closed") else {"stdin": subprocess.DEVNULL}),
        )  # fmt: skip

    return run, schema


def counts(connection: dj.Connection, schema: str) -> tuple[int, int] | None:
    """Rows of Animal and Weighing, or None if the schema is gone."""
    if schema not in dj.list_schemas(connection):
        return None
    return tuple(len(dj.FreeTable(connection, f"`{schema}`.`{name}`")) for name in ("animal", "weighing"))


@pytest.mark.parametrize("stdin", [None, "closed", "", "maybe\n"])
def test_nobody_answers_delete_raises_and_deletes_nothing(script, connection, stdin):
    run, schema = script
    result = run("delete", stdin)
    assert result.returncode != 0 and "deleted" not in result.stdout
    assert "ConfirmationError: Delete was NOT done" in result.stderr
    assert "delete(safemode=False)" in result.stderr and "dj.config['safemode'] = False" in result.stderr
    assert counts(connection, schema) == (2, 2)


def test_a_piped_yes_deletes_and_the_question_is_shown(script, connection):
    run, schema = script
    result = run("delete", "yes\n")
    assert result.returncode == 0, result.stderr
    assert "Commit deletes? [yes, no]" in result.stdout and "`weighing`: 2 rows" in result.stdout
    assert "deleted 1" in result.stdout
    assert counts(connection, schema) == (1, 0)


def test_a_piped_no_cancels_quietly_with_a_log_line(script, connection):
    run, schema = script
    result = run("delete", "no\n")
    assert result.returncode == 0, result.stderr
    assert "deleted 0" in result.stdout and "Delete cancelled" in result.stderr
    assert counts(connection, schema) == (2, 2)
    result = run("delete", "what?\nno\n")  # asked again until yes or no
    assert result.stdout.count("Commit deletes?") == 2 and "deleted 0" in result.stdout


def test_safemode_off_asks_nobody(script, connection):
    run, schema = script
    result = run("delete-no-safemode", None)
    assert result.returncode == 0, result.stderr
    assert "deleted 1" in result.stdout and "Commit deletes?" not in result.stdout
    assert counts(connection, schema) == (1, 0)


def test_table_drop_without_an_answer_raises_and_keeps_the_table(script, connection):
    run, schema = script
    result = run("drop-table", None)
    assert result.returncode != 0 and "ConfirmationError: Drop of" in result.stderr
    assert "drop(confirm=" in result.stderr
    assert counts(connection, schema) == (2, 2)
    result = run("drop-table", "no\n")
    assert "dropped False" in result.stdout and "cancelled" in result.stderr
    result = run("drop-table", "yes\n")
    assert "dropped True" in result.stdout and "`weighing`: 2 rows" in result.stdout


def test_schema_drop_without_an_answer_raises_and_keeps_the_schema(script, connection):
    run, schema = script
    result = run("drop-schema", "")
    assert (
        result.returncode != 0
        and f"ConfirmationError: Drop of schema `{schema}` was NOT done" in result.stderr
    )
    assert "schema.drop(force=True)" in result.stderr
    assert counts(connection, schema) == (2, 2)
    result = run("drop-schema", "no\n")
    assert result.returncode == 0 and "dropped False" in result.stdout and "cancelled" in result.stderr
    assert counts(connection, schema) == (2, 2)
    result = run("drop-schema", "yes\n")
    assert result.returncode == 0 and "dropped True" in result.stdout
    assert counts(connection, schema) is None


def test_alter_without_an_answer_raises_and_changes_nothing(script, connection):
    run, schema = script
    result = run("alter", None)
    assert result.returncode != 0 and "ConfirmationError: Alter was NOT done" in result.stderr
    assert "alter(prompt=False)" in result.stderr
    heading = dj.FreeTable(connection, f"`{schema}`.`animal`").heading
    assert "note" not in heading.names
    assert "altered True" in run("alter", "yes\n").stdout


def test_in_process_callbacks(connection, prefix):
    schema = dj.Schema(f"{prefix}_inproc", connection=connection)

    @schema
    class Item(dj.Manual):
        definition = "item_id : int"

    Item.insert([(1,), (2,)])

    def nobody(question: str) -> bool:
        raise EOFError

    with dj.config(safemode=True), pytest.raises(dj.errors.ConfirmationError, match="Delete was NOT done"):
        Item.delete(confirm=nobody)
    with pytest.raises(EOFError):  # 0.14 code that caught EOFError still catches it
        Item.delete(confirm=nobody, safemode=True)
    assert len(Item()) == 2
    assert Item.delete(confirm=lambda question: None, safemode=True) == 0  # a falsy answer is a no
    with dj.config(safemode=True), pytest.raises(dj.errors.ConfirmationError, match="force=True"):
        schema.drop(confirm=nobody)
    assert schema.exists and len(Item()) == 2
    assert schema.drop(force=True) and not schema.exists


@pytest.fixture
def no_hook():
    saved, hooks.confirm = hooks.confirm, None
    yield
    hooks.confirm = saved


def test_no_prompt_installed_is_nobody_to_answer(connection, prefix, no_hook):
    schema = dj.Schema(f"{prefix}_nohook", connection=connection)

    @schema
    class Item(dj.Manual):
        definition = "item_id : int"

    Item.insert1((1,))
    with pytest.raises(dj.errors.ConfirmationError, match="Drop of .* was NOT done"):
        Item.drop()
    with dj.config(safemode=False):
        assert Item.drop() and schema.drop()


# -- what 0.14 logs: deleted rows, suppressed populate errors, dropped tables


def test_delete_logs_the_rows_of_each_table(connection, prefix, caplog):
    schema = dj.Schema(f"{prefix}_logdelete", connection=connection)

    @schema
    class Animal(dj.Manual):
        definition = "animal_id : int"

    @schema
    class Weighing(dj.Manual):
        definition = "-> Animal\nweighing : int"

    Animal.insert([(1,), (2,)])
    Weighing.insert([(1, 1), (1, 2), (2, 1)])
    with caplog.at_level(logging.INFO, logger="djnb"):
        assert (Animal & {"animal_id": 1}).delete(safemode=True, confirm=lambda question: True) == 1
    lines = [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "djnb"]
    assert (logging.INFO, f"Deleting 2 rows from {Weighing.full_table_name}") in lines
    assert (logging.INFO, f"Deleting 1 rows from {Animal.full_table_name}") in lines
    assert (logging.INFO, "Delete committed.") in lines
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="djnb"):
        assert (Animal & {"animal_id": 7}).delete(safemode=True) == 0
        assert (Animal & {"animal_id": 2}).delete(safemode=True, confirm=lambda question: False) == 0
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(m.startswith("Nothing to delete") for m in warnings)
    assert any(m.startswith("Delete cancelled") for m in warnings)
    assert len(Animal()) == 1
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="djnb"), dj.config(safemode=False):
        Animal.drop()
        schema.drop()
        schema.drop()
    messages = [r.getMessage() for r in caplog.records]
    assert f"Dropped table {Weighing.full_table_name}" in messages
    assert f"Dropped table {Animal.full_table_name}" in messages
    assert any("does not exist: nothing to drop" in m for m in messages)


def test_suppressed_populate_errors_are_logged(connection, prefix, caplog):
    schema = dj.Schema(f"{prefix}_logpopulate", connection=connection)

    @schema
    class Source(dj.Lookup):
        definition = "source_id : int"
        contents = ((1,), (2,))

    @schema
    class Result(dj.Computed):
        definition = "-> Source\n---\nvalue : int"

        def make(self, key):
            if key["source_id"] == 2:
                raise ValueError("source 2 is broken")
            self.insert1({**key, "value": 1})

    with caplog.at_level(logging.INFO, logger="djnb"):
        result = Result.populate(suppress_errors=True)
    assert result["success_count"] == 1 and len(result["error_list"]) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR and r.name == "djnb"]
    assert len(errors) == 1
    assert "{'source_id': 2}" in errors[0] and Result.full_table_name in errors[0]
    assert "ValueError: source 2 is broken" in errors[0]
