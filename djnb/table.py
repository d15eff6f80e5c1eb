"""Base tables: naming, declaration, headings, describe, dependencies, drop.

Names in definitions resolve by lookup in an explicit namespace (the schema's context: the
decorated class's module, the schema's own classes, ``add_objects``), never by ``eval``.
"""

from __future__ import annotations

import difflib
import inspect
import logging
import re
import weakref
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from . import catalog, hooks
from .connection import Connection
from .definition import classify_type, parse_definition
from .definition.spec import AttributeSpec, ForeignKeySpec
from .dependencies import Dependencies, dependencies_of, describe_references, referencing_keys
from .errors import DataJointError, DefinitionError, IntegrityError, MissingDefinitionError
from .expression import QueryExpression
from .heading import Heading
from .insert import insert_rows, update_row
from .naming import from_camel_case
from .settings import config
from .sql.ddl import ResolvedParent, compile_alter, compile_create_table
from .sql.nodes import Node, Relation

logger = logging.getLogger("djnb")


# Class attributes that act on an instance, so that ``Session.fetch()`` works as in DataJoint.
CLASS_LEVEL = frozenset({
    "fetch", "fetch1", "proj", "aggr", "join", "restrict", "head", "tail", "describe", "alter",
    "parents", "children", "ancestors", "descendants", "parts", "drop", "drop_quick", "keys",
    "to_dicts", "to_pandas", "to_arrays", "make_sql", "size_on_disk", "is_declared",
    "connection", "node", "insert", "insert1", "update1", "delete", "delete_quick",
    "populate", "progress", "key_source", "aggregate",
})  # fmt: skip


_MISSING = object()


#: class -> the CLASS_LEVEL names it was found to have (getattr_static is slow, and table classes
#: call these on every insert1; only presence is remembered, so a name assigned later is found)
_FOUND: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _has_static(cls: type, name: str) -> bool:
    found = _FOUND.get(cls)
    if found is not None and name in found:
        return True
    if inspect.getattr_static(cls, name, _MISSING) is _MISSING:
        return False
    _FOUND.setdefault(cls, set()).add(name)
    return True


class TableMeta(type):
    """Lets the class itself act as its table: ``Session & key``, ``Session.fetch()``."""

    def __getattribute__(cls, name: str) -> Any:
        if name in CLASS_LEVEL:
            if not _has_static(cls, name):
                # only what the class really has (0.14: no populate on a Manual table): the
                # instance explains where such a name lives
                return getattr(cls(), name)
            if type.__getattribute__(cls, "_connection") is None:
                # Not in a schema (yet): a property has no table to run on, so the class gives
                # the property itself, as any class does. help() and pydoc rely on it.
                descriptor = inspect.getattr_static(cls, name, None)
                if isinstance(descriptor, property):
                    return descriptor
            return getattr(cls(), name)
        return super().__getattribute__(name)

    def __and__(cls, other: Any) -> Any:
        return cls() & other

    def __sub__(cls, other: Any) -> Any:
        return cls() - other

    def __mul__(cls, other: Any) -> Any:
        return cls() * other

    def __rmul__(cls, other: Any) -> Any:
        return other * cls()

    def __matmul__(cls, other: Any) -> Any:
        return cls() @ other

    def __xor__(cls, other: Any) -> Any:
        return cls() ^ other

    def __add__(cls, other: Any) -> Any:
        return cls() + other

    def __len__(cls) -> int:
        return len(cls())

    def __bool__(cls) -> bool:  # a class is always true: ``if cls`` (pydoc, help) runs no query
        return True

    def __iter__(cls) -> Any:
        return iter(cls())

    def __contains__(cls, key: Any) -> bool:
        return key in cls()

    @property
    def table_name(cls) -> str:
        return cls._name()

    @property
    def full_table_name(cls) -> str:
        if cls.database is None:
            raise DataJointError(f"Class {cls.__name__} is not in a schema yet: decorate it with @schema.")
        return f"`{cls.database}`.`{cls.table_name}`"

    @property
    def heading(cls) -> Heading:
        return cls()._load_heading()

    @property
    def primary_key(cls) -> list[str]:
        return cls.heading.primary_key


