"""``dj.config`` where DataJoint 0.14 code pokes at it (issue 16): the mapping methods, files,
the ``with`` override, keys djnb does not know, stores, path-like folders, the logger."""

from __future__ import annotations

import json
import logging
from pathlib import Path, PurePosixPath

import pytest

import djnb as dj
from djnb import settings
from djnb.errors import ConfigError
from djnb.settings import Config


@pytest.fixture
def cfg() -> Config:
    return Config(environ={})


def test_settings_module_has_014_file_name_constants():
    assert settings.LOCALCONFIG == "dj_local_conf.json"
    assert settings.GLOBALCONFIG == ".datajoint_config.json"
    assert {"LOCALCONFIG", "GLOBALCONFIG", "config", "logger"} <= set(settings.__all__)


def test_mapping_methods(cfg):
    assert cfg.get("display.limit") == 12
    assert cfg.get("no.such.key") is None and cfg.get("no.such.key", 7) == 7
    assert "safemode" in cfg and "no.such.key" not in cfg
    cfg.update({"display.limit": 5, "custom": {"x": 1}}, safemode=False)
    assert (cfg["display.limit"], cfg["custom"], cfg["safemode"]) == (5, {"x": 1}, False)
    assert "display.limit" in list(cfg.keys()) and dict(cfg.items())["display.limit"] == 5
    assert cfg.setdefault("custom", {}) == {"x": 1}
    cfg.setdefault("other", {})["y"] = 2  # a common idiom: create a dict once, then fill it
    assert cfg["other"] == {"y": 2}


def test_unknown_keys_are_kept_as_in_014(cfg):
    cfg["custom"] = {"database.prefix": "lab_"}
    cfg["custom"]["x"] = {"deep": 1}  # nested dicts are the caller's own objects
    assert cfg["custom"]["x"]["deep"] == 1 and cfg["custom"]["database.prefix"] == "lab_"
    # lab pipelines set keys in DataJoint's namespaces that DataJoint itself never reads
    cfg["database.prefix"] = "test_"
    cfg["display.colour"] = "blue"
    assert (cfg["database.prefix"], cfg["display.colour"]) == ("test_", "blue")


@pytest.mark.parametrize(
    ("typo", "meant"),
    [
        ("database.hots", "database.host"),  # two letters swapped
        ("database.passwd", None),  # two letters away: a key of its own
        ("display.limt", "display.limit"),  # one dropped
        ("database.reconnectt", "database.reconnect"),  # one added
        ("connection.charsat", "connection.charset"),  # one changed
    ],
)
def test_a_key_one_typo_away_from_a_setting_is_an_error(cfg, typo, meant):
    if meant is None:
        cfg[typo] = "x"
        assert cfg[typo] == "x"
        return
    with pytest.raises(ConfigError, match=f"Did you mean '{meant}'"):
        cfg[typo] = "x"


