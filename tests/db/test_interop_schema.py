"""Interop with DataJoint 0.14 on schemas: each client reads what the other declared.

(a) DataJoint declares schema A (tests/interop/datajoint_side.py, run in the cached side
virtualenv with ``datajoint<0.15``); djnb's virtual module of A must report the same heading
attributes, primary keys, foreign keys and ``describe()`` text as DataJoint's own virtual module.
(b) djnb declares schema B from the same definitions; DataJoint's view of B must match djnb's.
(c) Both declarations produce the same tables (``SHOW CREATE TABLE`` modulo the schema name).

Differences encoded in the comparison (everything else must be identical):
- djnb's ``describe()`` writes ``bool`` for ``tinyint(1)`` columns, DataJoint ``tinyint``
  (intended: DataJoint's line re-declares a ``tinyint(4)``).
- DataJoint 0.14 misreads two MariaDB spellings: it reports the default ``current_timestamp()``
  as the quoted string ``"current_timestamp()"`` and a ``json`` column (MariaDB: ``longtext``
  with a ``json_valid`` CHECK) as ``longtext``. djnb reports ``CURRENT_TIMESTAMP`` and ``json``
  (COMPAT.md), so DataJoint's dump is corrected for these before comparing, using the server's
  catalog, not either client, to find the affected columns.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import subprocess
from pathlib import Path

import pytest

import djnb as dj
from benchmarks.sidevenv import datajoint_python
from djnb.table import Table
from tests.interop.definitions import declare_all

BACKENDS = ("mysql",)
MYSQL_ONLY = "DataJoint 0.14, the other client in these tests, runs only on MySQL/MariaDB"


SIDE_SCRIPT = Path(__file__).resolve().parents[1] / "interop" / "datajoint_side.py"
FIELDS = ("name", "type", "in_key", "nullable", "default", "comment", "autoincrement")
FLAGS = ("is_blob", "is_attachment", "is_filepath", "uuid", "json", "is_external", "store")
MARIADB_NOW = '"current_timestamp()"'  # how DataJoint 0.14 shows MariaDB's CURRENT_TIMESTAMP


def declare_with_djnb(schema: dj.Schema) -> None:
    declare_all(dj, schema)


# -- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    location = tmp_path_factory.mktemp("interop_store")
    with dj.config(stores={"raw": {"protocol": "file", "location": str(location)}}):
        yield str(location)


@pytest.fixture(scope="module")
def djnb_connection(server, store):
    connection = dj.Connection(**server)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def datajoint_side(server, store):
    """Run a subcommand of the DataJoint side script; return its stdout."""
    python = datajoint_python()
    env = {
        **os.environ,
        "DJNB_TEST_HOST": server["host"],
        "DJNB_TEST_PORT": str(server["port"]),
        "DJNB_TEST_USER": server["user"],
        "DJNB_TEST_PASSWORD": server["password"],
        "DJNB_TEST_STORE": store,
    }

    def run(command: str, schema_name: str) -> str:
        result = subprocess.run(
            [str(python), str(SIDE_SCRIPT), command, schema_name],
            capture_output=True, text=True, env=env, timeout=120,
        )  # fmt: skip
        assert result.returncode == 0, f"datajoint_side.py {command} failed:\n{result.stderr}"
        return result.stdout

    return run


@pytest.fixture(scope="module")
def schema_a(prefix, datajoint_side):
    """A schema that DataJoint declared."""
    name = f"{prefix}_dj"
    datajoint_side("declare", name)
    return name


@pytest.fixture(scope="module")
def schema_b(prefix, djnb_connection):
    """The same schema, declared by djnb."""
    name = f"{prefix}_nb"
    declare_with_djnb(dj.Schema(name, connection=djnb_connection))
    return name


# -- the two views ----------------------------------------------------------------------------


def djnb_view(connection: dj.Connection, schema_name: str) -> dict:
    """djnb's virtual module of a schema, dumped like datajoint_side.py's ``describe``."""
    module = dj.VirtualModule("djnb_view", schema_name, connection=connection)
    dump = {}
    for cls in tables(module):
        table = cls()
        dump[cls.full_table_name] = {
            "heading": [
                {key: getattr(a, key) for key in FIELDS + FLAGS} for a in cls.heading.attributes.values()
            ],
            "primary_key": list(cls.primary_key),
            "parents": [
                [name, dict(info["attr_map"]), bool(info["primary"])]
                for name, info in table.parents(foreign_key_info=True)
            ],
            "describe": table.describe(),
        }
    return dump


def tables(module) -> list:
    found = []
    for name, member in sorted(vars(module).items()):
        if name[:1].isupper() and isinstance(member, type) and issubclass(member, Table):
            found.append(member)
            found.extend(
                part
                for part_name, part in sorted(vars(member).items())
                if part_name[:1].isupper() and isinstance(part, type) and issubclass(part, dj.Part)
            )
    return found


def datajoint_view(datajoint_side, connection: dj.Connection, schema_name: str) -> dict:
    """DataJoint's dump of a schema, with the encoded differences applied (module docstring)."""
    dump = json.loads(datajoint_side("describe", schema_name))
    bools, jsons = server_facts(connection, schema_name)
    for full_name, entry in dump.items():
        table = full_name.split("`.`")[1].rstrip("`")
        for attribute in entry["heading"]:
            column = (table, attribute["name"])
            if attribute["default"] == MARIADB_NOW:
                attribute["default"] = "CURRENT_TIMESTAMP"
            if column in jsons and attribute["type"] == "longtext":
                attribute["type"], attribute["json"] = "json", True
            kind = "bool" if column in bools and attribute["type"] == "tinyint" else attribute["type"]
            entry["describe"] = rewrite_line(entry["describe"], attribute, kind)
    return dump


