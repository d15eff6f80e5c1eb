"""Exceptions raised by djnb.

Every error a user can cause is a ``DataJointError`` subclass whose message names the thing
and the place, and says how to fix it. The DataJoint 0.14 names keep their 0.14 parents, so
``except dj.errors.QueryError`` catches what it caught there. Driver errors are translated
into these classes in exactly one place, the connection layer.

    DataJointError
    ├── ArgumentError               a function was called with an invalid argument (also a ValueError)
    │   └── ArgumentTypeError       an argument of the wrong type (also a TypeError)
    ├── ConfigError                 bad configuration key or value (also a ValueError)
    │   ├── MissingCredentialsError no user configured for a server connection
    │   └── UnknownSettingError     no such setting; a typo of a known one (also a KeyError)
    ├── DefinitionError             a table definition line is wrong (line, column, how to fix)
    ├── ConnectError                the server cannot be reached or refuses the session
    │   └── TLSError                TLS was required and could not be established
    ├── LostConnectionError         the connection dropped (inside a transaction: not retried)
    ├── TransactionError            nested / unmatched calls, or statements in an aborted transaction
    ├── ConfirmationError           safemode asked and nobody could answer (also an EOFError)
    ├── MissingTableError           a table does not exist
    ├── MissingDefinitionError      a table class has no definition / make (also a NotImplementedError)
    ├── MissingMethodError          e.g. populate() of a Manual table or a query (also an AttributeError)
    ├── QueryError                  the server rejected a statement
    │   ├── QuerySyntaxError
    │   ├── AccessError             insufficient privileges
    │   │   └── AuthenticationError wrong user name or password
    │   ├── DuplicateError          a primary or unique key already exists
    │   ├── IntegrityError          a foreign-key constraint would be violated
    │   ├── UnknownAttributeError   no such column (also a KeyError)
    │   ├── MissingAttributeError   a required column has no value
    │   ├── InvalidValueError       a value does not fit its column (type, range, length)
    │   └── LockError               deadlock or lock-wait timeout; safe to retry
    ├── BlobError                   DataJoint's blob format
    │   ├── InvalidBlobError        bytes that are not a valid blob (damaged, truncated, hostile)
    │   ├── BlobTypeError           a value of a type the format cannot hold (also a TypeError)
    │   └── NativeBlobsDisabledError a Python-native (dj0) value while they are disabled
    ├── MissingExternalFile
    ├── BucketInaccessible
    └── RendererMissingError        no Graphviz executable to draw a diagram with

    PluginWarning (an Exception, as in 0.14; djnb loads no plugins)

DataJoint 0.14 gated adapted types and filepath attributes behind environment switches
(``ADAPTED_TYPE_SWITCH``, ``FILEPATH_FEATURE_SWITCH``). djnb always supports both; the names
and the ``_switch_*`` / ``_support_*`` functions remain because existing code sets them.
"""

from __future__ import annotations

import os

__all__ = [
    "ADAPTED_TYPE_SWITCH",
    "AccessError",
    "ArgumentError",
    "ArgumentTypeError",
    "AuthenticationError",
    "BlobError",
    "BlobTypeError",
    "BucketInaccessible",
    "ConfigError",
    "ConfirmationError",
    "ConnectError",
    "DataJointError",
    "DefinitionError",
    "DuplicateError",
    "FILEPATH_FEATURE_SWITCH",
    "IntegrityError",
    "InvalidBlobError",
    "InvalidValueError",
    "LockError",
    "LostConnectionError",
    "MissingAttributeError",
    "MissingCredentialsError",
    "MissingDefinitionError",
    "MissingExternalFile",
    "MissingMethodError",
    "MissingTableError",
    "NativeBlobsDisabledError",
    "PluginWarning",
    "QueryError",
    "QuerySyntaxError",
    "RendererMissingError",
    "TLSError",
    "TransactionError",
    "UnknownAttributeError",
    "UnknownSettingError",
]


class DataJointError(Exception):
    """Base class of every error djnb raises on purpose."""

    def suggest(self, *args: object) -> DataJointError:
        """Return a copy of this error with more arguments appended (DataJoint 0.14 API)."""
        return self.__class__(*(self.args + args))


class ArgumentError(DataJointError, ValueError):
    """A function was called with an argument it cannot accept."""


class ConfigError(DataJointError, ValueError):
    """A configuration key is unknown or its value is invalid."""


class MissingCredentialsError(ConfigError):
    """A server connection was asked for without the credentials it needs."""


class DefinitionError(DataJointError):
    """A line of a table definition is wrong; carries the line number, column and line."""

    def __init__(
        self,
        message: str,
        *,
        line_no: int | None = None,
        column: int | None = None,
        line: str | None = None,
        hint: str | None = None,
        table: str | None = None,
    ) -> None:
        self.problem, self.line_no, self.column, self.line, self.hint, self.table = (
            message, line_no, column, line, hint, table,
        )  # fmt: skip
        super().__init__(self.render())

    def render(self) -> str:
        where = f" of {self.table}" if self.table else ""
        text = self.problem
        if self.line_no is not None:
            text = f"Definition{where}, line {self.line_no}, column {self.column or 1}: {self.problem}"
        if self.line is not None:
            text += f"\n    {self.line}\n    {' ' * max((self.column or 1) - 1, 0)}^"
        if self.hint:
            text += f"\n{self.hint}"
        return text

    def suggest(self, *args: object) -> DefinitionError:
        return self


