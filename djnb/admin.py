"""Account and session administration: DataJoint 0.14's ``datajoint.admin``.

``set_password`` changes the current user's password (MariaDB and MySQL 5.7/8 alike: each
server is sent the statement form it accepts, the password always a bound value).
``kill`` lists the server's other sessions and ends those the user confirms; ``kill_quick``
ends them all without asking. The core never prompts: questions go through ``djnb.hooks``
(a terminal prompt from ``djnb.console``, a widget in Jupyter, or a ``confirm=`` callback).
Passwords never appear in messages, errors or logs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from . import hooks
from .connection import Connection, conn
from .errors import ArgumentError, DataJointError, QueryError, QuerySyntaxError
from .settings import LOCAL_CONFIG, MASK, config, logger

__all__ = ["kill", "kill_quick", "logger", "set_password"]

KILL_INSTEAD = "call dj.kill_quick(restriction), or pass kill(confirm=lambda question: True)"


def set_password(
    new_password: str | None = None,
    connection: Connection | None = None,
    update_config: bool | None = None,
) -> None:
    """Change the password of the connected user (``dj.conn()`` unless ``connection`` is given).

    ``new_password=None`` asks for it twice through ``hooks.secret`` (hidden input), as 0.14
    does; ArgumentError if nobody can answer or the two answers differ. ``update_config``:
    True also stores it in ``dj.config["database.password"]`` and saves ./dj_local_conf.json;
    None asks first (as 0.14); False leaves the settings alone. Raises ArgumentError on SQLite
    (no accounts) and a QueryError subclass (password masked) when the server refuses.
    """
    connection = conn() if connection is None else connection
    version = connection.dialect.server_version()
    statements = connection.dialect.set_password(connection.query(*version).fetchone()[0]) if version else ()
    if not statements:
        raise ArgumentError(
            f"set_password() needs a database server; {connection!r} is the embedded SQLite "
            "database, which has no user accounts or passwords."
        )
    if new_password is None:
        new_password = _ask_new_password()
    if not isinstance(new_password, str) or not new_password:
        raise ArgumentError("set_password(new_password=...) takes a non-empty string.")
    failure = _run_first_accepted(connection, statements, new_password)
    if failure is not None:
        raise failure
    connection.password_changed(new_password)  # a reconnect must log in with the new one
    logger.info("Password updated for %s.", connection.get_user())
    question = f"Store the new password in {LOCAL_CONFIG} (dj.config['database.password'])?"
    if update_config is None:
        update_config = hooks.answer(question)
        if update_config is None:  # the password has changed; only the local setting is left out
            logger.warning(
                "The new password was NOT stored in %s: nobody could answer whether to. "
                "Call set_password(..., update_config=True) to store it.",
                LOCAL_CONFIG,
            )
    if update_config:
        config["database.password"] = new_password
        config.save_local(verbose=True)


def _ask_new_password() -> str:
    if hooks.secret is None:
        raise ArgumentError(
            "set_password() was called without new_password and nobody can be asked for it "
            "(no terminal): pass set_password(new_password=...)."
        )
    first, second = hooks.secret("New password"), hooks.secret("Confirm the new password")
    if not first or first != second:
        raise ArgumentError("The two passwords typed differ (or are empty); the password was not changed.")
    return first


def _run_first_accepted(
    connection: Connection, statements: Sequence[str], password: str
) -> DataJointError | None:
    """Run the first statement form the server accepts; the error (password masked) if none.

    A form the server cannot parse makes way for the next; any other refusal ends the attempt.
    A syntax error's text is never shown: the server quotes the statement there, password
    included (possibly cut short, so it cannot be masked reliably). The error returned is new
    (raised outside any ``except``), so no exception chained to it holds the password.
    """
    tried: list[str] = []
    for sql in statements:
        try:
            connection.query(sql, (password,))
            return None
        except QuerySyntaxError:
            tried.append(f"`{sql}` is not understood by this server")
            kind: type[DataJointError] = QuerySyntaxError
        except QueryError as err:
            tried.append(_masked(str(err), password))
            kind = type(err)
            break
    user = connection.conn_info.get("user")
    return kind(f"The server refused to change the password of {user!r}:\n" + "\n".join(tried))


def _masked(text: str, secret: str) -> str:
    """``text`` with ``secret`` masked, as given and as the server quotes it in statements."""
    quoted = secret
    for plain, escaped in (
        ("\\", "\\\\"),
        ("'", "\\'"),
        ('"', '\\"'),
        ("\n", "\\n"),
        ("\r", "\\r"),
        ("\0", "\\0"),
    ):
        quoted = quoted.replace(plain, escaped)
    for form in (secret, quoted, secret.replace("'", "''")):
        text = text.replace(form, MASK)
    return text


def _processes(
    connection: Connection, restriction: str | None, order_by: str | Sequence[str] | None
) -> list[dict]:
    if restriction is not None and not isinstance(restriction, str):
        raise ArgumentError(
            f"kill(restriction=...) is SQL over the process list's columns (ID, USER, HOST, DB, COMMAND, "
            f"TIME, STATE, INFO), e.g. 'TIME > 600'; got {type(restriction).__name__}."
        )
    if order_by is not None and not isinstance(order_by, str):
        order_by = ", ".join(order_by)
    statement = connection.dialect.process_list(restriction, order_by or "id")
    if statement is None:
        raise ArgumentError(
            f"kill() needs a database server; {connection!r} is the embedded SQLite database, "
            "which has no server sessions."
        )
    rows = connection.query(*statement, as_dict=True).fetchall()
    return [{str(name).lower(): value for name, value in row.items()} for row in rows]


def _describe(process: dict) -> str:
    info = process.get("info") or ""
    info = info if len(info) <= 60 else info[:60] + "..."
    return (
        f"{process['id']} {process.get('user')}@{process.get('host')} db={process.get('db')} "
        f"{process.get('command')} {process.get('time')}s {process.get('state') or ''} {info}".rstrip()
    )


def _end(connection: Connection, process_id: int) -> bool:
    """End one session; False (logged) if it had already ended."""
    try:
        connection.query(*connection.dialect.kill_process(process_id))
    except QueryError:
        if any(process["id"] == process_id for process in _processes(connection, None, None)):
            raise
        logger.warning("Database session %s was not found; it has ended.", process_id)
        return False
    return True


def kill(
    restriction: str | None = None,
    connection: Connection | None = None,
    order_by: str | Sequence[str] | None = None,
    *,
    confirm: Callable[[str], bool] | None = None,
) -> list[int]:
    """List the server's other sessions and end each one the user confirms; returns their ids.

    ``restriction`` is SQL over the process list (``'TIME > 600'``, ``'HOST LIKE "%compute%"'``);
    ``order_by`` a column or a list of them (default ``id``). 0.14 shows a table and reads ids
    from the keyboard; djnb asks about each session in turn through ``confirm`` (or the
    installed ``hooks.confirm``). With nobody to answer (0.14: ``EOFError``), raises
    ``ConfirmationError`` (sessions not yet confirmed are left alone); ``kill_quick`` ends
    sessions without asking.
    """
    connection = conn() if connection is None else connection
    ended = []
    for process in _processes(connection, restriction, order_by):
        question = f"End this database session?\n  {_describe(process)}"
        action = f"Ending database session {process['id']}"
        if hooks.ask(question, confirm, action=action, instead=KILL_INSTEAD) and _end(
            connection, process["id"]
        ):
            ended.append(process["id"])
    return ended


def kill_quick(restriction: str | None = None, connection: Connection | None = None) -> int:
    """End every other server session matching ``restriction``, without asking; returns how
    many were ended (as 0.14)."""
    connection = conn() if connection is None else connection
    return sum(_end(connection, process["id"]) for process in _processes(connection, restriction, None))
