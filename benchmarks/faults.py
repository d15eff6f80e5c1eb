"""Fault injection: N workers populate one table while faults hit them; then every guarantee is checked.

Usage::

    python benchmarks/faults.py                      # one short run per case, both backends
    python benchmarks/faults.py --soak 600 --workers 8 --keys 5000 --backend mysql

The workers (``benchmarks/fault_pipeline.py``) populate a Computed master with parts
(``reserve_jobs=True, suppress_errors=True``). Faults fire as the work passes random points:
SIGKILL of a worker (a new one replaces it), ``KILL <connection id>`` of a worker's session
holding a reservation (MariaDB), makes that kill their own session right before the commit
(some keys, once each; MariaDB), a server restart (a private MariaDB only), and keys whose
make raises on purpose. When the work is done, error rows of keys that lost their session are
cleared and one more worker makes them, as a lab re-runs populate. Checked (``Outcome.problems``
by check name):

- ``rows``: every key made exactly once as rows, except those failing on purpose: each master
  has all its parts, none is partial.
- ``calls``: make() calls, in all, at most keys + kills (a kill costs at most one make: the
  key in hand), and per key at most 1 + kills.
- ``reservations``: no reservation left in ``~jobs``.
- ``workers``: every worker that was not SIGKILLed exited normally (``suppress_errors`` held).
- ``errors``: before the clean-up, ``~jobs`` error rows are the keys failing on purpose plus
  keys whose make lost its session (the rule: a lost session during a make is that key's error;
  a SIGKILLed worker records nothing); after it, exactly the keys failing on purpose.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import djnb as dj  # noqa: E402
from benchmarks.fault_pipeline import fails_on_purpose, part_count  # noqa: E402
from djnb.hashing import key_hash  # noqa: E402
from tests.db.test_tls import MARIADBD, free_port  # noqa: E402
from tests.db.test_tls import run as run_tool  # noqa: E402

CHECKS = ("rows", "calls", "reservations", "workers", "errors")
LOST = ("LostConnection", "Lost connection", "ConnectError", "TransactionError", "server has gone away")


@dataclass
class Plan:
    """One run: where, how many workers and keys, which faults (each a count of events)."""

    server: dict  # dj.Connection arguments
    schema: str
    workers: int = 4
    keys: int = 200
    make: str = "mixed"  # quick (1 ms), slow (50 ms), mixed
    sigkills: int = 0
    session_kills: int = 0
    commit_kills: bool = False
    restart: Callable[[], None] | None = None  # stops and starts the (private) server
    seed: int = 0
    timeout: float = 120.0


@dataclass
class Outcome:
    figures: dict = field(default_factory=dict)
    problems: dict = field(default_factory=lambda: {check: [] for check in CHECKS})

    def line(self) -> str:
        f = self.figures
        kills = ", ".join(f"{kind} {n}" for kind, n in f["kills"].items() if n) or "none"
        return (
            f"{f['backend']}: {f['keys']} keys, {f['workers']} workers, {f['make']} makes: "
            f"{f['calls']} make() calls ({f['calls_per_key']:.3f} per key, bound {f['bound']:.3f}), "
            f"kills: {kills}; reconnects {f['reconnects']}; {f['seconds']:.1f} s"
        )

    @property
    def failed(self) -> list[str]:
        return [f"{check}: {p}" for check, found in self.problems.items() for p in found]


class Run:
    """The driver of one plan: spawns workers, fires faults, then checks (see the module doc)."""

    def __init__(self, plan: Plan, folder: Path) -> None:
        self.plan, self.folder = plan, folder
        self.random = random.Random(plan.seed)
        self.env = worker_env(plan, folder)
        self.kills: Counter = Counter()
        self.live: list[subprocess.Popen] = []
        self.reports: list[dict] = []
        self.spawned = 0
        self.outcome = Outcome()

    # -- processes
    def command(self, *args: str, faults: bool = True) -> subprocess.Popen:
        self.spawned += 1
        out = open(self.folder / f"worker-{self.spawned}.out", "w")  # noqa: SIM115 (closed when reaped)
        env = self.env if faults else {**self.env, "DJNB_FAULT_COMMIT_KILL": ""}
        process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.fault_pipeline", *args],
            env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
        process.out = out  # type: ignore[attr-defined]
        return process

    def reap(self) -> int:
        """Collect the workers that ended; returns how many of them were SIGKILLed (by us)."""
        killed = 0
        for process in [p for p in self.live if p.poll() is not None]:
            self.live.remove(process)
            process.out.close()
            if process.returncode == -signal.SIGKILL:
                killed += 1
                continue
            lines = Path(process.out.name).read_text().splitlines()
            reports = [json.loads(line) for line in lines if line.startswith('{"pid"')]
            report = reports[-1] if reports else {"exit": f"no report (exit code {process.returncode})"}
            report["log"] = process.out.name
            self.reports.append(report)
        return killed

    def stop_all(self) -> None:
        for process in self.live:
            process.kill()
            process.wait()
        self.reap()

    # -- faults
    def schedule(self) -> list[tuple[float, str]]:
        """(fraction of the keys done, fault) pairs, sorted: faults fire as the work passes them."""
        plan = self.plan
        kinds = ["sigkill"] * plan.sigkills + ["session_kill"] * plan.session_kills
        points = [(self.random.uniform(0.05, 0.9), kind) for kind in kinds]
        if plan.restart is not None:
            points.append((self.random.uniform(0.3, 0.6), "restart"))
        return sorted(points)

    def fire(self, kind: str, observer: dj.Connection) -> None:
        if kind == "sigkill" and self.live:
            victim = self.random.choice(self.live)
            victim.send_signal(signal.SIGKILL)
            victim.wait()
            self.kills["sigkill"] += 1
        elif kind == "session_kill":
            held = observer.query(
                f"SELECT DISTINCT connection_id FROM `{self.plan.schema}`.`~jobs` WHERE status='reserved'"
            ).fetchall()
            alive = {row[0] for row in observer.query("SELECT id FROM information_schema.processlist")}
            sessions = sorted(row[0] for row in held if row[0] in alive and row[0] != observer.connection_id)
            if sessions:
                try:
                    observer.query("KILL CONNECTION %s", (self.random.choice(sessions),))
                    self.kills["session_kill"] += 1
                except dj.DataJointError:
                    pass  # it ended meanwhile
        elif kind == "restart":
            self.plan.restart()  # type: ignore[misc]
            self.kills["restart"] += len(self.live)  # every worker's session is lost

    # -- the run
    def execute(self) -> Outcome:
        plan, started = self.plan, time.monotonic()
        declare = self.command("declare", str(plan.keys))
        if declare.wait(timeout=120) != 0:
            raise RuntimeError(f"declaring failed: {Path(declare.out.name).read_text()}")
        declare.out.close()
        self.spawned = 0
        observer = dj.Connection(**plan.server)
        try:
            self.drive(observer, started)
            self.sweep(observer)
            self.check(observer, time.monotonic() - started)
        finally:
            self.stop_all()
            observer.close()
        return self.outcome

    def drive(self, observer: dj.Connection, started: float) -> None:
        """Keep the workers going (replacing killed ones) and fire faults until every key is done."""
        schedule = self.schedule()
        self.live = [self.command("work") for _ in range(self.plan.workers)]
        while True:
            time.sleep(0.05)
            done = self.done(observer)
            while schedule and done / self.plan.keys >= schedule[0][0]:
                self.fire(schedule.pop(0)[1], observer)
            killed = self.reap()
            if done >= self.plan.keys and not self.live:
                return
            if self.stalled(done):
                return
            if time.monotonic() - started > self.plan.timeout:
                self.stop_all()
                self.outcome.problems["workers"].append(f"timed out after {self.plan.timeout:.0f} s")
                return
            replace = killed if done < self.plan.keys else 0  # a killed worker is replaced
            if not self.live and done < self.plan.keys:  # the rest is stranded: one more worker
                replace = max(replace, 1)
            self.live += [self.command("work") for _ in range(replace)]

    def stalled(self, done: int) -> bool:
        """Three workers in a row found nothing to do while keys remain: they are stranded."""
        idle = 0
        for report in reversed(self.reports):
            if report.get("exit") != "ok" or report.get("made", 0) or report.get("failed", 0):
                break
            idle += 1
        if idle < 3 or self.live:
            return False
        remaining = self.plan.keys - done
        self.outcome.problems["reservations"].append(
            f"{remaining} keys stranded: neither made nor in error, and {idle} new workers found nothing to do"
        )
        return True

    def done(self, observer: dj.Connection) -> int:
        """Keys made or in error (finished, one way or the other)."""
        schema = self.plan.schema
        made = observer.query(f"SELECT COUNT(*) FROM `{schema}`.`__master`").fetchone()[0]
        failed = observer.query(f"SELECT COUNT(*) FROM `{schema}`.`~jobs` WHERE status='error'").fetchone()[0]
        return made + failed

    def sweep(self, observer: dj.Connection) -> None:
        """Check the error rows, clear those of lost sessions, and let one more worker make them."""
        schema, problems = self.plan.schema, self.outcome.problems["errors"]
        rows = observer.query(f"SELECT key_hash, error_message FROM `{schema}`.`~jobs` WHERE status='error'")
        errors = dict(rows.fetchall())
        planned = {key_hash({"key_id": k}): k for k in range(self.plan.keys) if fails_on_purpose(k)}
        missing = sorted(k for h, k in planned.items() if h not in errors)
        if missing:
            problems.append(f"keys failing on purpose without an error row: {missing[:10]}")
        lost = [h for h, message in errors.items() if h not in planned and any(w in message for w in LOST)]
        other = [message[:200] for h, message in errors.items() if h not in planned and h not in lost]
        if other:
            problems.append(f"{len(other)} error rows neither planned nor a lost session, e.g. {other[0]!r}")
        self.outcome.figures["lost_keys"] = len(lost)
        for h in errors:
            if h not in planned:  # cleared, as a lab would, so that the sweep below makes them
                observer.query(f"DELETE FROM `{schema}`.`~jobs` WHERE status='error' AND key_hash = %s", (h,))
        sweeper = self.command("work", faults=False)  # the clean-up injects no fault
        self.live = [sweeper]
        try:
            sweeper.wait(timeout=self.plan.timeout)
        except subprocess.TimeoutExpired:
            self.outcome.problems["workers"].append("the sweeping worker timed out")
        self.reap()

    def check(self, observer: dj.Connection, seconds: float) -> None:
        plan, problems, schema = self.plan, self.outcome.problems, self.plan.schema
        expected = {k for k in range(plan.keys) if not fails_on_purpose(k)}
        masters = [r[0] for r in observer.query(f"SELECT key_id FROM `{schema}`.`__master`")]
        if sorted(masters) != sorted(expected):
            extra, absent = set(masters) - expected, expected - set(masters)
            problems["rows"].append(
                f"masters: {len(absent)} missing, {len(extra)} unexpected, of {len(expected)}"
            )
        parts = dict(
            observer.query(f"SELECT key_id, COUNT(*) FROM `{schema}`.`__master__part` GROUP BY key_id")
        )
        partial = [k for k in masters if parts.get(k, 0) != part_count(k)]
        if partial or set(parts) - set(masters):
            problems["rows"].append(
                f"partial masters {partial[:10]}; parts without master {set(parts) - set(masters)}"
            )
        jobs = Counter(
            dict(observer.query(f"SELECT status, COUNT(*) FROM `{schema}`.`~jobs` GROUP BY status"))
        )
        if jobs["reserved"]:
            problems["reservations"].append(f"{jobs['reserved']} reservations left in ~jobs")
        planned = sum(map(fails_on_purpose, range(plan.keys)))
        if jobs["error"] != planned:
            rows = observer.query(f"SELECT error_message FROM `{schema}`.`~jobs` WHERE status='error'")
            messages = [m for (m,) in rows if "on purpose" not in m]
            problems["errors"].append(
                f"{jobs['error']} error rows at the end; {planned} keys fail on purpose; {messages[-3:]}"
            )
        for report in self.reports:
            if report.get("exit") not in ("ok", "start-failed"):
                problems["workers"].append(
                    f"a worker ended with {report.get('error', report['exit'])} ({report['log']})"
                )
        self.count_calls(seconds)

    def count_calls(self, seconds: float) -> None:
        plan, figures = self.plan, self.outcome.figures
        calls: Counter = Counter()
        makers: dict = {}  # key -> the pids that made it
        for log in self.folder.glob("calls-*"):
            keys = [int(line) for line in log.read_text().split()]
            calls.update(keys)
            for key in keys:
                makers.setdefault(key, []).append(int(log.name.split("-")[1]))
        self.kills["commit_kill"] = len(list(self.folder.glob("commit-kill-*")))
        kills = sum(self.kills.values())
        total = sum(calls.values())
        figures.update(
            backend=plan.server.get("backend", "mysql"), keys=plan.keys, workers=plan.workers, make=plan.make,
            calls=total, calls_per_key=total / plan.keys, bound=1 + kills / plan.keys, kills=dict(self.kills),
            reconnects=sum(r.get("reconnects", 0) for r in self.reports), seconds=seconds,
            workers_started=self.spawned,
            start_failures=sum(r.get("exit") == "start-failed" for r in self.reports), most_calls=max(calls.values(), default=0),
        )  # fmt: skip
        if total > plan.keys + kills:
            problems = self.outcome.problems["calls"]
            twice = {k: makers[k] for k, n in calls.items() if n > 1}
            problems.append(
                f"{total} make() calls for {plan.keys} keys and {kills} kills ({len(twice)} keys made more than once; key: pids {dict(list(twice.items())[:4])})"
            )
        if figures["most_calls"] > 1 + kills:
            self.outcome.problems["calls"].append(
                f"a key was made {figures['most_calls']} times with {kills} kills"
            )


def worker_env(plan: Plan, folder: Path) -> dict:
    server = plan.server
    if server.get("backend") == "sqlite":
        database = {"DJ_BACKEND": "sqlite", "DJNB_DATABASE_PATH": server["path"]}
    else:
        database = {"DJ_HOST": f"{server['host']}:{server['port']}", "DJ_USER": server["user"],
                    "DJ_PASS": server["password"]}  # fmt: skip
    killer = json.dumps(server) if plan.commit_kills and server.get("backend") != "sqlite" else ""
    return {
        **os.environ, **database, "PYTHONPATH": str(ROOT), "DJNB_FAULT_SCHEMA": plan.schema,
        "DJNB_FAULT_DIR": str(folder), "DJNB_FAULT_MAKE": plan.make, "DJNB_FAULT_COMMIT_KILL": killer,
    }  # fmt: skip


def run(plan: Plan, folder: Path | None = None) -> Outcome:
    """Run ``plan`` in ``folder`` (a new temporary one by default); the schema is dropped after."""
    folder = folder or Path(tempfile.mkdtemp(prefix="djnb-faults-"))
    try:
        return Run(plan, folder).execute()
    finally:
        admin = dj.Connection(**plan.server)
        admin.query(*admin.dialect.drop_schema(plan.schema))
        admin.close()


def cases(backend: str, scale: int = 1) -> dict[str, dict]:
    """The standing cases (Plan keywords) for ``backend``; ``scale`` multiplies keys and faults."""
    found = {
        "no_faults_quick": dict(keys=300 * scale, make="quick"),
        "sigkill": dict(keys=200 * scale, make="mixed", sigkills=4 * scale),
    }
    if backend == "mysql":
        found["session_kill"] = dict(
            keys=200 * scale, make="mixed", session_kills=6 * scale, commit_kills=True
        )
        found["restart"] = dict(keys=200 * scale, make="mixed", sigkills=1 * scale, restart=True)
    return found


class PrivateServer:
    """A throwaway MariaDB on a free port with its own datadir (test_tls's helpers), restartable."""

    def __init__(self, home: Path) -> None:
        if MARIADBD is None:
            raise RuntimeError("a private server needs mariadbd and mariadb-install-db")
        self.home, self.port, self.process = home, free_port(), None
        run_tool("mariadb-install-db", "--no-defaults", f"--datadir={home / 'data'}", "--user=root",
                 "--auth-root-authentication-method=normal", "--skip-test-db")  # fmt: skip
        self.command = [
            MARIADBD, "--no-defaults", f"--datadir={home / 'data'}", f"--socket={home / 'sock'}",
            f"--port={self.port}", "--bind-address=127.0.0.1", "--user=root", "--skip-log-bin",
            "--innodb-buffer-pool-size=32M", f"--log-error={home / 'error.log'}", f"--pid-file={home / 'pid'}",
        ]  # fmt: skip
        self.arguments = dict(host="127.0.0.1", port=self.port, user="root", password="")
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(self.command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            try:
                dj.Connection(**self.arguments, connect_timeout=2).close()
                return
            except dj.errors.ConnectError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.process.kill()
                    raise RuntimeError(
                        f"the private server did not start; see {self.home / 'error.log'}"
                    ) from None
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=60)
            self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


def plan_for(name: str, server: dict, schema: str, private: PrivateServer | None, **options: object) -> Plan:
    """The Plan of case ``name``; a restart case runs on ``private`` (restarted mid-run)."""
    settings = {**cases(server.get("backend", "mysql"), int(options.pop("scale", 1)))[name], **options}
    if settings.pop("restart", False):
        if private is None:
            raise ValueError("the restart case needs a private server")
        return Plan(server=private.arguments, schema=schema, restart=private.restart, **settings)
    return Plan(server=server, schema=schema, **settings)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=("mysql", "sqlite", "both"), default="both")
    parser.add_argument("--case", action="append", help="a case name (default: all); repeatable")
    parser.add_argument("--soak", type=float, default=0, metavar="SECONDS", help="repeat the cases this long")
    parser.add_argument("--scale", type=int, default=1, help="multiply keys and faults")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1, help="of the first round (then one more each round)")
    parser.add_argument("--host", default=os.environ.get("DJNB_TEST_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("DJNB_TEST_PORT", "3306")))
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="djnb-faults-"))
    backends = ("mysql", "sqlite") if args.backend == "both" else (args.backend,)
    servers = {"mysql": dict(host=args.host, port=args.port, user=os.environ.get("DJNB_TEST_USER", "root"),
                             password=os.environ.get("DJNB_TEST_PASSWORD", "")),
               "sqlite": {"backend": "sqlite", "path": str(home / "faults.sqlite")}}  # fmt: skip
    private = None
    failures, round_, until = 0, 0, time.monotonic() + args.soak
    try:
        while round_ == 0 or time.monotonic() < until:
            round_ += 1
            for backend in backends:
                for name in args.case or cases(backend):
                    if name not in cases(backend):
                        continue
                    if name == "restart" and private is None:
                        private = PrivateServer(home / "server")
                    plan = plan_for(name, servers[backend], f"djnb_faults_{os.getpid()}_{round_}",
                                    private, scale=args.scale, workers=args.workers, seed=args.seed + round_ - 1,
                                    timeout=120 * args.scale)  # fmt: skip
                    folder = home / f"{backend}-{name}-{round_}"
                    folder.mkdir()
                    outcome = run(plan, folder)
                    failures += bool(outcome.failed)
                    print(
                        f"[{name}] {outcome.line()}",
                        *(f"  FAILED {p}" for p in outcome.failed),
                        sep="\n",
                        flush=True,
                    )
    finally:
        if private is not None:
            private.stop()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
