"""Table definitions declared by both clients in the interop test (plain data: both import it)."""

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


def declare_all(dj, schema) -> None:
    """Declare the tables with ``dj`` (datajoint or djnb: the same code runs on both)."""
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
