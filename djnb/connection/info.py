"""Connection parameters, with the password kept out of every repr."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..settings import redact


@dataclass(frozen=True)
class ConnInfo:
    backend: str
    host: str
    port: int
    user: str | None
    password: str | None = field(default=None, repr=False)
    use_tls: bool | dict | None = None
    charset: str = ""
    init_command: str | None = None
    connect_timeout: float = 10
    path: str = ""  # the database file of an embedded backend (SQLite)

    @property
    def address(self) -> str:
        if self.backend == "sqlite":
            return self.path
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


class RedactedDict(dict):
    """A dict whose repr masks the password (``Connection.conn_info``, as in DataJoint)."""

    def __repr__(self) -> str:
        return repr({key: redact(key, value) for key, value in self.items()})

    __str__ = __repr__