class Table(QueryExpression, metaclass=TableMeta):
    """A base table. Tiers (Manual, Lookup, ...) and FreeTable build on it."""

    database: str | None = None
    tier_prefix: str = ""
    _connection: Connection | None = None
    _context: Mapping[str, Any] | None = None
    _heading: Heading | None = None

    def __init__(self) -> None:
        """Tables are addressed through their class; instances carry no state of their own."""

    @property
    def definition(self) -> str:
        """The table's definition; a table class sets it (a string, or a property giving one).

        Raises MissingDefinitionError, also a ``NotImplementedError`` as in DataJoint 0.14, for a
        class that does not.
        """
        raise MissingDefinitionError(
            f"{type(self).__name__} has no definition: give the class a `definition` string "
            '(e.g. definition = """\n    id : int\n    """).'
        )

    # -- names
    @classmethod
    def _name(cls) -> str:
        return cls.tier_prefix + from_camel_case(cls.__name__)

    @property
    def table_name(self) -> str:
        """The table's name in its schema, e.g. ``__stats`` (DataJoint's naming)."""
        return type(self).table_name

    @property
    def full_table_name(self) -> str:
        """```schema`.`table```; the class must be in a schema."""
        return type(self).full_table_name

    @property
    def _sql_name(self) -> str:
        """The table as its connection's dialect names it in SQL."""
        return self.connection.dialect.table_name(self.database, self.table_name)

    @property
    def connection(self) -> Connection:
        """The connection of the table's schema."""
        if self._connection is None:
            raise DataJointError(f"{type(self).__name__} has no connection: decorate the class with @schema.")
        return self._connection

    @property
    def node(self) -> Relation:
        """The query tree of the whole table."""
        return Relation(self.full_table_name, self.heading)

    def _derive(self, node: Node) -> QueryExpression:
        return QueryExpression(node, self.connection, self._context)

    @property
    def _query_context(self) -> Mapping[str, Any] | None:
        """Names (adapters) for fetching from the table itself: its declaration context."""
        return type(self)._context

    # -- heading
    def _load_heading(self) -> Heading:
        cls = type(self)
        if cls._heading is None:
            cls._heading = catalog.load_heading(self.connection, self.database, self.table_name)
        return cls._heading

    @property
    def heading(self) -> Heading:
        """The table's attributes, keys and indexes, read from the server once."""
        return self._load_heading()

    @property
    def primary_key(self) -> list[str]:
        """Names of the primary-key attributes, in order."""
        return self.heading.primary_key

    @property
    def is_declared(self) -> bool:
        """Whether the table exists in the schema."""
        return self.table_name in catalog.list_tables(self.connection, self.database)

    @property
    def size_on_disk(self) -> int:
        """Bytes used by the table's data and indexes."""
        status = catalog.load_status(self.connection, self.database, self.table_name)
        return status.data_length + status.index_length

    @property
    def external(self) -> Any:
        """The schema's external stores, ``table.external[store]`` (as ``schema.external``)."""
        if hooks.external_mapping is None:
            raise DataJointError("External stores are unavailable: djnb.stores is not loaded.")
        return hooks.external_mapping(self.connection, self.database)

    def forget_heading(self) -> None:
        type(self)._heading = None

    # -- declaration
    def declare(self, context: Mapping[str, Any] | None = None) -> list[str]:
        """Create the table from ``definition``; returns the external stores it uses."""
        spec = parse_definition(self.definition, table=self.full_table_name)
        context = self._context if context is None else context
        parents = [self._resolve(fk, context or {}) for fk in spec.foreign_keys]
        try:
            declaration = compile_create_table(
                self.database, self.table_name, spec, parents, self.connection.dialect,
                lambda attr: self._adapter_type(attr, context or {}), classify_type,
                hidden_timestamp=bool(config["add_hidden_timestamp"]),
            )  # fmt: skip
        except DefinitionError as err:
            err.table = self.full_table_name
            raise DefinitionError(err.problem, line_no=err.line_no, column=err.column, line=err.line,
                                  hint=err.hint, table=self.full_table_name) from None  # fmt: skip
        for store in declaration.stores:
            declare_external_table(self.connection, self.database, store)
        self.connection.query(declaration.sql)
        self.forget_heading()
        dependencies_of(self.connection).load([self.database])
        return list(declaration.stores)

    def _resolve(self, fk: ForeignKeySpec, context: Mapping[str, Any]) -> ResolvedParent:
        target = self._lookup(fk, context)
        parent = target() if isinstance(target, type) else target
        heading = parent.heading
        keys = {a.name: a for a in heading.all_attributes if a.in_key}
        for _, old in fk.renames:
            if old not in keys:
                raise DefinitionError(
                    f"{fk.ref}.proj() renames `{old}`, which is not in {fk.ref}'s primary key",
                    line_no=fk.source.line_no, column=1, line=fk.source.line,
                    hint=f"{fk.ref}'s primary key: {', '.join(keys)}.", table=self.full_table_name,
                )  # fmt: skip
        return ResolvedParent(fk, parent.full_table_name, tuple(keys.values()))

    def _lookup(self, fk: ForeignKeySpec, context: Mapping[str, Any]) -> Any:
        if fk.ref == "master" and getattr(type(self), "master", None) is not None:
            return type(self).master
        head, *rest = fk.ref.split(".")
        # ``-> self.upstream``: as in 0.14, ``self`` names the class being declared
        found = type(self) if head == "self" and "self" not in context else context.get(head)
        for part in rest:
            found = getattr(found, part, None)
        if (isinstance(found, type) and issubclass(found, Table)) or isinstance(found, Table):
            return found
        names = [
            n for n, v in context.items() if isinstance(v, type) and issubclass(v, Table) and v is not Table
        ]
        close = difflib.get_close_matches(fk.ref, names, n=1)
        raise DefinitionError(
            f"unknown table `{fk.ref}` in a foreign key",
            line_no=fk.source.line_no, column=fk.source.line.find(head) + 1, line=fk.source.line,
            hint=(f"Did you mean {close[0]}? " if close else "")
            + "Declare the parent first and make it visible in the schema's context.",
            table=self.full_table_name,
        )  # fmt: skip

    def _adapter_type(self, attr: AttributeSpec, context: Mapping[str, Any]) -> str:
        adapter = context.get(attr.adapter or "")
        attribute_type = getattr(adapter, "attribute_type", None)
        if not isinstance(attribute_type, str) or not attribute_type:
            problem, hint = (
                (f"the attribute adapter `{attr.adapter}` sets no attribute_type",
                 "Set attribute_type in its class, e.g. attribute_type = 'longblob'.")
                if adapter is not None
                else (f"no attribute adapter named `{attr.adapter}` in the schema's context",
                      f"Define `{attr.adapter} = MyAdapter()` (a dj.AttributeAdapter) where the schema can see it.")
            )  # fmt: skip
            raise DefinitionError(
                problem,
                line_no=attr.source.line_no, column=attr.source.line.find("<") + 1, line=attr.source.line,
                hint=hint,
                table=self.full_table_name,
            )  # fmt: skip
        return attribute_type

    # -- dependencies
    def _graph(self) -> Dependencies:
        graph = dependencies_of(self.connection)
        if self.full_table_name not in graph.nodes:
            graph.load([self.database])
        return graph

    def _related(self, keys: Iterable, as_objects: bool, foreign_key_info: bool, end: str) -> list:
        result = []
        for key in keys:
            name = getattr(key, end)
            item: Any = FreeTable(self.connection, name) if as_objects else name
            result.append((item, key.info()) if foreign_key_info else item)
        return result

    def parents(
        self, primary: bool | None = None, as_objects: bool = False, foreign_key_info: bool = False
    ) -> list:
        return self._related(
            self._graph().parent_keys(self.full_table_name, primary), as_objects, foreign_key_info, "parent"
        )

    def children(
        self, primary: bool | None = None, as_objects: bool = False, foreign_key_info: bool = False
    ) -> list:
        return self._related(
            self._graph().child_keys(self.full_table_name, primary), as_objects, foreign_key_info, "child"
        )

    def ancestors(self, as_objects: bool = False) -> list:
        """This table and the tables it depends on, children before parents (as 0.14)."""
        names = self._graph().ancestors(self.full_table_name)
        return [FreeTable(self.connection, n) for n in names] if as_objects else names

    def descendants(self, as_objects: bool = False) -> list:
        names = self._graph().descendants(self.full_table_name)
        return [FreeTable(self.connection, n) for n in names] if as_objects else names

    def parts(self, as_objects: bool = False) -> list:
        prefix = self.full_table_name[:-1] + "__"
        names = [n for n in self.descendants() if n.startswith(prefix)]
        return [FreeTable(self.connection, n) for n in names] if as_objects else names

    # -- describe
    def describe(self, context: Mapping[str, Any] | None = None, printout: bool = False) -> str:
        """A definition that re-declares this table (foreign keys by class name where known)."""
        from_context = self._context if context is None else context
        text = describe_table(self, class_names(from_context or {}))
        if printout:
            logger.info("\n%s", text)  # the core logs; it never prints
        return text

    # -- data
    def insert(
        self,
        rows: Any,
        replace: bool = False,
        skip_duplicates: bool = False,
        ignore_extra_fields: bool = False,
        allow_direct_insert: bool | None = None,
    ) -> None:
        """Insert rows (dicts, sequences, records, a DataFrame, or a query), all or nothing."""
        if self.tier_prefix.startswith("_") and not (
            allow_direct_insert or getattr(self, "_allow_insert", False)
        ):
            raise DataJointError(
                f"{type(self).__name__} is auto-populated: its rows come from make() during populate(). "
                "Pass allow_direct_insert=True to insert directly."
            )
        insert_rows(
            self,
            rows,
            replace=replace,
            skip_duplicates=skip_duplicates,
            ignore_extra_fields=ignore_extra_fields,
        )

    def insert1(self, row: Any, **options: Any) -> None:
        """Insert one row."""
        self.insert([row], **options)

    def update1(self, row: Mapping[str, Any]) -> None:
        """Change secondary attributes of one existing row, given with its full primary key."""
        update_row(self, row)

    # -- alter
    def alter(
        self,
        prompt: bool = True,
        context: Mapping[str, Any] | None = None,
        confirm: Callable[[str], bool] | None = None,
    ) -> str | None:
        """Change the table to match ``definition``: comment and secondary attributes.

        Data in unchanged attributes is kept. With ``prompt`` and safemode on, the SQL is shown
        through ``confirm`` (or the installed prompt) before it runs. Returns the SQL, or None.
        """
        space = self._context if context is None else context
        # the current definition, with parents under placeholder names: only attributes matter
        placeholders = {name: f"Parent{n}" for n, name in enumerate(self.parents())}
        old = parse_definition(describe_table(self, placeholders))
        new = parse_definition(self.definition, table=self.full_table_name)
        current = sorted(
            _fk_signature(info["attr_map"], info["primary"])
            for _, info in self.parents(foreign_key_info=True)
        )
        wanted = sorted(
            _fk_signature(self._resolve(fk, space or {}).attribute_map(), fk.in_key)
            for fk in new.foreign_keys
        )
        if current != wanted:
            raise DefinitionError(
                "alter() cannot change foreign keys",
                hint="Only the table comment and secondary attributes can be altered; declare a new table for the rest.",
                table=self.full_table_name,
            )
        sql = compile_alter(
            self.database, self.table_name, old, new, self.connection.dialect,
            lambda attr: self._adapter_type(attr, space or {}), classify_type,
        )  # fmt: skip
        if sql is None:
            return None
        instead = (
            "call alter(prompt=False), set dj.config['safemode'] = False, "
            "or pass alter(confirm=lambda question: True)"
        )
        if (
            prompt
            and config["safemode"]
            and not hooks.ask(f"{sql}\nExecute?", confirm, action="Alter", instead=instead)
        ):
            return None
        self.connection.query(sql)
        self.forget_heading()
        return sql

    # -- drop
    def drop_quick(self) -> None:
        """Drop this table alone (no dependents, no questions).

        Refused (IntegrityError naming the referencing tables, nothing dropped) while tables of
        any schema refer to it.
        """
        refuse_drop(self.connection, [self.full_table_name], f"drop {self.full_table_name}")
        self.connection.query(f"DROP TABLE IF EXISTS {self.full_table_name}")
        logger.info("Dropped table %s", self.full_table_name)  # as 0.14
        self.forget_heading()
        dependencies_of(self.connection).load()

    def drop(self, confirm: Callable[[str], bool] | None = None) -> bool:
        """Drop this table and every table that depends on it, children first.

        With ``safemode`` on, ``confirm`` (or the installed prompt) is asked first with the list.
        The cascade stays in this table's schema: if a table of another schema refers to one of
        these, nothing is dropped (IntegrityError naming it; drop that table first).
        """
        self._graph().load()
        own = f"`{self.database}`."
        names = [name for name in self.descendants() if name.startswith(own)]
        refuse_drop(self.connection, names, f"drop {self.full_table_name}")
        if config["safemode"]:
            plan = "\n".join(f"  {n}: {len(FreeTable(self.connection, n))} rows" for n in names)
            question = f"About to drop:\n{plan}\nProceed?"
            instead = "set dj.config['safemode'] = False, or pass drop(confirm=lambda question: True)"
            if not hooks.ask(question, confirm, action=f"Drop of {self.full_table_name}", instead=instead):
                return False
        for name in reversed(names):
            self.connection.query(f"DROP TABLE IF EXISTS {name}")
            logger.info("Dropped table %s", name)  # as 0.14
        self.forget_heading()
        dependencies_of(self.connection).load()
        return True


