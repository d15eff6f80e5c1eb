"""Connection parameters, with the password kept out of every repr."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import ConfigError


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

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


def split_host(host: str, port: int | None, default_port: int) -> tuple[str, int]:
    """Accept "host", "host:port" or "[ipv6]:port"; a port in ``host`` wins over ``port``."""
    name, sep, tail = host.rpartition(":")
    if sep and tail.isdigit() and (name.count(":") == 0 or name.endswith("]")):
        return name.strip("[]"), int(tail)
    if sep and not tail.isdigit() and host.count(":") == 1:
        raise ConfigError(
            f"Database host {host!r} has a port that is not a number. "
            'Write it as "host:3306" or set dj.config["database.port"].'
        )
    return host.strip("[]"), port or default_port


class RedactedDict(dict):
    """A dict whose repr masks the password (``Connection.conn_info``, as in DataJoint)."""

    def __repr__(self) -> str:
        shown = {k: ("********" if k in ("password", "passwd") and v else v) for k, v in self.items()}
        return repr(shown)

    __str__ = __repr__
