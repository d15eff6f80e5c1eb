"""The package surface: light import, lazy attributes, layering, the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import djnb as dj

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("pandas", "IPython", "matplotlib", "graphviz", "numpy", "pymysql", "networkx")


def python(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return result.stdout


def test_import_loads_no_heavy_modules():
    loaded = json.loads(
        python(f"import sys, djnb, json; print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))")
    )
    assert loaded == []


def test_lazy_attributes_resolve():
    out = python("import djnb as dj, sys; dj.Connection; print('pymysql' in sys.modules, callable(dj.conn))")
    assert out.split() == ["True", "True"]
    assert "conn" in dir(dj) and "Connection" in dj.__all__


def test_public_names():
    for name in dj.__all__:
        assert hasattr(dj, name), name
    assert dj.errors.DataJointError is dj.DataJointError
    assert dj.settings.config is dj.config
    assert dj.__version__


def test_layer_contracts_hold():
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_only_the_connection_package_imports_drivers():
    import grimp

    graph = grimp.build_graph("djnb", include_external_packages=True)
    assert "pymysql" in graph.modules  # the check below would pass vacuously otherwise
    for driver in ("pymysql", "sqlite3", "psycopg", "psycopg2"):
        if driver not in graph.modules:
            continue
        importers = graph.find_modules_that_directly_import(driver)
        outside = {m for m in importers if not m.startswith("djnb.connection")}
        assert not outside, f"{driver} imported outside djnb.connection: {outside}"


def test_cli_info_runs_without_a_server():
    result = subprocess.run(
        [sys.executable, "-m", "djnb", "info"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "HOME": "/nonexistent",
            "DJ_HOST": "127.0.0.1:1",
            "DJ_USER": "x",
            "DJ_PASS": "topsecret",
        },
    )
    assert result.returncode == 0, result.stderr
    assert f"djnb {dj.__version__}" in result.stdout
    assert "database.host" in result.stdout and "environment (DJ_HOST)" in result.stdout
    assert "connection: failed" in result.stdout
    assert "topsecret" not in result.stdout + result.stderr


def test_import_time_script_reports_no_heavy_modules():
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "import_time.py"), "--repeat", "3"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "heavy modules loaded: none" in result.stdout
