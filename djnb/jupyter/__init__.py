"""The notebook layer: ``%dj`` / ``%%dj`` magics, rich display, a live populate progress widget.

``%load_ext djnb`` calls ``load_ipython_extension``. Only this package imports IPython and
ipywidgets; the core reaches it through ``djnb.hooks`` (progress, failures, confirmation,
display), which this layer fills in.
"""

from __future__ import annotations

import html
from typing import Any

from IPython.core.error import StdinNotImplementedError
from IPython.display import display

from .. import hooks
from .magics import DjMagics
from .progress import NotebookProgress, PopulateProgress, follow

__all__ = ["DjMagics", "NotebookProgress", "PopulateProgress", "follow", "load_ipython_extension"]


def confirm(question: str) -> bool:
    """Show what is about to happen (the plan: tables and counts), then ask until yes or no.

    Raises ``EOFError`` when the front end cannot answer (a notebook run by nbconvert or
    papermill has no input box), so the operation raises ``ConfirmationError`` instead of
    silently doing nothing, as the terminal prompt does.
    """
    plan = f"<pre style='border-left: 3px solid #e8590c; padding-left: 6px'>{html.escape(question)}</pre>"
    display({"text/html": plan, "text/plain": question}, raw=True)
    while True:
        try:
            answer = input("Proceed? [yes/no] ").strip().lower()
        except StdinNotImplementedError as err:
            raise EOFError("this front end cannot answer input requests") from err
        if answer in ("yes", "y", "no", "n"):
            return answer.startswith("y")


def load_ipython_extension(ipython: Any) -> None:
    ipython.register_magics(DjMagics)
    progress = NotebookProgress()
    hooks.progress, hooks.failure = progress.progress, progress.failure
    hooks.confirm = confirm
    hooks.show = display
