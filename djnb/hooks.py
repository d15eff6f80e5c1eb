"""Callbacks the core calls for what it must not do itself (it never prompts or prints).

The console layer installs a text prompt at import; the Jupyter layer replaces it with a
widget. Code can pass its own callback to any method that asks for confirmation.

A confirmation callback returns True (go ahead) or False (no: the operation is cancelled, and
says so in the log); it raises ``EOFError`` when nobody can answer (no terminal, standard input
closed or exhausted), as DataJoint 0.14's ``input()`` prompt did. ``ask`` turns that, and the
case of no callback at all, into ``ConfirmationError``: an operation that needs a yes never
silently does nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from typing import Any

from .errors import ConfirmationError
from .settings import logger

#: confirm(question) -> bool, or EOFError when nobody can answer; None means "no way to ask".
confirm: Callable[[str], bool] | None = None
#: secret(question) -> the answer typed without echo (a new password), or None if nobody can answer.
secret: Callable[[str], str | None] | None = None
#: external(connection, schema, store) -> the store's tracking table (installed by djnb.stores)
external: Callable[[Any, str, str], Any] | None = None
#: external_mapping(connection, schema) -> the schema's store mapping (``Table.external``; djnb.stores)
external_mapping: Callable[[Any, str], Any] | None = None

#: show(obj) displays a rich object (a Diagram's draw()); the Jupyter layer installs it.
show: Callable[[Any], None] | None = None

#: before_fork() -> a context manager held while populate(processes=N) forks its workers: the
#: Jupyter layer installs one that keeps IPython's history thread out of sqlite3 meanwhile
#: (a fork in the middle of its write leaves SQLite's mutex held in the child, whose first
#: sqlite3.connect then waits forever).
before_fork: Callable[[], AbstractContextManager] | None = None

#: progress(done, total, key) while populate runs with display_progress=True.
progress: Callable[[int, int, Mapping | None], None] | None = None
#: failure(key, message, traceback) for each key whose make() failed, with display_progress=True.
failure: Callable[[Mapping, str, str], None] | None = None


def answer(question: str, callback: Callable[[str], bool] | None = None) -> bool | None:
    """The answer through ``callback``, else the installed hook: True, False, or None when
    nobody can answer (no callback, or it raised ``EOFError``)."""
    respond = callback or confirm
    if respond is None:
        return None
    try:
        return bool(respond(question))
    except EOFError:
        return None


def ask(
    question: str,
    callback: Callable[[str], bool] | None = None,
    *,
    action: str = "The operation",
    instead: str = "set dj.config['safemode'] = False, or pass confirm=lambda question: True",
) -> bool:
    """Ask through ``callback``, else the installed hook; True to go ahead.

    A no is a quiet cancel: False, and a warning "<action> cancelled" in the log (0.14 logs
    "Delete cancelled"). When nobody can answer, raises ``ConfirmationError`` saying that
    ``action`` was not done and how to do it without asking (``instead``).
    """
    reply = answer(question, callback)
    if reply is None:
        raise ConfirmationError(
            f"{action} was NOT done: it must be confirmed first, and nobody could answer (standard input "
            f"is closed or at its end, or the notebook front end takes no input). "
            f"To go ahead without asking: {instead}. "
            "A script can also answer on its standard input: echo yes | python script.py"
        )
    if not reply:
        logger.warning("%s cancelled: the answer was no; nothing was changed.", action)
    return reply
