"""Many worker processes on one server: exactly-once populate, crash recovery, SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

import djnb as dj

BACKENDS = ("mysql", "sqlite")

PIPELINE = textwrap.dedent('''
    import os, pathlib, time
    import djnb as dj

    schema = dj.Schema(os.environ["DJNB_SCHEMA"])

    @schema
    class Key(dj.Manual):
        definition = "key_id : int"

    @schema
    class Audit(dj.Manual):
        definition = """
        audit_id : int unsigned auto_increment
        ---
        key_id : int
        pid : int
        """

    @schema
    class Target(dj.Computed):
        definition = """
        -> Key
        ---
        square : int
        """

        def make(self, key):
            if key["key_id"] == 0 and os.environ.get("DJNB_SLOW"):
                pathlib.Path(os.environ["DJNB_SLOW"]).touch()  # tells the test: inside make now
                time.sleep(60)  # long enough to be killed here
            time.sleep(float(os.environ.get("DJNB_PAUSE", 0)))  # a little work: it spreads over the workers
            self.insert1({**key, "square": key["key_id"] ** 2})
            Audit.insert1({"key_id": key["key_id"], "pid": os.getpid()})
''')


@pytest.fixture(scope="module")
def workspace(server, prefix, tmp_path_factory):
    folder = tmp_path_factory.mktemp("workers")
    (folder / "pipeline.py").write_text(PIPELINE)
    if server.get("backend") == "sqlite":  # several processes share one database file
        database = {"DJ_BACKEND": "sqlite", "DJNB_DATABASE_PATH": server["path"]}
    else:
        database = {"DJ_HOST": f"{server['host']}:{server['port']}", "DJ_USER": server["user"],
                    "DJ_PASS": server["password"]}  # fmt: skip
    env = {**os.environ, **database, "DJNB_SCHEMA": f"{prefix}_workers", "PYTHONPATH": os.getcwd(),
           "DJNB_PAUSE": "0.002"}  # fmt: skip
    connection = dj.Connection(**server)
    yield folder, env, connection
    connection.close()


def worker(workspace, *options: str, slow: bool = False) -> subprocess.Popen:
    folder, env, _ = workspace
    marker = folder / "in_make"
    marker.unlink(missing_ok=True)
    env = {**env, **({"DJNB_SLOW": str(marker)} if slow else {})}
    command = [
        sys.executable,
        "-m",
        "djnb",
        "populate",
        f"{folder / 'pipeline.py'}:Target",
        "--reserve-jobs",
        *options,
    ]
    return subprocess.Popen(
        command, env=env, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def fresh(workspace, keys: int) -> str:
    _, env, connection = workspace
    schema = env["DJNB_SCHEMA"]
    connection.query(f"DROP DATABASE IF EXISTS `{schema}`")
    subprocess.run(
        [sys.executable, "-c", "import pipeline"], env=env, cwd=workspace[0], check=True, capture_output=True
    )  # declares the tables
    connection.query_many(f"INSERT INTO `{schema}`.`key` VALUES (%s)", [(i,) for i in range(keys)])
    return schema


def wait_for_reservation(connection, schema: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if connection.query(
                f"SELECT COUNT(*) FROM `{schema}`.`~jobs` WHERE status='reserved'"
            ).fetchone()[0]:
                return
        except dj.errors.MissingTableError:
            pass
        time.sleep(0.1)
    raise AssertionError("no job was reserved in time")


def test_four_workers_make_every_key_exactly_once(workspace):
    schema = fresh(workspace, 1000)
    connection = workspace[2]
    workers = [worker(workspace) for _ in range(4)]
    outputs = [w.communicate(timeout=300) for w in workers]
    assert all(w.returncode == 0 for w in workers), outputs
    made = sum(int(out.split(": ")[1].split(" made")[0]) for out, _ in outputs)
    assert made == 1000
    assert connection.query(
        f"SELECT COUNT(*), COUNT(DISTINCT key_id) FROM `{schema}`.`__target`"
    ).fetchone() == (1000, 1000)
    audit = connection.query(
        f"SELECT key_id, COUNT(*) FROM `{schema}`.`audit` GROUP BY key_id HAVING COUNT(*) > 1"
    ).fetchall()
    assert audit == () and connection.query(f"SELECT COUNT(*) FROM `{schema}`.`audit`").fetchone() == (1000,)
    pids = connection.query(f"SELECT COUNT(DISTINCT pid) FROM `{schema}`.`audit`").fetchone()[0]
    assert pids > 1  # the work was shared


def test_a_killed_worker_does_not_strand_its_key(workspace):
    schema = fresh(workspace, 5)
    connection = workspace[2]
    victim = worker(workspace, slow=True)
    wait_for_reservation(connection, schema)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)
    time.sleep(0.5)  # the server notices the closed socket
    rescuer = worker(workspace)
    _out, err = rescuer.communicate(timeout=120)
    assert rescuer.returncode == 0, err
    rows = connection.query(f"SELECT key_id FROM `{schema}`.`__target` ORDER BY key_id").fetchall()
    assert [r[0] for r in rows] == [0, 1, 2, 3, 4]
    assert connection.query(f"SELECT COUNT(*) FROM `{schema}`.`audit`").fetchone() == (5,)
    assert connection.query(f"SELECT COUNT(*) FROM `{schema}`.`~jobs`").fetchone() == (0,)


def test_sigterm_records_an_error_and_exits_nonzero(workspace):
    schema = fresh(workspace, 3)
    connection = workspace[2]
    victim = worker(workspace, slow=True)
    wait_for_reservation(connection, schema)
    deadline = time.monotonic() + 30
    while not (workspace[0] / "in_make").exists() and time.monotonic() < deadline:
        time.sleep(0.05)  # SIGTERM inside make is what this test is about
    victim.send_signal(signal.SIGTERM)
    victim.communicate(timeout=60)
    assert victim.returncode != 0
    status, message = connection.query(f"SELECT status, error_message FROM `{schema}`.`~jobs`").fetchone()
    assert status == "error" and "SIGTERM" in message
    assert connection.query(f"SELECT COUNT(*) FROM `{schema}`.`__target`").fetchone() == (0,)


def test_processes_option_in_the_api(workspace, server):
    schema = fresh(workspace, 40)
    folder, env, connection = workspace
    script = textwrap.dedent("""
        import pipeline
        result = pipeline.Target.populate(processes=3)
        print(result["success_count"], len(result["error_list"]), result["error_list"])
    """)
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=folder, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:2] == ["40", "0"], result.stdout
    pids = connection.query(f"SELECT COUNT(DISTINCT pid) FROM `{schema}`.`audit`").fetchone()[0]
    # On SQLite each make() holds the file's write lock, so with 40 quick keys one worker may
    # take them all; the 1,000-key test above shows the sharing there.
    assert pids > 1 or (connection.backend == "sqlite" and pids == 1)
