"""One dialect object per database engine; nothing above this layer writes engine SQL."""

from __future__ import annotations

from ...errors import ConfigError
from .base import Dialect
from .mysql import MySQLDialect
from .sqlite import SQLiteDialect

__all__ = ["Dialect", "MySQLDialect", "SQLiteDialect", "get_dialect"]

_DIALECTS: dict[str, type[Dialect]] = {"mysql": MySQLDialect, "sqlite": SQLiteDialect}


def get_dialect(backend: str) -> Dialect:
    """Return the dialect for a backend name as used in ``dj.config['database.backend']``."""
    try:
        return _DIALECTS[backend]()
    except KeyError:
        raise ConfigError(
            f"The {backend!r} backend is not available yet; "
            f"available: {', '.join(sorted(_DIALECTS))}. Set dj.config['database.backend']."
        ) from None
