"""Configuration: ``dj.config``, a dict-like object with DataJoint 0.14's dotted keys.

Values come from four layers; a later layer wins:

    defaults  <  config file  <  environment (DJ_HOST, ...)  <  assignment in code

The file is ``./dj_local_conf.json`` if it exists, else ``~/.datajoint_config.json``.
Every known key is validated when it is set, so a bad value fails where it is written,
with a message that names the key. The password is never shown.
"""

from __future__ import annotations

import copy
import difflib
import json
import logging
import os
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import ConfigError

__all__ = ["Config", "DEFAULTS", "ENV_VARS", "GLOBAL_CONFIG", "LOCAL_CONFIG", "config"]

LOCAL_CONFIG = "dj_local_conf.json"
GLOBAL_CONFIG = ".datajoint_config.json"
BACKENDS = ("mysql", "sqlite", "postgresql")
BACKEND_ALIASES = {"mariadb": "mysql", "postgres": "postgresql"}
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
SECRET_KEYS = frozenset({"database.password", "external.aws_secret_access_key"})
# Namespaces whose keys are all known: a typo there is an error, not a silent new key.
CLOSED_NAMESPACES = ("database.", "connection.", "display.")
MASK = "********"

DEFAULTS: dict[str, Any] = {
    "database.host": "localhost",
    "database.user": None,
    "database.password": None,
    "database.port": 3306,
    "database.reconnect": True,
    "database.use_tls": None,
    "database.backend": "mysql",
    "connection.init_function": None,
    "connection.charset": "",
    "loglevel": "INFO",
    "safemode": True,
    "fetch_format": "array",
    "display.limit": 12,
    "display.width": 14,
    "display.show_tuple_count": True,
    "enable_python_native_blobs": True,
    "add_hidden_timestamp": False,
    "filepath_checksum_size_limit": None,
    "filepath_checksum_size_limit_insert": None,
    "stores": {},
    "cache": None,
}

# environment variable -> (config key, parser of the string value)
ENV_VARS: dict[str, str] = {
    "DJ_HOST": "database.host",
    "DJ_USER": "database.user",
    "DJ_PASS": "database.password",
    "DJ_PORT": "database.port",
    "DJ_BACKEND": "database.backend",
    "DJ_LOG_LEVEL": "loglevel",
    "DJ_AWS_ACCESS_KEY_ID": "external.aws_access_key_id",
    "DJ_AWS_SECRET_ACCESS_KEY": "external.aws_secret_access_key",
}

logger = logging.getLogger("djnb")


# ---- validators: each returns the normalised value or raises ConfigError -------------------


def _bad(key: str, expected: str, value: Any) -> ConfigError:
    shown = MASK if key in SECRET_KEYS else repr(value)
    return ConfigError(f"dj.config[{key!r}] must be {expected}; got {shown}.")


def _boolean(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise _bad(key, "True or False", value)


def _integer(minimum: int) -> Callable[[str, Any], int]:
    def check(key: str, value: Any) -> int:
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool) and value >= minimum:
            return value
        raise _bad(key, f"an integer >= {minimum}", value)

    return check


def _optional_integer(key: str, value: Any) -> int | None:
    return None if value is None else _integer(0)(key, value)


def _port(key: str, value: Any) -> int:
    port = _integer(1)(key, value)
    if port > 65535:
        raise _bad(key, "a port number between 1 and 65535", value)
    return port


def _text(optional: bool) -> Callable[[str, Any], str | None]:
    def check(key: str, value: Any) -> str | None:
        if isinstance(value, str) or (optional and value is None):
            return value
        raise _bad(key, "a string" + (" or None" if optional else ""), value)

    return check


def _host(key: str, value: Any) -> str:
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise _bad(key, 'a host name such as "127.0.0.1" or "db.lab.org:3306"', value)


def _backend(key: str, value: Any) -> str:
    name = BACKEND_ALIASES.get(str(value).lower(), str(value).lower())
    if isinstance(value, str) and name in BACKENDS:
        return name
    raise _bad(key, "one of " + ", ".join(map(repr, BACKENDS)), value)


