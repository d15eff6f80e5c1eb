"""The benchmark harness stays runnable: one quick repetition of every workload (no DataJoint)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from benchmarks.run import SQLITE_WORKLOADS
from benchmarks.workloads import WORKLOADS, load

BACKENDS = ("mysql",)
MYSQL_ONLY = "the server run compares with DataJoint 0.14; SQLite's run is its own test here"

ROOT = Path(__file__).resolve().parents[2]


def test_benchmark_runner_smoke(server, tmp_path):
    out = tmp_path / "results.json"
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--smoke", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "djnb/floor" in result.stdout
    results = json.loads(out.read_text())["results"]
    assert set(results) == set(WORKLOADS)
    for name, row in results.items():
        assert row["djnb"]["median"] > 0 and (not has_floor(name) or row["floor"]["median"] > 0)


def test_benchmark_runner_smoke_on_sqlite(tmp_path):
    out = tmp_path / "results.json"
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--backend", "sqlite", "--smoke", "--json", str(out)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(out.read_text())
    assert report["backend"] == "sqlite" and set(report["results"]) == set(SQLITE_WORKLOADS)
    for name, row in report["results"].items():
        assert row["djnb"]["median"] > 0 and "datajoint" not in row
        assert not has_floor(name) or row["floor"]["median"] > 0


def has_floor(name: str) -> bool:
    workload = load(name)
    return hasattr(workload, "make") or hasattr(workload, "floor")
