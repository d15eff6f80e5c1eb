"""Callbacks the core calls for what it must not do itself (it never prompts or prints).

The console layer installs a text prompt at import; the Jupyter layer replaces it with a
widget. Code can pass its own callback to any method that asks for confirmation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

#: confirm(question) -> bool; None means "no way to ask": operations that need it refuse.
confirm: Callable[[str], bool] | None = None
#: secret(question) -> the answer typed without echo (a new password), or None if nobody can answer.
secret: Callable[[str], str | None] | None = None
#: external(connection, schema, store) -> the store's tracking table (installed by djnb.stores)
external: Callable[[Any, str, str], Any] | None = None
#: external_mapping(connection, schema) -> the schema's store mapping (``Table.external``; djnb.stores)
external_mapping: Callable[[Any, str], Any] | None = None

#: show(obj) displays a rich object (a Diagram's draw()); the Jupyter layer installs it.
show: Callable[[Any], None] | None = None

#: progress(done, total, key) while populate runs with display_progress=True.
progress: Callable[[int, int, Mapping | None], None] | None = None
#: failure(key, message, traceback) for each key whose make() failed, with display_progress=True.
failure: Callable[[Mapping, str, str], None] | None = None


def ask(question: str, callback: Callable[[str], bool] | None = None) -> bool:
    """Ask through ``callback``, else the installed hook; False when nobody can answer."""
    answer = callback or confirm
    return bool(answer(question)) if answer is not None else False
