"""notebooks/existing_datajoint_code.ipynb, executed by a real kernel as a new user runs it: on the
embedded SQLite default (nothing configured), in a fresh folder."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "existing_datajoint_code.ipynb"


def test_existing_code_notebook_runs_on_the_default_database(tmp_path: Path, monkeypatch):
    for name in [n for n in os.environ if n.startswith("DJ_")]:
        monkeypatch.delenv(name)  # nothing configured: the kernel uses ./djnb.sqlite
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", str(NOTEBOOK.parents[1]))
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(
        notebook, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    texts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            assert output.get("output_type") != "error", output
            texts.append(output.get("text", "") + str(output.get("data", {}).get("text/plain", "")))
    joined = "\n".join(texts)
    assert "DataJoint API 0.14" in joined and "the same objects: True" in joined
    assert "(Total: 3)" in joined  # three sessions computed by the three-part make
    assert "rig-b" in joined and "rig-c" in joined and "rig-a" not in joined.split("float [")[1]
    assert (tmp_path / "djnb.sqlite").exists()
