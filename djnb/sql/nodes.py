"""Query expressions as immutable trees; each node derives and validates its heading.

Nothing here touches a database: the compiler turns a tree into ``(sql, params)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from ..errors import ArgumentError, DataJointError, UnknownAttributeError
from ..heading import Attribute, Heading
from .conditions import Cond

#: names a projection or aggregation may give: identifiers, capitals allowed (tables declared
#: outside DataJoint have columns like ``oldID``, and 0.14 accepts such names)
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
FULL_NAME = re.compile(r"`((?:[^`]|``)+)`\.`((?:[^`]|``)+)`")


def _plain(attributes: tuple[Attribute, ...] | list[Attribute]) -> tuple[Attribute, ...]:
    """Attributes as columns of a node's result: any SQL that computed them is behind us."""
    return tuple(replace(a, expression=None) if a.expression is not None else a for a in attributes)


def _require(names: tuple[str, ...], heading: Heading) -> Heading:
    """``heading``, after checking that it has every name (the error lists what exists)."""
    for name in names:
        if name not in heading:
            raise UnknownAttributeError(
                f"Attribute `{name}` is not in the query; existing: {', '.join(heading.names)}."
            )
    return heading


@dataclass(frozen=True)
class Node:
    """Base of query nodes. ``heading`` is derived at construction."""

    heading: Heading = field(init=False, compare=False, repr=False)

    def _set_heading(self, heading: Heading) -> None:
        object.__setattr__(self, "heading", heading)


@dataclass(frozen=True)
class Relation(Node):
    """A base table. ``full_name`` is DataJoint's name of it (`` `schema`.`table` ``, 0.14's
    ``full_table_name``); the compiler names it in SQL by ``schema`` and ``table``, through
    the dialect."""

    full_name: str
    table_heading: Heading = field(repr=False)

    def __post_init__(self) -> None:
        self._set_heading(self.table_heading)
        match = FULL_NAME.fullmatch(self.full_name)
        if match is not None:
            parts = (match.group(1).replace("``", "`"), match.group(2).replace("``", "`"))
        elif self.full_name.count(".") == 1 and "`" not in self.full_name:  # schema.table
            parts = tuple(self.full_name.split("."))
        else:
            raise DataJointError(f"A table's full name is `schema`.`table`; got {self.full_name!r}.")
        object.__setattr__(self, "_parts", parts)

    @property
    def schema(self) -> str:
        return self._parts[0]  # type: ignore[attr-defined]

    @property
    def table(self) -> str:
        return self._parts[1]  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Restrict(Node):
    source: Node
    condition: Cond

    def __post_init__(self) -> None:
        self._set_heading(self.source.heading.with_attributes(_plain(self.source.heading.all_attributes)))


@dataclass(frozen=True)
class Project(Node):
    """Keep, rename, copy and compute attributes (DataJoint 0.14's projection).

    ``keep`` names the attributes kept under their own names; a primary-key attribute is kept
    anyway unless it is renamed. ``renames`` are ``(new, old)`` pairs: ``new`` takes ``old``'s
    place, type and key membership, and a renamed ``old`` stays only if it is in ``keep`` (a
    copy, 0.14's ``new="(old)"``); one source may be renamed more than once. ``computed`` attributes, the
    values of SQL expressions, come last.
    """

    source: Node
    keep: tuple[str, ...]  # attributes kept under their names
    renames: tuple[tuple[str, str], ...] = ()  # (new, old)
    computed: tuple[tuple[str, str], ...] = ()  # (new, SQL expression)

    def __post_init__(self) -> None:
        source = _require((*self.keep, *(old for _, old in self.renames)), self.source.heading)
        renamed = {old for _, old in self.renames}
        attributes: list[Attribute] = []
        for a in source.all_attributes:  # each renamed attribute takes its source's place
            if a.name in self.keep or (a.in_key and a.name not in renamed):
                attributes.append(replace(a, expression=None))
            attributes += [
                replace(a, name=new, expression=f"`{old}`") for new, old in self.renames if old == a.name
            ]
        attributes += [
            Attribute(name=n, type="expression", category="EXPRESSION", expression=e)
            for n, e in self.computed
        ]
        for new, _ in (*self.renames, *self.computed):
            _check_name(new)  # kept attributes are the source's own columns, whatever their names
        names = [a.name for a in attributes]
        duplicate = next((n for n in names if names.count(n) > 1), None)
        if duplicate:
            raise ArgumentError(
                f"proj() would produce attribute `{duplicate}` twice (it already exists or is named "
                "twice); give one of them another name, or exclude it with '-name'."
            )
        self._set_heading(Heading(tuple(attributes)))


