"""make() calls per key when worker processes share one populate: each key's make runs once.

N forked workers each call ``Target.populate(reserve_jobs=True, suppress_errors=True)`` at the
same moment, as N machines of a lab would; every make() call appends a line to a file, so
repeated work shows even when the repeated insert collides. Prints a table of calls per key
(the bound is 1.00 + kills/keys; no worker is killed here, so 1.00).

    python benchmarks/make_once.py [--backend mysql|sqlite] [--keys 200] [--workers 4 8]
        [--pauses 0.001 0.05] [--no-jobs]

``--no-jobs`` runs the workers with ``reserve_jobs=False`` (nothing coordinates them).
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: the repository root on the path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import djnb as dj


def pipeline(connection: dj.Connection, schema_name: str, calls: Path, pause: float) -> tuple:
    """The schema, its ``Key`` (manual) and ``Target`` (computed: sleeps ``pause``, counts calls)."""
    schema = dj.Schema(schema_name, connection=connection)

    @schema
    class Key(dj.Manual):
        definition = "key_id : int"

    @schema
    class Target(dj.Computed):
        definition = """
        -> Key
        ---
        square : bigint
        """

        def make(self, key: dict) -> None:
            with open(calls, "a") as log:  # one short append per call: atomic between processes
                log.write(f"{key['key_id']}\n")
            time.sleep(pause)
            self.insert1({**key, "square": key["key_id"] ** 2})

    return schema, Key, Target


def _worker(server: dict, schema_name: str, calls: Path, pause: float, go, reserve: bool) -> None:
    connection = dj.Connection(**server)
    _, _, target = pipeline(connection, schema_name, calls, pause)
    go.wait()
    target.populate(reserve_jobs=reserve, suppress_errors=True)
    connection.close()


def measure(server: dict, workers: int, pause: float, keys: int, reserve: bool = True) -> dict:
    """Run ``workers`` processes over ``keys`` keys; returns the counts (schema dropped after).

    ``calls``: make() calls in all; ``per_key``: calls / keys; ``repeated``: keys made more than
    once; ``rows``: rows in Target; ``reserved``: reservations left in ~jobs; ``seconds``.
    """
    schema_name = f"djnb_bench_once_{secrets.token_hex(3)}"
    folder = Path(tempfile.mkdtemp(prefix="djnb-make-once-"))
    calls = folder / "calls"
    calls.touch()
    connection = dj.Connection(**server)
    schema, key_table, target = pipeline(connection, schema_name, calls, pause)
    key_table.insert([{"key_id": i} for i in range(keys)])
    jobs = schema.jobs  # declared before the workers start, so they do not race to declare it
    context = multiprocessing.get_context("fork")
    go = context.Event()
    processes = [
        context.Process(target=_worker, args=(server, schema_name, calls, pause, go, reserve))
        for _ in range(workers)
    ]
    for process in processes:
        process.start()
    time.sleep(0.5)  # let every worker connect and read its key list
    started = time.perf_counter()
    go.set()
    for process in processes:
        process.join()
    seconds = time.perf_counter() - started
    made = [int(line) for line in calls.read_text().split()]
    result = {
        "workers": workers, "pause": pause, "keys": keys, "calls": len(made),
        "per_key": len(made) / keys, "repeated": len(made) - len(set(made)), "rows": len(target()),
        "reserved": len(jobs & {"status": "reserved"}), "errors": len(jobs & {"status": "error"}),
        "exit_codes": [p.exitcode for p in processes], "seconds": seconds,
    }  # fmt: skip
    schema.drop(force=True)
    connection.close()
    calls.unlink()
    folder.rmdir()
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("mysql", "sqlite"), default="mysql")
    parser.add_argument("--keys", type=int, default=200)
    parser.add_argument("--workers", type=int, nargs="+", default=[4, 8])
    parser.add_argument("--pauses", type=float, nargs="+", default=[0.001, 0.05])
    parser.add_argument("--no-jobs", action="store_true", help="populate with reserve_jobs=False")
    args = parser.parse_args(argv)
    logging.getLogger("djnb").setLevel(logging.WARNING)
    if args.backend == "sqlite":
        server: dict = {"backend": "sqlite", "path": str(Path(tempfile.mkdtemp()) / "make_once.sqlite")}
    else:
        server = {
            "host": os.environ.get("DJ_HOST", "127.0.0.1"),
            "user": os.environ.get("DJ_USER", "root"),
            "password": os.environ.get("DJ_PASS", ""),
        }
    print(f"backend {args.backend}, reserve_jobs={not args.no_jobs}, {args.keys} keys")
    print(
        f"{'workers':>7} {'make':>7} {'calls':>6} {'per key':>8} {'repeated':>8} {'rows':>5} {'left':>5} {'s':>6}"
    )
    for workers in args.workers:
        for pause in args.pauses:
            r = measure(server, workers, pause, args.keys, reserve=not args.no_jobs)
            print(
                f"{workers:>7} {pause * 1000:>5.0f}ms {r['calls']:>6} {r['per_key']:>8.2f} {r['repeated']:>8} "
                f"{r['rows']:>5} {r['reserved']:>5} {r['seconds']:>6.1f}"
            )


if __name__ == "__main__":
    main()
