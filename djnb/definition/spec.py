"""What a table definition says, as parsed: no database, no name resolution yet."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Source:
    """Where an item was written: 1-based line number and the line's text."""

    line_no: int
    line: str


@dataclass(frozen=True)
class AttributeSpec:
    """``name [= default] : type [# comment]``."""

    name: str
    type: str  # as written, whitespace normalised: "int unsigned", "varchar(64)", "blob@raw", "<graph>"
    category: str  # see definition.types.CATEGORIES
    in_key: bool
    nullable: bool  # declared "= null"
    default: str | None  # the default as written (quotes kept), None if none; "null" is nullable
    comment: str
    source: Source
    store: str | None = None  # for blob@store, attach@store, filepath@store
    adapter: str | None = None  # for <adapter>


@dataclass(frozen=True)
class ForeignKeySpec:
    """``-> [options] Ref`` or ``-> Ref.proj(new='old', ...)``."""

    ref: str  # the reference as written, e.g. "Session", "lab.Subject", "master"
    in_key: bool
    nullable: bool
    unique: bool
    renames: tuple[tuple[str, str], ...]  # (new name, parent's name) pairs from .proj(...)
    source: Source


@dataclass(frozen=True)
class IndexSpec:
    """``[unique] index (a, b)``."""

    attributes: tuple[str, ...]
    unique: bool
    source: Source


@dataclass(frozen=True)
class TableSpec:
    """A parsed definition: items in declaration order (attributes and foreign keys)."""

    comment: str
    items: tuple[AttributeSpec | ForeignKeySpec, ...]
    indexes: tuple[IndexSpec, ...] = field(default=())

    @property
    def attributes(self) -> tuple[AttributeSpec, ...]:
        return tuple(item for item in self.items if isinstance(item, AttributeSpec))

    @property
    def foreign_keys(self) -> tuple[ForeignKeySpec, ...]:
        return tuple(item for item in self.items if isinstance(item, ForeignKeySpec))
