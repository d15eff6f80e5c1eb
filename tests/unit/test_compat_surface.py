"""DataJoint 0.14's name surface: top-level names, module paths through
``install_as_datajoint()``, and the helpers lab code imports from ``datajoint.utils``/``hash``."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

import djnb as dj
from djnb import naming
from djnb.files import safe_copy, safe_write
from djnb.hashing import uuid_from_buffer, uuid_from_file

ROOT = Path(__file__).resolve().parents[2]

# DataJoint 0.14.10's ``datajoint.__all__`` (a fact about the package, checked against it once)
DATAJOINT_014_ALL = {
    "__author__", "__version__", "config", "conn", "Connection", "Schema", "schema", "VirtualModule",
    "create_virtual_module", "list_schemas", "Table", "FreeTable", "Manual", "Lookup", "Imported",
    "Computed", "Part", "Not", "AndList", "Top", "U", "Diagram", "Di", "ERD", "set_password", "kill",
    "MatCell", "MatStruct", "AttributeAdapter", "errors", "DataJointError", "key", "key_hash",
    "logger", "cli",
}  # fmt: skip

# each 0.14 module path that lab code imports, with the names it must hold
MODULE_NAMES = {
    "utils": ["to_camel_case", "from_camel_case", "is_camel_case", "get_master", "user_choice",
              "safe_write", "safe_copy"],
    "user_tables": ["UserTable", "Manual", "Lookup", "Imported", "Computed", "Part", "TableMeta"],
    "schemas": ["Schema", "VirtualModule", "list_schemas"],
    "table": ["Table", "FreeTable", "Log"],
    "expression": ["QueryExpression", "U", "AndList", "Not", "Top"],
    "condition": ["AndList", "Not", "Top"],
    "autopopulate": ["AutoPopulate"],
    "hash": ["key_hash", "uuid_from_buffer", "uuid_from_file", "uuid_from_stream"],
    "heading": ["Heading", "Attribute"],
    "declare": [],
    "external": ["ExternalTable", "ExternalMapping"],
    "jobs": ["JobTable", "ERROR_MESSAGE_LENGTH", "TRUNCATION_APPENDIX"],
    "admin": ["set_password", "kill", "kill_quick"],
    "settings": ["config", "LOCALCONFIG", "GLOBALCONFIG"],
    "errors": ["DataJointError", "LostConnectionError", "QueryError", "QuerySyntaxError", "AccessError",
               "MissingTableError", "DuplicateError", "IntegrityError", "UnknownAttributeError",
               "MissingAttributeError", "MissingExternalFile", "BucketInaccessible", "PluginWarning",
               "ADAPTED_TYPE_SWITCH", "FILEPATH_FEATURE_SWITCH"],
    "blob": ["pack", "unpack", "MatCell", "MatStruct"],
    "fetch": ["key"],
    "dependencies": ["Dependencies"],
    "diagram": ["Diagram"],
    "connection": ["Connection", "conn"],
    "attribute_adapter": ["AttributeAdapter"],
}  # fmt: skip


def run(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_all_is_a_sorted_superset_of_datajoint_014():
    assert set(dj.__all__) >= DATAJOINT_014_ALL, DATAJOINT_014_ALL - set(dj.__all__)
    assert dj.__all__ == sorted(dj.__all__)
    assert len(set(dj.__all__)) == len(dj.__all__)


def test_top_level_names_survive_importing_every_submodule():
    """Importing a submodule binds it on the package; no top-level name may be one."""
    out = run(
        """
import importlib, json, pkgutil, types
import djnb as dj
for info in pkgutil.walk_packages(dj.__path__, "djnb."):
    if info.name.endswith("__main__"):
        continue
    importlib.import_module(info.name)
modules = {"blob", "errors", "settings"}  # modules in DataJoint 0.14 too
clashes = [n for n in dj.__all__ if isinstance(getattr(dj, n), types.ModuleType) and n not in modules]
print(json.dumps({"clashes": clashes, "schema": dj.schema is dj.Schema, "cli": callable(dj.cli),
                  "key": dj.key.__module__, "table": dj.Table.__name__}))
"""
    )
    found = json.loads(out)
    assert found == {"clashes": [], "schema": True, "cli": True, "key": "djnb.fetch", "table": "Table"}


def test_install_as_datajoint_serves_every_014_module_path():
    out = run(
        f"""
import importlib, json
import djnb
djnb.install_as_datajoint()
djnb.install_as_datajoint()  # twice is harmless
missing = []
for path, names in {MODULE_NAMES!r}.items():
    module = importlib.import_module("datajoint." + path)
    missing += [f"datajoint.{{path}}.{{n}}" for n in names if not hasattr(module, n)]
