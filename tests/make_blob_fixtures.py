"""Regenerate the DataJoint blob interop fixtures (needs the package registry, not a server).

    python tests/make_blob_fixtures.py

Creates a throwaway virtualenv with ``datajoint<0.15``, then inside it:
(a) packs every value of ``tests/blob_corpus.py`` with DataJoint and saves the bytes under
    ``tests/fixtures/blobs/datajoint/`` with ``index.json`` describing the expected values;
(b) packs the same values with djnb (imported from this checkout) and records in
    ``tests/fixtures/blobs/datajoint_reads_djnb.json`` whether DataJoint reads back an equal
    value, with the SHA-256 of djnb's bytes so the tests notice when djnb's output changes.
The unit tests check djnb against both files without needing DataJoint.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "fixtures" / "blobs"
REQUIREMENT = "datajoint<0.15"
# Also stored compressed (DataJoint's ZL123 envelope), to test reading DataJoint's zlib output.
COMPRESSED = ("array_large", "records", "bytes")


def outside() -> None:
    with tempfile.TemporaryDirectory(prefix="djnb-fixtures-") as temp:
        env_dir = Path(temp) / "venv"
        venv.create(env_dir, with_pip=True)
        python = env_dir / "bin" / "python"
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", REQUIREMENT], check=True)
        subprocess.run([str(python), __file__, "--inside"], check=True)


def inside() -> None:
    sys.path.insert(0, str(ROOT))
    import datajoint
    from datajoint import blob as dj_blob

    from djnb import blob as djnb_blob
    from tests.blob_compare import same
    from tests.blob_corpus import CORPUS, CORRECTIONS, READ_AS, build, build_read_as

    folder = OUT / "datajoint"
    folder.mkdir(parents=True, exist_ok=True)
    index: dict[str, dict] = {}
    for name in CORPUS:
        value = build(name, dj_blob.MatCell, dj_blob.MatStruct)
        entry = {"value": CORPUS[name], "read_as": READ_AS.get(name, CORPUS[name]), "files": {}}
        for compress in (False, True) if name in COMPRESSED else (False,):
            data = dj_blob.pack(value, compress=compress)
            file = f"{name}{'.zl' if compress else ''}.blob"
            (folder / file).write_bytes(data)
            entry["files"][file] = {"compressed": data.startswith(b"ZL123\0")}
        if name in CORRECTIONS:
            entry["correction"] = CORRECTIONS[name]
        index[name] = entry
    about = {
        "datajoint_version": datajoint.__version__,
        "about": "Blobs packed by DataJoint; 'value' built them, 'read_as' is what a correct reader returns.",
    }
    (folder / "index.json").write_text(
        json.dumps({**about, "blobs": index}, indent=1, ensure_ascii=False) + "\n"
    )

    verdicts: dict[str, dict] = {}
    for name in CORPUS:
        data = djnb_blob.pack(build(name, djnb_blob.MatCell, djnb_blob.MatStruct), compress=False)
        expected = build_read_as(name, dj_blob.MatCell, dj_blob.MatStruct)
        verdict = {"sha256": hashlib.sha256(data).hexdigest()}
        try:
            verdict["equal"] = bool(same(expected, dj_blob.unpack(data)))
        except Exception as err:  # DataJoint's own failures are the record we want
            verdict["equal"], verdict["error"] = False, f"{type(err).__name__}: {err}"[:300]
        if name in CORRECTIONS:
            verdict["correction"] = CORRECTIONS[name]
        verdicts[name] = verdict
    report = {
        "datajoint_version": datajoint.__version__,
        "about": "Whether DataJoint reads back what djnb packed (sha256: djnb's uncompressed bytes).",
        "results": verdicts,
    }
    (OUT / "datajoint_reads_djnb.json").write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    failures = [n for n, v in verdicts.items() if not v["equal"] and n not in CORRECTIONS]
    print(
        f"{len(index)} fixtures written; DataJoint reads {len(verdicts) - len(failures)} of djnb's blobs back equal"
    )
    if failures:
        print("not equal:", ", ".join(failures))


if __name__ == "__main__":
    inside() if "--inside" in sys.argv else outside()
