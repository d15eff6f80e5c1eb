"""The standing fault-injection suite: workers populating under SIGKILL, session kills, restarts.

Each case of ``benchmarks/faults.py`` runs once per backend (4 worker processes, a few hundred
keys, a master with parts, quick and slow makes) and each guarantee is its own test, so a
broken one is named: rows made exactly once, make() calls within keys + kills, no reservation
left, no worker ended by an exception despite ``suppress_errors``, error rows exactly the keys
failing on purpose. The restart case runs on a private MariaDB (test_tls's helpers), never on
the shared test server. The figures of each run are printed to the terminal.

Faults still found are marked ``xfail`` naming the fault (not strict: they depend on timing);
remove a marker when its fault is fixed.
"""

from __future__ import annotations

import pytest

from benchmarks.faults import PrivateServer, cases, plan_for, run
from tests.conftest import in_ci
from tests.db.test_tls import MARIADBD

BACKENDS = ("mysql", "sqlite")

CASES = ("no_faults_quick", "sigkill", "session_kill", "restart")
# Faults this suite still finds, (check, case) -> the fault, each marked xfail (not strict: they
# depend on timing). None is known: 134 soak runs of session_kill and restart passed on
# 2026-12-08 after the fixes to reservations held under a lost session's id (README,
# Reliability). On main before issue 17, "calls" failed in every case and "workers" in
# session_kill (TransactionError after a loss at COMMIT) and restart (ConnectError).
KNOWN: dict[tuple[str, str], str] = {}

_outcomes: dict = {}


@pytest.fixture(scope="module")
def private_server(tmp_path_factory):
    if MARIADBD is None:
        message = "the restart case needs mariadbd and mariadb-install-db for a private server"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    server = PrivateServer(tmp_path_factory.mktemp("fault-server"))
    yield server
    server.stop()


def outcome_of(request, backend: str, server: dict, prefix: str, case: str):
    """Run ``case`` once per backend (cached for the module's other checks) and print its figures."""
    if (backend, case) not in _outcomes:
        private = request.getfixturevalue("private_server") if case == "restart" else None
        folder = request.getfixturevalue("tmp_path_factory").mktemp(f"faults-{backend}-{case}")
        outcome = run(plan_for(case, server, f"{prefix}_{case}", private, seed=17), folder)
        _outcomes[backend, case] = outcome
        reporter = request.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"\n[faults {case}] {outcome.line()}")
    return _outcomes[backend, case]


def verify(request, backend: str, server: dict, prefix: str, case: str, check: str) -> None:
    if (check, case) in KNOWN:
        request.applymarker(pytest.mark.xfail(strict=False, reason=KNOWN[check, case]))
    outcome = outcome_of(request, backend, server, prefix, case)
    assert outcome.problems[check] == [], outcome.line()


def _checks(check: str) -> tuple:
    """The test of one guarantee: over the cases every backend runs, and over the server's own."""

    @pytest.mark.slow
    @pytest.mark.parametrize("case", [c for c in CASES if c in cases("sqlite")])
    def on_every_backend(request, backend, server, prefix, case):
        verify(request, backend, server, prefix, case, check)

    @pytest.mark.slow
    @pytest.mark.mysql_only("the case kills or restarts server sessions; SQLite has none")
    @pytest.mark.parametrize("case", [c for c in CASES if c not in cases("sqlite")])
    def on_the_server(request, backend, server, prefix, case):
        verify(request, backend, server, prefix, case, check)

    return on_every_backend, on_the_server


test_every_key_made_once_as_rows, test_every_key_made_once_as_rows_on_the_server = _checks("rows")
test_make_calls_within_keys_plus_kills, test_make_calls_within_keys_plus_kills_on_the_server = _checks(
    "calls"
)
test_no_reservation_left, test_no_reservation_left_on_the_server = _checks("reservations")
test_no_worker_ends_by_an_exception, test_no_worker_ends_by_an_exception_on_the_server = _checks("workers")
test_error_rows_are_the_planned_failures, test_error_rows_are_the_planned_failures_on_the_server = _checks(
    "errors"
)