import datajoint as dj
from datajoint.utils import to_camel_case
from datajoint.user_tables import UserTable
from datajoint.settings import LOCALCONFIG, GLOBALCONFIG
print(json.dumps({{
    "missing": missing,
    "same": dj.Manual is djnb.Manual and dj.config is djnb.config and dj.schema is djnb.Schema,
    "errors": dj.errors.DuplicateError is djnb.errors.DuplicateError,
    "subclass": issubclass(dj.Manual, UserTable) and not issubclass(dj.FreeTable, UserTable),
    "camel": to_camel_case("raw_e_c_g"),
    "files": [LOCALCONFIG, GLOBALCONFIG],
    "version": dj.__version__,
    "attributes": [dj.utils.to_camel_case("a_b"), dj.hash.key_hash({{"a": 1}}) == djnb.key_hash({{"a": 1}}),
                   dj.errors.DuplicateError is djnb.errors.DuplicateError, callable(dj.cli),
                   dj.admin.kill is djnb.kill, dj.condition.Not is djnb.Not],
    "all": sorted(set(dj.__all__) ^ set(djnb.__all__)),
}}))
"""
    )
    found = json.loads(out)
    assert found["missing"] == []
    assert found["same"] and found["errors"] and found["subclass"]
    assert found["camel"] == "RawECG"
    assert found["files"] == ["dj_local_conf.json", ".datajoint_config.json"]
    assert found["version"].startswith("0.14.")
    assert found["attributes"] == ["AB", True, True, True, True, True]  # submodules as attributes
    assert found["all"] == []


def test_every_name_in_the_map_resolves():
    """The map is data: a wrong entry would only fail when some lab's code reaches it."""
    out = run(
        """
import importlib, json
import djnb
from djnb.compat.paths import MODULES
djnb.install_as_datajoint()
broken = []
for path, targets in MODULES.items():
    module = importlib.import_module("datajoint." + path)
    for names in targets.values():
        for entry in names:
            name = entry.partition("=")[0]
            try:
                getattr(module, name)
            except AttributeError as err:
                broken.append(f"datajoint.{path}.{name}: {err}")
print(json.dumps(broken))
"""
    )
    assert json.loads(out) == []


def test_unknown_014_name_says_what_to_do():
    out = run(
        """
import djnb
djnb.install_as_datajoint()
import datajoint.utils
try:
    datajoint.utils.no_such_helper
except AttributeError as err:
    print(err)
try:
    import datajoint.no_such_module
except ModuleNotFoundError as err:
    print(err)
"""
    )
    assert "datajoint.utils.no_such_helper" in out and "report" in out
    assert "datajoint.no_such_module" in out


def test_install_refuses_after_the_real_datajoint_was_imported():
    out = run(
        """
import sys, types
sys.modules["datajoint"] = types.ModuleType("datajoint")  # stands for an already imported DataJoint
import djnb
try:
    djnb.install_as_datajoint()
except djnb.DataJointError as err:
    print(err)
"""
    )
    assert "already imported" in out and "before" in out


@pytest.mark.parametrize(
    ("snake", "camel"),
    [
        ("raw_e_c_g", "RawECG"),
        ("table_name", "TableName"),
        ("scan_2d", "Scan_2d"),
        ("#lookup_name", "LookupName"),
    ],
)
def test_to_camel_case_matches_datajoint(snake: str, camel: str):
    assert naming.to_camel_case(snake) == camel


def test_from_camel_case_and_master_names():
    assert naming.from_camel_case("RawECG") == "raw_e_c_g"
    assert naming.is_camel_case("Session") and not naming.is_camel_case("session")
    with pytest.raises(dj.DataJointError, match="CamelCase"):
        naming.from_camel_case("raw_ecg")
    assert naming.get_master("`lab`.`__scan__field`") == "`lab`.`__scan`"
    assert naming.get_master("`lab`.`session`") == ""


def test_safe_write_and_copy(tmp_path: Path):
    target = tmp_path / "a" / "b.bin"
    safe_write(target, b"one")
    safe_write(target, b"two")  # an existing file stays (content-addressed in DataJoint)
    assert target.read_bytes() == b"one"
    copy = tmp_path / "c" / "d.bin"
    safe_copy(target, copy)
    target.write_bytes(b"three")
    safe_copy(target, copy)
    assert copy.read_bytes() == b"one"
    safe_copy(target, copy, overwrite=True)
    assert copy.read_bytes() == b"three"
    assert not list(tmp_path.rglob("*.saving")) and not list(tmp_path.rglob("*.copying"))


def test_content_ids_match_datajoint(tmp_path: Path):
    # values computed with DataJoint 0.14.10's datajoint.hash
    assert uuid_from_buffer(b"abc", init_string="x") == uuid.UUID("6ffeb24d-bea4-9bd0-d2a7-44a144298ac9")
    path = tmp_path / "f"
    path.write_bytes(b"abc")
    assert uuid_from_file(path, init_string="x") == uuid_from_buffer(b"abc", init_string="x")


def test_feature_switches_are_accepted():
    import os

    dj.errors._switch_adapted_types(True)
    assert os.environ[dj.errors.ADAPTED_TYPE_SWITCH] == "TRUE"
    dj.errors._switch_adapted_types(False)
    assert dj.errors.ADAPTED_TYPE_SWITCH not in os.environ
    assert dj.errors._support_filepath_types()


def test_cli_console_reads_stdin():
    result = subprocess.run(
        [sys.executable, "-c", "import djnb; djnb.cli([])"],
        input="print('answer', 6 * 7)\nprint(dj.schema is dj.Schema)\n",
        capture_output=True, text=True, cwd=ROOT, timeout=60,
    )  # fmt: skip
    assert "answer 42" in result.stdout and "True" in result.stdout
    bad = subprocess.run(
        [sys.executable, "-c", "import djnb; djnb.cli(['-s', 'nocolon'])"],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
    )  # fmt: skip
    assert "SCHEMA:ALIAS" in bad.stderr


def test_fetch_key_sentinel():
    from djnb.fetch import is_key

    assert is_key(dj.key) and is_key("KEY") and not is_key("key")
