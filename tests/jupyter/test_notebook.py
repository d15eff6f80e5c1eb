"""tests/notebooks/pipeline.ipynb executed by a real kernel (nbclient), on MariaDB and SQLite.

The executed outputs must hold the HTML preview, the diagram's inline SVG, the progress
widget's final state (3 keys, 1 failed, the failure listed with its traceback) and a plain-text
fallback of the same progress.
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
from nbclient import NotebookClient

BACKENDS = ("mysql", "sqlite")
NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "pipeline.ipynb"


def run_notebook(server: dict, schema: str, folder: Path) -> nbformat.NotebookNode:
    environment = {"DJNB_NB_SCHEMA": schema, "PYTHONPATH": str(Path.cwd())}
    if server.get("backend") == "sqlite":
        environment |= {"DJNB_NB_BACKEND": "sqlite", "DJNB_NB_PATH": server["path"]}
    else:
        environment |= {"DJNB_NB_BACKEND": "mysql", "DJNB_TEST_HOST": server["host"],
                        "DJNB_TEST_PORT": str(server["port"]), "DJNB_TEST_USER": server["user"],
                        "DJNB_TEST_PASSWORD": server["password"]}  # fmt: skip
    saved = {key: os.environ.get(key) for key in environment}
    os.environ.update(environment)  # the kernel inherits this environment
    try:
        notebook = nbformat.read(NOTEBOOK, as_version=4)
        NotebookClient(
            notebook, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(folder)}}
        ).execute()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return notebook


def outputs(notebook: nbformat.NotebookNode, cell: int) -> list:
    return notebook.cells[cell].get("outputs", [])


def test_the_pipeline_notebook_runs_and_shows_everything(server, prefix, tmp_path):
    notebook = run_notebook(server, f"{prefix}_notebook", tmp_path)
    populate = outputs(notebook, 7)
    views = [o for o in populate if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert views, populate
    text = views[-1]["data"]["text/plain"]
    assert (
        "3/3 done, 1 failed" in text and "failed {'subject_id': 2}: ValueError: subject 2 has no name" in text
    )
    assert any("Ratio: 2 made, 1 failed" in o.get("text", "") for o in populate)
    state = notebook.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    bars = [w["state"] for w in state.values() if w["model_name"] == "IntProgressModel"]
    assert any(b["value"] == 3 and b["max"] == 3 and b["bar_style"] == "danger" for b in bars)
    accordions = [w["state"] for w in state.values() if w["model_name"] == "AccordionModel"]
    assert any("subject 2 has no name" in " ".join(a.get("titles", ())) for a in accordions)
    tracebacks = [w["state"]["value"] for w in state.values() if w["model_name"] == "HTMLModel"]
    assert any("Traceback" in value and "ValueError" in value for value in tracebacks)
    preview = outputs(notebook, 8)[0]["data"]["text/html"]
    assert "<table" in preview and "grace" in preview
    diagram = outputs(notebook, 9)[0]["data"]
    assert "<svg" in diagram["text/html"] and "<img" not in diagram["text/html"]
    assert "Ratio" in diagram["text/html"] and "image/svg+xml" in diagram
