"""Database sessions: the only package that imports database drivers."""

from __future__ import annotations

from ..errors import MissingCredentialsError
from ..settings import config
from .connection import Connection

__all__ = ["Connection", "conn"]


def conn(
    host: str | None = None,
    user: str | None = None,
    password: str | None = None,
    *,
    init_fun: str | None = None,
    reset: bool = False,
    use_tls: bool | dict | None = None,
) -> Connection:
    """The process-wide connection, opened from ``dj.config`` (and the arguments) on first use.

    As in DataJoint 0.14, once it is open ``conn()`` returns it whatever the arguments say;
    ``reset=True`` opens a fresh one from the arguments and the configuration. The connection
    is also ``dj.conn.connection`` (absent until the first call), as 0.14 code reads it.
    With no host given or configured (and no ``database.backend``), this is the embedded SQLite
    database at ``dj.config["database.path"]``. Credentials are never prompted for: for a
    server without a user this raises MissingCredentialsError.
    """
    existing = getattr(conn, "connection", None)
    if existing is not None and not reset:
        return existing
    user = user if user is not None else config["database.user"]
    init_fun = init_fun if init_fun is not None else config["connection.init_function"]
    if config.backend(host_given=host is not None) == "sqlite":  # the embedded default: no account
        conn.connection = Connection(init_fun=init_fun)
        return conn.connection
    if user is None:
        raise MissingCredentialsError(
            "No database user is configured. Set dj.config['database.user'] and "
            "dj.config['database.password'] (or the environment variables DJ_USER and DJ_PASS), "
            "or pass user= and password= to dj.conn()."
        )
    conn.connection = Connection(
        host if host is not None else config["database.host"],
        user,
        password if password is not None else config["database.password"],
        port=config["database.port"],
        init_fun=init_fun,
        use_tls=use_tls if use_tls is not None else config["database.use_tls"],
    )
    return conn.connection
