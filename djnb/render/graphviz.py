"""Run Graphviz on DOT text: the system ``dot`` if there is one, else the ``graphviz-pure`` wheel.

``graphviz-pure`` (a standalone port of Graphviz, installed with ``djnb[jupyter]``) makes a
pip-only install draw diagrams. It installs an executable named ``graphviz-pure``; kernels may
run without their environment's scripts folder on PATH, so that folder is searched as well.
``DJNB_DOT`` names an executable to use instead of either.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from ..errors import DataJointError, RendererMissingError

FORMATS = ("svg", "png", "pdf")
MISSING = (
    "Drawing a diagram needs Graphviz, and none was found. Either install the graphviz-pure wheel "
    "(pip install 'djnb[jupyter]', or pip install graphviz-pure) or the system Graphviz that "
    "provides `dot` (apt-get install graphviz, brew install graphviz, conda install graphviz). "
    "make_dot() and make_mermaid() work without it."
)


def find_renderer() -> str | None:
    """The Graphviz executable to use: $DJNB_DOT, `dot` on PATH, else graphviz-pure."""
    explicit = os.environ.get("DJNB_DOT")
    if explicit:
        return explicit
    found = shutil.which("dot")
    if found:
        return found
    folders = [sysconfig.get_path("scripts"), str(Path(sys.executable).parent)]
    return shutil.which("graphviz-pure") or next(
        (
            str(Path(folder) / name)
            for folder in folders
            for name in ("graphviz-pure", "graphviz-pure.exe")
            if (Path(folder) / name).is_file()
        ),
        None,
    )


def render_graphviz(dot: str, fmt: str = "svg") -> bytes:
    """``dot`` laid out and drawn as ``fmt`` (svg, png or pdf)."""
    if fmt not in FORMATS:
        raise DataJointError(f"Diagrams are drawn as {', '.join(FORMATS)}; got {fmt!r}.")
    renderer = find_renderer()
    if renderer is None:
        raise RendererMissingError(MISSING)
    try:
        result = subprocess.run(
            [renderer, f"-T{fmt}"], input=dot.encode(), capture_output=True, timeout=120, check=False
        )
    except OSError as err:
        raise RendererMissingError(f"Cannot run Graphviz at {renderer}: {err}. {MISSING}") from None
    if result.returncode != 0:
        raise DataJointError(
            f"Graphviz ({renderer}) failed to draw the diagram: {result.stderr.decode(errors='replace').strip()}"
        )
    return result.stdout
