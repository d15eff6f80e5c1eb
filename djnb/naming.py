"""DataJoint's naming rules in one place: class names, table names and part tables.

A class ``RawECG`` declares the table ``raw_e_c_g`` (an underscore before every inner capital),
behind its tier's prefix; a part table is ``<master>__<part>``. These are the rules of
DataJoint 0.14 (``datajoint.utils``), which the tables it created follow.
"""

from __future__ import annotations

import functools
import re

from .errors import DataJointError

_CAMEL = re.compile(r"[A-Z][A-Za-z0-9]*")


def is_camel_case(name: str) -> bool:
    """True for ``TableName``: a capital letter, then letters and digits only."""
    return bool(_CAMEL.fullmatch(name))


@functools.lru_cache(maxsize=1024)  # asked for on every statement a table class writes
def from_camel_case(name: str) -> str:
    """``RawECG`` -> ``raw_e_c_g``, as DataJoint names a class's table.

    Raises ``DataJointError`` when ``name`` is not CamelCase.
    """
    if not is_camel_case(name):
        raise DataJointError(
            f"Table class name {name!r} must be CamelCase: a capital letter, then letters and digits."
        )
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def to_camel_case(name: str) -> str:
    """``raw_e_c_g`` -> ``RawECG``: each letter after the start or a run of ``_`` / non-word
    characters is capitalised and the separators dropped (DataJoint 0.14's rule; a digit after
    a separator keeps it: ``scan_2d`` -> ``Scan_2d``)."""
    return re.sub(r"(?:^|[_\W])+([a-zA-Z])", lambda match: match.group(1).upper(), name)


def get_master(full_table_name: str) -> str:
    """The master's full table name of a part table (`` `s`.`m__p` `` -> `` `s`.`m` ``), else ``""``."""
    match = re.fullmatch(r"(`\w+`\.`\w+?)__\w+`", full_table_name)
    return match.group(1) + "`" if match else ""
