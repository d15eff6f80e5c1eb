"""Headings: the attributes of a table or query, with DataJoint's attribute properties."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from .errors import UnknownAttributeError

EXTERNAL = frozenset({"EXTERNAL_BLOB", "EXTERNAL_ATTACH", "FILEPATH"})
NUMERIC = frozenset({"INTEGER", "DECIMAL", "FLOAT", "BOOL"})
STRING = frozenset({"STRING", "ENUM", "TEMPORAL"})


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
    """Ordered attributes plus table-level facts (comment, secondary indexes)."""

    attributes: tuple[Attribute, ...]
    table_comment: str = ""
    indexes: tuple[Index, ...] = ()
    _by_name: dict[str, Attribute] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {a.name: a for a in self.attributes})

    def __getitem__(self, name: str) -> Attribute:
        try:
            return self._by_name[name]
        except KeyError:
            raise UnknownAttributeError(
                f"Attribute `{name}` is not in the heading; existing: {', '.join(self.names)}."
            ) from None

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_name)

    def __len__(self) -> int:
        return len(self.attributes)

    @property
    def names(self) -> list[str]:
        return [a.name for a in self.attributes if not a.is_hidden]

    @property
    def primary_key(self) -> list[str]:
        return [a.name for a in self.attributes if a.in_key]

    @property
    def secondary_attributes(self) -> list[str]:
        return [a.name for a in self.attributes if not a.in_key and not a.is_hidden]

    @property
    def blobs(self) -> list[str]:
        return [a.name for a in self.attributes if a.is_blob]

    @property
    def non_blobs(self) -> list[str]:
        return [
            a.name for a in self.attributes if not (a.is_blob or a.is_attachment or a.is_filepath or a.json)
        ]

    @property
    def has_autoincrement(self) -> bool:
        return any(a.autoincrement for a in self.attributes)

    def with_attributes(self, attributes: tuple[Attribute, ...]) -> Heading:
        return replace(self, attributes=attributes)

    def __repr__(self) -> str:
        lines = [f"# {self.table_comment}"] if self.table_comment else []
        in_key = True
        for attribute in self.attributes:
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
            for a in self.attributes
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
