"""Build hook: compile the optional blob accelerator (djnb/blob/_speedups.c).

Without a C compiler the build still succeeds and djnb uses its pure-Python codec. Set
DJNB_NO_SPEEDUPS=1 to skip the compilation.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sysconfig
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SOURCE = Path("djnb/blob/_speedups.c")


def compile_speedups(root: Path) -> Path | None:
    target = root / SOURCE.with_name("_speedups" + sysconfig.get_config_var("EXT_SUFFIX"))
    source = root / SOURCE
    if os.environ.get("DJNB_NO_SPEEDUPS"):
        return None
    if target.exists() and target.stat().st_mtime >= source.stat().st_mtime:
        return target
    compiler = shlex.split(sysconfig.get_config_var("CC") or "cc")
    include = sysconfig.get_paths()["include"]
    command = [*compiler, "-shared", "-fPIC", "-O2", "-Wall", f"-I{include}", str(source), "-o", str(target)]
    try:
        subprocess.run(command, check=True, capture_output=True, text=True)
    except (OSError, subprocess.CalledProcessError) as err:
        detail = getattr(err, "stderr", "") or str(err)
        print(f"djnb: blob accelerator not built, using pure Python ({detail.strip()[:500]})")
        return None
    return target


class CustomBuildHook(BuildHookInterface):
    def initialize(self, version: str, build_data: dict) -> None:
        built = compile_speedups(Path(self.root))
        if built is None:
            return
        build_data["pure_python"] = False
        build_data["infer_tag"] = True
        if version != "editable":  # an editable install imports it from the source tree
            build_data["force_include"][str(built)] = str(built.relative_to(self.root))