def server_facts(connection: dj.Connection, schema_name: str) -> tuple[set, set]:
    """(table, column) of the tinyint(1) columns and of MariaDB's json (json_valid CHECK) columns."""
    bools = {
        tuple(row)
        for row in connection.query(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = %s AND column_type = 'tinyint(1)'",
            (schema_name,),
        ).fetchall()
    }
    jsons: set = set()
    if "mariadb" in connection.query("SELECT VERSION()").fetchone()[0].lower():
        for table, clause in connection.query(
            "SELECT table_name, check_clause FROM information_schema.check_constraints "
            "WHERE constraint_schema = %s",
            (schema_name,),
        ).fetchall():
            match = re.fullmatch(r"json_valid\(`(\w+)`\)", clause.strip())
            if match:
                jsons.add((table, match.group(1)))
    return bools, jsons


def rewrite_line(text: str, attribute: dict, kind: str) -> str:
    """Re-render one attribute line of DataJoint's describe() with corrected default/type."""
    lines = text.split("\n")
    for number, line in enumerate(lines):
        if line.startswith(("->", "#")) or " : " not in line:
            continue
        left, right = line.split(" : ", 1)
        if left.strip().split("=", 1)[0] != attribute["name"]:
            continue
        declared = re.fullmatch(r"(?P<type>[^#]*?)\s*(?P<comment>#.*)?", right)
        assert declared, line
        old_type = declared["type"].removesuffix(" auto_increment")
        default = left.strip().replace(f"={MARIADB_NOW}", "=CURRENT_TIMESTAMP")
        if old_type == kind and default == left.strip():
            return text  # nothing to correct: keep DataJoint's text as it is
        suffix = declared["type"][len(old_type) :]
        # DataJoint's own format for attribute lines
        lines[number] = f"{default:<20} : {kind + suffix:<28} {declared['comment'] or ''}"
        return "\n".join(lines)
    return text


# -- the comparison ---------------------------------------------------------------------------