class ConnectError(DataJointError):
    """The database server could not be reached or refused to open a session."""


class TLSError(ConnectError):
    """TLS was required but the session could not be encrypted."""


class LostConnectionError(DataJointError):
    """The connection to the server was lost."""


class TransactionError(DataJointError):
    """Transactions were started, committed or cancelled out of order."""


class MissingTableError(DataJointError):
    """A query referred to a table that does not exist."""


class QueryError(DataJointError):
    """The server rejected a statement."""


class QuerySyntaxError(QueryError):
    """The statement is not valid SQL for this server."""


class AccessError(QueryError):
    """The user lacks a privilege the statement needs."""


class AuthenticationError(AccessError):
    """The server rejected the user name or password."""


class DuplicateError(QueryError):
    """A row with the same primary or unique key already exists."""


class IntegrityError(QueryError):
    """A foreign-key constraint would be violated."""


class UnknownAttributeError(QueryError, KeyError):
    """The statement names an attribute (column) that does not exist.

    Also a ``KeyError``, as DataJoint 0.14 raises for an unknown field in ``insert`` and for
    ``heading[name]``; its message reads as written (no quotes added).
    """

    __str__ = Exception.__str__


class MissingAttributeError(QueryError):
    """A required attribute has no value and no default."""


class InvalidValueError(QueryError):
    """A value does not fit its attribute's type, range or length."""


class LockError(QueryError):
    """A deadlock or lock-wait timeout; the statement may succeed if retried."""


class BlobError(DataJointError):
    """A value cannot be packed into, or bytes cannot be unpacked from, a blob."""


class InvalidBlobError(BlobError):
    """The bytes are not a valid blob: damaged, truncated, or not a blob at all."""


class BlobTypeError(BlobError, TypeError):
    """The value, or something inside it, has a type the blob format cannot hold."""


class NativeBlobsDisabledError(BlobError):
    """Packing needs the Python-native (dj0) format, which the configuration disables."""


class MissingExternalFile(DataJointError):
    """A file referenced from a table is missing from its external store."""


class BucketInaccessible(DataJointError):
    """An object-store bucket cannot be reached with the configured credentials."""


class RendererMissingError(DataJointError):
    """Drawing a diagram needs Graphviz (``dot``) or the ``graphviz-pure`` wheel; neither was found."""


class MissingDefinitionError(DataJointError, NotImplementedError):
    """A table class lacks what it must define: its ``definition``, or ``make`` for populate.

    Also a ``NotImplementedError``, which DataJoint 0.14 raises there and code catches.
    """


class ArgumentTypeError(ArgumentError, TypeError):
    """An argument has the wrong type (also a ``TypeError``, as 0.14 raises for ``dj.Top``)."""


class PluginWarning(Exception):
    """DataJoint 0.14 raised this for unverified plugins; djnb has no plugins and never raises it."""


# DataJoint 0.14's feature switches (environment variable names). djnb needs neither.
ADAPTED_TYPE_SWITCH = "DJ_SUPPORT_ADAPTED_TYPES"
FILEPATH_FEATURE_SWITCH = "DJ_SUPPORT_FILEPATH_MANAGEMENT"


def _switch(variable: str, on: bool) -> None:
    if on:
        os.environ[variable] = "TRUE"
    else:
        os.environ.pop(variable, None)


def _switch_adapted_types(on: bool) -> None:
    """Set or clear ``ADAPTED_TYPE_SWITCH`` as 0.14 does; adapted types work either way in djnb."""
    _switch(ADAPTED_TYPE_SWITCH, on)


def _switch_filepath_types(on: bool) -> None:
    """Set or clear ``FILEPATH_FEATURE_SWITCH`` as 0.14 does; filepaths work either way in djnb."""
    _switch(FILEPATH_FEATURE_SWITCH, on)


def _support_adapted_types() -> bool:
    """Always True: djnb supports adapted attribute types without a switch."""
    return True


def _support_filepath_types() -> bool:
    """Always True: djnb supports ``filepath@store`` attributes without a switch."""
    return True


class MissingMethodError(DataJointError, AttributeError):
    """A table or query lacks a method that other tables have, e.g. ``populate`` of a Manual table.

    Also an ``AttributeError``, as 0.14 raises there: ``hasattr(dj.Manual, "populate")`` is False.
    """


class ConfirmationError(DataJointError, EOFError):
    """An operation needed a yes/no answer (safemode) and nobody could give one: no terminal,
    standard input closed or at its end. Nothing was done.

    Also an ``EOFError``, which DataJoint 0.14's prompt raised there (``input()`` at end of input).
    """


class UnknownSettingError(ConfigError, KeyError):
    """``dj.config`` has no such setting: read before it was set, or a new key one typo away
    from a known one (the message suggests it). Also a ``KeyError``, as 0.14's config raised."""

    __str__ = Exception.__str__
