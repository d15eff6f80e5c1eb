"""User-facing queries: DataJoint's algebra over immutable query nodes, and fetch.

``q & cond``, ``q - cond``, ``q * other``, ``q @ other``, ``q ^ cond``, ``q.proj(...)``,
``q.aggr(...)``, ``q + other``, ``dj.U(...)``, ``dj.Top(...)``. Each operation builds a new
node; SQL is compiled only when rows are needed, with every value bound as a parameter.
"""

from __future__ import annotations

import numbers
import re
from collections import ChainMap
from collections.abc import Iterator
from dataclasses import dataclass, fields, replace
from typing import Any

from . import delete as deleting
from . import fetch as fetching
from .connection import Connection
from .errors import ArgumentError, ArgumentTypeError, DataJointError, MissingMethodError
from .heading import Heading
from .render.preview import BLOB, Preview, render_html, render_text
from .settings import config
from .sql.compiler import Compiler, compile_count, compile_query
from .sql.conditions import TRUE, Not, UniversalSet, bad_text, normalize, unencodable
from .sql.expression_types import column_type
from .sql.nodes import Aggregate, Distinct, Join, Node, Project, Promote, Relation, Restrict, Union
from .sql.nodes import Top as TopNode

#: ``new="old"`` renames, ``new="(old)"`` copies (the parentheses keep ``old`` in the result)
RENAME = re.compile(r"^\s*(?:([A-Za-z_][A-Za-z0-9_]*)|\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*\))\s*$")
#: SQL words that ``proj(x="NULL")`` computes rather than renames (as 0.14)
SQL_CONSTANTS = frozenset({"NULL", "TRUE", "FALSE", "CURRENT_TIMESTAMP", "UNKNOWN"})
#: names that only auto-populated tables have (0.14's AutoPopulate)
AUTO_POPULATE_NAMES = frozenset({"populate", "progress", "key_source"})


@dataclass(frozen=True)
class Top:
    """``q & dj.Top(limit, order_by, offset)``: the first rows in an order.

    As in 0.14: ``limit`` an integer or None (all rows), ``order_by`` an attribute (``"KEY"``,
    ``"name DESC"``) or a list of them (empty or None: ``"KEY"``), ``offset`` an integer (None: 0).
    Other types raise ArgumentTypeError (also a TypeError, which 0.14 raises).
    """

    limit: int | None = 1
    order_by: str | tuple[str, ...] | list[str] | None = "KEY"
    offset: int = 0

    def __post_init__(self) -> None:
        order = self.order_by or "KEY"
        items = (order,) if isinstance(order, str) else order
        if not isinstance(items, (list, tuple)) or not all(isinstance(item, str) for item in items):
            raise ArgumentTypeError(
                f"dj.Top(order_by=...) takes an attribute name or a list of them, e.g. 'KEY' or "
                f"['name DESC', 'KEY']; got {self.order_by!r}."
            )
        limit, offset = check_window("dj.Top", self.limit, self.offset)
        object.__setattr__(self, "limit", limit)
        object.__setattr__(self, "order_by", tuple(items))
        object.__setattr__(self, "offset", offset)


def check_window(place: str, limit: Any, offset: Any) -> tuple[int | None, int]:
    """``(limit, offset)`` as ints after checking them for ``place`` (``"dj.Top"``, ``"fetch"``).

    ``limit`` is None (all rows) or an integer >= 0; ``offset`` None (0) or an integer >= 0.
    A wrong type raises ArgumentTypeError (also a TypeError, as 0.14's ``dj.Top``); a negative
    number raises ArgumentError (0.14 sends it to the server, which rejects the SQL).
    """
    for label, value in (("limit", limit), ("offset", offset)):
        if value is None:
            continue
        if not isinstance(value, numbers.Integral) or isinstance(value, bool):
            raise ArgumentTypeError(
                f"{place}({label}=...) takes an integer{' or None' if label == 'limit' else ''}; got {value!r}."
            )
        if value < 0:
            raise ArgumentError(
                f"{place}({label}={value}): a {label} counts rows and cannot be negative; "
                f"use 0 or more{' (None for all rows)' if label == 'limit' else ''}."
            )
    return (None if limit is None else int(limit)), int(offset or 0)


Pairs = tuple[tuple[str, str], ...]