def test_load_without_a_path_reads_the_local_file(cfg, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dj_local_conf.json").write_text(json.dumps({"display.limit": 4, "custom": {"a": 1}}))
    cfg.load()
    assert cfg["display.limit"] == 4 and cfg["custom"] == {"a": 1}
    cfg["display.limit"] = 9
    cfg.load(None)  # the file's values replace assignments, as in 0.14
    assert cfg["display.limit"] == 4


def test_save_local_and_global_write_path_likes_as_strings(cfg, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    cfg["cache"] = tmp_path / "cache"
    cfg["stores"] = {"raw": {"protocol": "file", "location": tmp_path / "store"}}
    cfg["custom"] = {"folders": [tmp_path / "a", PurePosixPath("/b")]}
    cfg.save_local()
    cfg.save_global()
    for written in (tmp_path / settings.LOCALCONFIG, tmp_path / "home" / settings.GLOBALCONFIG):
        data = json.loads(written.read_text())
        assert data["cache"] == str(tmp_path / "cache")
        assert data["stores"]["raw"]["location"] == str(tmp_path / "store")
        assert data["custom"] == {"folders": [str(tmp_path / "a"), "/b"]}
    assert cfg["cache"] == tmp_path / "cache"  # the setting itself keeps the object given


def test_context_manager_restores_everything_set_inside(cfg):
    cfg["display.limit"] = 7
    with cfg(safemode=False, display__limit=3, custom={"k": 1}) as inside:
        assert inside is cfg
        assert (cfg["safemode"], cfg["display.limit"], cfg["custom"]) == (False, 3, {"k": 1})
        cfg["loglevel"] = "DEBUG"
    assert (cfg["safemode"], cfg["display.limit"], cfg["loglevel"]) == (True, 7, "INFO")
    assert "custom" not in cfg
    with pytest.raises(RuntimeError), cfg(safemode=False):
        raise RuntimeError("boom")
    assert cfg["safemode"] is True


def test_global_config_context_manager():
    before = dj.config["safemode"]
    with dj.config(safemode=not before):
        assert dj.config["safemode"] is (not before)
    assert dj.config["safemode"] is before


def test_stores_assignment_and_mutation(cfg, tmp_path):
    cfg["stores"] = {"raw": {"protocol": "file", "location": str(tmp_path)}}
    cfg["stores"]["processed"] = {"protocol": "file", "location": tmp_path / "processed"}
    cfg["stores"]["raw"]["stage"] = tmp_path / "stage"
    assert sorted(cfg["stores"]) == ["processed", "raw"]
    raw = cfg.get_store_spec("raw")
    assert raw == {
        "protocol": "file",
        "location": str(tmp_path),
        "stage": str(tmp_path / "stage"),
        "subfolding": (2, 2),
    }
    assert cfg.get_store_spec("processed")["location"] == str(tmp_path / "processed")
    assert cfg["stores"]["raw"]["stage"] == tmp_path / "stage"  # the user's dict is untouched
    with pytest.raises(ConfigError, match=r"Store 'nope' is not configured.*dj.config\['stores'\]\['nope'\]"):
        cfg.get_store_spec("nope")
    cfg["stores"]["bad"] = {"protocol": "file"}  # mutation is checked where the store is used
    with pytest.raises(ConfigError, match=r"\['bad'\] \(file\) needs 'location'"):
        cfg.get_store_spec("bad")


def test_s3_store_location_may_be_a_pure_posix_path(cfg):
    spec = {
        "protocol": "s3",
        "endpoint": "s3.lab.org:9000",
        "bucket": "data",
        "access_key": "a",
        "secret_key": "s",
        "location": PurePosixPath("/pipeline/raw"),
    }
    cfg["stores"] = {"remote": spec}
    assert cfg.get_store_spec("remote")["location"] == "/pipeline/raw"


@pytest.mark.parametrize("key", ["cache", "query_cache"])
def test_cache_folders_accept_path_likes(cfg, key, tmp_path):
    cfg[key] = tmp_path
    assert cfg[key] == tmp_path
    cfg[key] = str(tmp_path)
    cfg[key] = None
    with pytest.raises(ConfigError, match=rf"dj.config\['{key}'\] must be a folder"):
        cfg[key] = 42


def test_query_cache_is_a_known_setting_off_by_default(cfg):
    assert cfg["query_cache"] is None


def test_logger_is_the_one_djnb_writes_to(tmp_path, caplog):
    assert settings.logger is logging.getLogger("djnb")
    (tmp_path / "conf.json").write_text("{}")
    level = settings.logger.level
    try:
        settings.logger.setLevel(logging.WARNING)  # as 0.14 code does with dj.logger
        with caplog.at_level(logging.NOTSET):
            Config(environ={}).load(tmp_path / "conf.json")  # logs at INFO
        assert not any("configured from" in r.getMessage() for r in caplog.records)
        settings.logger.setLevel(logging.INFO)
        Config(environ={}).load(tmp_path / "conf.json")
        assert any("configured from" in r.getMessage() for r in caplog.records)
    finally:
        settings.logger.setLevel(level)


def test_loglevel_setting_sets_the_logger_level(cfg):
    level = settings.logger.level
    try:
        cfg["loglevel"] = "ERROR"
        assert settings.logger.level == logging.ERROR
    finally:
        settings.logger.setLevel(level)


def test_store_path_location_in_a_saved_file_loads_back(cfg, tmp_path):
    cfg["stores"] = {"raw": {"protocol": "file", "location": Path(tmp_path)}}
    saved = cfg.save(tmp_path / "conf.json")
    other = Config(environ={})
    other.load(saved)
    assert other.get_store_spec("raw")["location"] == str(tmp_path)