def _loglevel(key: str, value: Any) -> str:
    if isinstance(value, str) and value.upper() in LOG_LEVELS:
        return value.upper()
    raise _bad(key, "one of " + ", ".join(LOG_LEVELS), value)


def _fetch_format(key: str, value: Any) -> str:
    if value in ("array", "frame"):
        return value
    raise _bad(key, "'array' or 'frame'", value)


def _use_tls(key: str, value: Any) -> bool | dict | None:
    if value is None or isinstance(value, (bool, dict)):
        return value
    raise _bad(key, "None (TLS if offered), True (required), False (off) or a dict of SSL options", value)


def _stores(key: str, value: Any) -> dict:
    if isinstance(value, dict) and all(isinstance(spec, dict) for spec in value.values()):
        return value
    raise _bad(key, "a dict mapping store names to dicts of store settings", value)


VALIDATORS: dict[str, Callable[[str, Any], Any]] = {
    "database.host": _host,
    "database.user": _text(optional=True),
    "database.password": _text(optional=True),
    "database.port": _port,
    "database.reconnect": _boolean,
    "database.use_tls": _use_tls,
    "database.backend": _backend,
    "connection.init_function": _text(optional=True),
    "connection.charset": _text(optional=False),
    "loglevel": _loglevel,
    "safemode": _boolean,
    "fetch_format": _fetch_format,
    "display.limit": _integer(1),
    "display.width": _integer(1),
    "display.show_tuple_count": _boolean,
    "enable_python_native_blobs": _boolean,
    "add_hidden_timestamp": _boolean,
    "filepath_checksum_size_limit": _optional_integer,
    "filepath_checksum_size_limit_insert": _optional_integer,
    "stores": _stores,
    "cache": _text(optional=True),
}


