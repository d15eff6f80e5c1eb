"""The table definition language: text in, ``TableSpec`` out (layer L0: no database)."""

from __future__ import annotations

from djnb.definition.parser import parse_definition
from djnb.definition.spec import AttributeSpec, ForeignKeySpec, IndexSpec, Source, TableSpec
from djnb.definition.types import classify_type

__all__ = [
    "AttributeSpec",
    "ForeignKeySpec",
    "IndexSpec",
    "Source",
    "TableSpec",
    "classify_type",
    "parse_definition",
]
