"""The pipeline and the worker process of the fault-injection suite (``benchmarks/faults.py``).

``python -m benchmarks.fault_pipeline declare N`` declares the tables and inserts keys 0..N-1;
``python -m benchmarks.fault_pipeline work`` is one worker: ``Master.populate(reserve_jobs=True,
suppress_errors=True)``, then one JSON line on stdout saying how it ended (``"exit": "ok"`` or
``"exception"``), how many keys it made and how many times its connection reconnected.

Environment: ``DJNB_FAULT_SCHEMA`` (the schema), ``DJNB_FAULT_DIR`` (a folder: each worker
appends one line per ``make()`` call to ``calls-<pid>``; markers of keys killed at commit),
``DJNB_FAULT_MAKE`` (``quick``: 1 ms, ``slow``: 50 ms, ``mixed``: every fifth key slow),
``DJNB_FAULT_COMMIT_KILL`` (JSON connection arguments: some keys' makes kill their own session
from a second connection right before returning, once per key), and the usual ``DJ_*`` settings.
The rules below (which keys fail, which are killed at commit, how many parts) are pure
functions, so the harness imports them without declaring anything.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import time
import traceback
from pathlib import Path

import djnb as dj

FAIL_MODULUS, FAIL_REMAINDER = 17, 5  # keys 5, 22, 39, ... raise on purpose
COMMIT_KILL_MODULUS, COMMIT_KILL_REMAINDER = 13, 7  # keys 7, 20, 33, ... lose their session at commit


def fails_on_purpose(key_id: int) -> bool:
    return key_id % FAIL_MODULUS == FAIL_REMAINDER


def killed_at_commit(key_id: int) -> bool:
    return key_id % COMMIT_KILL_MODULUS == COMMIT_KILL_REMAINDER and not fails_on_purpose(key_id)


def part_count(key_id: int) -> int:
    return key_id % 4 + 1


def make_seconds(key_id: int, make: str) -> float:
    slow = make == "slow" or (make == "mixed" and key_id % 5 == 0)
    return 0.05 if slow else 0.001


def declare(schema_name: str) -> tuple[type, type]:
    """Declare (or find) the schema's tables; returns the classes (Key, Master)."""
    schema = dj.Schema(schema_name)
    folder = Path(os.environ.get("DJNB_FAULT_DIR", "."))
    calls = os.open(folder / f"calls-{os.getpid()}", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    make = os.environ.get("DJNB_FAULT_MAKE", "mixed")
    killer_arguments = json.loads(os.environ.get("DJNB_FAULT_COMMIT_KILL") or "null")
    killer: list = []

    @schema
    class Key(dj.Manual):
        definition = "key_id : int"

    @schema
    class Master(dj.Computed):
        definition = """
        -> Key
        ---
        value : int
        """

        class Part(dj.Part):
            definition = """
            -> master
            part : int
            ---
            value : int
            """

        def make(self, key):
            key_id = key["key_id"]
            os.write(calls, f"{key_id}\n".encode())  # unbuffered: a SIGKILL loses no line
            time.sleep(make_seconds(key_id, make))
            if fails_on_purpose(key_id):
                raise ValueError(f"key {key_id} fails on purpose")
            self.insert1({**key, "value": key_id * key_id})
            for part in range(part_count(key_id)):  # one by one: a loss between them must leave nothing
                self.Part.insert1({**key, "part": part, "value": part})
            if (
                killer_arguments
                and killed_at_commit(key_id)
                and _first_time(folder / f"commit-kill-{key_id}")
            ):
                if not killer:
                    killer.append(dj.Connection(**killer_arguments))
                with contextlib.suppress(dj.errors.QueryError):  # "unknown thread": the suite killed it first
                    killer[0].query("KILL CONNECTION %s", (self.connection.connection_id,))

    return Key, Master


def _first_time(marker: Path) -> bool:
    try:
        os.close(os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        return False
    return True


class _ReconnectCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "reconnect" in record.getMessage().lower():
            self.count += 1


def work() -> int:
    """One worker: populate until nothing is left, then report how it ended."""
    counter = _ReconnectCounter()
    logger = logging.getLogger("djnb")
    logger.addHandler(counter)
    logger.setLevel(logging.INFO)
    report: dict = {"pid": os.getpid()}
    try:
        _, master = declare(os.environ["DJNB_FAULT_SCHEMA"])
        dj.conn().ping()
    except Exception as error:  # never connected (the server is down): a start-up failure, not a loss
        report.update(exit="start-failed", error=f"{type(error).__name__}: {error}"[:500])
        master = None
    try:
        if master is not None:
            result = master.populate(reserve_jobs=True, suppress_errors=True)
            report.update(exit="ok", made=result["success_count"], failed=len(result["error_list"]))
    except BaseException as error:  # the suite's point: suppress_errors must keep this empty
        traceback.print_exc()
        report.update(exit="exception", error=f"{type(error).__name__}: {error}"[:500])
    report["reconnects"] = counter.count
    print(json.dumps(report), flush=True)
    return {"ok": 0, "start-failed": 2}.get(report["exit"], 3)


def main() -> int:
    if sys.argv[1] == "declare":
        key, _ = declare(os.environ["DJNB_FAULT_SCHEMA"])
        _ = dj.Schema(
            os.environ["DJNB_FAULT_SCHEMA"]
        ).jobs  # declared now: the harness watches it from the start
        key.insert([{"key_id": k} for k in range(int(sys.argv[2]))])
        return 0
    return work()


if __name__ == "__main__":
    sys.exit(main())
