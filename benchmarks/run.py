"""Run workloads through djnb, DataJoint 0.14 and the floor (raw driver); print medians and ratios.

    python benchmarks/run.py [WORKLOAD ...] [--repeat N] [--smoke] [--no-datajoint] [--json PATH]

The server comes from DJNB_TEST_HOST/PORT/USER/PASSWORD (default root@127.0.0.1:3306).
With --backend sqlite the same workloads run on a fresh SQLite file: djnb against the sqlite3
module's own floor (DataJoint has no SQLite backend).
Each contender runs in its own interpreter; DataJoint from a cached side virtualenv.
Performance is measured here, never asserted in tests.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.sidevenv import datajoint_python  # noqa: E402
from benchmarks.workloads import WORKLOADS, load  # noqa: E402

CONTENDERS = ("djnb", "datajoint", "floor")
# the workloads that measure the database path (the others do not touch a database)
SQLITE_WORKLOADS = (
    "connect", "roundtrip", "insert_100k", "insert_100k_tuples", "insert_100k_records", "insert_100k_frame",
    "fetch_100k", "fetch_100k_dicts", "fetch_100k_frame", "populate_1k", "populate_1k_jobs", "delete_cascade_10k",
    "query_join", "query_having", "query_restricted_aggr", "preview_1m", "pipeline",
)  # fmt: skip


def server_settings() -> dict:
    return {
        "host": os.environ.get("DJNB_TEST_HOST", "127.0.0.1"),
        "port": int(os.environ.get("DJNB_TEST_PORT", "3306")),
        "user": os.environ.get("DJNB_TEST_USER", "root"),
        "password": os.environ.get("DJNB_TEST_PASSWORD", ""),
    }


def measure(
    python: Path | str, workload: str, contender: str, repeat: int, server: dict, smoke: bool
) -> list[float]:
    command = [str(python), str(HERE / "worker.py"), workload, contender, str(repeat), "1" if smoke else "0"]
    # the server settings (with the password) go through stdin, not the visible command line
    result = subprocess.run(command, capture_output=True, text=True, input=json.dumps(server))
    if result.returncode != 0:
        raise RuntimeError(f"{workload}/{contender} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])["times"]


def ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}x" if a and b else "-"


def milliseconds(value: float | None) -> str:
    return f"{value * 1000:.2f}" if value is not None else "-"


def render_table(results: dict) -> str:
    header = f"{'workload':<22} {'djnb ms':>10} {'DataJoint ms':>13} {'floor ms':>10} {'djnb/floor':>11} {'DJ/djnb':>9}"
    lines = [header, "-" * len(header)]
    for name, row in results.items():
        d, j, f = (row.get(c, {}).get("median") for c in CONTENDERS)
        lines.append(
            f"{name:<22} {milliseconds(d):>10} {milliseconds(j):>13} {milliseconds(f):>10} {ratio(d, f):>11} {ratio(j, d):>9}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("workloads", nargs="*", choices=[[], *WORKLOADS], default=[], metavar="WORKLOAD")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--smoke", action="store_true", help="one small repetition, no DataJoint")
    parser.add_argument("--no-datajoint", action="store_true")
    parser.add_argument("--json", type=Path, help="where to write results (default benchmarks/results/)")
    parser.add_argument("--backend", choices=("mysql", "sqlite"), default="mysql")
    args = parser.parse_args(argv)
    repeat = 1 if args.smoke else args.repeat
    pythons = {"djnb": sys.executable, "floor": sys.executable}
    if args.backend == "sqlite":
        names = args.workloads or list(SQLITE_WORKLOADS)
        folder = tempfile.mkdtemp(prefix="djnb-bench-sqlite-")
        server = {"backend": "sqlite", "path": str(Path(folder) / "bench.sqlite")}
    else:
        names = args.workloads or list(WORKLOADS)
        server = server_settings()
        if not (args.smoke or args.no_datajoint):
            pythons["datajoint"] = datajoint_python()
    results: dict[str, dict] = {}
    for name in names:
        workload = load(name)
        module = sys.modules[workload.__module__] if isinstance(workload, type) else workload
        if hasattr(module, "setup"):
            module.setup(server, args.smoke)
        results[name] = {"description": workload.DESCRIPTION}
        try:
            for contender, python in pythons.items():
                if not hasattr(workload, "make") and not hasattr(workload, contender):
                    continue  # e.g. the end-to-end pipeline has no floor
                times = measure(python, name, contender, repeat, server, args.smoke)
                results[name][contender] = {"median": statistics.median(times), "times": times}
        finally:
            if hasattr(module, "teardown"):
                module.teardown(server)
    print(render_table(results))
    out = args.json or HERE / "results" / f"{datetime.datetime.now():%Y%m%d-%H%M%S}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "backend": args.backend,
                "server": {**server, "password": None},
                "repeat": repeat,
                "results": results,
            },
            indent=2,
        )
    )
    print(f"results written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
