"""Values and the table for the external-storage interop test, shared by both clients.

Imported by tests/db/test_interop_external.py (djnb) and tests/interop/datajoint_external.py
(DataJoint 0.14 in the side virtualenv), so it needs only numpy and the standard library.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

DEFINITION = """
item_id : int
---
data = null : blob@raw
inline = null : attach
outside = null : attach@raw
path = null : filepath@raw
"""

ATTACHMENTS = {"notes.txt": b"hello from the rig\n", "trace.bin": bytes(range(256)) * 400}
STAGED = {"session1/rec.dat": b"recording " * 1000, "session2/deep/events.csv": b"t,x\n0,1\n"}


def blobs() -> dict[int, object]:
    """item_id -> blob value: small and large, compressible and not, numeric and native."""
    rng = np.random.default_rng(7)
    return {
        1: np.arange(1000.0),
        2: {"name": "mouse", "weights": [1.5, 2.5], "shape": (3, 4)},
        3: rng.random(300_000),  # 2.4 MB that does not compress
        4: np.zeros((500, 500)),  # 2 MB that compresses well
        5: rng.integers(0, 1000, (20, 30)).astype(np.int16),
    }


def write_files(attach_dir: Path, stage: Path) -> None:
    for name, data in ATTACHMENTS.items():
        (attach_dir / name).write_bytes(data)
    for name, data in STAGED.items():
        (stage / name).parent.mkdir(parents=True, exist_ok=True)
        (stage / name).write_bytes(data)


def rows(attach_dir: Path, stage: Path) -> list[dict]:
    """The rows both clients insert (the files must exist: see write_files)."""
    found = [{"item_id": key, "data": value} for key, value in blobs().items()]
    attachments, staged = sorted(ATTACHMENTS), sorted(STAGED)
    for index, name in enumerate(attachments):
        found.append(
            {"item_id": 10 + index, "inline": str(attach_dir / name), "outside": str(attach_dir / name)}
        )
    for index, name in enumerate(staged):
        found.append({"item_id": 20 + index, "path": str(stage / name)})
    empty = dict.fromkeys(("data", "inline", "outside", "path"))
    return [{**empty, **row} for row in found]  # DataJoint inserts rows of one shape only


def equal(a: object, b: object) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (
            isinstance(a, np.ndarray)
            and isinstance(b, np.ndarray)
            and a.dtype == b.dtype
            and a.shape == b.shape
            and bool(np.array_equal(a, b))
        )
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def report(fetched: list[dict], stage: Path) -> dict:
    """What a client fetched, comparable across clients: blob equality, file names and digests."""
    expected = blobs()
    found = {}
    for row in fetched:
        entry = {}
        if row["data"] is not None:
            entry["data_equal"] = equal(row["data"], expected[row["item_id"]])
        for field in ("inline", "outside"):
            if row[field] is not None:
                path = Path(row[field])
                entry[field] = [path.name, hashlib.sha256(path.read_bytes()).hexdigest()]
        if row["path"] is not None:
            path = Path(row["path"])
            entry["path"] = [
                path.relative_to(stage).as_posix(),
                hashlib.sha256(path.read_bytes()).hexdigest(),
            ]
        found[str(row["item_id"])] = entry
    return found


def expected_report() -> dict:
    found = {str(key): {"data_equal": True} for key in blobs()}
    for index, name in enumerate(sorted(ATTACHMENTS)):
        digest = [name, hashlib.sha256(ATTACHMENTS[name]).hexdigest()]
        found[str(10 + index)] = {"inline": digest, "outside": digest}
    for index, name in enumerate(sorted(STAGED)):
        found[str(20 + index)] = {"path": [name, hashlib.sha256(STAGED[name]).hexdigest()]}
    return found
