"""The notebook layer: ``%dj`` / ``%%dj`` magics, rich display, a live populate progress widget.

``%load_ext djnb`` calls ``load_ipython_extension``. Only this package imports IPython and
ipywidgets; the core reaches it through ``djnb.hooks`` (progress, failures, confirmation,
display), which this layer fills in.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from IPython.core.error import StdinNotImplementedError
from IPython.core.getipython import get_ipython
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


@contextmanager
def history_paused() -> Iterator[None]:
    """Hold IPython's history locks, so that its history thread is not writing with sqlite3
    while populate forks workers (``hooks.before_fork``)."""
    manager = getattr(get_ipython(), "history_manager", None)
    locks = [getattr(manager, name, None) for name in ("db_input_cache_lock", "db_output_cache_lock")]
    held = [lock for lock in locks if lock is not None]
    for lock in held:
        lock.acquire()
    try:
        yield
    finally:
        for lock in reversed(held):
            lock.release()


def load_ipython_extension(ipython: Any) -> None:
    ipython.register_magics(DjMagics)
    hooks.before_fork = history_paused
    progress = NotebookProgress()
    hooks.progress, hooks.failure = progress.progress, progress.failure
    hooks.confirm = confirm
    hooks.show = display
