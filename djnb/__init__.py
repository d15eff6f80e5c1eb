"""djnb: DataJoint for Python, rebuilt Jupyter-first.

``import djnb as dj`` offers DataJoint 0.14's API (``__all__`` holds every top-level name of
0.14's); ``djnb.install_as_datajoint()`` makes ``import datajoint`` and 0.14's module paths give
djnb. Importing is cheap: the database driver, numpy and pandas load on first use, through the
lazy attributes below. No top-level name is also a submodule's name, so importing a submodule
never replaces one (``dj.schema`` is always the class).
"""

from __future__ import annotations

import importlib
from typing import Any

from . import console, errors, settings
from .errors import DataJointError
from .settings import config
from .version import __version__

__author__ = "djnb developers"

console.install()  # a yes/no prompt for terminals; the Jupyter layer installs its own
__all__ = [
    "AndList",
    "AttributeAdapter",
    "Computed",
    "Connection",
    "DataJointError",
    "Di",
    "Diagram",
    "ERD",
    "FreeTable",
    "Imported",
    "Lookup",
    "Manual",
    "MatCell",
    "MatStruct",
    "Not",
    "Part",
    "Schema",
    "Table",
    "Top",
    "U",
    "VirtualModule",
    "__author__",
    "__version__",
    "blob",
    "cli",
    "config",
    "conn",
    "copy_schema",
    "create_virtual_module",
    "errors",
    "install_as_datajoint",
    "key",
    "key_hash",
    "kill",
    "kill_quick",
    "list_schemas",
    "logger",
    "schema",
    "set_password",
    "settings",
]

# public name -> module that defines it, imported on first access
_LAZY = {
    "Connection": "djnb.connection",
    "conn": "djnb.connection",
    "MatCell": "djnb.blob",
    "MatStruct": "djnb.blob",
    "Schema": "djnb.schemas",
    "schema": "djnb.schemas:Schema",
    "VirtualModule": "djnb.schemas",
    "create_virtual_module": "djnb.schemas",
    "list_schemas": "djnb.schemas",
    "FreeTable": "djnb.table",
    "Manual": "djnb.tiers",
    "Lookup": "djnb.tiers",
    "Imported": "djnb.populate",
    "Computed": "djnb.populate",
    "Part": "djnb.tiers",
    "U": "djnb.expression",
    "AttributeAdapter": "djnb.adapters",
    "key_hash": "djnb.hashing",
    "Top": "djnb.expression",
    "AndList": "djnb.sql.conditions",
    "Diagram": "djnb.diagram",
    "copy_schema": "djnb.transfer",
    "ERD": "djnb.diagram",
    "Di": "djnb.diagram",
    "Not": "djnb.sql.conditions",
    "Table": "djnb.table",
    "key": "djnb.fetch",
    "kill": "djnb.admin",
    "kill_quick": "djnb.admin",
    "set_password": "djnb.admin",
    "logger": "djnb.settings",
    "cli": "djnb.command",
    "install_as_datajoint": "djnb.compat",
}
# submodules that load on first attribute access (they import numpy)
_LAZY_MODULES = ("blob",)


def __getattr__(name: str) -> Any:
    if name in _LAZY_MODULES:
        return importlib.import_module(f"djnb.{name}")
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'djnb' has no attribute {name!r}")
    module, _, attribute = module.partition(":")
    value = getattr(importlib.import_module(module), attribute or name)
    globals()[name] = value
    return value


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext djnb``: the magics, rich display and progress widgets (the notebook layer)."""
    importlib.import_module("djnb.jupyter").load_ipython_extension(ipython)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | set(_LAZY_MODULES))
