"""Schemas: the ``@schema`` decorator, activation, virtual modules, the ``~log`` table.

A class's definition is resolved in an explicit namespace: the ``context`` given to the
schema, else the module the class was defined in, plus every class this schema has seen and
``add_objects``. Names are never resolved from caller frames; the one frame read is
``spawn_missing_classes()`` without a context, which places classes in its caller's namespace
as DataJoint 0.14 does.
"""

from __future__ import annotations

import getpass
import logging
import platform
import sys
import types
from collections import ChainMap
from collections.abc import Callable, Mapping
from typing import Any

from . import catalog, hooks
from .connection import Connection, conn
from .dependencies import dependencies_of
from .errors import DataJointError
from .insert import insert_rows
from .jobs import JobTable
from .naming import to_camel_case
from .populate import Computed, Imported
from .settings import config
from .stores import ExternalMapping, external_mapping
from .table import FreeTable, Table, class_names, describe_table, refuse_drop
from .tiers import Lookup, Manual, Part, tier_of
from .version import __version__

logger = logging.getLogger("djnb")

LOG_DEFINITION = """# event logging table for `{schema}`
id       :int unsigned auto_increment     # event order id
---
timestamp = CURRENT_TIMESTAMP : timestamp # event timestamp
version  :varchar(12)                     # datajoint version
user     :varchar(255)                    # user@host
host=""  :varchar(255)                    # system hostname
event="" :varchar(255)                    # event message
"""


class LogTable(FreeTable):
    """``~log``: the schema's event log (DataJoint 0.14's ``Log``), a table that is also callable.

    ``log(event)`` adds a row (user, host, version, event); the table is declared on first use
    unless ``skip_logging`` (a schema that may not create tables). ``delete()`` and ``drop()``
    act at once, without cascade or questions, as 0.14's do.
    """

    def __init__(self, connection: Connection, database: str, skip_logging: bool = False) -> None:
        super().__init__(connection, f"`{database}`.`~log`")
        self.skip_logging = skip_logging
        self._definition = LOG_DEFINITION.format(schema=database)
        if not skip_logging and not self.is_declared:
            self.declare({})

    @property
    def definition(self) -> str:  # type: ignore[override]
        """The ``~log`` layout of DataJoint 0.14 for this schema."""
        return self._definition

    def __call__(self, event: str, skip_logging: bool | None = None) -> None:
        """Add ``event`` (cut to 255 characters); a failure is logged, never raised (as 0.14)."""
        if self.skip_logging if skip_logging is None else skip_logging:
            return
        node = platform.node()
        dialect = self.connection.dialect
        sql = dialect.insert(self.full_table_name, ["version", "user", "host", "event"])
        try:
            self.connection.query(
                sql,
                (
                    f"{__version__}djnb"[:12],
                    f"{getpass.getuser()}@{node}"[:255],
                    node[:255],
                    str(event)[:255],
                ),
            )
        except DataJointError as err:
            logger.warning("Could not log the event %r in %s: %s", event, self.full_table_name, err)

    def delete(self) -> int:  # type: ignore[override]
        """Delete the (restricted) rows at once; returns how many."""
        return self.delete_quick(get_count=True)

    def drop(self) -> None:  # type: ignore[override]
        """Drop ``~log`` at once."""
        self.drop_quick()


