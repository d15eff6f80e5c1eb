"""The cached side virtualenv holding the reference DataJoint (``datajoint<0.15``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REQUIREMENT = "datajoint<0.15"
ROOT = Path.home() / ".cache" / "djnb" / "bench"


def datajoint_python(requirement: str = REQUIREMENT) -> Path:
    """Python of a virtualenv with ``requirement`` installed, created on first use."""
    venv = ROOT / "datajoint-0.14"
    python = venv / "bin" / "python"
    stamp = venv / ".installed"
    if stamp.exists() and stamp.read_text() == requirement and python.exists():
        return python
    print(f"[bench] installing {requirement} into {venv} (once)", file=sys.stderr)
    ROOT.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    log = ROOT / "install.log"
    with log.open("w") as out:
        subprocess.run([str(python), "-m", "pip", "install", requirement], check=True, stdout=out, stderr=out)
    stamp.write_text(requirement)
    return python
