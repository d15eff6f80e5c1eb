"""Headings: the attributes of a table or query, with DataJoint's attribute properties.

The shapes follow DataJoint 0.14, whose user code reads them: ``heading.attributes`` is a dict
keyed by name (visible attributes only), each value carrying 0.14's attribute fields
(``type``, ``in_key``, ``nullable``, ``default``, ``comment``, ``numeric``, ``dtype`` ...);
``heading.indexes`` maps each secondary index's column tuple to ``{"unique", "nullable"}``.
djnb code walks every attribute, hidden ones included, through ``heading.all_attributes``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np

from .errors import UnknownAttributeError

EXTERNAL = frozenset({"EXTERNAL_BLOB", "EXTERNAL_ATTACH", "FILEPATH"})
NUMERIC = frozenset({"INTEGER", "DECIMAL", "FLOAT", "BOOL"})
STRING = frozenset({"STRING", "ENUM", "TEMPORAL"})
#: the field names of DataJoint 0.14's Attribute namedtuple, in its order (``todict()``'s keys)
FIELDS_014 = (
    "name", "type", "in_key", "nullable", "default", "comment", "autoincrement", "numeric", "string",
    "uuid", "json", "is_blob", "is_attachment", "is_filepath", "is_external", "is_hidden", "adapter",
    "store", "unsupported", "attribute_expression", "database", "dtype",
)  # fmt: skip


@dataclass(frozen=True)
class Attribute:
    """One attribute (column). ``type`` is the DataJoint type, ``sql_type`` the server's."""

    name: str
    type: str
    category: str
    in_key: bool = False
    nullable: bool = False
    default: str | None = None  # as DataJoint shows it: "null", '"text"', "0", "CURRENT_TIMESTAMP"
    comment: str = ""
    autoincrement: bool = False
    sql_type: str = ""
    store: str | None = None
    adapter: str | None = None
    #: in query headings: the SQL that computes this attribute from its source (None: a column)
    expression: str | None = None
    #: the schema of the table the attribute comes from (external stores are per schema)
    database: str | None = None

    # DataJoint 0.14's attribute flags
    @property
    def numeric(self) -> bool:
        return self.category in NUMERIC

    @property
    def string(self) -> bool:
        return self.category in STRING

    @property
    def uuid(self) -> bool:
        return self.category == "UUID"

    @property
    def json(self) -> bool:
        return self.category == "JSON"

    @property
    def is_blob(self) -> bool:
        return self.category in ("INTERNAL_BLOB", "EXTERNAL_BLOB")

    @property
    def is_attachment(self) -> bool:
        return self.category in ("INTERNAL_ATTACH", "EXTERNAL_ATTACH")

    @property
    def is_filepath(self) -> bool:
        return self.category == "FILEPATH"

    @property
    def is_external(self) -> bool:
        return self.category in EXTERNAL

    @property
    def is_adapted(self) -> bool:
        return self.adapter is not None

    @property
    def is_hidden(self) -> bool:
        return self.name.startswith("_")

    @property
    def may_be_null(self) -> bool:
        """Whether the attribute may hold NULL: nullable, or computed by an SQL expression."""
        return self.nullable or self.category == "EXPRESSION"

    @property
    def unsupported(self) -> bool:
        """A server type DataJoint has no meaning for (djnb reads it as it comes)."""
        return self.category == "UNSUPPORTED"

    @property
    def attribute_expression(self) -> str | None:
        """0.14's name for :attr:`expression`: the SQL computing a renamed or computed attribute."""
        return self.expression

    @property
    def original_name(self) -> str:
        """The source column's name of a renamed attribute (its own name otherwise)."""
        if self.expression and re.fullmatch(r"`[^`]+`", self.expression):
            return self.expression[1:-1]
        return self.name

    @property
    def dtype(self) -> Any:
        """The numpy dtype of this attribute in fetched record arrays, by DataJoint's rule:
        float64 for floats, int64 for non-nullable integers (uint64 for ``bigint unsigned``,
        where 0.14 overflows), ``object`` for everything else."""
        if self.adapter is not None:
            return object
        if self.category == "FLOAT":
            return np.float64
        if self.category in ("INTEGER", "BOOL") and not self.nullable:
            sql = (self.sql_type or self.type).lower()
            return np.uint64 if sql.startswith("bigint") and "unsigned" in sql else np.int64
        return object

    @property
    def sql_comment(self) -> str:
        """The column comment as stored: the ``:type:`` prefix of special types, then the comment."""
        special = self.uuid or self.is_attachment or self.is_external or self.adapter is not None
        return f":{self.type}:{self.comment}" if special else self.comment

    @property
    def sql(self) -> str:
        """The column's declaration as a NOT NULL key column (as 0.14 uses for foreign keys)."""
        comment = self.sql_comment.replace('"', '\\"')
        return f'`{self.name}` {self.sql_type or self.type} NOT NULL COMMENT "{comment}"'

    def todict(self) -> dict[str, Any]:
        """The attribute as a dict with DataJoint 0.14's field names (``Attribute.todict()``)."""
        return {name: getattr(self, name) for name in FIELDS_014}

    def _asdict(self) -> dict[str, Any]:
        return self.todict()

    def _replace(self, **changes: Any) -> Attribute:
        """A copy with ``changes`` (0.14's attributes are namedtuples); ``attribute_expression``
        sets :attr:`expression`."""
        if "attribute_expression" in changes:
            changes["expression"] = changes.pop("attribute_expression")
        own = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - own)
        if unknown:
            raise UnknownAttributeError(
                f"Attribute fields {', '.join(unknown)} cannot be set; settable: {', '.join(sorted(own))}."
            )
        return replace(self, **changes)

    def definition_line(self) -> str:
        """The line that declares this attribute, formatted as DataJoint's describe() does.

        Unlike DataJoint, a ``tinyint(1)`` column is written as ``bool``, so the line declares
        the same column again (DataJoint writes ``tinyint``, which becomes ``tinyint(4)``).
        """
        name = self.name if self.default is None else f"{self.name}={self.default}"
        declared = "bool" if self.sql_type.lower() == "tinyint(1)" else self.type
        kind = declared + (" auto_increment" if self.autoincrement else "")
        return f"{name:<20} : {kind:<28} {'# ' + self.comment if self.comment else ''}"


