"""%dj and %%dj in a real IPython shell, on MariaDB and SQLite: every subcommand, its errors."""

from __future__ import annotations

import IPython
import pytest
from IPython.core.error import UsageError
from IPython.testing.globalipapp import start_ipython

import djnb as dj
import djnb.jupyter
from djnb import hooks
from djnb.jupyter import DjMagics

BACKENDS = ("mysql", "sqlite")


@pytest.fixture(scope="module")
def shell(server, prefix):
    """A real IPython shell with the extension loaded, connected, a schema in use."""
    start_ipython()  # once per process; later calls keep the same shell
    ip = IPython.get_ipython()
    saved = (hooks.progress, hooks.failure, hooks.confirm, hooks.show)
    ip.run_line_magic("load_ext", "djnb")
    djnb.jupyter.load_ipython_extension(ip)  # again for each backend: %load_ext loads once
    ip.user_ns.clear()
    if server.get("backend") == "sqlite":
        ip.run_line_magic("dj", f"connect --sqlite {server['path']}")
    else:
        with dj.config(database__password=server["password"]):
            ip.run_line_magic(
                "dj", f"connect {server['host']} --user {server['user']} --port {server['port']}"
            )
    ip.run_line_magic("dj", f"use {prefix}_nb")
    yield ip
    hooks.progress, hooks.failure, hooks.confirm, hooks.show = saved


def test_declare_fill_populate_and_inspect(shell, prefix, capsys):
    shell.user_ns["RIGS"] = [("A",), ("B",)]
    shell.run_cell_magic("dj", "lookup Rig --contents RIGS", "rig : char(1)\n")
    shell.run_cell_magic(
        "dj", "manual Subject", "# animals\nsubject_id : int\n---\nname : varchar(20)\n-> Rig\n"
    )
    shell.run_cell_magic("dj", "part Subject.Note", "-> master\nnote : varchar(20)\n")
    shell.run_cell_magic("dj", "computed Length", "-> Subject\n---\nlength : int\n")
    for cell in (
        "def make(self, key):\n    name = (Subject & key).fetch1('name')\n"
        "    if name == 'bad':\n        raise ValueError('a bad name')\n    self.insert1({**key, 'length': len(name)})",
        "Length.make = make",
        "Subject.insert([(1, 'alpha', 'A'), (2, 'bad', 'B'), (3, 'gamma', 'A')])",
        "Subject.Note.insert1((1, 'first'))",
    ):
        assert shell.run_cell(cell).success
    result = shell.run_line_magic("dj", "populate Length")
    assert result["success_count"] == 2 and result["error_list"][0][0] == {"subject_id": 2}
    out = capsys.readouterr().out
    assert "Length: 2 made, 1 failed" in out and "failed {'subject_id': 2}: ValueError: a bad name" in out
    widget = hooks.progress.__self__.current  # the live display of that run
    assert (widget.bar.value, widget.bar.max, widget.bar.bar_style) == (3, 3, "danger")
    assert len(widget.errors.children) == 1 and "a bad name" in widget.errors.get_title(0)
    assert (
        "Traceback" in widget.errors.children[0].value
        and "ValueError: a bad name" in widget.errors.children[0].value
    )
    assert widget.bundle()["text/plain"].startswith("populate: 3 keys: 3/3 done, 1 failed")
    tables = shell.run_line_magic("dj", "tables").data
    assert (
        "<td>Subject</td><td>manual</td><td>3</td>" in tables
        and "<td>Length</td><td>computed</td><td>2</td>" in tables
    )
    assert (
        "<td>Subject.Note</td><td>part</td><td>1</td>" in tables
        and "<td>Rig</td><td>lookup</td><td>2</td>" in tables
    )
    shell.run_line_magic("dj", "describe Subject")
    assert "-> Rig" in capsys.readouterr().out
    assert f"{prefix}_nb" in shell.run_line_magic("dj", "schemas")
    diagram = shell.run_line_magic("dj", "erd")
    assert "<svg" in diagram._repr_mimebundle_()["text/html"]
    assert {"Subject", "Length"} <= {diagram.nodes[n]["label"] for n in diagram.nodes_to_show}
    assert shell.run_line_magic("dj", "erd Subject").nodes_to_show == {
        dj.FreeTable(
            shell.user_ns["Subject"].connection, shell.user_ns["Subject"].full_table_name
        ).full_table_name
    }
    shell.run_line_magic("dj", "help")
    assert "%dj populate TABLE" in capsys.readouterr().out


def test_populate_with_jobs_and_the_jobs_summary(shell, capsys):
    shell.run_cell_magic("dj", "computed Initial", "-> Subject\n---\ninitial : char(1)\n")
    assert shell.run_cell("Initial.make = lambda self, key: (_ for _ in ()).throw(RuntimeError('no initials'))"
                          " if key['subject_id'] == 3 else self.insert1({**key, 'initial': "
                          "(Subject & key).fetch1('name')[0]})").success  # fmt: skip
    result = shell.run_line_magic("dj", "populate Initial --reserve-jobs")
    assert result["success_count"] == 2
    summary = shell.run_line_magic("dj", "jobs").data
    assert "<td>__initial</td><td>0</td><td>1</td><td>0</td>" in summary and "no initials" in summary