def validate(key: str, value: Any) -> Any:
    """Return ``value`` normalised for ``key``; raise ConfigError if it is not valid."""
    if not isinstance(key, str):
        raise ConfigError(f"dj.config keys are strings such as 'database.host'; got {key!r}.")
    check = VALIDATORS.get(key)
    if check is not None:
        return check(key, value)
    if key.startswith(CLOSED_NAMESPACES):
        known = [k for k in VALIDATORS if k.startswith(CLOSED_NAMESPACES)]
        close = difflib.get_close_matches(key, known, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else " Known keys: " + ", ".join(known) + "."
        raise ConfigError(f"dj.config has no setting {key!r}.{hint}")
    return value


# ---- the config object ---------------------------------------------------------------------


class Config(MutableMapping):
    """DataJoint settings with layered sources; see the module docstring."""

    def __init__(self, environ: MutableMapping[str, str] | None = None) -> None:
        self._defaults: dict[str, Any] = copy.deepcopy(DEFAULTS)
        self._file: dict[str, Any] = {}
        self._env: dict[str, Any] = {}
        self._set: dict[str, Any] = {}
        self._env_names: dict[str, str] = {}
        self.loaded_from: Path | None = None
        self._read_environment(os.environ if environ is None else environ)

    # -- mapping protocol
    def _layers(self) -> tuple[dict[str, Any], ...]:
        return (self._set, self._env, self._file, self._defaults)

    def __getitem__(self, key: str) -> Any:
        for layer in self._layers():
            if key in layer:
                return layer[key]
        raise KeyError(key)

    def __setitem__(self, key: str, value: Any) -> None:
        self._set[key] = validate(key, value)
        self._apply_side_effects(key)

    def __delitem__(self, key: str) -> None:
        found = False
        for layer in (self._set, self._env, self._file):
            if key in layer:
                del layer[key]
                found = True
        if not found and key not in self._defaults:
            raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        seen: dict[str, None] = {}
        for layer in reversed(self._layers()):
            seen.update(dict.fromkeys(layer))
        return iter(seen)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def source(self, key: str) -> str:
        """Say where the current value of ``key`` comes from."""
        if key in self._set:
            return "assignment"
        if key in self._env:
            return f"environment ({self._env_names[key]})"
        if key in self._file:
            return f"file {self.loaded_from}"
        if key in self._defaults:
            return "default"
        raise KeyError(key)

    # -- display, never showing secrets
    def redacted(self) -> dict[str, Any]:
        """All settings as a plain dict, secrets masked."""
        return {k: (MASK if k in SECRET_KEYS and self[k] is not None else self[k]) for k in self}

    def __repr__(self) -> str:
        width = max(map(len, self), default=0)
        lines = (f"{key:<{width}} : {value!r}" for key, value in self.redacted().items())
        return "\n".join(lines)

    __str__ = __repr__

    # -- files
    def load(self, path: str | os.PathLike) -> None:
        """Read settings from a JSON file; they replace earlier file settings and assignments."""
        path = Path(path).expanduser()
        try:
            text = path.read_text()
        except OSError as err:
            raise ConfigError(f"Cannot read configuration file {path}: {err.strerror}.") from err
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise ConfigError(
                f"Configuration file {path} is not valid JSON: {err.msg} at line {err.lineno}, "
                f"column {err.colno}. Fix the file or delete it."
            ) from err
        if not isinstance(data, dict):
            raise ConfigError(f"Configuration file {path} must hold a JSON object of settings.")
        try:
            values = {key: validate(key, value) for key, value in data.items()}
        except ConfigError as err:
            raise ConfigError(f"In configuration file {path}: {err}") from None
        self._file = values
        for key in values:
            self._set.pop(key, None)
        self.loaded_from = path.resolve()
        logger.info("djnb configured from %s", self.loaded_from)
        self._apply_side_effects("loglevel")

    def save(self, path: str | os.PathLike, verbose: bool = False) -> Path:
        """Write settings to a JSON file (readable by DataJoint); environment values are left out.

        The file may hold the password, so it is created readable by its owner only.
        """
        path = Path(path).expanduser()
        merged = {**self._defaults, **self._file, **self._set}
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(merged, handle, indent=4)
            handle.write("\n")
        if verbose:
            logger.info("Saved settings in %s", path)
        return path

    def save_local(self, verbose: bool = False) -> Path:
        """Save to ``./dj_local_conf.json``."""
        return self.save(LOCAL_CONFIG, verbose)

    def save_global(self, verbose: bool = False) -> Path:
        """Save to ``~/.datajoint_config.json``."""
        return self.save(Path.home() / GLOBAL_CONFIG, verbose)

    def load_default_file(self) -> None:
        """Load ``./dj_local_conf.json``, else ``~/.datajoint_config.json``, if either exists."""
        for path in (Path(LOCAL_CONFIG), Path.home() / GLOBAL_CONFIG):
            if path.is_file():
                self.load(path)
                return

    # -- temporary override
    @contextmanager
    def __call__(self, **settings: Any) -> Iterator[Config]:
        """Override settings inside a ``with`` block; ``database__host`` means ``database.host``.

        The previous values come back when the block ends, also after an exception.
        """
        values = {key.replace("__", "."): value for key, value in settings.items()}
        values = {key: validate(key, value) for key, value in values.items()}
        saved = dict(self._set)
        try:
            self._set.update(values)
            for key in values:
                self._apply_side_effects(key)
            yield self
        finally:
            self._set = saved
            for key in values:
                self._apply_side_effects(key)

    # -- internals
    def _read_environment(self, environ: MutableMapping[str, str]) -> None:
        for name, key in ENV_VARS.items():
            raw = environ.get(name)
            if raw is None:
                continue
            try:
                self._env[key] = validate(key, raw)
            except ConfigError as err:
                raise ConfigError(f"Environment variable {name}: {err}") from None
            self._env_names[key] = name

    def _apply_side_effects(self, key: str) -> None:
        if key == "loglevel":
            logger.setLevel(self["loglevel"])


def _load_config() -> Config:
    cfg = Config()
    cfg.load_default_file()
    cfg._apply_side_effects("loglevel")
    return cfg


config = _load_config()
