"""Diagram's matplotlib drawing is optional: a clear error names the extra when it is missing."""

from __future__ import annotations

import subprocess
import sys

import pytest

import djnb as dj
from djnb import hooks


@pytest.fixture
def no_matplotlib(monkeypatch):
    """Make ``import matplotlib`` fail, as on an install without the jupyter extra."""
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setattr(hooks, "show", None)


def test_make_image_and_draw_without_matplotlib_name_the_extra(no_matplotlib):
    diagram = dj.Diagram()
    for method in (diagram.make_image, diagram.draw):
        with pytest.raises(dj.DataJointError, match=r"need matplotlib: pip install 'djnb\[jupyter\]'"):
            method()


def test_draw_without_matplotlib_falls_back_to_the_notebook_display(no_matplotlib, monkeypatch):
    shown = []
    monkeypatch.setattr(hooks, "show", shown.append)
    diagram = dj.Diagram()
    diagram.draw()
    assert shown == [diagram]


def test_import_djnb_and_diagram_do_not_import_matplotlib():
    code = "import sys, djnb as dj; dj.Diagram; dj.Schema; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
