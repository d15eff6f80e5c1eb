"""The ``djnb`` command line: ``djnb info`` (version, configuration, connection status)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .connection import Connection
from .errors import DataJointError
from .settings import config
from .version import __version__


def render_info(check_connection: bool = True) -> str:
    """Version, settings (secrets masked, with their source) and connection status as text."""
    lines = [f"djnb {__version__} (Python {sys.version.split()[0]})"]
    if config.loaded_from:
        lines.append(f"configuration file: {config.loaded_from}")
    else:
        lines.append("configuration file: none (./dj_local_conf.json or ~/.datajoint_config.json)")
    for problem in config.problems:
        lines.append(f"warning: {problem}")
    width = max(map(len, config))
    for key, value in config.redacted().items():
        lines.append(f"  {key:<{width}} = {value!r}  [{config.source(key)}]")
    if check_connection:
        lines.append("connection: " + _connection_status())
    return "\n".join(lines)


def _connection_status() -> str:
    if config["database.user"] is None:
        return "not configured (set database.user / DJ_USER to connect to a server)"
    try:
        connection = Connection(
            config["database.host"],
            config["database.user"],
            config["database.password"],
            port=config["database.port"],
            use_tls=config["database.use_tls"],
            connect_timeout=3,
        )
    except DataJointError as err:
        return f"failed: {err}"
    cipher = connection.tls_cipher
    status = f"ok, {connection.get_user()} on {connection.conn_info['host']}:{connection.conn_info['port']}"
    status += f", TLS {cipher}" if cipher else ", not encrypted"
    connection.close()
    return status


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="djnb", description="djnb: DataJoint, Jupyter-first.")
    parser.add_argument("--version", action="version", version=f"djnb {__version__}")
    commands = parser.add_subparsers(dest="command")
    info = commands.add_parser("info", help="show version, configuration and connection status")
    info.add_argument("--no-connect", action="store_true", help="do not try to connect")
    args = parser.parse_args(argv)
    if args.command in (None, "info"):
        print(render_info(check_connection=not getattr(args, "no_connect", False)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
