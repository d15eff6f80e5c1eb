"""Restriction conditions: every form DataJoint accepts, normalised into a small tree.

``normalize(condition, heading)`` turns user input (dict, SQL string, list/tuple/set = OR,
``AndList``, ``Not``, True/False, numpy records, DataFrame rows, a query node) into
``Cond`` objects; the compiler renders them with bound parameters. Values from dicts and
records are always parameters; SQL strings are the user's SQL by design.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import ArgumentError, InvalidValueError
from ..heading import Heading


class AndList(list):
    """Conditions that must all hold (DataJoint's ``dj.AndList``)."""


@dataclass(frozen=True)
class Not:
    """The negation of a condition (DataJoint's ``dj.Not``)."""

    condition: Any


class UniversalSet:
    """The base of ``dj.U``: as a restriction it is True (``q & dj.U('a')`` is ``q``), as in 0.14."""


# -- the normalised tree -----------------------------------------------------------------------


@dataclass(frozen=True)
class Cond:
    """Base of normalised conditions."""


@dataclass(frozen=True)
class Constant(Cond):
    value: bool


@dataclass(frozen=True)
class Sql(Cond):
    text: str


@dataclass(frozen=True)
class Equals(Cond):
    """Attribute = value for each pair (IS NULL for None)."""

    pairs: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class AnyOf(Cond):
    conditions: tuple[Cond, ...]


@dataclass(frozen=True)
class AllOf(Cond):
    conditions: tuple[Cond, ...]


@dataclass(frozen=True)
class Negate(Cond):
    condition: Cond


@dataclass(frozen=True)
class InQuery(Cond):
    """Semijoin: the namesake attributes match a row of ``node`` (any query node).

    A NULL matches nothing, so the condition is never unknown: negated (an antijoin), rows
    whose ``nullable`` attributes (those of the restricted query that may be NULL) are NULL
    stay, and NULLs in ``node`` exclude nothing (SQL's ``NOT IN`` would exclude every row).
    """

    node: Any
    attributes: tuple[str, ...]
    nullable: tuple[str, ...] = ()


@dataclass(frozen=True)
class KeysIn(Cond):
    """The attributes ``names`` take one of the value tuples ``rows`` (none NULL): one row-value
    IN list, for restricting by many keys at once (e.g. a batch of primary keys)."""

    names: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


TRUE, FALSE = Constant(True), Constant(False)


def unencodable(text: str) -> int | None:
    """The position of the first character of ``text`` that UTF-8 cannot encode (a lone
    surrogate such as ``"\\ud800"``), or None when the whole text can be stored."""
    if text.isascii():  # constant time: CPython keeps this as a flag of the string
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as err:
        return err.start
    return None


def bad_text(text: str, place: str) -> InvalidValueError:
    """The error for ``text`` that cannot be stored (see ``unencodable``), ``place`` saying
    where it was given (e.g. "attribute `name` in row 3 of the insert into `lab`.`session`")."""
    position = unencodable(text) or 0
    character = text[position : position + 1]
    return InvalidValueError(
        f"The text of {place} cannot be stored: it has the character {character!a} (a lone "
        f"surrogate, not valid Unicode) at position {position}: {text[:40]!a}"
        f"{'...' if len(text) > 40 else ''}. Such characters come from decoding bytes with "
        "errors='surrogateescape' or from a split surrogate pair; decode the bytes with their "
        "real encoding, or replace them, e.g. text.encode('utf-8', 'replace').decode('utf-8')."
    )


def bind_value(value: Any, is_uuid: bool = False) -> Any:
    """A Python value the driver binds as the column expects (UUIDs as 16 bytes)."""
    if is_uuid and isinstance(value, str):
        try:
            value = uuid.UUID(value)
        except ValueError:
            raise ArgumentError(f"{value!r} is not a UUID.") from None
    if isinstance(value, uuid.UUID):
        return value.bytes
    if hasattr(value, "dtype") and value.dtype.kind == "M":  # numpy datetime64: a datetime
        return value.astype("datetime64[us]").item()
    if hasattr(value, "item") and hasattr(value, "dtype"):  # numpy scalars
        return value.item()
    return value


def normalize(condition: Any, heading: Heading, node_of: Any = None) -> Cond:
    """The normalised form of ``condition`` for a query with ``heading``.

    ``node_of(obj)`` returns the query node behind ``obj`` (or None if it is not a query); the
    expression layer passes it so that query objects become semijoins.
    """
    if isinstance(condition, Cond):
        return condition
    if condition is True or condition is None:
        return TRUE
    if condition is False:
        return FALSE
    if isinstance(condition, UniversalSet):
        return TRUE
    if isinstance(condition, str):
        if unencodable(condition) is not None:
            raise bad_text(condition, "the restriction string")
        return Sql(condition)
    if isinstance(condition, Not):
        inner = normalize(condition.condition, heading, node_of)
        return Constant(not inner.value) if isinstance(inner, Constant) else Negate(inner)
    if isinstance(condition, AndList):
        return _all([normalize(c, heading, node_of) for c in condition])
    other = node_of(condition) if node_of else None
    if other is not None:
        common = tuple(name for name in heading.names if name in other.heading)
        return InQuery(other, common, tuple(name for name in common if heading[name].may_be_null))
    if isinstance(condition, Mapping):
        return _equals(condition.items(), heading)
    if hasattr(condition, "dtype") and getattr(condition.dtype, "names", None):  # numpy record(s)
        if getattr(condition, "shape", ()) == ():
            return _equals(zip(condition.dtype.names, condition.tolist(), strict=True), heading)
        return _any(
            [_equals(zip(condition.dtype.names, row, strict=True), heading) for row in condition.tolist()]
        )
    if hasattr(condition, "to_dict") and hasattr(condition, "columns"):  # a pandas DataFrame
        frame = (
            condition.reset_index() if any(name is not None for name in condition.index.names) else condition
        )
        return _any([_equals(row.items(), heading) for row in frame.to_dict("records")])
    if isinstance(condition, (list, tuple, set, frozenset)):
        return _any([normalize(c, heading, node_of) for c in condition])
    raise ArgumentError(
        f"Cannot restrict by a {type(condition).__name__}. Use a dict, an SQL string, a query, "
        "a list of conditions (OR), dj.AndList (AND), dj.Not, True/False, records or a DataFrame."
    )


def _equals(items: Any, heading: Heading) -> Cond:
    pairs = tuple((name, bind_value(value, heading[name].uuid)) for name, value in items if name in heading)
    for name, value in pairs:
        if isinstance(value, str) and unencodable(value) is not None:
            raise bad_text(value, f"the restriction's value for attribute `{name}`")
    return Equals(pairs) if pairs else TRUE  # keys not in the heading are ignored, as in DataJoint


def _any(conditions: list[Cond]) -> Cond:
    if any(c == TRUE for c in conditions):
        return TRUE
    kept = tuple(c for c in conditions if c != FALSE)
    if not kept:
        return FALSE
    return kept[0] if len(kept) == 1 else AnyOf(kept)


def _all(conditions: list[Cond]) -> Cond:
    if any(c == FALSE for c in conditions):
        return FALSE
    kept = tuple(c for c in conditions if c != TRUE)
    if not kept:
        return TRUE
    return kept[0] if len(kept) == 1 else AllOf(kept)


def attributes_used(condition: Cond) -> set[str] | None:
    """Attribute names the condition refers to, or None if unknown (SQL text)."""
    if isinstance(condition, Constant):
        return set()
    if isinstance(condition, Equals):
        return {name for name, _ in condition.pairs}
    if isinstance(condition, KeysIn):
        return set(condition.names)
    if isinstance(condition, InQuery):
        return set(condition.attributes)
    if isinstance(condition, Negate):
        return attributes_used(condition.condition)
    if isinstance(condition, (AnyOf, AllOf)):
        found: set[str] = set()
        for part in condition.conditions:
            names = attributes_used(part)
            if names is None:
                return None
            found |= names
        return found
    return None