def _split_named(named: dict[str, str]) -> tuple[Pairs, set[str], Pairs]:
    """proj()'s keyword arguments as ``(renames, moved, computed)``.

    As 0.14: ``new="old"`` (a bare name, any case, not an SQL constant) renames and
    ``new="(old)"`` copies, both kept in ``renames`` as ``(new, old)``; ``moved`` holds the
    sources of true renames (not copies). Any other value is an SQL expression:
    ``computed`` holds ``(new, expression)``.
    """
    renames, moved, computed = [], set(), []
    for new, value in named.items():
        if not isinstance(value, str):
            raise ArgumentError(
                f"proj({new}=...) takes an attribute name or an SQL expression; got {value!r}."
            )
        _refuse_bad_text(new, value, "proj")
        match = RENAME.match(value)
        old = match and (match.group(1) or match.group(2))
        if old and old.upper() not in SQL_CONSTANTS:
            renames.append((new, old))
            if match.group(1):
                moved.add(old)
        else:
            computed.append((new, value))
    return tuple(renames), moved, tuple(computed)


def _refuse_bad_text(name: str, expression: str, method: str) -> None:
    """InvalidValueError for an SQL expression with a character UTF-8 cannot encode."""
    if isinstance(expression, str) and unencodable(expression) is not None:
        raise bad_text(expression, f"the expression of {method}({name}=...)")


def _fetch1_message(node: Node, count: int) -> str:
    """Why fetch1() found ``count`` (0 or 2, i.e. more than one) rows, naming what it read."""
    tables: list[str] = []
    pending = [node]
    while pending:  # the base tables the query reads, in order
        current = pending.pop(0)
        if isinstance(current, Relation):
            tables += [current.full_name] if current.full_name not in tables else []
        pending += [
            getattr(current, f.name)
            for f in fields(current)
            if isinstance(getattr(current, f.name, None), Node)
        ]
    source = ", ".join(tables) or "the query"
    if count == 0 and isinstance(node, Relation):
        return f"fetch1() needs exactly one row, but table {source} is empty."
    if count == 0:
        return (
            f"fetch1() needs exactly one row, but the query on {source} has none: its restriction "
            "matches no rows. Check the key or condition (a typo, a row not inserted yet)."
        )
    what = f"table {source}" if isinstance(node, Relation) else f"the query on {source}"
    return (
        f"fetch1() needs exactly one row, but {what} has more than one. Restrict it to one row, "
        "e.g. (Table & key).fetch1(), or use fetch() for several."
    )


def node_of(obj: Any) -> Node | None:
    """The query node behind a query object or table class (None for anything else)."""
    if isinstance(obj, QueryExpression):
        return obj.node
    if isinstance(obj, type) and issubclass(obj, QueryExpression):
        return obj().node
    return None