def refuse_drop(connection: Connection, tables: Iterable[str], action: str) -> None:
    """Raise IntegrityError (naming them) if tables outside ``tables`` refer to any of them."""
    keys = referencing_keys(connection, tables)
    if keys:
        children = ", ".join(dict.fromkeys(key.child for key in keys))
        raise IntegrityError(
            f"Cannot {action}: other tables refer to it and nothing was dropped.\n"
            f"{describe_references(keys)}\nDrop {children} first (their rows refer to the rows that would go)."
        )


def _fk_signature(attr_map: Mapping[str, str], primary: bool) -> tuple:
    return tuple(sorted(attr_map.items())), primary


class FreeTable(Table):
    """A table addressed by its full name, with no class of its own."""

    def __init__(self, connection: Connection, full_table_name: str) -> None:
        match = re.fullmatch(r"`?([^`.]+)`?\.`?([^`]+)`?", full_table_name)
        if match is None:
            raise DataJointError(f"{full_table_name!r} is not a full table name like `schema`.`table`.")
        self.database, self._free_name = match.groups()
        self._connection = connection
        self._free_heading: Heading | None = None

    @property
    def table_name(self) -> str:
        return self._free_name

    @property
    def full_table_name(self) -> str:
        return f"`{self.database}`.`{self._free_name}`"

    def _load_heading(self) -> Heading:
        if self._free_heading is None:
            self._free_heading = catalog.load_heading(self.connection, self.database, self._free_name)
        return self._free_heading

    def forget_heading(self) -> None:
        self._free_heading = None