def differences(theirs: dict, ours: dict) -> list[str]:
    """Every way djnb's view differs from DataJoint's, as readable lines."""
    found = []
    if set(theirs) != set(ours):
        found.append(f"tables: DataJoint {sorted(theirs)} != djnb {sorted(ours)}")
    for name in sorted(set(theirs) & set(ours)):
        dj_entry, nb_entry = theirs[name], ours[name]
        dj_names = [a["name"] for a in dj_entry["heading"]]
        nb_names = [a["name"] for a in nb_entry["heading"]]
        if dj_names != nb_names:
            found.append(f"{name} attributes: DataJoint {dj_names} != djnb {nb_names}")
        for dj_attr, nb_attr in zip(dj_entry["heading"], nb_entry["heading"], strict=False):
            for key in FIELDS + FLAGS:
                if dj_attr[key] != nb_attr[key]:
                    found.append(
                        f"{name}.{dj_attr['name']} {key}: DataJoint {dj_attr[key]!r} != djnb {nb_attr[key]!r}"
                    )
        if dj_entry["primary_key"] != nb_entry["primary_key"]:
            found.append(
                f"{name} primary key: DataJoint {dj_entry['primary_key']} != djnb {nb_entry['primary_key']}"
            )
        dj_parents, nb_parents = sorted_parents(dj_entry["parents"]), sorted_parents(nb_entry["parents"])
        if dj_parents != nb_parents:
            found.append(f"{name} parents: DataJoint {dj_parents} != djnb {nb_parents}")
        found.extend(describe_differences(name, dj_entry["describe"], nb_entry["describe"]))
    return found


def sorted_parents(parents: list) -> list:
    return sorted(parents, key=lambda parent: json.dumps(parent, sort_keys=True))


def describe_differences(name: str, theirs: str, ours: str) -> list[str]:
    if theirs == ours:
        return []
    found = []
    dj_lines, nb_lines = theirs.split("\n"), ours.split("\n")
    dj_padded = sum(line != line.rstrip() for line in dj_lines)
    nb_padded = sum(line != line.rstrip() for line in nb_lines)
    if dj_padded != nb_padded:
        found.append(
            f"{name} describe: lines with trailing whitespace: DataJoint {dj_padded}, djnb {nb_padded}"
        )
    dj_lines, nb_lines = [line.rstrip() for line in dj_lines], [line.rstrip() for line in nb_lines]
    if dj_lines != nb_lines:
        diff = difflib.unified_diff(dj_lines, nb_lines, "DataJoint", "djnb", lineterm="", n=1)
        found.append(f"{name} describe:\n  " + "\n  ".join(diff))
    return found


def show_create(connection: dj.Connection, schema_name: str) -> dict[str, str]:
    """SHOW CREATE TABLE of every table, schema name removed, lines sorted."""
    found = {}
    for (table,) in connection.query(f"SHOW TABLES IN `{schema_name}`").fetchall():
        text = connection.query(f"SHOW CREATE TABLE `{schema_name}`.`{table}`").fetchone()[1]
        text = re.sub(r" AUTO_INCREMENT=\d+", "", text.replace(schema_name, "<schema>"))
        found[table] = "\n".join(sorted(line.strip().rstrip(",") for line in text.splitlines()))
    return found


# -- the tests --------------------------------------------------------------------------------


def test_djnb_reads_a_schema_that_datajoint_declared(datajoint_side, djnb_connection, schema_a):
    theirs = datajoint_view(datajoint_side, djnb_connection, schema_a)
    ours = djnb_view(djnb_connection, schema_a)
    assert len(theirs) == 8  # 6 tables and 2 parts
    found = differences(theirs, ours)
    assert not found, "\n".join(found)


def test_datajoint_reads_a_schema_that_djnb_declared(datajoint_side, djnb_connection, schema_b):
    theirs = datajoint_view(datajoint_side, djnb_connection, schema_b)
    ours = djnb_view(djnb_connection, schema_b)
    assert len(theirs) == 8
    found = differences(theirs, ours)
    assert not found, "\n".join(found)


def test_both_clients_declare_the_same_tables(djnb_connection, schema_a, schema_b):
    theirs, ours = show_create(djnb_connection, schema_a), show_create(djnb_connection, schema_b)
    assert {"~log", "~external_raw"} <= set(theirs)
    assert set(ours) == set(theirs)
    found = []
    for table in sorted(theirs):
        if ours[table] != theirs[table]:
            diff = difflib.unified_diff(
                theirs[table].splitlines(), ours[table].splitlines(), "DataJoint", "djnb", lineterm="", n=0
            )
            found.append(f"{table}:\n  " + "\n  ".join(diff))
    assert not found, "\n".join(found)
