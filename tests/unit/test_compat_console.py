"""The console layer as 0.14 code meets it: confirmations nobody can answer, config typos,
log lines, progress output to pipes and files.

Database work here uses an embedded SQLite file (the behaviours do not depend on the backend;
tests/db/test_compat_console.py runs the scripts on MariaDB and SQLite).
"""

from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient

import djnb as dj
from djnb import hooks

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
