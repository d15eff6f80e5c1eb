"""Cold ``import djnb``: median over fresh interpreters, and the heavy modules it must not load.

python benchmarks/import_time.py [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.workloads.importing import import_seconds

HEAVY = ("pandas", "IPython", "matplotlib", "graphviz", "numpy", "pymysql")
TARGET_MS = 150


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    times = [import_seconds("djnb") * 1000 for _ in range(args.repeat)]
    probe = f"import sys, json, djnb; print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    loaded = json.loads(
        subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    )
    median = statistics.median(times)
    print(
        f"import djnb: median {median:.1f} ms over {args.repeat} fresh interpreters (target < {TARGET_MS} ms)"
    )
    print(f"  min {min(times):.1f} ms, max {max(times):.1f} ms")
    print(f"  heavy modules loaded: {', '.join(loaded) if loaded else 'none'} (checked: {', '.join(HEAVY)})")
    return 1 if loaded else 0


if __name__ == "__main__":
    sys.exit(main())