def class_names(context: Mapping[str, Any]) -> dict[str, str]:
    """full table name -> the name to write in a definition (``Master.Part`` for parts)."""
    found: dict[str, str] = {}
    for name, value in context.items():
        if (
            isinstance(value, type)
            and issubclass(value, Table)
            and value.database
            and not name.startswith("_")
        ):
            found.setdefault(value.full_table_name, name)
            for part_name, part in vars(value).items():
                if isinstance(part, type) and issubclass(part, Table) and part_name[:1].isupper():
                    found.setdefault(part.full_table_name, f"{name}.{part_name}")
    return found


def describe_table(table: Table, names: Mapping[str, str]) -> str:
    """DataJoint's describe(): foreign keys where their attributes end, then the rest."""
    heading = table.heading
    lines = [f"# {heading.table_comment}"] if heading.table_comment else []
    parents = table.parents(foreign_key_info=True)
    indexes = {index.attributes: index for index in heading.secondary_indexes}
    seen: set[str] = set()
    emitted: set[int] = set()
    in_key = True
    for attribute in heading.all_attributes:
        if in_key and not attribute.in_key:
            lines.append("---")
            in_key = False
        seen.add(attribute.name)
        if attribute.is_hidden:
            continue  # e.g. the hidden timestamp: not part of the definition (as 0.14)
        inherited = False
        for number, (parent, info) in enumerate(parents):
            if attribute.name not in info["attr_map"]:
                continue
            inherited = True
            if number in emitted or not seen.issuperset(info["attr_map"]):
                continue
            emitted.add(number)
            # like DataJoint, options come from the index on the foreign-key attributes, if any
            index = indexes.pop(tuple(info["attr_map"]), None)
            options = []
            if index is not None and index.unique:
                options.append("unique")
            if index is not None and any(heading[a].nullable for a in info["attr_map"]):
                options.append("nullable")
            props = f" [{', '.join(options)}]" if options else ""
            ref = names.get(parent, parent)
            if info["aliased"]:
                renames = ",".join(f'{new}="{old}"' for new, old in info["attr_map"].items() if new != old)
                ref = f"{ref}.proj({renames})"
            lines.append(f"->{props} {ref}")
        if not inherited:
            lines.append(attribute.definition_line())  # padded exactly as DataJoint pads it
    if lines and lines[-1] == "---":  # only hidden attributes follow the primary key
        lines.pop()
    for index in indexes.values():
        lines.append(f"{'UNIQUE ' if index.unique else ''}INDEX ({', '.join(index.attributes)})")
    return "\n".join(lines) + "\n"


EXTERNAL_DEFINITION = """# external storage tracking
hash : uuid    #  hash of contents (blob), of filename + contents (attach), or relative filepath (filepath)
---
size      :bigint unsigned     # size of object in bytes
attachment_name=null : varchar(255)  # the filename of an attachment
filepath=null : varchar(1000)  # relative filepath or attachment filename
contents_hash=null : uuid      # used for the filepath datatype
timestamp=CURRENT_TIMESTAMP  :timestamp   # automatic timestamp
"""


def declare_external_table(connection: Connection, schema: str, store: str) -> None:
    """``~external_<store>`` in DataJoint 0.14's layout (needs the store in dj.config['stores'])."""
    if store not in (config["stores"] or {}):
        raise DataJointError(
            f"External store {store!r} is not configured. Add dj.config['stores'][{store!r}] = "
            "{'protocol': 'file', 'location': '/path'} (or an s3 store) before declaring the table."
        )
    spec = parse_definition(EXTERNAL_DEFINITION)
    declaration = compile_create_table(
        schema, f"~external_{store}", spec, [], connection.dialect, lambda a: "", classify_type,
        hidden_timestamp=bool(config["add_hidden_timestamp"]),
    )  # fmt: skip
    connection.query(declaration.sql)
