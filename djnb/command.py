"""The ``djnb`` command line: ``djnb info`` (version, configuration, connection status),
``djnb demo`` (a small pipeline, end to end) and ``djnb populate`` (a worker); and ``dj.cli``,
DataJoint 0.14's interactive console."""

from __future__ import annotations

import argparse
import code
import importlib
import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path

from .compat import install_as_datajoint
from .connection import Connection
from .demo import run as run_demo
from .errors import ArgumentError, DataJointError
from .schemas import VirtualModule
from .settings import config
from .transfer import copy_schema
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
    try:
        backend = config.backend()
    except DataJointError as err:  # a backend that is not available yet
        return f"FAILED: {err}"
    if backend == "sqlite":
        try:
            connection = Connection()
        except DataJointError as err:
            return f"FAILED: {err}"
        connection.close()
        return f"embedded SQLite database {connection.conn_info['path']} (no database.host configured)"
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


def load_table(target: str) -> type:
    """``package.module:Table`` or ``path/to/file.py:Table`` (``Master.Part`` allowed).

    Raises ``ArgumentError`` when the target is malformed, the file or module does not exist,
    or it has no such table; errors inside the module's own code propagate as they are.
    """
    where, _, name = target.rpartition(":")
    if not where or not name:
        raise ArgumentError(f"{target!r}: write MODULE:Table or FILE.py:Table, e.g. my_pipeline:Activity.")
    if where.endswith(".py"):
        path = Path(where).resolve()
        if not path.is_file():
            raise ArgumentError(f"{target!r}: there is no file {path}.")
        spec = importlib.util.spec_from_file_location(path.stem, path)
        if spec is None or spec.loader is None:
            raise ArgumentError(f"{target!r}: Python cannot load {path}.")
        module = importlib.util.module_from_spec(spec)
        sys.modules[path.stem] = module
        spec.loader.exec_module(module)
    else:
        sys.path.insert(0, str(Path.cwd()))
        try:
            module = importlib.import_module(where)
        except ModuleNotFoundError as err:
            if err.name is None or not where.startswith(err.name):
                raise  # the module exists; something it imports is missing
            raise ArgumentError(
                f"{target!r}: no module {where!r} (run from the folder that holds it, or set PYTHONPATH)."
            ) from None
    table = module
    for part in name.split("."):
        table = getattr(table, part, None)
        if table is None:
            raise ArgumentError(f"{target!r}: {where} has no table {name!r}.")
    return table


def populate_command(args: argparse.Namespace) -> int:
    """Run populate until nothing is left; exit 1 if any key failed (errors are in ~jobs).

    Pipelines written for DataJoint (``import datajoint as dj``) run on djnb as they are: the
    worker installs djnb as ``datajoint`` first (``install_as_datajoint``).
    """
    install_as_datajoint()
    table = load_table(args.target)
    result = table.populate(
        *args.restriction, reserve_jobs=args.reserve_jobs or args.processes > 1, max_calls=args.max_calls,
        processes=args.processes, suppress_errors=True, display_progress=args.progress,
    )  # fmt: skip
    failed = len(result["error_list"])
    print(f"{table.__name__}: {result['success_count']} made, {failed} failed")
    for key, message in result["error_list"][:10]:
        print(f"  {key}: {message}")
    return 1 if failed else 0


def copy_command(args: argparse.Namespace) -> int:
    """Copy schemas from an SQLite file to the configured server (or to another SQLite file)."""
    source = Connection(backend="sqlite", path=args.source or config["database.path"])
    if args.to_sqlite:
        target = Connection(backend="sqlite", path=args.to_sqlite)
    else:
        if config.backend() == "sqlite" and not config["database.backend"]:
            raise DataJointError(
                "No server is configured to copy to: set database.host, database.user and "
                "database.password (or DJ_HOST, DJ_USER, DJ_PASS), or pass --to-sqlite PATH."
            )
        target = Connection(
            config["database.host"], config["database.user"], config["database.password"],
            backend="mysql" if config.backend() == "sqlite" else config.backend(),
        )  # fmt: skip
    for schema in args.schema:
        counts = copy_schema(schema, source_connection=source, target_connection=target)
        print(f"{schema}: {len(counts)} tables, {sum(counts.values())} rows copied to {target!r}")
    return 0


