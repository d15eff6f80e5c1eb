"""Query trees to SQL: ``compile_query(node, dialect) -> (sql, params)``.

Nodes merge into one SELECT where that keeps the meaning (restrictions and joins of plain
tables) and become derived tables where it would not (restricting renamed or computed
attributes, an aggregation, a limited query; joining a projection). Aggregations group by all
kept attributes of the grouping side, which is valid under ONLY_FULL_GROUP_BY on MariaDB
(no functional-dependency detection) and MySQL alike.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from ..errors import DataJointError
from .conditions import AllOf, AnyOf, Cond, Constant, Equals, InQuery, KeysIn, Negate, Sql
from .dialect.base import Dialect
from .nodes import Aggregate, Distinct, Join, Node, Project, Promote, Relation, Restrict, Top, Union

PERCENT = re.compile(r"%%?")
RENAMED = re.compile(r"`([^`]+)`")


def escape_percent(text: str) -> str:
    """A user's SQL expression (proj, aggr) inside a compiled statement, as 0.14 reads it.

    DataJoint 0.14 runs these through PyMySQL's ``%`` formatting, so ``%%`` reaches the server as
    ``%`` (``proj(odd="a %% 2")``); a lone ``%``, an error there, is a ``%`` here as well.
    Compiled statements always go through formatting, so each becomes ``%%``.
    """
    return PERCENT.sub("%%", text)


def verbatim(text: str) -> str:
    """A restriction string inside a compiled statement: it reaches the server as written.

    DataJoint 0.14 doubles every ``%`` of a string restriction, so ``'name LIKE "ab%"'`` and
    ``'v = "%%%"'`` are compared as they read (``%%`` stays two percent signs).
    """
    return text.replace("%", "%%")


@dataclass
class Select:
    columns: list[tuple[str, str]]  # (SQL, name)
    source: str
    source_params: list = field(default_factory=list)
    where: list[str] = field(default_factory=list)
    where_params: list = field(default_factory=list)
    group_by: list[str] = field(default_factory=list)
    having: list[str] = field(default_factory=list)
    having_params: list = field(default_factory=list)
    # a grouped select whose restrictions may go to HAVING: no computed name shadows a column of
    # its source (SQLite would read such a name in HAVING as the column, not the aggregate)
    having_ok: bool = False
    order_by: list[str] = field(default_factory=list)
    limit: int | None = None
    offset: int = 0
    distinct: bool = False
    exposes_all: bool = True  # the columns are every column of ``source``, under their own names
    quote: Callable[[str], str] = field(kw_only=True, repr=False)  # the dialect's identifier quoting

    @property
    def plain(self) -> bool:
        """Columns are the source's own columns: more WHERE, joins and projections can merge."""
        return (
            not self.group_by
            and self.limit is None
            and not self.order_by
            and not self.distinct
            and all(sql == self.quote(name) for sql, name in self.columns)
        )


