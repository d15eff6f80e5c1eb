"""dj.config: defaults, precedence, files, temporary overrides, validation, secrets."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import djnb as dj
from djnb.errors import ConfigError
from djnb.settings import DEFAULTS, Config


def write(path: Path, settings: dict) -> Path:
    path.write_text(json.dumps(settings))
    return path


def test_defaults_match_datajoint_014():
    cfg = Config(environ={})
    assert cfg["database.host"] == "localhost"
    assert cfg["database.port"] == 3306
    assert cfg["database.user"] is None and cfg["database.password"] is None
    assert cfg["database.reconnect"] is True and cfg["database.use_tls"] is None
    assert cfg["connection.init_function"] is None and cfg["connection.charset"] == ""
    assert cfg["loglevel"] == "INFO" and cfg["safemode"] is True
    assert cfg["fetch_format"] == "array"
    assert (cfg["display.limit"], cfg["display.width"], cfg["display.show_tuple_count"]) == (12, 14, True)
    assert cfg["enable_python_native_blobs"] is True
    assert cfg["filepath_checksum_size_limit"] is None
    assert cfg["stores"] == {} and cfg["cache"] is None
    assert cfg["database.backend"] is None and cfg.backend() == "sqlite"  # nothing configured: embedded
    assert cfg["database.path"] == "djnb.sqlite"
    assert set(DEFAULTS) <= set(cfg)


def test_backend_is_sqlite_until_a_host_is_configured(tmp_path):
    assert Config(environ={}).backend() == "sqlite"
    assert Config(environ={}).backend(host_given=True) == "mysql"
    assert Config(environ={"DJ_HOST": "db.lab.org"}).backend() == "mysql"
    cfg = Config(environ={})
    cfg.load(write(tmp_path / "conf.json", {"database.host": "db.lab.org"}))
    assert cfg.backend() == "mysql"
    cfg = Config(environ={"DJ_HOST": "db.lab.org"})
    cfg["database.backend"] = "sqlite"  # an explicit backend wins
    assert cfg.backend() == "sqlite"
    cfg = Config(environ={})
    cfg["database.host"] = "localhost"  # assigned, even to the default value: a server
    assert cfg.backend() == "mysql"
    assert (
        Config(environ={"DJ_USER": "alice", "DJ_PASS": "pw"}).backend() == "mysql"
    )  # localhost, as in DataJoint


def test_precedence_defaults_file_environment_assignment(tmp_path):
    conf = write(tmp_path / "conf.json", {"database.host": "file-host", "database.user": "file-user"})
    cfg = Config(environ={"DJ_HOST": "env-host", "DJ_PORT": "3307"})
    assert cfg["database.host"] == "env-host"  # environment over default
    cfg.load(conf)
    assert cfg["database.user"] == "file-user"  # file over default
    assert cfg["database.host"] == "env-host"  # environment over file
    assert cfg.source("database.host") == "environment (DJ_HOST)"
    assert cfg["database.port"] == 3307  # parsed from the environment string
    cfg["database.host"] = "code-host"
    assert cfg["database.host"] == "code-host"  # assignment over everything
    assert cfg.source("database.host") == "assignment"
    assert cfg.source("database.user") == f"file {conf.resolve()}"
    assert cfg.source("safemode") == "default"


def test_every_documented_environment_variable(tmp_path):
    env = {"DJ_HOST": "h", "DJ_USER": "u", "DJ_PASS": "p", "DJ_PORT": "1234", "DJ_BACKEND": "MariaDB"}
    cfg = Config(environ=env)
    assert [cfg[k] for k in ("database.host", "database.user", "database.password")] == ["h", "u", "p"]
    assert cfg["database.port"] == 1234
    assert cfg["database.backend"] == "mysql"


def test_local_file_is_preferred_to_global(tmp_path, monkeypatch):
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir(), work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    write(home / ".datajoint_config.json", {"database.host": "global"})
    cfg = Config(environ={})
    cfg.load_default_file()
    assert cfg["database.host"] == "global"
    write(work / "dj_local_conf.json", {"database.host": "local"})
    cfg = Config(environ={})
    cfg.load_default_file()
    assert cfg["database.host"] == "local"


def test_save_and_load_round_trip(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = Config(environ={"DJ_PASS": "from-env"})
    cfg["database.host"] = "db.lab.org"
    cfg["display.limit"] = 30
    cfg["custom"] = {"lab": "x"}
    path = cfg.save_local()
    assert path == Path("dj_local_conf.json")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # may hold a password
    saved = json.loads(path.read_text())
    assert saved["database.password"] is None  # environment values are not persisted
    again = Config(environ={})
    again.load(path)
    assert again["database.host"] == "db.lab.org"
    assert again["display.limit"] == 30
    assert again["custom"] == {"lab": "x"}
    assert dict(again) == {**dict(cfg), "database.password": None}


def test_save_global_writes_the_home_file(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    cfg = Config(environ={})
    cfg["database.user"] = "alice"
    assert cfg.save_global() == tmp_path / ".datajoint_config.json"
    assert json.loads((tmp_path / ".datajoint_config.json").read_text())["database.user"] == "alice"


def test_load_replaces_earlier_assignments_of_its_keys(tmp_path):
    cfg = Config(environ={})
    cfg["database.host"] = "assigned"
    cfg["database.user"] = "kept"
    cfg.load(write(tmp_path / "c.json", {"database.host": "loaded"}))
    assert cfg["database.host"] == "loaded"
    assert cfg["database.user"] == "kept"


def test_temporary_override_restores_values():
    cfg = Config(environ={})
    cfg["database.host"] = "before"
    with cfg(safemode=False, database__host="inside", display__limit=3) as inner:
        assert inner is cfg
        assert (cfg["safemode"], cfg["database.host"], cfg["display.limit"]) == (False, "inside", 3)
    assert (cfg["safemode"], cfg["database.host"], cfg["display.limit"]) == (True, "before", 12)
    assert cfg.source("safemode") == "default"


def test_temporary_override_restores_after_exception():
    with pytest.raises(RuntimeError), dj.config(safemode=False, database__host="elsewhere"):
        assert dj.config["database.host"] == "elsewhere"
        raise RuntimeError("boom")
    assert dj.config["safemode"] is True
    assert dj.config["database.host"] != "elsewhere"


def test_temporary_override_with_a_bad_value_changes_nothing():
    cfg = Config(environ={})
    with pytest.raises(ConfigError, match="database.port"), cfg(safemode=False, database__port="x"):
        pass
    assert cfg["safemode"] is True


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("database.port", "abc", "database.port"),
        ("database.port", 3.5, "integer"),
        ("database.port", 70000, "between 1 and 65535"),
        ("database.backend", "oracle", "'mysql', 'sqlite', 'postgresql'"),
        ("database.reconnect", "yes", "True or False"),
        ("database.use_tls", "on", "use_tls"),
        ("loglevel", "LOUD", "DEBUG, INFO"),
        ("fetch_format", "table", "'array' or 'frame'"),
        ("display.limit", 0, "display.limit"),
        ("stores", {"raw": "not a dict"}, "stores"),
    ],
)
def test_bad_values_raise_at_assignment_naming_the_key(key, value, message):
    cfg = Config(environ={})
    before = cfg[key]
    with pytest.raises(ConfigError, match=message) as caught:
        cfg[key] = value
    assert key in str(caught.value)
    assert isinstance(caught.value, ValueError)
    assert cfg[key] == before


def test_typo_in_a_known_namespace_suggests_the_key():
    with pytest.raises(ConfigError, match="Did you mean 'database.host'"):
        Config(environ={})["database.hots"] = "x"


def test_unknown_top_level_keys_are_allowed():
    cfg = Config(environ={})
    cfg["custom"] = {"database.prefix": "lab_"}  # a common DataJoint idiom
    assert cfg["custom"]["database.prefix"] == "lab_"


def test_bad_environment_value_is_reported_and_skipped():
    cfg = Config(environ={"DJ_PORT": "thirty", "DJ_HOST": "", "DJ_USER": "ok"})
    assert cfg["database.port"] == 3306 and cfg["database.host"] == "localhost"
    assert cfg["database.user"] == "ok"
    assert len(cfg.problems) == 2
    assert any("DJ_PORT" in p and "database.port" in p for p in cfg.problems)


def test_import_time_loading_follows_precedence_and_survives_bad_values(tmp_path):
    """The real start-up path: file in the working directory, then the environment."""
    write(
        tmp_path / "dj_local_conf.json",
        {"database.host": "file-host", "database.user": "file-user", "display.limit": 3},
    )
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "DJ_USER": "env-user", "DJ_PORT": "bad"}
    probe = "import djnb as dj; c = dj.config; print(c['database.host'], c['database.user'], c['display.limit'], c['database.port'], c.source('database.user'))"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path, env=env, check=True
    )
    assert result.stdout.split() == ["file-host", "env-user", "3", "3306", "environment", "(DJ_USER)"]
    assert "DJ_PORT ignored" in result.stderr  # a warning, and import still works
    info = subprocess.run(
        [sys.executable, "-m", "djnb", "info", "--no-connect"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    assert info.returncode == 0 and "DJ_PORT ignored" in info.stdout


def test_second_file_adds_to_the_first(tmp_path):
    cfg = Config(environ={})
    cfg.load(write(tmp_path / "a.json", {"database.host": "a", "display.limit": 5}))
    cfg.load(write(tmp_path / "b.json", {"database.host": "b"}))
    assert (cfg["database.host"], cfg["display.limit"]) == ("b", 5)


def test_save_is_atomic_and_private(tmp_path):
    path = write(tmp_path / "conf.json", {"database.host": "before"})
    path.chmod(0o644)
    cfg = Config(environ={})
    cfg["custom"] = {"not json": {1, 2}}
    with pytest.raises(ConfigError, match="custom"):
        cfg.save(path)
    assert json.loads(path.read_text()) == {"database.host": "before"}  # untouched
    del cfg["custom"]
    cfg["database.password"] = "pw"
    cfg.save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_secrets_inside_stores_and_tls_options_are_masked():
    cfg = Config(environ={})
    cfg["stores"] = {"raw": {"protocol": "s3", "endpoint": "s3.lab.org:9000", "bucket": "lab", "location": "x",
                             "access_key": "AKIA", "secret_key": "s3cr3t-key"}}  # fmt: skip
    cfg["database.use_tls"] = {"ca": "/ca.pem", "key_password": "tls-pass"}
    text = repr(cfg)
    assert "s3cr3t-key" not in text and "tls-pass" not in text
    assert "AKIA" in text and "/ca.pem" in text
    assert cfg["stores"]["raw"]["secret_key"] == "s3cr3t-key"


def test_bad_file_reports_path_line_and_column(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{\n  "database.host": "x",\n  oops\n}')
    with pytest.raises(ConfigError, match=r"line 3, column 3") as caught:
        Config(environ={}).load(path)
    assert str(path) in str(caught.value)
    with pytest.raises(ConfigError, match="database.port"):
        Config(environ={}).load(write(tmp_path / "bad.json", {"database.port": "x"}))


def test_password_is_never_shown(tmp_path):
    cfg = Config(environ={"DJ_PASS": "env-secret-1"})
    assert "env-secret-1" not in repr(cfg) and "env-secret-1" not in str(cfg)
    cfg["database.password"] = "code-secret-2"
    assert "code-secret-2" not in repr(cfg)
    assert "********" in repr(cfg)
    with pytest.raises(ConfigError) as caught:
        cfg["database.password"] = 12345
    assert "12345" not in str(caught.value)


def test_loglevel_sets_the_logger_level():
    import logging

    with dj.config(loglevel="debug"):
        assert logging.getLogger("djnb").level == logging.DEBUG
    assert logging.getLogger("djnb").level == logging.getLevelName(dj.config["loglevel"])


def test_mapping_protocol():
    cfg = Config(environ={})
    cfg.update({"safemode": False, "display.limit": 5})
    assert cfg["safemode"] is False and len(cfg) == len(list(cfg))
    del cfg["safemode"]
    assert cfg["safemode"] is True  # back to the default
    with pytest.raises(KeyError):
        del cfg["no.such.key"]
    assert cfg.get("nothing") is None