class Schema:
    """A database schema and the table classes declared in it."""

    def __init__(
        self,
        schema_name: str | None = None,
        context: Mapping[str, Any] | None = None,
        *,
        connection: Connection | None = None,
        create_schema: bool = True,
        create_tables: bool = True,
        add_objects: Mapping[str, Any] | None = None,
    ) -> None:
        self.database: str | None = None
        self.context = dict(context) if context is not None else None
        self.connection = connection
        self.create_schema, self.create_tables = create_schema, create_tables
        self.add_objects = dict(add_objects or {})
        self._classes: dict[str, type[Table]] = {}
        self._pending: list[type[Table]] = []
        self._log: LogTable | None = None
        if schema_name is not None:
            self.activate(schema_name)

    # -- activation
    def activate(
        self,
        schema_name: str | None = None,
        *,
        connection: Connection | None = None,
        create_schema: bool | None = None,
        create_tables: bool | None = None,
        add_objects: Mapping[str, Any] | None = None,
    ) -> None:
        """Bind to a database schema (creating it if allowed) and declare any waiting classes."""
        if schema_name is None:
            if self.database is None:
                raise DataJointError("Schema.activate() needs a schema name.")
            return
        if self.database is not None and schema_name != self.database:
            raise DataJointError(f"This schema is already activated as `{self.database}`.")
        self.connection = connection or self.connection or conn()
        if create_schema is not None:
            self.create_schema = create_schema
        if create_tables is not None:
            self.create_tables = create_tables
        self.add_objects.update(add_objects or {})
        self.database = schema_name
        if not catalog.schema_exists(self.connection, schema_name):
            if not self.create_schema:
                raise DataJointError(
                    f"Schema `{schema_name}` does not exist and create_schema=False. Create it, or pass create_schema=True."
                )
            self.connection.query(*self.connection.dialect.create_schema(schema_name))
        dependencies_of(self.connection).load([schema_name])
        if self.create_tables:
            self._declare_log()
        pending, self._pending = self._pending, []
        for cls in pending:
            self._process(cls, None)

    @property
    def is_activated(self) -> bool:
        return self.database is not None

    def __repr__(self) -> str:
        return f"Schema `{self.database}`" if self.database else "Schema (not activated)"

    # -- the decorator
    def __call__(self, cls: type[Table] | None = None, *, context: Mapping[str, Any] | None = None) -> Any:
        if cls is None:
            return lambda c: self(c, context=context)
        if not (isinstance(cls, type) and issubclass(cls, Table)):
            raise DataJointError(f"@schema decorates table classes (dj.Manual, dj.Lookup, ...); got {cls!r}.")
        if issubclass(cls, Part):
            raise DataJointError(
                f"Part table {cls.__name__} is declared through its master: nest it inside the master class."
            )
        if self.database is None:
            self._pending.append(cls)
        else:
            self._process(cls, context)
        return cls

    def namespace(self, cls: type | None = None, context: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Where names in definitions are looked up."""
        space: dict[str, Any] = {}
        if context is not None:
            space.update(context)
        elif self.context is not None:
            space.update(self.context)
        elif cls is not None and cls.__module__ in sys.modules:
            space.update(vars(sys.modules[cls.__module__]))
        space.update(self._classes)
        space.update(self.add_objects)
        return space

    def _process(self, cls: type[Table], context: Mapping[str, Any] | None) -> None:
        cls.database, cls._connection = self.database, self.connection
        cls._heading = None
        self._classes[cls.__name__] = cls
        space = self.namespace(cls, context)
        space[cls.__name__] = cls
        cls._context = space
        instance = cls()
        if self.create_tables and not instance.is_declared:
            instance.declare(space)
            self.log(f"Declared {cls.full_table_name}")
        parts = [p for p in vars(cls).values() if isinstance(p, type) and issubclass(p, Part)]
        for part in parts:
            part.master = cls
            part.database, part._connection, part._heading = self.database, self.connection, None
            part._context = {**space, "master": cls}
            if self.create_tables and not part().is_declared:
                part().declare(part._context)
                self.log(f"Declared {part.full_table_name}")
        if issubclass(cls, Lookup) and self.create_tables:
            insert_contents(instance, instance.contents)  # from an instance: a property works

    # -- the ~log table
    def _declare_log(self) -> None:
        self._log = LogTable(self.connection, self.database, skip_logging=not self.create_tables)

    @property
    def log(self) -> LogTable:
        """The schema's ``~log`` table: queryable like any table, and callable to add an event.

        As in DataJoint 0.14: ``schema.log.fetch()``, ``schema.log & 'event LIKE "Declared%"'``,
        ``schema.log("my event")``. A schema that may not create tables writes no events.
        """
        self._require()
        if self._log is None or self._log.connection is not self.connection:
            self._log = LogTable(self.connection, self.database, skip_logging=not self.create_tables)
        return self._log

    # -- inspection
    @property
    def external(self) -> ExternalMapping:
        """``schema.external[store]``: the store's tracking table (``used``, ``unused``, ``delete``)."""
        self._require()
        return external_mapping(self.connection, self.database)

    @property
    def jobs(self) -> JobTable:
        """The schema's ``~jobs`` table (created on first use)."""
        self._require()
        return JobTable(self.connection, self.database)

    @property
    def size_on_disk(self) -> int:
        """Bytes of data and indexes of all the schema's tables, hidden ones included (as 0.14)."""
        self._require()
        return sum(
            status.data_length + status.index_length
            for status in (
                catalog.load_status(self.connection, self.database, table)
                for table in catalog.list_tables(self.connection, self.database)
            )
        )

    @property
    def exists(self) -> bool:
        return self.database is not None and catalog.schema_exists(self.connection, self.database)

    def list_tables(self) -> list[str]:
        """Table names in the schema (hidden ``~`` tables left out), parents before children."""
        self._require()
        order = dependencies_of(self.connection)
        order.load([self.database])
        names = set(catalog.list_tables(self.connection, self.database))
        ranked = [
            n.split("`.`")[1].rstrip("`")
            for n in order.topological_order()
            if n.startswith(f"`{self.database}`.")
        ]
        ranked += sorted(names - set(ranked))
        return [n for n in ranked if n in names and not n.startswith("~")]

    def _require(self) -> None:
        if self.database is None:
            raise DataJointError("The schema is not activated: call schema.activate('name').")

    # -- classes for existing tables
    def spawn_missing_classes(self, context: dict[str, Any] | None = None) -> dict[str, type[Table]]:
        """Make classes for tables that have none yet and put them into ``context``.

        Without ``context``: the schema's own ``context`` if it has one, else the caller's local
        namespace, as DataJoint 0.14 does: the module's at the top of a module or notebook, the
        function's ``locals()`` inside a function, the class body's inside a class statement.
        Returns the new classes.
        """
        self._require()
        if context is None:
            # The one sanctioned read of a caller's frame (0.14 compatibility; ARCHITECTURE.md
            # principle 6 forbids it elsewhere): it only places classes, never resolves names.
            context = self.context if self.context is not None else sys._getframe(1).f_locals
        spawned = spawn_classes(self, existing=set(self._classes) | set(context), context=context)
        context.update(spawned)
        return spawned

    # -- code
    @property
    def code(self) -> str:
        """A Python module that re-declares this schema (parents first, parts inside masters)."""
        self._require()
        classes = dict(self._classes)
        classes.update(spawn_classes(self, existing=set(classes)))  # tables without classes here
        names = class_names(classes)
        imports: dict[str, str] = {}  # other schema -> module alias for its virtual module
        graph = dependencies_of(self.connection)
        for key in graph.keys:
            schema = key.parent.split("`.`")[0].strip("`")
            if (
                key.child.startswith(f"`{self.database}`.")
                and schema != self.database
                and key.parent not in names
            ):
                alias = imports.setdefault(schema, f"vmod{len(imports)}")
                table = key.parent.split("`.`")[1].strip("`")
                names[key.parent] = f"{alias}.{to_camel_case(tier_of(table)[1])}"
        lines = ["import djnb as dj", ""]
        lines += [f"{alias} = dj.VirtualModule({alias!r}, {schema!r})" for schema, alias in imports.items()]
        lines += ["", f"schema = dj.Schema({self.database!r})", ""]
        by_table = {cls.table_name: cls for cls in classes.values()}
        for table_name in self.list_tables():
            cls = by_table.get(table_name)
            if cls is None:
                continue  # a part: written inside its master
            lines += [
                "",
                "@schema",
                f"class {cls.__name__}(dj.{_tier_name(cls)}):",
                *_definition_lines(cls(), names, "    "),
            ]
            for part_name, part in vars(cls).items():
                if isinstance(part, type) and issubclass(part, Part):
                    text = describe_table(part(), {**names, cls.full_table_name: "master"})
                    lines += ["", f"    class {part_name}(dj.Part):", *_definition_block(text, "        ")]
        return "\n".join(lines).strip() + "\n"

    def save(self, python_filename: str | None = None) -> str:
        """Write ``code`` to ``python_filename`` (default ``<schema>.py``); returns the file name."""
        filename = python_filename or f"{self.database}.py"
        with open(filename, "w") as handle:  # noqa: PTH123 (a plain text file)
            handle.write(self.code)
        return filename

    def drop(self, force: bool = False, confirm: Callable[[str], bool] | None = None) -> bool:
        """Drop the whole schema (all its tables). Asks first unless ``force`` or safemode is off.

        Checked first: while a table of another schema refers to one of its tables, nothing is
        dropped (IntegrityError naming the referencing tables).
        """
        self._require()
        if not self.exists:
            logger.info("Schema `%s` does not exist: nothing to drop.", self.database)  # as 0.14
            return False
        tables = [f"`{self.database}`.`{t}`" for t in catalog.list_tables(self.connection, self.database)]
        refuse_drop(self.connection, tables, f"drop the schema `{self.database}`")
        if config["safemode"] and not force:
            plan = "\n".join(
                f"  {name}: {len(FreeTable(self.connection, f'`{self.database}`.`{name}`'))} rows"
                for name in self.list_tables()
            )
            question = f"Drop the schema `{self.database}` with all its tables and data?\n{plan}\nProceed?"
            instead = (
                "call schema.drop(force=True), set dj.config['safemode'] = False, "
                "or pass drop(confirm=lambda question: True)"
            )
            if not hooks.ask(question, confirm, action=f"Drop of schema `{self.database}`", instead=instead):
                return False
        self.connection.query(*self.connection.dialect.drop_schema(self.database))
        graph = dependencies_of(self.connection)
        graph.schemas.discard(self.database)
        graph.load()
        for cls in self._classes.values():
            cls._heading = None
        return True


def _tier_name(cls: type[Table]) -> str:
    return next(t.__name__ for t in (Lookup, Manual, Imported, Computed) if issubclass(cls, t))


def _definition_lines(table: Table, names: Mapping[str, str], indent: str) -> list[str]:
    return _definition_block(describe_table(table, names), indent)


def _definition_block(text: str, indent: str) -> list[str]:
    body = "".join(f"{indent}{line}\n" for line in text.splitlines())
    return [f'{indent}definition = """', *body.rstrip("\n").split("\n"), f'{indent}"""']


def spawn_classes(
    schema: Schema, existing: set[str], context: Mapping[str, Any] | None = None
) -> dict[str, type[Table]]:
    """Classes (with their parts) for the schema's tables, named as DataJoint names them.

    Their names (adapters, as in 0.14) resolve in the schema's namespace, then in ``context``
    (the namespace they are placed into, read live: a module's dict, a virtual module's).
    """
    classes: dict[str, type[Table]] = {}
    space: Any = schema.namespace()
    if context is not None:
        space = ChainMap(space, context)
    masters: dict[str, type[Table]] = {}
    for table_name in schema.list_tables():
        master_name, _, part_name = (
            table_name.partition("__") if not table_name.startswith("_") else _split_part(table_name)
        )
        if part_name:
            master = masters.get(master_name)
            if master is None:
                continue
            part = _make_class(to_camel_case(part_name), Part, schema, space)
            part.master = master
            setattr(master, part.__name__, part)
            continue
        tier, snake = tier_of(table_name)
        tier = {"Imported": Imported, "Computed": Computed}.get(tier.__name__, tier)
        name = to_camel_case(snake)
        cls = schema._classes.get(name) if name in existing else None
        if cls is None:
            cls = _make_class(name, tier, schema, space)
            classes[name] = cls
            schema._classes[name] = cls
            space[name] = cls
        masters[table_name] = cls
    return classes


def _split_part(table_name: str) -> tuple[str, str, str]:
    """``__stats__channel`` -> (``__stats``, ``__``, ``channel``) for prefixed masters."""
    prefix = len(table_name) - len(table_name.lstrip("_#"))
    master, sep, part = table_name[prefix:].partition("__")
    return table_name[:prefix] + master, sep, part


def _make_class(name: str, tier: type[Table], schema: Schema, space: Mapping[str, Any]) -> type[Table]:
    cls = type(name, (tier,), {"__module__": __name__})
    cls.database, cls._connection, cls._context = schema.database, schema.connection, space
    return cls


def insert_contents(table: Table, contents: Any) -> None:
    """Insert a Lookup's ``contents``, skipping rows already there.

    As in DataJoint 0.14, ``contents`` may be any iterable of rows (tuples, dicts, records): a
    list, a generator, a property computing them, a numpy record array or a DataFrame. None or
    an empty iterable inserts nothing; so does a table with at least as many rows as the
    contents (0.14's rule: importing a module needs no write once the rows are in).
    """
    if contents is None:
        return
    if not (isinstance(contents, list | tuple) or hasattr(contents, "dtype") or hasattr(contents, "columns")):
        contents = list(contents)  # a generator or other one-pass iterable
    if len(contents) and len(contents) > len(table):
        insert_rows(table, contents, skip_duplicates=True)


class VirtualModule(types.ModuleType):
    """A module whose attributes are classes for every table of an existing schema."""

    def __init__(
        self,
        module_name: str,
        schema_name: str,
        *,
        create_schema: bool = False,
        create_tables: bool = False,
        connection: Connection | None = None,
        add_objects: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(module_name)
        schema = Schema(
            schema_name, connection=connection, create_schema=create_schema, create_tables=create_tables,
            add_objects=add_objects,
        )  # fmt: skip
        self.schema = schema
        for name, value in (add_objects or {}).items():
            setattr(self, name, value)
        # as in 0.14, the module's own namespace is the classes' context: adapters set on the
        # module later are found too
        schema.spawn_missing_classes(context=vars(self))


def create_virtual_module(
    module_name: str,
    schema_name: str,
    *,
    create_schema: bool = False,
    create_tables: bool = False,
    connection: Connection | None = None,
    add_objects: Mapping[str, Any] | None = None,
) -> VirtualModule:
    """DataJoint's function form of VirtualModule."""
    return VirtualModule(
        module_name, schema_name, create_schema=create_schema, create_tables=create_tables,
        connection=connection, add_objects=add_objects,
    )  # fmt: skip


def list_schemas(connection: Connection | None = None) -> list[str]:
    """Names of the schemas on the server the user can see."""
    return catalog.list_schemas(connection or conn())


__all__ = ["FreeTable", "Schema", "VirtualModule", "create_virtual_module", "list_schemas"]