class Compiler:
    """Compiles query trees for one dialect: identifiers are quoted by the dialect, tables
    named by its ``table_name``, users' fragments rendered by its ``user_sql``."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.q = dialect.quote
        self.aliases = 0
        self.semijoins = 0  # compiled so far: tells whether a semijoin's subquery has its own
        self.ctes: list[str] = []
        self.cte_params: list = []

    def _select(self, columns: list[tuple[str, str]], source: str, params: list | None = None) -> Select:
        return Select(columns, source, list(params or []), quote=self.q)

    def _plain(self, names: Any) -> list[tuple[str, str]]:
        return [(self.q(n), n) for n in names]

    # -- entry points
    def sql(self, node: Node) -> tuple[str, list]:
        return self.statement(*self.render(self.select(node)))

    def statement(self, sql: str, params: list) -> tuple[str, list]:
        """A whole statement: the common table expressions that semijoins were hoisted into
        (``semijoin``), then ``sql``."""
        if not self.ctes:
            return sql, params
        return "WITH " + ", ".join(self.ctes) + " " + sql, [*self.cte_params, *params]

    def render(self, s: Select) -> tuple[str, list]:
        q = self.q
        columns = ", ".join(sql if sql == q(name) else f"{sql} AS {q(name)}" for sql, name in s.columns)
        parts = [f"SELECT {'DISTINCT ' if s.distinct else ''}{columns or '1'} FROM {s.source}"]
        if s.where:
            parts.append("WHERE " + " AND ".join(s.where))
        if s.group_by:
            parts.append("GROUP BY " + ", ".join(s.group_by))
        if s.having:
            parts.append("HAVING " + " AND ".join(s.having))
        if s.order_by:
            parts.append("ORDER BY " + ", ".join(s.order_by))
        if s.limit is not None:
            parts.append(f"LIMIT {int(s.limit)}" + (f" OFFSET {int(s.offset)}" if s.offset else ""))
        return " ".join(parts), [*s.source_params, *s.where_params, *s.having_params]

    def wrap(self, s: Select) -> Select:
        """Make ``s`` a derived table with plain columns."""
        sql, params = self.render(s)
        self.aliases += 1
        names = [name for _, name in s.columns]
        return self._select(self._plain(names), f"({sql}) AS {self.q(f'$q{self.aliases}')}", params)

    def select_columns(self, node: Node, names: list[str]) -> Select:
        """The query's rows with exactly ``names``, in that order (UNION matches by position)."""
        s = self.select(node)
        if s.having and not {name for _, name in s.columns} <= set(names):
            s = self.wrap(s)  # HAVING may name a column that would be dropped
        columns = dict((name, sql) for sql, name in s.columns)
        s.columns = [(columns[n], n) for n in names]
        return s

    def expression(self, text: str) -> str:
        """A proj/aggr expression in the statement: as 0.14 reads it (``escape_percent``), in
        this engine's dialect (its ``%%`` is MySQL's ``%`` before translation)."""
        renamed = RENAMED.fullmatch(text)  # a renamed attribute (nodes write 0.14's `old`)
        if renamed:
            return self.q(renamed.group(1))
        return escape_percent(self.dialect.user_sql(PERCENT.sub("%", text)))

    # -- nodes
    def select(self, node: Node) -> Select:
        handler = getattr(self, f"_{type(node).__name__.lower()}", None)
        if handler is None:
            raise DataJointError(f"Cannot compile a {type(node).__name__} node.")
        return handler(node)

    def _relation(self, node: Relation) -> Select:
        names = [a.name for a in node.heading.all_attributes if not a.is_hidden]
        return self._select(self._plain(names), self.dialect.table_name(node.schema, node.table))

    def _restrict(self, node: Restrict) -> Select:
        s = self.select(node.source)
        # restricting an aggregation: HAVING, as hand-written SQL would, not a derived table
        grouped = s.having_ok and s.limit is None and not s.order_by and not s.distinct
        if not s.plain and not grouped:
            s = self.wrap(s)
        sql, params = self.condition(node.condition)
        if sql != "TRUE":
            (s.having if grouped else s.where).append(sql)
            (s.having_params if grouped else s.where_params).extend(params)
        return s

    def _project(self, node: Project) -> Select:
        s = self.select(node.source)
        if not s.plain:
            s = self.wrap(s)
        existing = dict((name, sql) for sql, name in s.columns)
        columns = [
            (self.expression(a.expression) if a.expression else existing[a.name], a.name)
            for a in node.heading.all_attributes
        ]
        return replace(s, columns=columns, exposes_all=s.exposes_all and len(columns) == len(existing))

    def _mergeable(self, node: Node, outer_right: bool = False) -> Select:
        s = self.select(node)
        if not s.plain or not s.exposes_all or (outer_right and s.where):
            s = self.wrap(s)
        return s

    def _join(self, node: Join) -> Select:
        left = self._mergeable(node.left)
        right = self._mergeable(node.right, outer_right=node.left_outer)
        common = node.common
        if common:
            using = ", ".join(map(self.q, common))
            source = f"{left.source} {'LEFT ' if node.left_outer else ''}JOIN {right.source} USING ({using})"
        else:
            source = f"{left.source} CROSS JOIN {right.source}"
        columns = self._plain(a.name for a in node.heading.all_attributes)
        return Select(
            columns, source, [*left.source_params, *right.source_params],
            [*left.where, *right.where], [*left.where_params, *right.where_params], quote=self.q,
        )  # fmt: skip

    def _aggregate(self, node: Aggregate) -> Select:
        if isinstance(node.group, Distinct) and node.group.source is node.source:
            # dj.U(...).aggr(q, ...): group q's own rows by the named attributes (or none)
            s = self.select(node.source)
            if not s.plain:
                s = self.wrap(s)
            keys = list(node.group.attributes)
            columns = self._plain(keys) + [
                (self.expression(a.expression), a.name) for a in node.heading.all_attributes if a.expression
            ]
            return replace(s, columns=columns, group_by=list(map(self.q, keys)), exposes_all=False)
        joined = self._join(Join(node.group, node.source, left_outer=node.keep_all_rows))
        kept = [a.name for a in node.heading.all_attributes if a.expression is None]
        computed = [
            (self.expression(a.expression), a.name) for a in node.heading.all_attributes if a.expression
        ]
        sources = {*node.group.heading.names, *node.source.heading.names}
        return replace(
            joined, columns=self._plain(kept) + computed, group_by=list(map(self.q, kept)),
            exposes_all=False, having_ok=kept != [] and not any(name in sources for _, name in computed),
        )  # fmt: skip

    def _union(self, node: Union) -> Select:
        names = [a.name for a in node.heading.all_attributes]
        left, right = node.left, node.right
        if node.outer:  # an outer union: each side left-joined with the other, then united
            left, right = Join(left, right, left_outer=True), Join(right, left, left_outer=True)
        left_sql, left_params = self.render(self.select_columns(left, names))
        right_sql, right_params = self.render(self.select_columns(right, names))
        self.aliases += 3
        a, b, c = (self.q(f"$q{self.aliases - i}") for i in (2, 1, 0))
        # each side as a derived table: every engine reads this form (SQLite refuses "(x) UNION (y)")
        source = f"(SELECT * FROM ({left_sql}) AS {a} UNION SELECT * FROM ({right_sql}) AS {b}) AS {c}"
        return self._select(self._plain(names), source, [*left_params, *right_params])

    def _top(self, node: Top) -> Select:
        s = self.select(node.source)
        if s.limit is not None or s.order_by:
            s = self.wrap(s)
        heading = node.heading
        order = []
        items = [part.strip() for item in node.order_by for part in item.split(",") if part.strip()]
        for item in items:
            name, _, direction = item.strip().partition(" ")
            names = heading.primary_key if name == "KEY" else [name]
            for attr in names:
                if attr not in heading:
                    raise DataJointError(
                        f"order_by names `{attr}`, which is not in the query; existing: {', '.join(heading.names)}."
                    )
                order.append(self.q(attr) + (" DESC" if direction.strip().upper() == "DESC" else ""))
        s.order_by, s.limit, s.offset = order, node.limit, node.offset
        if s.limit is None and node.offset:
            s.limit = 2**63 - 1  # SQL needs a LIMIT to have an OFFSET
        return s

    def _promote(self, node: Promote) -> Select:
        return self.select(node.source)  # the rows are the same; only the heading's key changed

    def _distinct(self, node: Distinct) -> Select:
        s = self.select(node.source)
        if not s.plain:
            s = self.wrap(s)
        return replace(s, columns=self._plain(node.attributes), distinct=True, exposes_all=False)

    # -- conditions
    def condition(self, cond: Cond) -> tuple[str, list]:
        if isinstance(cond, Constant):
            return ("TRUE" if cond.value else "FALSE"), []
        if isinstance(cond, Sql):
            return f"({verbatim(self.dialect.user_sql(cond.text))})", []
        if isinstance(cond, Equals):
            parts, params = [], []
            for name, value in cond.pairs:
                if value is None:
                    parts.append(f"{self.q(name)} IS NULL")
                else:
                    parts.append(f"{self.q(name)} = {self.dialect.placeholder}")
                    params.append(value)
            return "(" + " AND ".join(parts) + ")", params
        if isinstance(cond, KeysIn):
            if not cond.rows:
                return "FALSE", []
            one = self.dialect.placeholders(len(cond.names))
            values = ", ".join([f"({one})" if len(cond.names) > 1 else one] * len(cond.rows))
            names = ", ".join(map(self.q, cond.names))
            target = f"({names})" if len(cond.names) > 1 else names
            return f"({target} IN ({values}))", [v for row in cond.rows for v in row]
        if isinstance(cond, Negate):
            sql, params = self.condition(cond.condition)
            return f"NOT {sql}", params
        if isinstance(cond, (AnyOf, AllOf)):
            rendered = [self.condition(c) for c in cond.conditions]
            joiner = " OR " if isinstance(cond, AnyOf) else " AND "
            return "(" + joiner.join(sql for sql, _ in rendered) + ")", [p for _, ps in rendered for p in ps]
        if isinstance(cond, InQuery):
            return self.semijoin(cond)
        raise DataJointError(f"Cannot compile condition {cond!r}.")

    def semijoin(self, cond: InQuery) -> tuple[str, list]:
        """``(a, b) IN (SELECT a, b ...)``, true or false but never unknown, so that its negation
        (an antijoin) is right when either side holds NULLs: the subquery leaves out rows with
        a NULL in the matched attributes, and a row with a NULL of its own matches nothing."""
        if not cond.attributes:
            sql, params = self.render(replace(self.select(cond.node), distinct=False))
            return f"EXISTS ({sql})", params
        self.semijoins += 1
        before = self.semijoins
        inner = self.select(Distinct(cond.node, cond.attributes))
        heading = cond.node.heading
        not_null = [f"{self.q(n)} IS NOT NULL" for n in cond.attributes if heading[n].may_be_null]
        sql, params = self.render(replace(inner, distinct=False, where=[*inner.where, *not_null]))
        names = ", ".join(map(self.q, cond.attributes))
        if self.dialect.hoists_nested_subqueries and self.semijoins > before:
            # a semijoin within a semijoin: named once as a common table expression, so that
            # restrictions by restricted queries do not nest without bound (SQLite's parser
            # overflows at about 14 levels)
            self.aliases += 1
            name = self.q(f"$s{self.aliases}")
            self.ctes.append(f"{name} AS ({sql})")
            self.cte_params.extend(params)
            sql, params = f"SELECT {names} FROM {name}", []
        checks = "".join(f"{self.q(n)} IS NOT NULL AND " for n in cond.nullable)
        return f"({checks}({names}) IN ({sql}))", params


def compile_query(node: Node, dialect: Dialect) -> tuple[str, list[Any]]:
    """The SQL and bound parameters of a query tree."""
    return Compiler(dialect).sql(node)


def compile_count(node: Node, dialect: Dialect) -> tuple[str, list[Any]]:
    """SELECT COUNT(*) of the query's rows."""
    compiler = Compiler(dialect)
    s = compiler.select(node)
    if not s.plain or s.distinct:
        s = compiler.wrap(s)
    return compiler.statement(*compiler.render(replace(s, columns=[("COUNT(*)", "count")])))
