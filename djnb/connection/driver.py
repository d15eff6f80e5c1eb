"""The driver protocol: what a database driver module gives the connection layer.

``connection.py`` runs every statement through one of these modules (``mysql_driver`` over
PyMySQL, ``sqlite_driver`` over the standard library's sqlite3). A new engine is one such
module plus its dialect (``sql/dialect/``); ``tests/unit/test_drivers.py`` checks that each
driver module has every member, with these parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from .info import ConnInfo


class Driver(Protocol):
    """A driver module. Sessions are the driver's own objects; results are buffered cursors
    (``fetchone``, ``fetchall``, ``rowcount``, ``description``, ``lastrowid``)."""

    #: the exceptions of the driver that the connection translates into djnb errors
    DRIVER_ERRORS: tuple[type[BaseException], ...]
    #: what ``condition`` says of an error raised because the session is closed
    SESSION_CLOSED: str
    #: what ``condition`` says of an error of TLS negotiation
    TLS_FAILED: str

    def open_session(self, info: ConnInfo) -> Any:
        """A new session with the database ``info`` describes; raises DRIVER_ERRORS."""

    def session_id(self, session: Any) -> int:
        """The server's id of the session (the process id for an embedded engine)."""

    def execute(self, session: Any, sql: str, args: Any, as_dict: bool, formatted: bool = False) -> Any:
        """Run one statement with bound ``args`` (``%s`` markers); a buffered cursor."""

    def execute_many(self, session: Any, sql: str, rows: Sequence) -> int:
        """Run one statement per row of bound values; the rows affected."""

    def ping(self, session: Any) -> bool:
        """Whether the session answers (never reconnects)."""

    def close(self, session: Any) -> None:
        """End the session; never raises."""

    def error_info(self, err: BaseException) -> tuple[int | str, str]:
        """(the engine's error code, its message) of a driver error."""

    def condition(self, err: BaseException) -> str | None:
        """SESSION_CLOSED, TLS_FAILED, or None: what else the error means."""
