"""The test harness itself: without a server, db tests skip locally and fail under CI."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ONE_DB_TEST = "tests/db/test_transactions.py::test_as_dict_returns_rows_as_dicts"


def run_without_server(ci: bool) -> subprocess.CompletedProcess:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env.update(DJNB_TEST_HOST="127.0.0.1", DJNB_TEST_PORT=str(port))
    if ci:
        env["CI"] = "true"
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rs", ONE_DB_TEST]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)


def test_db_tests_skip_with_a_reason_when_no_server():
    result = run_without_server(ci=False)
    assert result.returncode == 0, result.stdout
    assert "1 skipped" in result.stdout
    assert "no database server at 127.0.0.1:" in result.stdout


def test_db_tests_fail_under_ci_when_no_server():
    result = run_without_server(ci=True)
    assert result.returncode == 1, result.stdout
    assert "CI requires the test server" in result.stdout


@pytest.mark.parametrize("value", ["", "0", "false"])
def test_ci_flag_values_that_mean_off(value, monkeypatch):
    from tests.conftest import in_ci

    monkeypatch.setenv("CI", value)
    assert not in_ci()
