"""``%dj`` and ``%%dj``: connect, pick a schema, declare tables from cells, populate, inspect.

Errors arrive as one short message (``UsageError``: no traceback), naming the offending
definition line where there is one.
"""

from __future__ import annotations

import argparse
import getpass
import html
import shlex
import threading
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from IPython.display import HTML
from traitlets import Bool, Int

from ..connection import Connection, conn
from ..diagram import Diagram, tier_and_label
from ..errors import DataJointError
from ..jobs import JobTable
from ..populate import Computed, Imported
from ..schemas import Schema, list_schemas
from ..settings import config
from ..table import FreeTable, Table
from ..tiers import Lookup, Manual, Part
from .progress import PopulateProgress, follow

TIERS = {"manual": Manual, "lookup": Lookup, "imported": Imported, "computed": Computed}
HELP = """%dj subcommands (each also takes --help):
  %dj connect [HOST] [--user U] [--port P] [--sqlite PATH]   open the connection (asks for a password)
  %dj schemas                     list the schemas
  %dj use SCHEMA                  create or open a schema; its tables become classes here
  %dj tables                      the tables of the schema in use, with tiers and row counts
  %dj describe TABLE              a table's definition
  %dj erd [SCHEMA | TABLE]        the pipeline diagram
  %dj populate TABLE [options]    populate with a live progress display (--help for options)
  %dj jobs                        reserved / error / ignored jobs per table, with error messages
  %dj watch TABLE [--timeout S]   follow workers running elsewhere (other processes or machines)
%%dj TIER CLASS [--make FUNCTION] [--contents NAME]   declare a table: the cell is its definition
   (TIER: manual, lookup, imported, computed, or part with CLASS written as Master.Part)"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:
        raise UsageError(f"{self.prog}: {message}\n{self.format_usage().strip()}")

    def exit(self, status: int = 0, message: str | None = None) -> None:  # --help
        raise _Done(message or "")


class _Done(Exception):
    pass


def _parser(prog: str, *arguments: tuple[tuple, dict]) -> _Parser:
    parser = _Parser(prog=prog, add_help=True)
    for names, options in arguments:
        parser.add_argument(*names, **options)
    return parser


@magics_class
class DjMagics(Magics):
    """DataJoint in the notebook (``%load_ext djnb``)."""

    display_limit = Int(12, help="rows shown in previews (dj.config['display.limit'])").tag(config=True)
    follow_interval = Int(1, help="seconds between polls when following workers elsewhere").tag(config=True)
    show_progress = Bool(True, help="%dj populate shows a live progress display").tag(config=True)

    def __init__(self, shell: Any) -> None:
        super().__init__(shell)
        self.schema: Schema | None = None
        self.connection: Connection | None = None
        self.last_progress: PopulateProgress | None = None  # the display of the last followed populate
        self.observe(lambda change: config.__setitem__("display.limit", change["new"]), names="display_limit")

    # -- plumbing
    def _conn(self) -> Connection:
        return self.connection or conn()

    def _schema(self) -> Schema:
        if self.schema is None:
            raise UsageError("No schema in use: run %dj use SCHEMA first.")
        return self.schema

    def _table(self, name: str) -> Any:
        found: Any = self.shell.user_ns
        for part in name.split("."):
            found = found.get(part) if isinstance(found, dict) else getattr(found, part, None)
        if not (isinstance(found, type) and issubclass(found, Table)):
            raise UsageError(f"{name} is not a table class here; %dj use SCHEMA brings a schema's tables in.")
        return found

    @line_magic
    def dj(self, line: str) -> Any:
        """%dj SUBCOMMAND ...: see %dj help."""
        words = shlex.split(line)
        if not words or words[0] in ("help", "-h", "--help"):
            print(HELP)
            return None
        command = getattr(self, f"_cmd_{words[0]}", None)
        if command is None:
            raise UsageError(f"%dj has no subcommand {words[0]!r}.\n{HELP}")
        try:
            return command(words[1:])
        except _Done as done:
            print(str(done) or "")
            return None
        except DataJointError as err:
            raise UsageError(f"{type(err).__name__}: {err}") from None

    # -- subcommands
    def _cmd_connect(self, words: list[str]) -> None:
        args = _parser(
            "%dj connect", (("host",), {"nargs": "?"}), (("--user",), {}), (("--port",), {"type": int}),
            (("--sqlite",), {"metavar": "PATH", "help": "open an SQLite file instead of a server"}),
        ).parse_args(words)  # fmt: skip
        if args.sqlite or (args.host is None and config.backend() == "sqlite"):
            self.connection = Connection(backend="sqlite", path=args.sqlite or config["database.path"])
        else:
            user = args.user or config["database.user"] or input("user: ")
            password = config["database.password"]
            if password is None:
                password = getpass.getpass(f"password for {user}: ")  # asked here, in the notebook layer only
            self.connection = Connection(args.host or config["database.host"], user, password, port=args.port)
        print(self.connection)

    def _cmd_schemas(self, words: list[str]) -> list[str]:
        _parser("%dj schemas").parse_args(words)
        return list_schemas(connection=self._conn())

    def _cmd_use(self, words: list[str]) -> None:
        args = _parser("%dj use", (("schema",), {})).parse_args(words)
        self.schema = Schema(args.schema, connection=self._conn(), context=self.shell.user_ns)
        spawned = self.schema.spawn_missing_classes(context=self.shell.user_ns)
        self.shell.user_ns["schema"] = self.schema
        classes = ", ".join(sorted(spawned)) or "none yet"
        print(f"schema {args.schema!r} in use (bound to `schema`); its tables here: {classes}")

    def _cmd_tables(self, words: list[str]) -> HTML:
        _parser("%dj tables").parse_args(words)
        schema = self._schema()
        rows = []
        for name in schema.list_tables():
            if name.startswith("~"):
                continue
            tier, label = tier_and_label(name)
            rows.append((label, tier, len(self._conn_table(schema, name))))
        body = "".join(f"<tr><td>{html.escape(n)}</td><td>{t}</td><td>{c}</td></tr>" for n, t, c in rows)
        return HTML(f"<table><tr><th>table</th><th>tier</th><th>rows</th></tr>{body}</table>")

    def _conn_table(self, schema: Schema, name: str) -> Any:
        return FreeTable(schema.connection, f"`{schema.database}`.`{name}`")

    def _cmd_describe(self, words: list[str]) -> None:
        args = _parser("%dj describe", (("table",), {})).parse_args(words)
        print(self._table(args.table)().describe())

    def _cmd_erd(self, words: list[str]) -> Diagram:
        args = _parser("%dj erd", (("what",), {"nargs": "?"})).parse_args(words)
        if args.what is None:
            return Diagram(self._schema())
        if args.what in list_schemas(connection=self._conn()):
            return Diagram(
                Schema(args.what, connection=self._conn(), create_schema=False, create_tables=False)
            )
        return Diagram(self._table(args.what))

    def _cmd_populate(self, words: list[str]) -> dict:
        args = _parser(
            "%dj populate", (("table",), {}), (("--reserve-jobs",), {"action": "store_true"}),
            (("--max-calls",), {"type": int}), (("--processes",), {"type": int, "default": 1}),
            (("--restriction",), {"action": "append", "default": []}),
            (("--stop-on-error",), {"action": "store_true", "help": "raise the first error (default: list them)"}),
        ).parse_args(words)  # fmt: skip
        table = self._table(args.table)
        options = dict(reserve_jobs=args.reserve_jobs or args.processes > 1, max_calls=args.max_calls,
                       suppress_errors=not args.stop_on_error, display_progress=self.show_progress)  # fmt: skip
        if args.processes > 1:  # the workers are other processes: follow them through the tables
            return self._populate_following(table, args, options)
        result = table.populate(*args.restriction, **options)
        print(f"{table.__name__}: {result['success_count']} made, {len(result['error_list'])} failed")
        return result

    def _populate_following(self, table: Any, args: argparse.Namespace, options: dict) -> dict:
        stop, watcher = threading.Event(), Connection(**_same_database(table.connection))
        jobs = JobTable(watcher, table.database)  # the watcher's own session: sessions are not shared
        target = FreeTable(watcher, table.full_table_name)
        total = len(table.key_source)

        def count() -> tuple[int, int]:
            return total - len(target), total

        def errors() -> list[dict]:
            return list(jobs.errors(table.table_name))

        self.last_progress = PopulateProgress(f"populate {table.__name__}")
        thread = threading.Thread(
            target=follow,
            args=(count, errors, "", self.follow_interval, stop, self.last_progress),
            daemon=True,
        )

        thread.start()
        try:
            result = table.populate(
                *args.restriction, processes=args.processes, **{**options, "display_progress": False}
            )
        finally:
            stop.set()
            thread.join(timeout=10)
            watcher.close()
        print(f"{table.__name__}: {result['success_count']} made, {len(result['error_list'])} failed")
        return result

    def _cmd_watch(self, words: list[str]) -> PopulateProgress:
        args = _parser(
            "%dj watch", (("table",), {}),
            (("--timeout",), {"type": float, "default": None, "help": "stop following after this many seconds"}),
        ).parse_args(words)  # fmt: skip
        table = self._table(args.table)
        stop = threading.Event()
        if args.timeout is not None:
            threading.Timer(args.timeout, stop.set).start()
        total = len(table.key_source)
        jobs = JobTable(table.connection, table.database)
        self.last_progress = follow(
            lambda: (total - len(table()), total), lambda: list(jobs.errors(table.table_name)),
            f"workers of {table.__name__}", self.follow_interval, stop,
        )  # fmt: skip
        stop.set()
        return self.last_progress

    def _cmd_jobs(self, words: list[str]) -> HTML:
        _parser("%dj jobs").parse_args(words)
        jobs = self._schema().jobs
        summary = jobs.summary()
        rows = "".join(
            f"<tr><td>{html.escape(name)}</td><td>{c['reserved']}</td><td>{c['error']}</td><td>{c['ignore']}</td></tr>"
            for name, c in sorted(summary.items())
        )
        errors = "".join(
            f"<li><code>{html.escape(e['table_name'])}</code> {html.escape(str(e['key']))}: "
            f"{html.escape(e['error_message'])}</li>"
            for e in jobs.errors()
        )
        return HTML(
            "<table><tr><th>table</th><th>reserved</th><th>error</th><th>ignore</th></tr>"
            f"{rows}</table>" + (f"<p>errors:</p><ul>{errors}</ul>" if errors else "")
        )

    # -- the cell magic
    @cell_magic("dj")
    def dj_cell(self, line: str, cell: str) -> Any:
        """%%dj TIER CLASS [--make FUNCTION] [--contents NAME]: declare a table from the cell."""
        try:
            args = _parser(
                "%%dj", (("tier",), {"choices": [*TIERS, "part"]}), (("name",), {}),
                (("--make",), {"help": "a function make(self, key) defined here"}),
                (("--contents",), {"help": "a list of rows defined here (lookup tables)"}),
            ).parse_args(shlex.split(line))  # fmt: skip
        except _Done as done:
            print(str(done))
            return None
        schema = self._schema()
        try:
            self._declare(schema, args, cell)  # the class is in the namespace; nothing to show
        except DataJointError as err:
            raise UsageError(f"{type(err).__name__}: {err}") from None

    def _declare(self, schema: Schema, args: argparse.Namespace, definition: str) -> type:
        space = self.shell.user_ns
        if args.tier == "part":
            master_name, _, part_name = args.name.rpartition(".")
            master = self._table(master_name)
            cls = type(part_name, (Part,), {"definition": definition})
            setattr(master, part_name, cls)
            schema(master, context=space)
            return cls
        body: dict[str, Any] = {"definition": definition, "__module__": "__main__"}
        if args.make:
            body["make"] = space[args.make]
        elif args.tier in ("imported", "computed"):
            body["make"] = _make_missing
        if args.contents:
            body["contents"] = space[args.contents]
        cls = type(args.name, (TIERS[args.tier],), body)
        schema(cls, context=space)
        space[args.name] = cls
        return cls


def _make_missing(self: Any, key: dict) -> None:
    name = type(self).__name__
    raise DataJointError(
        f"{name} has no make() yet: define `def make(self, key): ...` in a cell and attach it with "
        f"`{name}.make = make` (or declare with %%dj computed {name} --make make)."
    )


def _same_database(connection: Connection) -> dict:
    info = connection.conn_info
    if info["backend"] == "sqlite":
        return {"backend": "sqlite", "path": info["path"]}
    return {"host": info["host"], "user": info["user"], "password": info["password"], "port": info["port"]}