class QueryExpression:
    """A query: a node plus the connection that will run it."""

    _node: Node | None = None
    _query_connection: Connection | None = None
    _query_context: Any = None

    def __init__(self, node: Node, connection: Connection, context: Any = None) -> None:
        self._node, self._query_connection, self._query_context = node, connection, context

    # -- what it is
    @property
    def node(self) -> Node:
        return self._node

    @property
    def connection(self) -> Connection:
        return self._query_connection

    @property
    def heading(self) -> Heading:
        return self.node.heading

    @property
    def primary_key(self) -> list[str]:
        return self.heading.primary_key

    def _typed(self, heading: Heading) -> Heading:
        """``heading`` with the types of computed attributes inferred, on engines that do not
        type them (SQLite), so that they decode as MySQL's driver returns them."""
        dialect = self.connection.dialect
        if not dialect.infers_expression_types or all(
            a.category != "EXPRESSION" for a in heading.all_attributes
        ):
            return heading
        return heading.with_attributes(
            tuple(
                replace(a, sql_type=column_type(self.node, a.name) or "") if a.category == "EXPRESSION" else a
                for a in heading.all_attributes
            )
        )

    def _derive(self, node: Node) -> QueryExpression:
        return QueryExpression(node, self.connection, self._query_context)

    def make_sql(self) -> str:
        """The SQL of this query, with placeholders (parameters are bound when it runs)."""
        return compile_query(self.node, self.connection.dialect)[0].replace(
            "%%", "%"
        )  # as the server sees it

    # -- algebra
    def restrict(self, condition: Any, permissive: bool = False) -> QueryExpression:
        if not permissive:
            self._check_semijoin(condition)
        if isinstance(condition, Top):
            return self._derive(TopNode(self.node, condition.limit, condition.order_by, condition.offset))
        if isinstance(condition, Not) and isinstance(condition.condition, Top):
            raise ArgumentError("dj.Top cannot be negated.")
        normalized = normalize(condition, self.heading, node_of)
        if normalized == TRUE:  # e.g. q & dj.U('a'), q & {}, q - []: the same rows
            return self._derive(self.node)
        return self._derive(Restrict(self.node, normalized))

    def __and__(self, condition: Any) -> QueryExpression:
        return self.restrict(condition)

    def __sub__(self, condition: Any) -> QueryExpression:
        return self.restrict(Not(condition))

    def __xor__(self, condition: Any) -> QueryExpression:
        """DataJoint 0.14's permissive restriction: by a query even on secondary namesakes."""
        return self.restrict(condition, permissive=True)

    def _check_semijoin(self, condition: Any) -> None:
        inner = condition.condition if isinstance(condition, Not) else condition
        other = node_of(inner)
        if other is None:
            return
        clash = [
            n
            for n in self.heading.names
            if n in other.heading and not self.heading[n].in_key and not other.heading[n].in_key
        ]
        if clash:
            raise DataJointError(
                f"Cannot restrict by a query on `{clash[0]}`: it is a secondary attribute on both sides. "
                "Project it away or rename it, or use q ^ other to restrict on it anyway."
            )

    def __mul__(self, other: Any) -> QueryExpression:
        return self.join(other)

    def __matmul__(self, other: Any) -> QueryExpression:
        """DataJoint 0.14's permissive join: secondary namesakes are joined too."""
        return self.join(other, semantic_check=False)

    def join(self, other: Any, semantic_check: bool = True, left: bool = False) -> QueryExpression:
        if isinstance(other, U):
            return other * self
        node = node_of(other)
        if node is None:
            raise ArgumentError(
                f"Cannot join a query with a {type(other).__name__}; join it with another query or table."
            )
        return _with_context_of(
            self._derive(Join(self.node, node, left_outer=left, permissive=not semantic_check)), other
        )

    def proj(self, *attributes: Any, **named: str) -> QueryExpression:
        """Projection, with DataJoint 0.14's rules.

        The primary key is always kept; ``'a'`` keeps a secondary attribute, ``...`` all of them,
        ``'-a'`` removes one (a primary-key attribute cannot be removed; a name not in the query
        is ignored, as 0.14). ``new='old'`` (a bare name) RENAMES: ``old`` is no longer included,
        even with ``...``, unless it is also listed by name (a renamed key attribute stays in the
        key). ``new='(old)'`` COPIES: ``old`` stays as it would. Anything else
        (``new='a + 1'``, ``new='NULL'``) is computed as SQL. Raises UnknownAttributeError for a
        kept or renamed name the query lacks, ArgumentError for a clash of names.
        """
        heading = self.heading
        renames, renamed, computed = _split_named(named)
        keep: dict[str, None] = dict.fromkeys(n for n in heading.primary_key if n not in renamed)
        dropped: set[str] = set()
        for item in attributes:
            if item is Ellipsis:
                keep.update(dict.fromkeys(n for n in heading.secondary_attributes if n not in renamed))
            elif isinstance(item, str) and item.strip().startswith("-"):
                dropped.add(item.strip()[1:].strip())
            elif isinstance(item, str):
                keep[item.strip()] = None
            else:
                raise ArgumentError(
                    f"proj() takes attribute names, '-name', ... or new='expression'; got {item!r}."
                )
        key_dropped = next((n for n in heading.primary_key if n in dropped), None)
        if key_dropped:
            raise ArgumentError(f"proj() cannot drop primary-key attribute `{key_dropped}`.")
        keep_names = tuple(n for n in keep if n not in dropped)
        return self._derive(Project(self.node, keep_names, renames, computed))

    def aggr(
        self, group: Any, *attributes: str, keep_all_rows: bool = False, **computed: str
    ) -> QueryExpression:
        """Attributes of this query plus aggregates over the matching rows of ``group``."""
        node = node_of(group)
        if node is None:
            raise ArgumentError("aggr() needs a query or table to aggregate over.")
        for name, expression in computed.items():
            _refuse_bad_text(name, expression, "aggr")
        keep = (
            tuple(self.heading.secondary_attributes)
            if Ellipsis in attributes
            else tuple(a for a in attributes if a is not Ellipsis)
        )
        return _with_context_of(
            self._derive(Aggregate(self.node, node, keep, tuple(computed.items()), keep_all_rows)), group
        )

    aggregate = aggr  # DataJoint 0.14's alias

    def __add__(self, other: Any) -> QueryExpression:
        node = node_of(other)
        if node is None:
            raise ArgumentError(f"Cannot form a union with a {type(other).__name__}.")
        return _with_context_of(self._derive(Union(self.node, node)), other)

    # -- rows
    def __len__(self) -> int:
        sql, params = compile_count(self.node, self.connection.dialect)
        return int(self.connection.query(sql, params, formatted=True).fetchone()[0])

    def __bool__(self) -> bool:
        sql, params = compile_query(TopNode(self.node, 1, (), 0), self.connection.dialect)
        return self.connection.query(sql, params, formatted=True).fetchone() is not None

    def __contains__(self, key: Any) -> bool:
        return bool(self & key)

    def __iter__(self) -> Iterator[dict]:
        return iter(self.fetch(as_dict=True))

    def _rows(self, names: list[str], node: Node) -> tuple:
        compiler = Compiler(self.connection.dialect)
        sql, params = compiler.statement(*compiler.render(compiler.select_columns(node, names)))
        return self.connection.query(sql, params, formatted=True).fetchall()

    def fetch(
        self,
        *attributes: str,
        offset: int | None = None,
        limit: int | None = None,
        order_by: str | list[str] | tuple[str, ...] | None = None,
        format: str | None = None,
        as_dict: bool | None = None,
        squeeze: bool = False,
        download_path: str = ".",
    ) -> Any:
        """Rows as a record array (default), dicts (``as_dict``) or a DataFrame (``format="frame"``).

        With attribute names (or ``"KEY"``), as 0.14: one name gives its array (``"KEY"``: a
        list of key dicts); several give a list of them, one per name; with ``as_dict`` a list of
        dicts holding those attributes. ``format="frame"`` with names or ``as_dict=True`` raises
        ArgumentError (0.14 refuses it too); ``config["fetch_format"]`` applies only to whole rows.
        """
        attributes = tuple("KEY" if fetching.is_key(a) else a for a in attributes)
        heading = self.heading
        if format == "frame" and (attributes or as_dict):
            raise ArgumentError(
                "fetch(format='frame') returns whole rows: it cannot be combined with attribute names "
                "or as_dict=True. Use q.proj(*names).fetch(format='frame') for a DataFrame of some columns."
            )
        fmt = format or ("array" if attributes or as_dict else config["fetch_format"])
        if fmt not in ("array", "frame"):
            raise ArgumentError(f"format must be 'array' or 'frame'; got {fmt!r}.")
        node = self.node
        limit, offset = check_window("fetch", limit, offset)
        if order_by is not None or limit is not None or offset:
            order = (order_by,) if isinstance(order_by, str) else tuple(order_by or ("KEY",))
            node = TopNode(node, limit, order, offset or 0)
        wanted = [n for a in attributes for n in (heading.primary_key if a == "KEY" else [a])]
        for name in wanted:
            heading[name]  # raises UnknownAttributeError with the existing names
        names = list(dict.fromkeys(wanted)) if attributes else heading.names
        rows = self._rows(names, node)
        heading = self._typed(heading)
        plain = not fetching.needs_decoding(heading, names, self.connection.dialect)
        if plain and (as_dict or not attributes):  # the driver's rows are the values: no transposing
            if as_dict:
                return [dict(zip(names, row)) for row in rows]  # noqa: B905 (each row has len(names) values)
            if fmt == "frame":
                return fetching.as_frame(heading, names, rows=rows)
            records = fetching.records_of_rows(heading, names, rows)
            if records is not None:
                return records
        context = fetching.Context(self.connection, self._query_context or {}, download_path)
        columns = fetching.decode_rows(heading, names, rows, squeeze, context, self.connection.dialect)
        if not attributes:
            if as_dict:
                return fetching.as_dicts(names, columns)
            if fmt == "frame":
                return fetching.as_frame(heading, names, columns)
            return fetching.as_records(heading, names, columns)
        if as_dict:
            return fetching.as_dicts(names, columns)
        records = fetching.as_records(heading, names, columns)
        results = [
            fetching.as_dicts(heading.primary_key, [columns[names.index(k)] for k in heading.primary_key])
            if a == "KEY"
            else records[a]
            for a in attributes
        ]
        return results[0] if len(results) == 1 else results  # a list, as 0.14

    def fetch1(self, *attributes: str, squeeze: bool = False, download_path: str = ".") -> Any:
        """The one row of this query: a dict, or the values of the named attributes (one name: its
        value; several: a tuple, as 0.14). No row or more than one raises DataJointError, whose
        message says which (0.14 raises DataJointError in both cases) and names the tables."""
        rows = self.fetch(
            *(attributes or ()), as_dict=not attributes, squeeze=squeeze, limit=2, download_path=download_path
        )
        count = len(rows if not attributes or len(attributes) == 1 else rows[0])
        if count != 1:
            raise DataJointError(_fetch1_message(self.node, count))
        if not attributes:
            return rows[0]
        if len(attributes) == 1:
            return rows[0]
        return tuple(values[0] for values in rows)

    def __getattr__(self, name: str) -> Any:
        """Only for names this query lacks: AttributeError (for populate's names a
        MissingMethodError, also an AttributeError, that says where they live).

        As 0.14, ``populate``, ``progress`` and ``key_source`` exist only on auto-populated tables
        (``hasattr(manual_table, "populate")`` is False); asking a query or another tier for them
        says where they live.
        """
        if name in AUTO_POPULATE_NAMES and type(self) is QueryExpression:
            usage = "key_source & condition" if name == "key_source" else f"{name}(condition)"
            raise MissingMethodError(
                f"{name} belongs to an auto-populated table itself, not to a query made from it. "
                f"Pass the conditions to populate() instead: Table.{usage}."
            )
        if name in AUTO_POPULATE_NAMES:
            tier = next(c.__name__ for c in type(self).__mro__ if c.__module__.startswith("djnb."))
            raise MissingMethodError(
                f"{type(self).__name__} is a {tier} table: it has no {name}, which only auto-populated "
                "tables (dj.Imported, dj.Computed) have, for rows that their make() computes."
            )
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    # -- deleting
    def delete(
        self,
        transaction: bool = True,
        safemode: bool | None = None,
        force_parts: bool = False,
        confirm: Any = None,
        force_masters: bool = False,
        force: bool = False,
    ) -> int:
        """Delete these rows and everything that depends on them, children first, all or nothing.

        With safemode on, the per-table counts go to ``confirm`` (or the installed prompt) first.
        ``force`` is DataJoint 0.14's ``Part.delete(force=True)``, also on a restricted part:
        the same as ``force_parts``. Returns the number of rows deleted.
        """
        return deleting.delete(
            self, confirm=confirm, safemode=safemode, force_parts=force_parts or force, force_masters=force_masters,
            transaction=transaction,
        )  # fmt: skip

    def delete_quick(self, get_count: bool = False) -> int | None:
        """Delete these rows of this table only (dependents make it fail), without asking."""
        count = deleting.delete_rows(self)
        return count if get_count else None

    # DataJoint 2.x names
    def to_dicts(self, **options: Any) -> list[dict]:
        return self.fetch(as_dict=True, **options)

    def to_pandas(self, **options: Any) -> Any:
        return self.fetch(format="frame", **options)

    def to_arrays(self, *attributes: str, **options: Any) -> Any:
        """A record array; with names, one array per name (several: a tuple, as DataJoint 2.x)."""
        result = self.fetch(*attributes, format="array", **options)
        return tuple(result) if len(attributes) > 1 else result

    def keys(self, **options: Any) -> list[dict]:
        return self.fetch("KEY", **options)

    def head(self, limit: int = 25, **options: Any) -> Any:
        """The first ``limit`` rows in key order (fetch's options apply)."""
        check_window("head", limit, None)
        return self.fetch(order_by="KEY", limit=limit, **options)

    def tail(self, limit: int = 25, **options: Any) -> Any:
        """The last ``limit`` rows in key order (fetch's options apply)."""
        check_window("tail", limit, None)
        rows = self.fetch(order_by=[f"{k} DESC" for k in self.primary_key], limit=limit, **options)
        return rows[::-1]

    # -- previews
    def preview(self, limit: int | None = None, width: int | None = None) -> str:
        """The text preview (as ``repr``): the first ``limit`` rows (default ``display.limit``) in
        key order, cells cut at ``width`` characters (default ``display.width``), and the count.
        A str, as in 0.14."""
        return render_text(self.preview_data(limit), width or config["display.width"])

    def preview_data(self, limit: int | None = None) -> Preview:
        """The first ``limit`` rows (default ``display.limit``) in key order (blobs as
        placeholders) and the count, for the text and HTML renderers."""
        heading, limit = self.heading, check_window("preview", limit, 0)[0] or config["display.limit"]
        names = heading.names
        hidden = {
            n for n in names if heading[n].is_blob or heading[n].is_attachment or heading[n].is_filepath
        }
        shown = [n for n in names if n not in hidden]
        rows = self._rows(shown, TopNode(self.node, limit + 1, ("KEY",), 0)) if shown else []
        columns = (
            fetching.decode_rows(self._typed(heading), shown, rows, squeeze=False, dialect=self.connection.dialect)
            if shown else []
        )  # fmt: skip
        by_name = dict(zip(shown, columns, strict=True))
        table = [
            [BLOB if n in hidden else by_name[n][i] for n in names] for i in range(min(len(rows), limit))
        ]
        total, estimated = self._preview_total() if config["display.show_tuple_count"] else (None, False)
        comments = [heading[n].comment for n in names]
        return Preview(names, heading.primary_key, comments, table, len(rows) > limit, total, estimated)

    def _preview_total(self) -> tuple[int, bool]:
        """The row count; for a whole table larger than ``display.exact_count_limit``, the estimate.

        Counting a large InnoDB table scans it (about 70 ms per million rows here, minutes for
        billions); a preview should not wait for that, so it shows the catalog's estimate.
        """
        limit, node = config["display.exact_count_limit"], self.node
        if limit is not None and isinstance(node, Relation):
            schema, _, table = node.full_name.strip("`").partition("`.`")
            statement = self.connection.dialect.row_estimate(schema, table)
            row = self.connection.query(*statement).fetchone() if statement else None
            if row and row[0] is not None and int(row[0]) > limit:
                return int(row[0]), True
        return len(self), False

    def __repr__(self) -> str:
        return self.preview()

    def _repr_html_(self) -> str:
        return render_html(self.preview_data())


