"""The optional C accelerator (``_speedups``), or None when it was not built.

``DJNB_NO_SPEEDUPS=1`` in the environment, or ``use(False)``, selects the pure-Python codec
(the tests run the codec both ways).
"""

from __future__ import annotations

import os
from types import ModuleType

from ..errors import InvalidBlobError

try:
    from . import _speedups as _built
except ImportError:  # not compiled (no C compiler at install time): pure Python
    _built = None
else:
    _built.configure(InvalidBlobError)

speedups: ModuleType | None = None if os.environ.get("DJNB_NO_SPEEDUPS") else _built


def available() -> bool:
    """Whether the accelerator was built for this interpreter."""
    return _built is not None


def use(enabled: bool) -> None:
    """Turn the accelerator on (if built) or off."""
    global speedups
    speedups = _built if enabled else None
