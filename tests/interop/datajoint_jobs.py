"""The DataJoint side of the jobs interop test (run with the side virtualenv's Python).

python datajoint_jobs.py reserve <schema> <key_id>   # reserve, print "reserved", wait for stdin
python datajoint_jobs.py populate <schema>           # populate(reserve_jobs=True), print the count
"""

from __future__ import annotations

import os
import sys

import datajoint as dj


def connect() -> None:
    dj.config["database.host"] = os.environ.get("DJNB_TEST_HOST", "127.0.0.1")
    dj.config["database.port"] = int(os.environ.get("DJNB_TEST_PORT", "3306"))
    dj.config["database.user"] = os.environ.get("DJNB_TEST_USER", "root")
    dj.config["database.password"] = os.environ.get("DJNB_TEST_PASSWORD", "")
    dj.config["database.use_tls"] = False
    dj.config["loglevel"] = "WARNING"


def main(argv: list[str]) -> int:
    connect()
    schema = dj.Schema(argv[2])

    @schema
    class Key(dj.Manual):
        definition = "key_id : int"

    @schema
    class Target(dj.Computed):
        definition = """
        -> Key
        ---
        square : int
        """

        def make(self, key):
            self.insert1({**key, "square": key["key_id"] ** 2})

    if argv[1] == "reserve":
        assert schema.jobs.reserve(Target.table_name, {"key_id": int(argv[3])})
        print("reserved", flush=True)
        sys.stdin.readline()  # keep the session (and so the reservation) alive until told
        return 0
    result = Target.populate(reserve_jobs=True)
    print(result["success_count"] if isinstance(result, dict) else result, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
