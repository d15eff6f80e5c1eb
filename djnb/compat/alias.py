"""The ``datajoint`` package name served by djnb, after ``install_as_datajoint()``.

A meta-path finder answers ``datajoint`` and ``datajoint.<path>`` for every path in
``paths.MODULES`` with a module whose attributes resolve, on first access, to djnb's objects
(the same objects: ``datajoint.Manual is djnb.Manual``). ``datajoint`` itself forwards every
name to ``djnb``. Nothing is copied and nothing in djnb imports this package.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
from typing import Any

from .paths import API_VERSION, FALLBACK, MODULES

PACKAGE = "datajoint"
REPORT = "https://github.com/djnb/djnb/issues"


def _targets(path: str) -> dict[str, tuple[str, str]]:
    """0.14 name -> (djnb module, djnb name) for one module path."""
    targets = {}
    for module, names in MODULES[path].items():
        for entry in names:
            old, _, new = entry.partition("=")
            targets[old] = (module, new or old)
    return targets


class AliasModule(types.ModuleType):
    """A module of DataJoint 0.14's layout whose names are djnb's objects, resolved lazily."""

    def __init__(self, name: str, targets: dict[str, tuple[str, str]], fallback: str | None) -> None:
        super().__init__(name, f"DataJoint 0.14's `{name}`, served by djnb (djnb.compat).")
        self._djnb_targets = targets
        self._djnb_fallback = fallback
        self.__all__ = sorted(targets)

    def __getattr__(self, name: str) -> Any:
        targets = self.__dict__.get("_djnb_targets", {})
        if name not in targets and (name.startswith("__") or name.startswith("_djnb_")):
            raise AttributeError(name)  # module protocol lookups (__file__, __wrapped__, ...)
        module, attribute = targets.get(name, (self._djnb_fallback, name))
        if module is None:
            raise AttributeError(
                f"djnb does not provide DataJoint 0.14's `{self.__name__}.{name}`. Use "
                f"`{PACKAGE}.{name}` if it is a top-level name, or report the missing name at {REPORT}."
            )
        value = getattr(importlib.import_module(module), attribute)
        setattr(self, name, value)  # later lookups are plain attribute reads
        return value

    def __dir__(self) -> list[str]:
        fallback = dir(importlib.import_module(self._djnb_fallback)) if self._djnb_fallback else []
        return sorted(set(self._djnb_targets) | set(fallback) | set(vars(self)))


class PackageModule(types.ModuleType):
    """``datajoint`` itself: every top-level name is djnb's; submodules come from the finder."""

    def __init__(self) -> None:
        super().__init__(PACKAGE, "DataJoint 0.14's `datajoint` package, served by djnb.")
        djnb = importlib.import_module("djnb")
        self.__path__: list[str] = []  # a package: `datajoint.<path>` goes to the finder
        self.__all__ = list(djnb.__all__)
        self.__version__ = API_VERSION  # version checks in lab code take their 0.14 branch
        self.__djnb_version__ = djnb.__version__

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        djnb = importlib.import_module("djnb")
        if name in MODULES and name not in djnb.__all__:  # `dj.utils.to_camel_case`, as in 0.14
            return importlib.import_module(f"{PACKAGE}.{name}")
        return getattr(djnb, name)

    def __dir__(self) -> list[str]:
        return sorted(set(dir(importlib.import_module("djnb"))) | set(MODULES) | set(vars(self)))


class _Loader(importlib.abc.Loader):
    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        if spec.name == PACKAGE:
            return PackageModule()
        path = spec.name[len(PACKAGE) + 1 :]
        return AliasModule(spec.name, _targets(path), FALLBACK.get(path))

    def exec_module(self, module: types.ModuleType) -> None:
        """Nothing to run: the module resolves its names on first access."""


class Finder(importlib.abc.MetaPathFinder):
    """Serves ``datajoint`` and the 0.14 module paths in ``paths.MODULES``."""

    loader = _Loader()

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname == PACKAGE:
            return importlib.machinery.ModuleSpec(fullname, self.loader, is_package=True)
        package, _, rest = fullname.partition(".")
        if package == PACKAGE and rest in MODULES:
            return importlib.machinery.ModuleSpec(fullname, self.loader)
        return None


def installed() -> bool:
    """True when ``import datajoint`` gives djnb in this process."""
    return any(isinstance(finder, Finder) for finder in sys.meta_path)
