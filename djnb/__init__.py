"""djnb: DataJoint for Python, rebuilt Jupyter-first.

``import djnb as dj`` offers DataJoint 0.14's API. Importing is cheap: the database driver,
numpy and pandas load on first use, through the lazy attributes below.
"""

from __future__ import annotations

import importlib
from typing import Any

from . import errors, settings
from .errors import DataJointError
from .settings import config
from .version import __version__

__all__ = [
    "Connection",
    "DataJointError",
    "MatCell",
    "MatStruct",
    "__version__",
    "blob",
    "config",
    "conn",
    "errors",
    "settings",
]

# public name -> module that defines it, imported on first access
_LAZY = {
    "Connection": "djnb.connection",
    "conn": "djnb.connection",
    "MatCell": "djnb.blob",
    "MatStruct": "djnb.blob",
}
# submodules that load on first attribute access (they import numpy)
_LAZY_MODULES = ("blob",)


def __getattr__(name: str) -> Any:
    if name in _LAZY_MODULES:
        return importlib.import_module(f"djnb.{name}")
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'djnb' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | set(_LAZY_MODULES))
