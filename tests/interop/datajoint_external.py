"""The DataJoint side of the external-storage interop test (run with the side venv's Python).

    python datajoint_external.py write <schema> <store> <stage> <attach_dir>
    python datajoint_external.py read <schema> <store> <stage> <download_dir>

``write`` declares the table of external_values.py with DataJoint 0.14 and inserts its rows.
``read`` fetches every row into ``download_dir`` (filepaths into ``stage``) and prints, as
JSON, the report of external_values.report and the rows of ``~external_raw``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ["DJ_SUPPORT_FILEPATH_MANAGEMENT"] = "TRUE"  # filepath is opt-in in DataJoint 0.14

import datajoint as dj

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import external_values

TRACKED = ("hash", "size", "attachment_name", "filepath", "contents_hash")


def main(argv: list[str]) -> int:
    command, schema_name, store, stage, folder = argv[1:6]
    dj.config["database.host"] = os.environ.get("DJNB_TEST_HOST", "127.0.0.1")
    dj.config["database.port"] = int(os.environ.get("DJNB_TEST_PORT", "3306"))
    dj.config["database.user"] = os.environ.get("DJNB_TEST_USER", "root")
    dj.config["database.password"] = os.environ.get("DJNB_TEST_PASSWORD", "")
    dj.config["database.use_tls"] = False
    dj.config["loglevel"] = "WARNING"
    dj.config["stores"] = {"raw": {"protocol": "file", "location": store, "stage": stage}}
    schema = dj.Schema(schema_name)
    table = schema(type("Item", (dj.Manual,), {"definition": external_values.DEFINITION}))
    if command == "write":
        external_values.write_files(Path(folder), Path(stage))
        table.insert(external_values.rows(Path(folder), Path(stage)))
        return 0
    fetched = table.fetch(as_dict=True, download_path=folder)
    tracked = schema.external["raw"].fetch(*TRACKED, as_dict=True, order_by="hash")
    result = {
        "report": external_values.report(fetched, Path(stage)),
        "tracked": [{k: None if v is None else str(v) for k, v in row.items()} for row in tracked],
        "unused": len(schema.external["raw"].unused()),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
