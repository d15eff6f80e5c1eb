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
definitions with djnb; keep the two copies identical.
"""

from __future__ import annotations

import inspect
import json
import os
import sys
import tempfile

import datajoint as dj

# heading fields compared between the clients
FIELDS = ("name", "type", "in_key", "nullable", "default", "comment", "autoincrement")
FLAGS = ("is_blob", "is_attachment", "is_filepath", "uuid", "json", "is_external", "store")

LAB = """
# research laboratories
lab : varchar(32)   # short name
---
institution = "Unknown" : varchar(255)   # home institution
room = null : char(8)
"""
LAB_CONTENTS = (("alab", "Uni A", "B-12"), ("blab", "Uni B", None))

SUBJECT = """
# experimental animals
subject_id : int unsigned   # unique id
---
-> [nullable] Lab
species = "mouse" : varchar(32)
sex = 'U' : enum('M', 'F', 'U')   # sex, or unknown
date_of_birth = null : date
weight = null : decimal(6,2)   # grams (wet)
alive = 1 : bool
registered = CURRENT_TIMESTAMP : timestamp
info = null : json   # free-form metadata
"""

SESSION = """
-> Subject
session_id : smallint   # session number within the subject
---
session_start : datetime(3)
start_time = null : time
session_uuid : uuid   # globally unique id
experimenter = "" : varchar(64)
rating = null : tinyint unsigned
index (session_start, experimenter)
unique index (session_uuid)
"""

SCAN = """
# a scan in a session
-> Session
scan_idx : tinyint unsigned
---
frames : longblob   # raw frames
preview = null : mediumblob
report = null : attach
stack = null : blob@raw   # kept in the external store
frame_rate = 30.0 : float   # Hz
duration = null : double
counter = 0 : bigint
"""

FIELD = """
-> master
field_idx : smallint
---
depth : float   # microns
"""

PROTOCOL = """
protocol_id : int auto_increment
---
name : varchar(64)
"""

PAIRING = """
# two sessions compared
-> Session
-> Session.proj(other_subject="subject_id", other_session="session_id")
---
-> [unique] Subject.proj(mentor="subject_id")
-> [nullable, unique] Lab.proj(host_lab="lab")
-> Protocol
similarity : double
"""

DETAIL = """
-> master
-> Scan.Field
---
score = 0 : float
"""


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
    schema = dj.Schema(schema_name, connection=connect())
    context: dict = {}

    class Lab(dj.Lookup):
        definition = LAB
        contents = LAB_CONTENTS

    class Subject(dj.Manual):
        definition = SUBJECT

    class Session(dj.Manual):
        definition = SESSION

    class Scan(dj.Imported):
        definition = SCAN

        class Field(dj.Part):
            definition = FIELD

    class Protocol(dj.Lookup):
        definition = PROTOCOL

    class Pairing(dj.Computed):
        definition = PAIRING

        class Detail(dj.Part):
            definition = DETAIL

    for cls in (Lab, Subject, Session, Scan, Protocol, Pairing):
        schema(cls, context=context)
        context[cls.__name__] = cls


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
