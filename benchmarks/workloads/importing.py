"""Cold import of the library in a fresh interpreter (from ``python -X importtime``)."""

from __future__ import annotations

import re
import subprocess
import sys

# The driver column is `import pymysql` alone: djnb loads its driver lazily, on first connection.
DESCRIPTION = "cold import in a fresh interpreter (driver: import pymysql)"


def import_seconds(module: str, python: str = sys.executable) -> float:
    """Cumulative import time of ``module`` as measured by ``-X importtime``."""
    result = subprocess.run(
        [python, "-X", "importtime", "-c", f"import {module}"], capture_output=True, text=True, check=True
    )
    for line in result.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\S+)$", line)
        if match and match.group(2) == module:
            return int(match.group(1)) / 1e6
    raise RuntimeError(f"no importtime line for {module}")


def djnb(server: dict, smoke: bool):
    return lambda: import_seconds("djnb")


def datajoint(server: dict, smoke: bool):
    return lambda: import_seconds("datajoint")


def floor(server: dict, smoke: bool):
    return lambda: import_seconds("pymysql")
