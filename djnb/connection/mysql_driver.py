"""PyMySQL: opening sessions (with the TLS modes) and reading its errors."""

from __future__ import annotations

import logging
import ssl
from contextlib import suppress
from typing import Any

import pymysql
import pymysql.cursors

from ..errors import ArgumentError
from .info import ConnInfo

logger = logging.getLogger("djnb")

#: Driver exceptions the connection layer translates.
DRIVER_ERRORS: tuple[type[BaseException], ...] = (pymysql.err.Error, ssl.SSLError)
#: PyMySQL's code for "SSL is required but the server doesn't support it" and handshake failures.
TLS_FAILURE = 2026
#: What the driver itself knows, before the server's error codes are consulted.
SESSION_CLOSED = "closed"
TLS_FAILED = "tls"


def _unverified_tls() -> ssl.SSLContext:
    # Lab servers mostly use self-signed certificates: encrypt without verifying, as DataJoint
    # does for use_tls=True. Pass a dict with "ca" to verify.
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _tls_arguments(use_tls: bool | dict | None) -> dict[str, Any]:
    if use_tls is False:
        return {"ssl_disabled": True}
    if use_tls is None:
        return {}  # PyMySQL 1.2 "preferred" mode: TLS if the server offers it
    if use_tls is True or not use_tls:
        return {"ssl": _unverified_tls()}
    return {"ssl": dict(use_tls)}  # a non-empty dict: PyMySQL treats TLS as required


def open_session(info: ConnInfo) -> pymysql.connections.Connection:
    """Open a PyMySQL session in autocommit mode."""
    arguments = dict(
        host=info.host,
        port=info.port,
        user=info.user,
        password=info.password or "",
        charset=info.charset or "utf8mb4",
        init_command=info.init_command,
        autocommit=True,
        connect_timeout=info.connect_timeout,
    )
    try:
        return pymysql.connect(**arguments, **_tls_arguments(info.use_tls))
    except (ssl.SSLError, pymysql.err.OperationalError) as err:
        failed_tls = isinstance(err, ssl.SSLError) or error_info(err)[0] == TLS_FAILURE
        if info.use_tls is not None or not failed_tls:
            raise
        # TLS preferred but the handshake failed: fall back to an unencrypted session.
        logger.info("TLS negotiation with %s failed (%s); connecting without TLS", info.address, err)
        return pymysql.connect(**arguments, ssl_disabled=True)


def condition(err: BaseException) -> str | None:
    """SESSION_CLOSED or TLS_FAILED when the driver says so, else None (use the server code)."""
    code = error_info(err)[0]
    if code == TLS_FAILURE:
        return TLS_FAILED
    if isinstance(err, pymysql.err.InterfaceError) and code in (0, -1):
        return SESSION_CLOSED
    return None


def error_info(err: BaseException) -> tuple[int, str]:
    """The (code, message) of a driver exception; code -1 when the driver gives none."""
    if isinstance(err, ssl.SSLError):
        return TLS_FAILURE, f"TLS error: {err}"
    if isinstance(getattr(err, "original_exception", None), ssl.SSLError):
        return TLS_FAILURE, f"TLS error: {err.original_exception}"  # wrapped by PyMySQL's connect
    args = getattr(err, "args", ())
    if len(args) >= 2 and isinstance(args[0], int):
        return args[0], str(args[1])
    if isinstance(err, pymysql.err.InterfaceError):
        return 0, "the connection is closed"
    return -1, str(err) or type(err).__name__


def session_id(session: pymysql.connections.Connection) -> int:
    """The server's connection id, known from the handshake (saves a round trip)."""
    return session.thread_id()


def execute(
    session: pymysql.connections.Connection, sql: str, args: Any, as_dict: bool, formatted: bool = False
) -> Any:
    """Run one statement; return the buffered cursor.

    PyMySQL substitutes ``%s`` (and turns ``%%`` into ``%``) only when args are given: user SQL
    without args is sent as it is (``Connection.query`` has turned its ``%%`` into ``%``);
    compiled statements (``formatted``) always substitute.
    """
    cursor = session.cursor(pymysql.cursors.DictCursor if as_dict else pymysql.cursors.Cursor)
    try:
        cursor.execute(sql, tuple(args) if (args or formatted) else None)
    except UnicodeEncodeError:
        raise  # text UTF-8 cannot encode: Connection names it
    except (TypeError, ValueError, pymysql.err.ProgrammingError) as err:
        if isinstance(err, pymysql.err.ProgrammingError) and len(err.args) != 1:
            raise  # a server error (it has a code); only substitution errors have none
        # raised while substituting the arguments, before anything was sent
        raise ArgumentError(
            f"The statement's %s placeholders do not match the {len(args)} arguments given ({err}). "
            "Pass one value per placeholder; with arguments, write a literal % as %%."
        ) from err
    return cursor


def execute_many(session: pymysql.connections.Connection, sql: str, rows: list) -> int:
    """Run one statement for many rows (PyMySQL batches INSERT ... VALUES); returns rows affected."""
    with session.cursor() as cursor:
        return cursor.executemany(sql, rows) or 0


def ping(session: pymysql.connections.Connection) -> bool:
    try:
        session.ping(reconnect=False)
    except DRIVER_ERRORS:
        return False
    return True


def close(session: pymysql.connections.Connection) -> None:
    with suppress(pymysql.err.Error):  # already closed by the server
        session.close()