@dataclass(frozen=True)
class Join(Node):
    """Natural join on namesake attributes; ``left_outer`` keeps unmatched left rows."""

    left: Node
    right: Node
    left_outer: bool = False
    permissive: bool = False  # DataJoint's q1 @ q2: secondary namesakes allowed

    def __post_init__(self) -> None:
        left, right = self.left.heading, self.right.heading
        if not self.permissive:
            clash = [n for n in left.names if n in right and not left[n].in_key and not right[n].in_key]
            if clash:
                raise DataJointError(
                    f"Cannot join on `{clash[0]}`: it is a secondary attribute on both sides. "
                    "Rename it with proj() on one side, or use the @ operator to join on it anyway."
                )
        attributes = [
            replace(a, in_key=a.in_key or (a.name in right and right[a.name].in_key))
            for a in left.all_attributes
        ]
        # a left join's unmatched rows have NULL in the right side's own attributes
        attributes += [
            replace(a, nullable=True) if self.left_outer and not a.nullable else a
            for a in right.all_attributes
            if a.name not in left
        ]
        key_order = [a for a in attributes if a.in_key] + [a for a in attributes if not a.in_key]
        self._set_heading(Heading(_plain(key_order)))

    @property
    def common(self) -> tuple[str, ...]:
        return tuple(name for name in self.left.heading.names if name in self.right.heading)


@dataclass(frozen=True)
class Aggregate(Node):
    """Attributes of ``group`` plus aggregates computed over matching rows of ``source``."""

    group: Node
    source: Node
    keep: tuple[str, ...]  # group attributes kept (its primary key always is)
    computed: tuple[tuple[str, str], ...]
    keep_all_rows: bool = False

    def __post_init__(self) -> None:
        group = _require(self.keep, self.group.heading)
        kept = list(_plain([a for a in group.all_attributes if a.in_key or a.name in self.keep]))
        for new, _ in self.computed:
            _check_name(new)
            if new in group:
                raise ArgumentError(
                    f"aggr() cannot compute `{new}`: the grouping query already has that attribute."
                )
        computed = [
            Attribute(name=n, type="expression", category="EXPRESSION", expression=e)
            for n, e in self.computed
        ]
        self._set_heading(Heading(tuple(kept + computed)))


@dataclass(frozen=True)
class Union(Node):
    left: Node
    right: Node

    def __post_init__(self) -> None:
        left, right = self.left.heading, self.right.heading
        if set(left.primary_key) != set(right.primary_key):  # the same key, in any order (as 0.14)
            raise DataJointError(
                f"Union needs the same primary key on both sides; got ({', '.join(left.primary_key)}) "
                f"and ({', '.join(right.primary_key)})."
            )
        shared = set(left.secondary_attributes) & set(right.secondary_attributes)
        if shared:
            raise DataJointError(
                f"The operands of a union must not share secondary attributes (both have {', '.join(sorted(shared))}), "
                "as in DataJoint: a key could get two different values. Project them away or rename them."
            )
        left_only = set(left.secondary_attributes)
        extra = [a for a in right.all_attributes if a.name not in left]
        self._set_heading(
            Heading(
                _plain([replace(a, nullable=True) if a.name in left_only else a for a in left.all_attributes])
                + _plain([replace(a, nullable=True) for a in extra])
            )
        )

    @property
    def outer(self) -> bool:
        """Different secondary attributes: rows merge by key, missing values are NULL."""
        return set(self.left.heading.names) != set(self.right.heading.names)


@dataclass(frozen=True)
class Top(Node):
    """The first ``limit`` rows in ``order_by`` order, after ``offset``."""

    source: Node
    limit: int | None
    order_by: tuple[str, ...]
    offset: int = 0

    def __post_init__(self) -> None:
        if (self.limit is not None and self.limit < 0) or self.offset < 0:
            raise ArgumentError(
                f"A row limit and offset cannot be negative; got limit={self.limit}, offset={self.offset}."
            )
        self._set_heading(self.source.heading.with_attributes(_plain(self.source.heading.all_attributes)))


@dataclass(frozen=True)
class Distinct(Node):
    """``dj.U(*attributes) & source``: the distinct values of ``attributes`` in ``source``."""

    source: Node
    attributes: tuple[str, ...]

    def __post_init__(self) -> None:
        source = _require(self.attributes, self.source.heading)
        self._set_heading(Heading(_plain([replace(source[n], in_key=True) for n in self.attributes])))


@dataclass(frozen=True)
class Promote(Node):
    """``dj.U(*attributes) * source``: the same rows, with ``attributes`` added to the key."""

    source: Node
    attributes: tuple[str, ...]

    def __post_init__(self) -> None:
        source = _require(self.attributes, self.source.heading)
        promoted = [
            replace(a, in_key=True) if a.name in self.attributes else a for a in source.all_attributes
        ]
        ordered = [a for a in promoted if a.in_key] + [a for a in promoted if not a.in_key]
        self._set_heading(Heading(_plain(ordered)))


def _check_name(name: str) -> None:
    if not NAME.match(name):
        raise ArgumentError(
            f"{name!r} is not a valid attribute name: use letters, digits and underscores, "
            "starting with a letter or an underscore."
        )
