"""Jobs shared with DataJoint 0.14: each client skips the other's live reservations."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import djnb as dj
from benchmarks.sidevenv import datajoint_python

BACKENDS = ("mysql",)
MYSQL_ONLY = "DataJoint 0.14, the other client in these tests, runs only on MySQL/MariaDB"


SIDE = Path(__file__).resolve().parents[1] / "interop" / "datajoint_jobs.py"


def side_env(server: dict) -> dict:
    return {
        **os.environ, "DJNB_TEST_HOST": server["host"], "DJNB_TEST_PORT": str(server["port"]),
        "DJNB_TEST_USER": server["user"], "DJNB_TEST_PASSWORD": server["password"],
    }  # fmt: skip


def test_reservations_are_respected_both_ways(server, prefix):
    connection = dj.Connection(**server)
    schema = dj.Schema(f"{prefix}_jobs", connection=connection)
    space: dict = {}

    @schema(context=space)
    class Key(dj.Manual):
        definition = "key_id : int"

    space["Key"] = Key

    @schema(context=space)
    class Target(dj.Computed):
        definition = """
        -> Key
        ---
        square : int
        """

        def make(self, key):
            self.insert1({**key, "square": key["key_id"] ** 2})

    Key.insert([(i,) for i in range(5)])
    python, env = str(datajoint_python()), side_env(server)
    holder = subprocess.Popen(
        [python, str(SIDE), "reserve", schema.database, "2"], env=env,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "reserved", holder.stderr.read()
        assert Target.populate(reserve_jobs=True)["success_count"] == 4  # DataJoint holds key 2
        assert sorted(Target.fetch("key_id").tolist()) == [0, 1, 3, 4]
    finally:
        holder.communicate("done\n", timeout=60)
    connection.query(f"DELETE FROM {schema.jobs.full_table_name}")
    assert schema.jobs.reserve(Target.table_name, {"key_id": 2})  # now djnb holds it, alive
    result = subprocess.run(
        [python, str(SIDE), "populate", schema.database], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0"  # DataJoint skipped djnb's reservation
    assert not (Target & {"key_id": 2})
    schema.jobs.complete(Target.table_name, {"key_id": 2})
    result = subprocess.run(
        [python, str(SIDE), "populate", schema.database], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.stdout.strip() == "1" and (Target & {"key_id": 2})
    connection.close()
