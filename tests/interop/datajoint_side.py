"""The DataJoint side of the schema interoperability test (run with the side venv's Python).

Usage (with the Python of ``benchmarks.sidevenv.datajoint_python()``, i.e. ``datajoint<0.15``):

    python datajoint_side.py declare <schema_name> [<store_location>]
    python datajoint_side.py describe <schema_name> [<store_location>]

``declare`` declares, with DataJoint, a schema covering the definition forms (every tier,
parts with ``-> master``, renamed / nullable / unique foreign keys, indexes, all types).
``describe`` loads DataJoint's virtual module of a schema and prints, as JSON, per table full
name: its heading attributes, primary key, parents (with foreign-key info) and ``describe()``.

The server comes from DJNB_TEST_HOST/PORT/USER/PASSWORD (default root@127.0.0.1:3306, no
password); the location of the file store ``raw`` from the third argument or DJNB_TEST_STORE
(default: a temporary directory). tests/db/test_interop_schema.py declares the same
definitions (tests/interop/definitions.py) with djnb.
"""

from __future__ import annotations

import inspect
import json
import os
import sys
import tempfile

import datajoint as dj

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# heading fields compared between the clients
FIELDS = ("name", "type", "in_key", "nullable", "default", "comment", "autoincrement")
FLAGS = ("is_blob", "is_attachment", "is_filepath", "uuid", "json", "is_external", "store")

from definitions import (  # noqa: E402 (beside this script)
    declare_all,
)


def connect() -> dj.Connection:
    dj.config["database.host"] = os.environ.get("DJNB_TEST_HOST", "127.0.0.1")
    dj.config["database.port"] = int(os.environ.get("DJNB_TEST_PORT", "3306"))
    dj.config["database.user"] = os.environ.get("DJNB_TEST_USER", "root")
    dj.config["database.password"] = os.environ.get("DJNB_TEST_PASSWORD", "")
    dj.config["database.use_tls"] = False  # the test server has no TLS
    dj.config["safemode"] = False
    dj.config["loglevel"] = "WARNING"
    return dj.conn()


def configure_store(argv: list[str]) -> None:
    location = argv[3] if len(argv) > 3 else os.environ.get("DJNB_TEST_STORE") or tempfile.mkdtemp()
    dj.config["stores"] = {"raw": {"protocol": "file", "location": location}}


def declare(schema_name: str) -> None:
    declare_all(dj, dj.Schema(schema_name, connection=connect()))


def tables(module) -> list:
    """Every table class of a virtual module, masters followed by their parts."""
    found = []
    for name, member in sorted(vars(module).items()):
        if name[:1].isupper() and inspect.isclass(member) and issubclass(member, dj.Table):
            found.append(member)
            found.extend(
                part
                for part_name, part in sorted(vars(member).items())
                if part_name[:1].isupper() and inspect.isclass(part) and issubclass(part, dj.Part)
            )
    return found


def attribute(attr) -> dict:
    entry = {field: getattr(attr, field) for field in FIELDS}
    entry.update({flag: getattr(attr, flag) for flag in FLAGS})
    entry["json"] = bool(entry["json"])
    return entry


def describe(schema_name: str) -> dict:
    connect()
    module = dj.VirtualModule("datajoint_side", schema_name)
    context = {name: value for name, value in vars(module).items() if not name.startswith("_")}
    dump = {}
    for cls in tables(module):
        table = cls()
        dump[cls.full_table_name] = {
            "heading": [attribute(a) for a in table.heading.attributes.values()],
            "primary_key": list(table.primary_key),
            "parents": [
                [name, dict(info["attr_map"]), bool(info["primary"])]
                for name, info in table.parents(foreign_key_info=True)
            ],
            "describe": table.describe(context=context),
        }
    return dump


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] not in ("declare", "describe"):
        sys.stderr.write(__doc__)
        return 2
    configure_store(argv)
    if argv[1] == "declare":
        declare(argv[2])
    else:
        json.dump(describe(argv[2]), sys.stdout, indent=1, default=str)
        sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
