"""DataJoint 0.14's module paths, served by djnb (``djnb.install_as_datajoint()``).

Lab code and packages written for DataJoint (the DataJoint Elements, say) import
``datajoint`` and its submodules: ``from datajoint.utils import to_camel_case``,
``datajoint.user_tables.UserTable``. After ``install_as_datajoint()`` those imports give djnb's
objects, so such packages run unchanged, as PyMySQL's ``install_as_MySQLdb()`` lets MySQLdb code
run on PyMySQL. ``paths.py`` is the map (data only); ``alias.py`` the import hook. This is the
top layer: nothing else in djnb imports it.
"""

from __future__ import annotations

import sys

from ..errors import DataJointError
from .alias import PACKAGE, Finder, installed
from .paths import API_VERSION, MODULES

__all__ = ["API_VERSION", "MODULES", "install_as_datajoint", "installed"]


def install_as_datajoint() -> None:
    """Make ``import datajoint`` (and ``from datajoint.<0.14 module> import ...``) give djnb.

    Call it once, before the code that imports ``datajoint`` (e.g. at the top of a notebook or in
    ``sitecustomize``); calling it again does nothing. A real DataJoint installed beside djnb is
    shadowed from then on in this process only.

    Raises ``DataJointError`` if the real DataJoint was already imported in this process (its
    objects would mix with djnb's): install first, or restart the kernel.
    """
    if installed():
        return
    loaded = sys.modules.get(PACKAGE)
    if loaded is not None:
        raise DataJointError(
            f"The real DataJoint is already imported here ({getattr(loaded, '__file__', '?')}); "
            "call djnb.install_as_datajoint() before anything imports datajoint (restart the kernel)."
        )
    sys.meta_path.insert(0, Finder())
