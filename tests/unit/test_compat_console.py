"""The console layer as 0.14 code meets it: confirmations nobody can answer, config typos,
log lines, progress output to pipes and files.

Database work here uses an embedded SQLite file (the behaviours do not depend on the backend;
tests/db/test_compat_console.py runs the scripts on MariaDB and SQLite).
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time

import nbformat
import pytest
from nbclient import NotebookClient

import djnb as dj
from djnb import hooks
from djnb.console import ProgressBar
from djnb.errors import UnknownSettingError
from djnb.settings import Config

NOTEBOOK_CELLS = [
    "import djnb as dj\n%load_ext djnb",
    "dj.config['database.backend'] = 'sqlite'\ndj.config['database.path'] = {path!r}\n"
    "schema = dj.Schema('nb_confirm')\n"
    "@schema\nclass Item(dj.Manual):\n    definition = 'item_id : int'\n"
    "Item.insert([(1,), (2,)])",
    "(Item & 'item_id = 1').delete()",
    "print('rows', len(Item()))",
]


def test_a_notebook_that_cannot_answer_raises_instead_of_doing_nothing(tmp_path):
    """nbclient runs kernels without an input box (as nbconvert and papermill do)."""
    path = str(tmp_path / "nb.sqlite")
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(cell.format(path=path)) for cell in NOTEBOOK_CELLS]
    )
    NotebookClient(notebook, kernel_name="python3", timeout=120, allow_errors=True).execute()
    delete = notebook.cells[2].outputs
    errors = [output for output in delete if output["output_type"] == "error"]
    assert errors and errors[0]["ename"] == "ConfirmationError"
    assert "Delete was NOT done" in errors[0]["evalue"] and "safemode=False" in errors[0]["evalue"]
    shown = [output["data"]["text/plain"] for output in delete if output["output_type"] == "display_data"]
    assert any("`nb_confirm`.`item`: 1 rows" in text for text in shown)  # the plan was shown first
    assert notebook.cells[3].outputs[0]["text"].strip() == "rows 2"


def test_hooks_answer_is_tri_state():
    assert hooks.answer("q?", lambda question: True) is True
    assert hooks.answer("q?", lambda question: 0) is False

    def nobody(question: str) -> bool:
        raise EOFError

    assert hooks.answer("q?", nobody) is None
    with pytest.raises(dj.errors.ConfirmationError, match="Frobnicate was NOT done.*use frob_quick"):
        hooks.ask("q?", nobody, action="Frobnicate", instead="use frob_quick")
    assert issubclass(dj.errors.ConfirmationError, dj.errors.DataJointError)
    assert issubclass(dj.errors.ConfirmationError, EOFError)


# -- configuration typos and backends that are not there yet


@pytest.mark.parametrize(
    ("typo", "meant"),
    [
        ("safemdoe", "safemode"),  # two letters swapped
        ("loglevl", "loglevel"),  # one dropped
        ("fetch_formatt", "fetch_format"),  # one added
        ("dispaly.limit", "display.limit"),  # a typo in the namespace itself
        ("enable_python_native_blob", "enable_python_native_blobs"),
    ],
)
def test_a_new_top_level_key_one_typo_away_is_refused(typo, meant):
    cfg = Config(environ={})
    with pytest.raises(UnknownSettingError, match=f"no setting '{typo}'. Did you mean '{meant}'"):
        cfg[typo] = False
    assert typo not in cfg
    with pytest.raises(UnknownSettingError, match=f"Did you mean '{meant}'"), cfg(**{typo: False}):
        pass


def test_free_top_level_keys_stay_accepted():
    cfg = Config(environ={})
    for key in ("custom", "lab_settings", "safemode_extra", "stores_backup"):
        cfg[key] = {"x": 1}
        assert cfg[key] == {"x": 1} and key in cfg


def test_reading_an_unknown_key_is_a_key_error_that_suggests_the_setting():
    cfg = Config(environ={})
    cfg["custom"] = {}
    with pytest.raises(KeyError) as caught:
        cfg["database.hots"]
    assert isinstance(caught.value, UnknownSettingError) and isinstance(caught.value, dj.errors.ConfigError)
    assert str(caught.value) == "dj.config has no setting 'database.hots'. Did you mean 'database.host'?"
    with pytest.raises(UnknownSettingError, match="Did you mean 'custom'"):
        cfg["custon"]  # keys set in code are suggested too
    with pytest.raises(UnknownSettingError, match=r"no setting 'zzz'. .*get\('zzz', default\)"):
        cfg["zzz"]
    with pytest.raises(UnknownSettingError, match="Did you mean 'safemode'"):
        del cfg["safemod"]
    assert cfg.get("database.hots") is None and cfg.get("database.hots", 5) == 5
    assert "database.hots" not in cfg and "database.host" in cfg


def test_an_unfinished_backend_says_so_before_asking_for_a_user():
    cfg = Config(environ={"DJ_BACKEND": "postgres"})
    with pytest.raises(dj.errors.ConfigError, match=r"DJ_BACKEND.*postgresql is not available yet") as caught:
        cfg.backend()
    assert not isinstance(caught.value, dj.errors.MissingCredentialsError)
    with dj.config(database__backend="postgres", database__user=None):
        with pytest.raises(dj.errors.ConfigError, match="postgresql is not available yet") as caught:
            dj.conn(reset=True)
        assert not isinstance(caught.value, dj.errors.MissingCredentialsError)
        with pytest.raises(dj.errors.ConfigError, match="not available yet"):
            dj.Connection(user="u")


def test_djnb_info_reports_the_unfinished_backend(tmp_path):
    env = {**os.environ, "DJ_BACKEND": "postgres", "PYTHONPATH": os.getcwd()}
    result = subprocess.run(
        [sys.executable, "-m", "djnb", "info"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "connection: FAILED: dj.config['database.backend'] is 'postgresql'" in result.stdout


# -- the progress bar: redrawn on a terminal, plain lines into pipes and files


def test_progress_into_a_file_writes_plain_lines_at_most_every_interval(tmp_path):
    with (tmp_path / "log.txt").open("w") as stream:
        bar = ProgressBar(stream, interval=3600)
        for done in range(1, 101):
            bar(done, 100)
    text = (tmp_path / "log.txt").read_text()
    assert "\r" not in text and text.count("\n") == 1  # only the end, within the interval
    assert "100/100" in text and text.endswith("\n")


def test_progress_into_a_pipe_writes_a_line_when_the_interval_has_passed():
    read_end, write_end = os.pipe()
    with os.fdopen(write_end, "w") as stream:
        bar = ProgressBar(stream, interval=0.2)
        bar(1, 10)  # a new run: nothing yet
        time.sleep(0.25)
        bar(2, 10)  # the interval has passed: a line
        bar(3, 10)  # too soon after it
        bar(10, 10)  # the end: always
    with os.fdopen(read_end) as pipe:
        lines = pipe.read().splitlines(keepends=True)
    assert [line.split("]")[1].split()[0] for line in lines] == ["2/10", "10/10"]
    assert not any("\r" in line for line in lines)


def test_progress_on_a_terminal_redraws_in_place():
    controller, terminal = pty.openpty()
    with os.fdopen(terminal, "w") as stream:
        bar = ProgressBar(stream)
        for done in range(1, 4):
            bar(done, 3)
        shown, deadline = "", time.monotonic() + 5
        while "3/3" not in shown and time.monotonic() < deadline:  # the pty may deliver in pieces
            if select.select([controller], [], [], 0.1)[0]:
                shown += os.read(controller, 4096).decode()
    os.close(controller)
    assert shown.count("\r") >= 3 and "3/3" in shown  # every update, each redrawing the line


def test_the_demo_into_a_file_has_no_redraws(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJ_", "DJNB_"))}
    env["PYTHONPATH"] = os.getcwd()
    with (tmp_path / "out.txt").open("w") as out:
        subprocess.run(
            [sys.executable, "-m", "djnb", "demo"], env=env, cwd=tmp_path, stdout=out, stderr=out,
            stdin=subprocess.DEVNULL, timeout=120, check=True,
        )  # fmt: skip
    text = (tmp_path / "out.txt").read_text()
    assert "\r" not in text
    assert text.count("12/12") == 2  # one line per populate: the end