def test_populate_in_processes_is_followed(shell, capsys):
    shell.run_cell_magic("dj", "computed Double", "-> Subject\n---\ndouble : int\n")
    assert shell.run_cell(
        "Double.make = lambda self, key: self.insert1({**key, 'double': 2 * key['subject_id']})"
    ).success
    result = shell.run_line_magic("dj", "populate Double --processes 2")
    assert result["success_count"] == 3 and result["error_list"] == []
    followed = shell.magics_manager.registry["DjMagics"].last_progress
    assert (followed.done, followed.total) == (3, 3) and followed.bar.value == 3 and followed.finished
    assert "Double: 3 made, 0 failed" in capsys.readouterr().out


def test_errors_are_one_message_naming_the_line(shell):
    with pytest.raises(UsageError, match=r"line 3, column 5: unknown attribute type `nonsense`"):
        shell.run_cell_magic("dj", "manual Broken", "id : int\n---\nx : nonsense\n")
    assert "Broken" not in shell.user_ns
    with pytest.raises(UsageError, match="no subcommand 'frobnicate'"):
        shell.run_line_magic("dj", "frobnicate")
    with pytest.raises(UsageError, match="Nope is not a table class here"):
        shell.run_line_magic("dj", "describe Nope")
    with pytest.raises(UsageError, match="argument tier: invalid choice"):
        shell.run_cell_magic("dj", "sideways Thing", "id : int\n")
    with pytest.raises(UsageError, match="unrecognized arguments: --fast"):
        shell.run_line_magic("dj", "populate Length --fast")
    result = shell.run_cell("%%dj manual Broken2\nid : int\n---\ny : nonsense\n")
    assert not result.success and isinstance(result.error_in_exec, UsageError)


def test_a_fresh_namespace_gets_classes_for_existing_tables(shell, prefix, capsys):
    saved = dict(shell.user_ns)
    shell.user_ns.clear()
    shell.run_line_magic("dj", f"use {prefix}_nb")
    assert "Subject" in capsys.readouterr().out
    assert {"Subject", "Length", "Rig", "schema"} <= set(shell.user_ns)
    assert len(shell.user_ns["Subject"]()) == 3 and len(shell.user_ns["Subject"].Note()) == 1
    shell.user_ns.update(saved)


def test_configuration_through_traitlets(shell):
    shell.run_line_magic("config", "DjMagics.display_limit = 5")
    magics = shell.magics_manager.registry["DjMagics"]
    assert isinstance(magics, DjMagics) and magics.display_limit == 5 and dj.config["display.limit"] == 5
    shell.run_line_magic("config", "DjMagics.display_limit = 12")
    assert dj.config["display.limit"] == 12


def test_use_needs_a_schema_first(shell):
    magics = shell.magics_manager.registry["DjMagics"]
    saved, magics.schema = magics.schema, None
    try:
        with pytest.raises(UsageError, match="No schema in use: run %dj use SCHEMA first"):
            shell.run_line_magic("dj", "tables")
    finally:
        magics.schema = saved


def test_deletes_show_their_plan_before_asking(shell, monkeypatch, capsys):
    subject = shell.user_ns["Subject"]
    answers = iter(["no", "yes", "no", "no"])
    monkeypatch.setattr("builtins.input", lambda prompt: next(answers))  # the person at the keyboard
    with dj.config(safemode=True):
        (subject & {"subject_id": 1}).delete()  # answered "no"
        assert len(subject & {"subject_id": 1}) == 1
        shown = capsys.readouterr().out
        assert "About to delete:" in shown and "subject`: 1 rows" in shown and "__length`: 1 rows" in shown
        (subject & {"subject_id": 1}).delete()  # answered "yes"
    assert len(subject & {"subject_id": 1}) == 0
    with dj.config(safemode=True):
        assert shell.user_ns["Length"]().drop() is False  # answered "no": the plan names the rows
        shown = capsys.readouterr().out
        assert "About to drop:" in shown and "__length`: 1 rows" in shown
        assert shell.user_ns["schema"].drop() is False
    shown = capsys.readouterr().out
    assert "with all its tables and data?" in shown and "subject: 2 rows" in shown


def test_headings_display_as_tables(shell):
    heading = shell.user_ns["Subject"].heading._repr_html_()
    assert (
        "<caption>animals</caption>" in heading
        and "<b>subject_id</b>" in heading
        and "varchar(20)" in heading
    )


def test_watch_follows_workers_elsewhere(shell, server, prefix):
    import subprocess
    import sys

    shell.run_cell_magic("dj", "computed Upper", "-> Subject\n---\nupper : varchar(20)\n")
    if server.get("backend") == "sqlite":
        open_it = f"dj.Connection(backend='sqlite', path={server['path']!r})"
    else:
        open_it = f"dj.Connection({server['host']!r}, {server['user']!r}, {server['password']!r}, port={server['port']})"
    worker = (  # another process: the notebook only watches it through the tables
        "import time, djnb as dj\n"
        f"schema = dj.Schema({prefix + '_nb'!r}, connection={open_it}, create_tables=False)\n"
        "ns = {}\nschema.spawn_missing_classes(context=ns)\n"
        "def make(self, key):\n    time.sleep(0.3)\n"
        "    self.insert1({**key, 'upper': (ns['Subject'] & key).fetch1('name').upper()})\n"
        "ns['Upper'].make = make\nns['Upper'].populate(reserve_jobs=True)\n"
    )
    process = subprocess.Popen([sys.executable, "-c", worker])
    watched = shell.run_line_magic("dj", "watch Upper --timeout 60")
    process.wait(timeout=60)
    assert process.returncode == 0
    total = len(shell.user_ns["Subject"]())
    assert (watched.done, watched.total) == (total, total) and watched.finished and not watched.failures
