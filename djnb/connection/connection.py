"""``dj.Connection``: one database session, its transactions, and the error translation seam.

Driver exceptions become djnb errors here and nowhere else (``Connection._translate``).
Every statement path (``query``, ``query_many``, the transaction statements) goes through
one lost-session policy, ``Connection._run``: a dead session is always forgotten. Outside a
transaction it is re-opened and the statement retried once when ``reconnect`` is on. Inside
one, ``LostConnectionError`` is raised and nothing is retried, because the server has already
rolled the transaction back; the same holds after a deadlock. Such a transaction stays
*aborted* until ``cancel_transaction()`` (or the end of the ``with conn.transaction:`` block):
statements in it are refused, so nothing the caller meant to be atomic is silently
autocommitted. A loss at COMMIT ends the transaction at once (``commit_transaction`` raises
LostConnectionError and ``in_transaction`` is False).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..dependencies import Dependencies, dependencies_of, foreign_key_hint
from ..errors import (
    AccessError,
    ArgumentError,
    AuthenticationError,
    ConnectError,
    DataJointError,
    IntegrityError,
    LostConnectionError,
    QueryError,
    TLSError,
    TransactionError,
)
from ..settings import config, split_host, validate
from ..sql.conditions import bad_text, unencodable
from ..sql.dialect import Dialect, get_dialect
from . import mysql_driver, query_cache, sqlite_driver
from .driver import Driver
from .info import ConnInfo, RedactedDict

logger = logging.getLogger("djnb")

_DRIVERS: dict[str, Driver] = {"mysql": mysql_driver, "sqlite": sqlite_driver}  # type: ignore[dict-item]
_ANNOUNCED: set[tuple[str, str]] = set()  # (backend, address) already named in the log
_MAX_SQL_IN_MESSAGE = 300


def _refuse_bad_text(sql: str, args: Sequence[Any] | dict | None) -> None:
    """Raise InvalidValueError if the statement or a text argument has a character UTF-8 cannot
    encode (a lone surrogate): the drivers would fail with UnicodeEncodeError, or, since PyMySQL
    encodes with surrogateescape, send bytes that are not UTF-8."""
    if unencodable(sql) is not None:
        raise bad_text(sql, "the statement (SQL text, e.g. a restriction string)")
    values = args.items() if isinstance(args, dict) else enumerate(args or (), 1)
    for place, value in values:
        if isinstance(value, str) and unencodable(value) is not None:
            raise bad_text(value, f"argument {place!r} of the statement {sql[:60]!r}")


class Connection:
    """A session with a database server, or with the embedded SQLite database.

    ``Connection(host, user, password, port=None, init_fun=None, use_tls=None)`` as in
    DataJoint. ``host`` may be "host:port". ``use_tls``: None uses TLS when the server offers
    it, True requires it, False disables it, a dict passes SSL options (e.g. ``{"ca": path}``).
    ``Connection(backend="sqlite", path="lab.sqlite")`` opens an SQLite file; with no backend
    and no host given or configured, that is the default (``dj.config["database.path"]``).
    """

    def __init__(
        self,
        host: str | None = None,
        user: str | None = None,
        password: str | None = None,
        port: int | None = None,
        init_fun: str | None = None,
        use_tls: bool | dict | None = None,
        *,
        backend: str | None = None,
        path: str | None = None,
        charset: str | None = None,
        reconnect: bool | None = None,
        connect_timeout: float = 10,
    ) -> None:
        backend = validate("database.backend", backend) or config.backend(host_given=host is not None)
        self.dialect: Dialect = get_dialect(backend)
        self._driver = _DRIVERS[backend]
        use_tls = validate("database.use_tls", use_tls)
        if backend == "sqlite":
            host, port = "", 0
            path = str(
                Path(validate("database.path", path or config["database.path"])).expanduser().absolute()
            )
        else:
            if port is not None:
                port = validate("database.port", port)
            host, port = split_host(validate("database.host", host or config["database.host"]), port)
            port = port or config["database.port"] or self.dialect.default_port
        self._info = ConnInfo(
            backend=backend,
            path=path or "",
            host=host,
            port=port,
            user=user,
            password=password,
            use_tls=use_tls,
            charset=config["connection.charset"] if charset is None else charset,
            init_command=init_fun,
            connect_timeout=connect_timeout,
        )
        self._reconnect = reconnect
        self._session: Any = None
        self._in_transaction = False
        self._aborted: str | None = None  # why the open transaction was rolled back by the server
        self._connection_id: int | None = None
        self._query_cache: str | None = None
        self.connect()

    # -- identity
    @property
    def conn_info(self) -> dict:
        """Connection parameters as a dict (its repr hides the password)."""
        info = self._info
        return RedactedDict(
            host=info.host,
            port=info.port,
            user=info.user,
            password=info.password,
            passwd=info.password,  # DataJoint 0.14's key
            ssl_input=info.use_tls,
            backend=info.backend,
            path=info.path or None,
        )

    @property
    def backend(self) -> str:
        return self._info.backend

    @property
    def connection_id(self) -> int | None:
        """The server's id of the current session (changes after a reconnect)."""
        return self._connection_id

    @property
    def dependencies(self) -> Dependencies:
        """The foreign-key graph of the schemas used on this connection (a networkx DiGraph,
        as DataJoint 0.14's ``conn.dependencies``)."""
        return dependencies_of(self)

    def __repr__(self) -> str:
        state = "connected" if self._session is not None else "disconnected"
        if self._info.backend == "sqlite":
            return f"DataJoint connection ({state}) sqlite:{self._info.path}"
        return f"DataJoint connection ({state}) {self._info.user}@{self._info.address}"

    # -- session lifecycle
    def connect(self) -> None:
        """Open (or re-open) the session. An open transaction is lost with the old session."""
        if self._in_transaction and self._aborted is None:
            self._aborted = "the session was re-opened with connect()"
        self._close_session()
        info = self._info
        logger.debug("Connecting %s@%s (%s)", info.user, info.address, info.backend)
        try:
            self._session = self._driver.open_session(info)
        except self._driver.DRIVER_ERRORS as err:
            raise self._translate_connect_error(err) from err
        for sql in self.dialect.session_setup:
            try:
                self._driver.execute(self._session, sql, (), False)
            except self._driver.DRIVER_ERRORS as err:
                raise self._translate(err, sql) from err
        self._connection_id = self._driver.session_id(self._session)
        if (info.backend, info.address) not in _ANNOUNCED:  # say plainly which database this is
            _ANNOUNCED.add((info.backend, info.address))
            where = (
                f"the embedded SQLite database {info.path}" if info.backend == "sqlite"
                else f"the {self.dialect.name} server {info.address} as {info.user}"
            )  # fmt: skip
            logger.info("djnb is using %s", where)
        if info.use_tls not in (None, False) and not self.tls_cipher:
            self.close()
            raise TLSError(f"use_tls={info.use_tls!r} but the session with {info.address} is not encrypted.")

    def close(self) -> None:
        """Close the session; a later query re-opens it.

        An open transaction is rolled back by the server and stays open here, lost: the next
        statement raises LostConnectionError rather than run outside it (as in DataJoint 0.14),
        until ``cancel_transaction()`` or the end of the ``with conn.transaction:`` block.
        """
        self._close_session()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def forget_session(self) -> None:
        """In a forked child: drop the inherited session without telling the server.

        The socket belongs to the parent's session; closing it from the child would end the
        parent's session too. The next query here opens a session of the child's own.
        """
        self._session = None
        self._in_transaction = False
        self._aborted = None

    def _close_session(self) -> None:
        if self._session is not None:
            self._driver.close(self._session)
            self._session = None

    @property
    def is_connected(self) -> bool:
        """Whether the session answers (never reconnects)."""
        return self._session is not None and self._driver.ping(self._session)

    def ping(self) -> None:
        """Check the session; re-open it if it dropped and reconnect is on."""
        self.query("SELECT 1")

    @property
    def tls_cipher(self) -> str | None:
        """The TLS cipher of the session, or None if it is not encrypted."""
        row = self.query(*self.dialect.tls_cipher()).fetchone()
        return (row[-1] or None) if row else None

    def password_changed(self, password: str) -> None:
        """Re-open later sessions (reconnects) with ``password``: the account's password was
        changed on the server (``dj.admin.set_password`` calls this)."""
        self._info = replace(self._info, password=password)

    def get_user(self) -> str:
        """The user name and host the server sees (``user@host``)."""
        return self._fetch_value(self.dialect.current_user())

    # -- statements
    def query(
        self,
        sql: str,
        args: Sequence[Any] | dict | None = (),
        *,
        as_dict: bool = False,
        suppress_warnings: bool = True,
        reconnect: bool | None = None,
        formatted: bool = False,
    ) -> Any:
        """Execute one statement with bound ``args`` and return the (buffered) DB-API cursor.

        ``formatted``: the statement was compiled by djnb (literal percent signs written ``%%``).
        With no arguments (``args`` empty; not None), ``%%`` reaches the server as ``%``, as in
        DataJoint 0.14, whose driver formats every statement; a lone ``%`` stays (0.14 fails on it).
        """
        if self._query_cache:  # the cached path comes back here for the statement itself
            return self._cached_query(sql, args, as_dict, formatted)
        if not formatted and args is not None and len(args) == 0 and "%%" in sql:
            sql = sql.replace("%%", "%")
        if not formatted:  # compiled statements bind values the insert and restriction layers checked
            _refuse_bad_text(sql, args)
        return self._run(
            sql, lambda session: self._driver.execute(session, sql, args, as_dict, formatted), reconnect
        )

    def query_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> int:
        """Execute one statement for each row of bound values (batched); returns rows affected.

        A lost session is handled as in ``query`` (see ``_run``): outside a transaction the
        whole batch is retried once on a new session.
        """
        if self._query_cache:
            raise self._refused_by_cache(sql)
        rows = list(rows)
        return self._run(sql, lambda session: self._driver.execute_many(session, sql, rows))

    def _run(self, sql: str, run: Callable[[Any], Any], reconnect: bool | None = None) -> Any:
        """Run ``run(session)``: the one lost-session policy of every statement path.

        Outside a transaction, a lost session is forgotten, re-opened (when ``reconnect``, else
        ``dj.config["database.reconnect"]``, is on) and the statement retried once; if the
        session cannot be re-opened, LostConnectionError names the server and what to check.
        Inside a transaction, the session is forgotten, the transaction marked lost (the server
        rolled it back) and LostConnectionError raised; statements are refused with
        TransactionError until ``cancel_transaction()``. Other errors are translated and raised.
        """
        if self._aborted is not None:
            raise TransactionError(
                f"The open transaction was rolled back by the server ({self._aborted}); "
                "call cancel_transaction() (a `with conn.transaction:` block does it when it ends) "
                "and run the whole transaction again."
            )
        if self._session is None:
            if self._in_transaction:
                raise self._lost_transaction("closed")
            self._reopen("closed", self._reconnects(reconnect))
        try:
            return run(self._session)
        except self._driver.DRIVER_ERRORS as err:
            error = self._translate(err, sql)
            if self._in_transaction and self._aborts_transaction(err, error):
                raise error from err
            if not isinstance(error, LostConnectionError):
                raise error from err
            self._close_session()  # never reuse a dead session: its next error says nothing
            if not self._reconnects(reconnect):
                raise LostConnectionError(error.args[0] + self._RECONNECT_OFF) from err
        self._reopen("lost", True)
        try:
            return run(self._session)
        except self._driver.DRIVER_ERRORS as err:
            error = self._translate(err, sql)
            if isinstance(error, LostConnectionError):
                self._close_session()
            raise error from err

    def _reconnects(self, reconnect: bool | None) -> bool:
        """The statement's ``reconnect``, else the connection's, else dj.config's."""
        if reconnect is not None:
            return reconnect
        return self._reconnect if self._reconnect is not None else config["database.reconnect"]

    _RECONNECT_OFF = (
        ". Reconnecting is off (dj.config['database.reconnect'] or Connection(reconnect=...)); "
        "call conn.connect() to open a new session."
    )

    def _reopen(self, how: str, reconnect: bool) -> None:
        """Open a new session in place of one that was ``how`` (closed, lost)."""
        where = self._where()
        if not reconnect:
            raise LostConnectionError(f"The session with {where} is {how}{self._RECONNECT_OFF}")
        logger.info("The session with %s was %s; reconnecting", where, how)
        try:
            self.connect()
        except DataJointError as err:
            raise LostConnectionError(
                f"The session with {where} was {how} and could not be re-opened: {err}\n"
                + self._what_to_check()
            ) from err

    def _where(self) -> str:
        if self._info.backend == "sqlite":
            return f"the SQLite database {self._info.path}"
        return f"the {self.dialect.name} server {self._info.address}"

    def _what_to_check(self) -> str:
        if self._info.backend == "sqlite":
            return "Check that the database file and its folder exist and are readable and writable."
        return (
            f"Check that the server at {self._info.address} is running and reachable from here "
            "(a restart or network fault), and that its wait_timeout does not end idle sessions early."
        )

    def _lost_transaction(self, how: str) -> LostConnectionError:
        """Forget the session and mark the open transaction lost: its session was ``how``."""
        self._aborted = f"the connection was {how}"
        self._close_session()
        return LostConnectionError(
            f"The session with {self._where()} was {how} inside a transaction: the "
            "transaction was lost (the server rolled it back) and nothing was retried. "
            "Run the whole transaction again; the next statement outside it reconnects (if reconnect is on)."
        )

    # -- the query cache (DataJoint 0.14's; see query_cache.py)
    def set_query_cache(self, query_cache: str | None = None) -> None:
        """Turn the query cache on (a non-empty string naming the cache state) or off (None).

        While it is on, only reading statements run, and their results are read from (and
        written to) files in ``dj.config["query_cache"]``, keyed by the state string, the
        database, the statement and its arguments. Raises TransactionError inside a transaction.
        """
        if query_cache and self._in_transaction:
            raise TransactionError(
                "The query cache cannot be turned on inside a transaction: its results would not "
                "see the transaction's changes. Commit or cancel the transaction first."
            )
        self._query_cache = query_cache

    def purge_query_cache(self) -> None:
        """Delete the cached results in ``dj.config["query_cache"]`` (all states)."""
        query_cache.purge()

    def _cached_query(self, sql: str, args: Any, as_dict: bool, formatted: bool) -> Any:
        if not query_cache.READING.match(sql):
            raise self._refused_by_cache(sql)
        database = f"{self._info.backend}:{self._info.user}@{self._info.address}"
        path = query_cache.folder() / query_cache.key(self._query_cache or "", database, sql, args, as_dict)
        cached = query_cache.load(path)
        if cached is not None:
            return cached
        state, self._query_cache = self._query_cache, None
        try:
            cursor = self.query(sql, args, as_dict=as_dict, formatted=formatted)
        finally:
            self._query_cache = state
        return query_cache.store(path, cursor.fetchall())

    def _refused_by_cache(self, sql: str) -> ArgumentError:
        shown = sql if len(sql) <= 80 else sql[:80] + " ..."
        return ArgumentError(
            f"Only reading statements (SELECT, SHOW) run while the query cache is on "
            f"(conn.set_query_cache({self._query_cache!r})); refused: {shown}\n"
            "Call conn.set_query_cache(None) before changing data."
        )

    def _aborts_transaction(self, err: BaseException, error: DataJointError) -> bool:
        """Mark the open transaction aborted if ``error`` means the server rolled it back."""
        code = self._driver.error_info(err)[0]
        if isinstance(error, LostConnectionError):
            error.args = self._lost_transaction("lost").args
            return True
        if code in self.dialect.transaction_abort_codes:
            self._aborted = f"{type(error).__name__}: {self._driver.error_info(err)[1]}"
            error.args = (error.args[0] + "\nThe server rolled back the whole transaction.",)
            return True
        return False

    def _fetch_value(self, statement: tuple[str, tuple]) -> Any:
        return self.query(*statement).fetchone()[0]

    # -- transactions
    @property
    def in_transaction(self) -> bool:
        return self._in_transaction

    def start_transaction(self) -> None:
        """Begin a transaction; raise TransactionError if one is already open."""
        if self._query_cache:
            raise TransactionError(
                "A transaction cannot start while the query cache is on "
                f"(conn.set_query_cache({self._query_cache!r})): call conn.set_query_cache(None) first."
            )
        if self._in_transaction:
            raise TransactionError(
                "A transaction is already open on this connection and transactions do not nest. "
                "Commit or cancel it first, or do this work inside the open transaction."
            )
        self.query(self.dialect.begin_transaction)
        self._in_transaction = True
        logger.debug("Transaction started")

    def cancel_transaction(self) -> None:
        """Roll back the open transaction (only bookkeeping if the server already did)."""
        was_open, aborted = self._in_transaction, self._aborted
        self._in_transaction, self._aborted = False, None
        if was_open and aborted is None and self._session is not None:
            with suppress(LostConnectionError):
                self.query(self.dialect.rollback_transaction, reconnect=False)
        logger.debug("Transaction cancelled")

    def commit_transaction(self) -> None:
        """Commit the open transaction.

        Raises TransactionError if none is open or the server already rolled it back, and
        LostConnectionError if the session is lost at COMMIT (nothing is retried); if COMMIT
        fails otherwise, the transaction is rolled back and the error raised. Whenever it
        raises, the transaction is over: ``in_transaction`` is False and the next statement
        runs outside a transaction (reconnecting if the session was lost).
        """
        if not self._in_transaction:
            raise TransactionError("commit_transaction() was called but no transaction is open.")
        if self._aborted is None and self._session is None:  # closed inside the transaction
            error = self._lost_transaction("closed")
            self._in_transaction, self._aborted = False, None
            raise error
        if self._aborted is not None:
            reason = self._aborted
            self._in_transaction, self._aborted = False, None
            raise TransactionError(
                f"Nothing was committed: the server rolled the transaction back ({reason})."
            )
        try:
            self.query(self.dialect.commit_transaction)
        except DataJointError:
            self.cancel_transaction()  # lost at COMMIT: only bookkeeping; else a real rollback
            raise
        self._in_transaction = False
        logger.debug("Transaction committed")

    @property
    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """``with conn.transaction:`` commits at the end, rolls back on any exception."""
        self.start_transaction()
        try:
            yield self
        except BaseException:
            self.cancel_transaction()
            raise
        self.commit_transaction()

    # -- the translation seam
    def _translate(self, err: BaseException, sql: str) -> DataJointError:
        code, message = self._driver.error_info(err)
        condition = self._driver.condition(err)
        if condition == self._driver.SESSION_CLOSED or self.dialect.is_lost_connection(code):
            cls: type[DataJointError] = LostConnectionError
        elif condition == self._driver.TLS_FAILED:
            cls = TLSError
        else:
            cls = self.dialect.error_class(code) or QueryError
        message = self.dialect.error_message(code, message)
        text = message if code == -1 else f"{message} ({self.dialect.name} error {code})"
        if cls is LostConnectionError:  # the driver's own text may be empty ("(mysql error 0)")
            text = f"The session with {self._where()} was lost ({message or 'the session is closed'}"
            text += ")" if code in (0, -1) else f", {self.dialect.name} error {code})"
        if issubclass(cls, AccessError) and not issubclass(cls, AuthenticationError):
            text += f". User {self._info.user!r} lacks a privilege; ask an administrator to grant it"
        if issubclass(cls, IntegrityError) and sql:
            with suppress(DataJointError):  # best effort: the catalog says which tables are involved
                text += foreign_key_hint(self, sql)
        if sql and not issubclass(cls, (LostConnectionError, ConnectError)):
            shown = sql if len(sql) <= _MAX_SQL_IN_MESSAGE else sql[:_MAX_SQL_IN_MESSAGE] + " ..."
            text += f"\nStatement: {shown}"
        return cls(text)

    def _translate_connect_error(self, err: BaseException) -> DataJointError:
        code, message = self._driver.error_info(err)
        info = self._info
        cls = self.dialect.error_class(code)
        if cls is AuthenticationError:
            hint = "Check dj.config['database.user'] and ['database.password'] (or DJ_USER, DJ_PASS)."
            if info.password is None:
                hint += " No password is configured."
            return AuthenticationError(f"{message}. {hint}")
        if self._driver.condition(err) == self._driver.TLS_FAILED:
            return TLSError(
                f"Cannot open a TLS session with {info.address}: {message}. "
                "Enable TLS on the server, or set dj.config['database.use_tls'] = None to allow "
                "an unencrypted connection."
            )
        if cls is None or not issubclass(cls, ConnectError):
            error = self._translate(err, info.init_command or "")
            if info.init_command:
                error.args = (error.args[0] + "\n(run at connect from connection.init_function / init_fun)",)
            return error
        return ConnectError(
            f"Cannot connect to the {self.dialect.name} server at {info.address}: {message}. "
            "Check that the server is running and that dj.config['database.host'] / "
            "['database.port'] (or DJ_HOST / DJ_PORT) point to it."
        )