@dataclass(frozen=True)
class Index:
    attributes: tuple[str, ...]
    unique: bool


@dataclass(frozen=True)
class Heading:
    """Ordered attributes plus table-level facts (comment, secondary indexes).

    ``all_attributes`` holds every attribute, hidden ones (names starting with ``_``) included;
    ``heading[name]`` and ``name in heading`` see them too. The 0.14 views (``attributes``,
    ``names``, ``primary_key``, ``secondary_attributes``, ``blobs``, ``non_blobs``, ``indexes``,
    ``as_dtype``, iteration and ``len``) show only the visible ones, as 0.14 does.
    """

    all_attributes: tuple[Attribute, ...]
    table_comment: str = ""
    secondary_indexes: tuple[Index, ...] = ()
    _by_name: dict[str, Attribute] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {a.name: a for a in self.all_attributes})

    def __getitem__(self, name: str) -> Attribute:
        """The attribute called ``name``; UnknownAttributeError (also a KeyError) if none."""
        try:
            return self._by_name[name]
        except KeyError:
            raise UnknownAttributeError(
                f"Attribute `{name}` is not in the heading; existing: {', '.join(self.names)}."
            ) from None

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __iter__(self) -> Iterator[str]:
        """The visible attribute names, in order (as 0.14 iterates a heading)."""
        return iter(self.names)

    def __len__(self) -> int:
        """The number of visible attributes."""
        return len(self.names)

    @property
    def attributes(self) -> dict[str, Attribute]:
        """The visible attributes as a dict keyed by name, in order (DataJoint 0.14's shape)."""
        return {a.name: a for a in self.all_attributes if not a.is_hidden}

    @property
    def indexes(self) -> dict[tuple[str, ...], dict[str, bool]]:
        """The secondary indexes as 0.14 gives them: ``{(column, ...): {"unique": bool,
        "nullable": bool}}``, ``nullable`` when any of the index's columns is."""
        return {
            index.attributes: {
                "unique": index.unique,
                "nullable": any(name in self and self[name].nullable for name in index.attributes),
            }
            for index in self.secondary_indexes
        }

    @property
    def names(self) -> list[str]:
        return [a.name for a in self.all_attributes if not a.is_hidden]

    @property
    def primary_key(self) -> list[str]:
        return [a.name for a in self.all_attributes if a.in_key]

    @property
    def secondary_attributes(self) -> list[str]:
        return [a.name for a in self.all_attributes if not a.in_key and not a.is_hidden]

    @property
    def blobs(self) -> list[str]:
        return [a.name for a in self.all_attributes if a.is_blob and not a.is_hidden]

    @property
    def non_blobs(self) -> list[str]:
        return [
            a.name
            for a in self.all_attributes
            if not (a.is_blob or a.is_attachment or a.is_filepath or a.json or a.is_hidden)
        ]

    @property
    def new_attributes(self) -> list[str]:
        """Attributes that a projection renamed or computed (0.14's ``new_attributes``)."""
        return [a.name for a in self.all_attributes if a.expression is not None and not a.is_hidden]

    @property
    def has_autoincrement(self) -> bool:
        return any(a.autoincrement for a in self.all_attributes)

    @property
    def as_dtype(self) -> np.dtype:
        """The visible attributes as a numpy structured dtype (each attribute's ``dtype``)."""
        visible = [a for a in self.all_attributes if not a.is_hidden]
        return np.dtype({"names": [a.name for a in visible], "formats": [a.dtype for a in visible]})

    @property
    def table_status(self) -> dict[str, Any]:
        """What 0.14 code reads of the table status: its ``comment``."""
        return {"comment": self.table_comment}

    def with_attributes(self, attributes: tuple[Attribute, ...]) -> Heading:
        """The same table facts with other attributes (all of them, hidden ones included)."""
        return replace(self, all_attributes=attributes)

    def __repr__(self) -> str:
        lines = [f"# {self.table_comment}"] if self.table_comment else []
        in_key = True
        for attribute in self.all_attributes:
            if in_key and not attribute.in_key:
                lines.append("---")
                in_key = False
            lines.append(attribute.definition_line().rstrip())
        return "\n".join(lines) + "\n"

    def _repr_html_(self) -> str:
        """The attributes as a table (key attributes first, marked), values escaped."""
        rows = "".join(
            f"<tr><td>{'&#128273;' if a.in_key else ''}</td><td><b>{html.escape(a.name)}</b></td>"
            f"<td>{html.escape(a.type)}</td><td>{html.escape(a.default or '')}</td><td>{html.escape(a.comment)}</td></tr>"
            for a in self.all_attributes
        )
        caption = f"<caption>{html.escape(self.table_comment)}</caption>" if self.table_comment else ""
        return (
            f"<table class='djnb-heading'>{caption}<tr><th></th><th>attribute</th><th>type</th><th>default</th>"
            f"<th>comment</th></tr>{rows}</table>"
        )


INTEGER_WIDTH = re.compile(r"^((?:tiny|small|medium|big|)int|float|double)\(\d+\)", re.I)


def strip_display_width(sql_type: str) -> str:
    """``int(11) unsigned`` -> ``int unsigned``, as DataJoint shows integer and float types."""
    return INTEGER_WIDTH.sub(r"\1", sql_type, count=1)
