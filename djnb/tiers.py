"""User table tiers: Manual, Lookup, Imported, Computed, Part (DataJoint's naming prefixes)."""

from __future__ import annotations

from typing import Any, ClassVar

from .errors import DataJointError
from .naming import from_camel_case
from .table import Table


class UserTable(Table):
    """The base of the tiers below: a table declared by a class in a schema (0.14's ``UserTable``;
    ``issubclass(cls, UserTable)`` tells a pipeline's tables from ``FreeTable``s)."""


class Manual(UserTable):
    """Data entered by people or by scripts that import it."""

    tier_prefix = ""


class Lookup(UserTable):
    """Small reference tables; ``contents`` are inserted when the table is declared."""

    tier_prefix = "#"
    contents: ClassVar[Any] = ()


class Imported(UserTable):
    """Filled by ``populate()`` from data outside the database."""

    tier_prefix = "_"


class Computed(UserTable):
    """Filled by ``populate()`` from other tables."""

    tier_prefix = "__"


class Part(UserTable):
    """A part of its master (a nested class); ``-> master`` refers to the master."""

    master: ClassVar[type[Table] | None] = None

    def drop(self, confirm: Any = None, force: bool = False) -> bool:
        """Parts go with their master; ``force=True`` drops the part alone (and its dependents)."""
        if not force:
            raise DataJointError(
                f"Part table {type(self).__name__} is dropped with its master. "
                "Drop the master, or pass force=True to drop the part alone."
            )
        return super().drop(confirm=confirm)

    def delete(self, force: bool = False, **options: Any) -> int:
        """Delete part rows; ``force=True`` lets them go without their master's (as in 0.14).

        Without it, deleting part rows whose master rows stay is refused (delete the master's
        rows instead). Other keywords are those of ``QueryExpression.delete``.
        """
        return super().delete(force=force, **options)

    @classmethod
    def _name(cls) -> str:
        if cls.master is None:
            raise DataJointError(f"Part table {cls.__name__} must be declared inside its master class.")
        return f"{cls.master.table_name}__{from_camel_case(cls.__name__)}"


TIERS: dict[str, type[Table]] = {"": Manual, "#": Lookup, "_": Imported, "__": Computed}


def tier_of(table_name: str) -> tuple[type[Table], str]:
    """(tier class, snake name without prefix) of a table name like ``__stats``."""
    for prefix in ("__", "_", "#"):
        if table_name.startswith(prefix):
            return TIERS[prefix], table_name[len(prefix) :]
    return Manual, table_name