def _with_context_of(query: QueryExpression, other: Any) -> QueryExpression:
    """``query`` (just derived) looking names (adapters) up in ``other``'s context too.

    DataJoint 0.14 binds adapters per table, so a join, union or aggregation finds those of
    both operands; here contexts travel with queries, so both are chained.
    """
    theirs = getattr(other, "_context" if isinstance(other, type) else "_query_context", None)
    mine = query._query_context
    if theirs is not None and theirs is not mine:
        query._query_context = theirs if mine is None else ChainMap(mine, theirs)
    return query


class U(UniversalSet):
    """DataJoint's universal set: ``dj.U('a') & q`` (distinct values), ``dj.U().aggr(q, n='count(*)')``,
    ``dj.U('a') * q`` (``a`` added to q's key). As a restriction (``q & dj.U('a')``) it is True."""

    def __init__(self, *attributes: str) -> None:
        self.attributes = attributes

    @property
    def primary_key(self) -> list[str]:
        return list(self.attributes)

    def join(self, other: Any, left: bool = False) -> QueryExpression:
        """``dj.U(...) * other`` (``left`` is ignored, as in 0.14)."""
        return self * other

    def __and__(self, other: Any) -> QueryExpression:
        node = node_of(other)
        if node is None:
            raise ArgumentError("dj.U(...) & x needs a query or table x.")
        query = other if isinstance(other, QueryExpression) else other()
        return query._derive(Distinct(node, self.attributes))

    def __mul__(self, other: Any) -> QueryExpression:
        """``dj.U('a') * q``: the rows of q with ``a`` added to its primary key."""
        node = node_of(other)
        if node is None:
            raise ArgumentError("dj.U(...) * x needs a query or table x.")
        query = other if isinstance(other, QueryExpression) else other()
        return query._derive(Promote(node, self.attributes))

    def aggr(
        self, group: Any, *attributes: str, keep_all_rows: bool = False, **computed: str
    ) -> QueryExpression:
        if keep_all_rows:
            raise ArgumentError(
                "dj.U(...).aggr() cannot keep_all_rows: the universal set has no rows of its own."
            )
        node = node_of(group)
        if node is None:
            raise ArgumentError("dj.U(...).aggr() needs a query or table to aggregate over.")
        for name, expression in computed.items():
            _refuse_bad_text(name, expression, "aggr")
        query = group if isinstance(group, QueryExpression) else group()
        return query._derive(Aggregate(Distinct(node, self.attributes), node, (), tuple(computed.items())))

    aggregate = aggr  # DataJoint 0.14's alias