def cli(args: Sequence[str] | None = None) -> None:
    """DataJoint 0.14's console (``dj.cli``): ``-u USER -p PASSWORD -h HOST -s DB:ALIAS ...`` set the
    connection and make a virtual module ``ALIAS`` of each schema ``DB``; then an interactive
    Python prompt (``dj`` and the modules in scope) reads stdin. Ends with ``SystemExit`` as 0.14.

    Raises ``ArgumentError`` for a ``-s`` item not written ``schema:alias``.
    """
    parser = argparse.ArgumentParser(prog="datajoint", description="DataJoint console.", add_help=False)
    parser.add_argument("--help", action="help", help="show this help and exit")
    parser.add_argument("-V", "--version", action="version", version=f"djnb {__version__}")
    parser.add_argument("-u", "--user", help="database user")
    parser.add_argument("-p", "--password", help="database password")
    parser.add_argument("-h", "--host", help="database host[:port]")
    parser.add_argument("-s", "--schemas", nargs="+", default=[], metavar="DB:ALIAS", help="virtual modules")
    options = parser.parse_args(args)
    for key, value in (("user", options.user), ("password", options.password), ("host", options.host)):
        if value:
            config[f"database.{key}"] = value
    modules = {}
    for item in options.schemas:
        database, colon, alias = item.partition(":")
        if not (colon and database and alias.isidentifier()):
            raise ArgumentError(f"-s {item!r}: write SCHEMA:ALIAS, e.g. -s lab_subject:subject.")
        modules[alias] = VirtualModule(alias, database)
    banner = "djnb console (DataJoint 0.14's dj.cli); `dj` is djnb"
    if modules:
        banner += "\nschema modules: " + ", ".join(modules)
    code.interact(banner, local={"dj": importlib.import_module("djnb"), **modules}, exitmsg="")
    raise SystemExit


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="djnb", description="djnb: DataJoint, Jupyter-first.")
    parser.add_argument("--version", action="version", version=f"djnb {__version__}")
    commands = parser.add_subparsers(dest="command")
    info = commands.add_parser("info", help="show version, configuration and connection status")
    info.add_argument("--no-connect", action="store_true", help="do not try to connect")
    work = commands.add_parser("populate", help="populate a table (a worker: start many against one server)")
    work.add_argument("target", help="MODULE:Table or FILE.py:Table")
    work.add_argument(
        "--reserve-jobs", action="store_true", help="claim keys in ~jobs (share work with other workers)"
    )
    work.add_argument("--max-calls", type=int, default=None, help="stop after this many keys")
    work.add_argument("--processes", type=int, default=1, help="worker processes on this machine")
    work.add_argument(
        "--restriction", action="append", default=[], help="SQL restriction of the keys (repeatable)"
    )
    work.add_argument("--progress", action="store_true", help="show a progress bar on stderr")
    move = commands.add_parser(
        "copy-schema", help="copy schemas (tables and rows) from the SQLite file to the configured server"
    )
    move.add_argument("schema", nargs="+", help="schemas to copy, parents' schemas first")
    move.add_argument("--from", dest="source", default=None, help="the SQLite file (default: database.path)")
    move.add_argument("--to-sqlite", default=None, help="copy into this SQLite file instead of the server")
    demo = commands.add_parser(
        "demo", help="declare, fill, populate, query and draw a small example pipeline"
    )
    demo.add_argument("--diagram", default="djnb_demo.svg", help="where to write the pipeline's diagram")
    args = parser.parse_args(argv)
    runners = {
        "copy-schema": copy_command,
        "demo": lambda args: run_demo(sys.stdout, Path(args.diagram)),
        "populate": populate_command,
    }
    if args.command in runners:
        try:
            return runners[args.command](args)
        except DataJointError as err:  # one line for the user; the traceback helps nobody here
            print(f"djnb {args.command}: {err}", file=sys.stderr)
            return 2
    print(render_info(check_connection=not getattr(args, "no_connect", False)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
