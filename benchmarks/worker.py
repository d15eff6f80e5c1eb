"""Runs one contender of one workload in this interpreter and prints its timings as JSON.

Usage (by run.py): python benchmarks/worker.py WORKLOAD CONTENDER REPEAT SMOKE < SERVER_JSON
The interpreter decides what is measured: the project's venv for djnb and the floor, the
side virtualenv for DataJoint.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.workloads import factory, load


def main() -> None:
    workload, contender, repeat, smoke = sys.argv[1:5]
    server = json.loads(sys.stdin.read())
    run = factory(load(workload), contender)(server, smoke == "1")
    run()  # warm-up: first-call costs (connection set-up, caches) are not what we compare
    times = []
    for _ in range(int(repeat)):
        start = time.perf_counter()
        measured = run()
        elapsed = time.perf_counter() - start
        times.append(measured if type(measured) is float else elapsed)  # self-timed workloads return seconds
    print(json.dumps({"times": times}))


if __name__ == "__main__":
    main()
