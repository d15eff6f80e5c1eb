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
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import ConfigError, UnknownSettingError

__all__ = [
    "DEFAULTS",
    "ENV_VARS",
    "GLOBALCONFIG",
    "GLOBAL_CONFIG",
    "LOCALCONFIG",
    "LOCAL_CONFIG",
    "Config",
    "config",
    "logger",
    "redact",
    "split_host",
]

LOCAL_CONFIG = "dj_local_conf.json"
GLOBAL_CONFIG = ".datajoint_config.json"
LOCALCONFIG, GLOBALCONFIG = LOCAL_CONFIG, GLOBAL_CONFIG  # DataJoint 0.14's spellings
BACKENDS = ("mysql", "sqlite", "postgresql")
BACKEND_ALIASES = {"mariadb": "mysql", "postgres": "postgresql"}
PLANNED_BACKENDS = ("postgresql",)  # accepted as a setting; connecting says it is not available yet
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
SECRET_KEYS = frozenset({"database.password", "external.aws_secret_access_key"})
SECRET_WORDS = ("password", "passwd", "secret", "token")
# A new key one typo away from a known one (``database.hots``, ``safemdoe``) is an error; other
# new keys (``custom``, ``database.prefix``, which lab code sets) are kept, as in 0.14.
MASK = "********"

DEFAULTS: dict[str, Any] = {
    "database.host": "localhost",
    "database.user": None,
    "database.password": None,
    "database.port": 3306,
    "database.reconnect": True,
    "database.use_tls": None,
    "database.backend": None,  # automatic: see backend_for()
    "database.path": "djnb.sqlite",
    "connection.init_function": None,
    "connection.charset": "",
    "loglevel": "INFO",
    "safemode": True,
    "fetch_format": "array",
    "display.limit": 12,
    "display.width": 14,
    "display.show_tuple_count": True,
    "display.exact_count_limit": 100_000,
    "enable_python_native_blobs": True,
    "add_hidden_timestamp": False,
    "filepath_checksum_size_limit": None,
    "filepath_checksum_size_limit_insert": None,
    "stores": {},
    "cache": None,
    "query_cache": None,
}

# environment variable -> (config key, parser of the string value)
ENV_VARS: dict[str, str] = {
    "DJ_HOST": "database.host",
    "DJ_USER": "database.user",
    "DJ_PASS": "database.password",
    "DJ_PORT": "database.port",
    "DJ_BACKEND": "database.backend",
    "DJNB_DATABASE_PATH": "database.path",
    "DJ_LOG_LEVEL": "loglevel",
    "DJ_AWS_ACCESS_KEY_ID": "external.aws_access_key_id",
    "DJ_AWS_SECRET_ACCESS_KEY": "external.aws_secret_access_key",
}

#: The logger every djnb module writes to (``dj.logger``, as DataJoint 0.14's ``"datajoint"``
#: logger): ``dj.logger.setLevel(...)`` and ``dj.config["loglevel"]`` both set its level.
logger = logging.getLogger("djnb")


# ---- validators: each returns the normalised value or raises ConfigError -------------------


def _bad(key: str, expected: str, value: Any) -> ConfigError:
    shown = MASK if is_secret(key) else repr(value)
    return ConfigError(f"dj.config[{key!r}] must be {expected}; got {shown}.")


def _boolean(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise _bad(key, "True or False", value)


def _integer(minimum: int) -> Callable[[str, Any], int]:
    def check(key: str, value: Any) -> int:
        if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
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


def _folder(key: str, value: Any) -> str | os.PathLike | None:
    """A folder given as a string or a path-like object (kept as given, as in 0.14), or None."""
    if value is None or isinstance(value, (str, os.PathLike)):
        return value
    raise _bad(key, "a folder (a string or a pathlib.Path) or None", value)


def split_host(host: str, port: int | None = None) -> tuple[str, int | None]:
    """Split "host", "host:port" or "[ipv6]:port"; a port written in ``host`` wins.

    Raises ConfigError for a port that is not a number between 1 and 65535.
    """
    host = host.strip()
    if host.startswith("["):
        name, bracket, tail = host[1:].partition("]")
        if not bracket or (tail and not tail.startswith(":")):
            raise ConfigError(f'Database host {host!r} is not valid; write IPv6 hosts as "[::1]:3306".')
        host, tail = name, tail[1:]
    elif host.count(":") == 1:
        host, _, tail = host.partition(":")
    else:  # a bare name, or a bare IPv6 address
        tail = ""
    if tail:
        if not (tail.isascii() and tail.isdigit() and 1 <= int(tail) <= 65535):
            raise ConfigError(
                f"Database host {host!r} has port {tail!r}; a port is a number from 1 to 65535."
            )
        port = int(tail)
    if not host:
        raise ConfigError('The database host is empty; set it to a name such as "127.0.0.1".')
    return host, port


def _host(key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _bad(key, 'a host name such as "127.0.0.1" or "db.lab.org:3306"', value)
    try:
        split_host(value)
    except ConfigError as err:
        raise ConfigError(f"dj.config[{key!r}]: {err}") from None
    return value.strip()


def _backend(key: str, value: Any) -> str | None:
    if value is None:
        return None
    name = BACKEND_ALIASES.get(str(value).lower(), str(value).lower())
    if isinstance(value, str) and name in BACKENDS:
        return name
    raise _bad(key, "one of " + ", ".join(map(repr, BACKENDS)) + " (or None: automatic)", value)


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


#: settings each store protocol needs, and those it may have (DataJoint 0.14's keys)
STORE_REQUIRED = {
    "file": ("location",),
    "s3": ("endpoint", "bucket", "access_key", "secret_key", "location"),
}
STORE_OPTIONAL = {
    "file": ("subfolding", "stage"),
    "s3": ("secure", "subfolding", "stage", "proxy_server"),
}
DEFAULT_SUBFOLDING = (2, 2)


def check_store(name: str, spec: Any) -> dict:
    """The settings of store ``name`` checked and normalised; ConfigError names what is wrong.

    The result has ``protocol`` in lower case and ``subfolding`` as a tuple (default (2, 2)).
    """
    where = f"dj.config['stores'][{name!r}]"
    if not isinstance(spec, dict):
        raise ConfigError(f"{where} must be a dict of store settings; got {type(spec).__name__}.")
    protocol = spec.get("protocol")
    protocol = protocol.lower() if isinstance(protocol, str) else protocol
    if protocol not in STORE_REQUIRED:
        raise ConfigError(f"{where}['protocol'] must be 'file' or 's3'; got {protocol!r}.")
    spec = {"subfolding": DEFAULT_SUBFOLDING, **spec, "protocol": protocol}
    allowed = ("protocol", *STORE_REQUIRED[protocol], *STORE_OPTIONAL[protocol])
    for key in spec:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f"did you mean {close[0]!r}?" if close else "allowed: " + ", ".join(allowed) + "."
            raise ConfigError(f"{where} has an unknown setting {key!r} for a {protocol} store; {hint}")
    missing = [key for key in STORE_REQUIRED[protocol] if spec.get(key) in (None, "")]
    if missing:
        raise ConfigError(f"{where} ({protocol}) needs {', '.join(map(repr, missing))}.")
    for key in ("location", "stage", "endpoint", "bucket", "access_key", "secret_key", "proxy_server"):
        value = spec.get(key)
        if key in ("location", "stage") and isinstance(value, os.PathLike):
            spec[key] = value = os.fspath(value)  # a pathlib.Path works wherever a string does
        if value is not None and not isinstance(value, str):
            shown = MASK if is_secret(key) else repr(value)
            raise ConfigError(f"{where}[{key!r}] must be a string; got {shown}.")
    if protocol == "s3":
        if "://" in spec["endpoint"]:
            raise ConfigError(
                f"{where}['endpoint'] is 'host:port' without a scheme (use 'secure' for https); "
                f"got {spec['endpoint']!r}."
            )
        if not isinstance(spec.get("secure", False), bool):
            raise ConfigError(f"{where}['secure'] must be True or False; got {spec['secure']!r}.")
    folds = spec["subfolding"] or ()
    if not (
        isinstance(folds, (list, tuple))
        and all(isinstance(f, int) and not isinstance(f, bool) and f > 0 for f in folds)
        and sum(folds) <= 32
    ):
        raise ConfigError(
            f"{where}['subfolding'] must be a list of positive folder-name lengths such as (2, 2); "
            f"got {spec['subfolding']!r}."
        )
    spec["subfolding"] = tuple(folds)
    return spec


def _stores(key: str, value: Any) -> dict:
    if not isinstance(value, dict):
        raise _bad(key, "a dict mapping store names to dicts of store settings", value)
    for name, spec in value.items():
        check_store(name, spec)
    return value


VALIDATORS: dict[str, Callable[[str, Any], Any]] = {
    "database.host": _host,
    "database.user": _text(optional=True),
    "database.password": _text(optional=True),
    "database.port": _port,
    "database.reconnect": _boolean,
    "database.use_tls": _use_tls,
    "database.backend": _backend,
    "database.path": _text(optional=False),
    "connection.init_function": _text(optional=True),
    "connection.charset": _text(optional=False),
    "loglevel": _loglevel,
    "safemode": _boolean,
    "fetch_format": _fetch_format,
    "display.limit": _integer(1),
    "display.width": _integer(1),
    "display.show_tuple_count": _boolean,
    "display.exact_count_limit": _optional_integer,
    "enable_python_native_blobs": _boolean,
    "add_hidden_timestamp": _boolean,
    "filepath_checksum_size_limit": _optional_integer,
    "filepath_checksum_size_limit_insert": _optional_integer,
    "stores": _stores,
    "cache": _folder,
    "query_cache": _folder,
}


#: every key djnb or 0.14 reads; a new key one typo away from one of these is refused
KNOWN_KEYS = (*VALIDATORS, *ENV_VARS.values())


def validate(key: str, value: Any) -> Any:
    """Return ``value`` normalised for ``key``; raise ConfigError if it is not valid."""
    if not isinstance(key, str):
        raise ConfigError(f"dj.config keys are strings such as 'database.host'; got {key!r}.")
    check = VALIDATORS.get(key)
    if check is not None:
        return check(key, value)
    typo = next((known for known in KNOWN_KEYS if _one_edit_apart(key, known)), None)
    if typo is not None:
        raise UnknownSettingError(
            f"dj.config has no setting {key!r}. Did you mean {typo!r}? "
            f"(A new key that is not a typo must differ from {typo!r} by more than one letter.)"
        )
    return value


def nearest_key(key: str, candidates: Iterable[str]) -> str | None:
    """The candidate ``key`` is most likely a typo of: one edit apart, else a close match."""
    candidates = [c for c in candidates if isinstance(c, str)]
    typo = next((known for known in candidates if _one_edit_apart(str(key), known)), None)
    if typo is None:
        typo = next(iter(difflib.get_close_matches(str(key), candidates, n=1, cutoff=0.8)), None)
    return typo


def _one_edit_apart(typed: str, known: str) -> bool:
    """Whether ``typed`` is ``known`` with one letter changed, added, dropped or two swapped."""
    if typed == known or abs(len(typed) - len(known)) > 1:
        return False
    if len(typed) == len(known):
        differ = [i for i in range(len(known)) if typed[i] != known[i]]
        if len(differ) == 2 and differ[1] == differ[0] + 1:  # two neighbours swapped
            i = differ[0]
            return typed[:i] + typed[i + 1] + typed[i] + typed[i + 2 :] == known
        return len(differ) == 1
    shorter, longer = sorted((typed, known), key=len)
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))


def is_secret(key: str) -> bool:
    return key in SECRET_KEYS or any(word in str(key).lower() for word in SECRET_WORDS)


def redact(key: str, value: Any) -> Any:
    """``value`` with every secret (by key name, at any depth) replaced by a mask."""
    if is_secret(key) and value is not None:
        return MASK
    if isinstance(value, dict):
        return {k: redact(k, v) for k, v in value.items()}
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
        #: problems met while reading the environment and files at import (values skipped)
        self.problems: list[str] = []
        self._read_environment(os.environ if environ is None else environ)

    # -- mapping protocol
    def _layers(self) -> tuple[dict[str, Any], ...]:
        return (self._set, self._env, self._file, self._defaults)

    def __getitem__(self, key: str) -> Any:
        for layer in self._layers():
            if key in layer:
                return layer[key]
        raise self._unknown(key)

    def __contains__(self, key: object) -> bool:
        return any(key in layer for layer in self._layers())

    def _unknown(self, key: str) -> UnknownSettingError:
        near = nearest_key(key, [*KNOWN_KEYS, *self])
        hint = f"Did you mean {near!r}?" if near else f"Set it first, or read it with .get({key!r}, default)."
        return UnknownSettingError(f"dj.config has no setting {key!r}. {hint}")

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
            raise self._unknown(key)

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

    def backend(self, host_given: bool = False) -> str:
        """The database backend to use: ``database.backend`` if set; else MySQL/MariaDB when a
        host or a user is configured anywhere (file, environment, assignment) or a host is given
        (a DataJoint user who set only DJ_USER/DJ_PASS means the server on localhost), else the
        embedded SQLite database at ``database.path``.

        Raises ConfigError for a backend that is accepted but not implemented yet (postgresql).
        """
        chosen = self["database.backend"]
        if chosen in PLANNED_BACKENDS:  # said before anything else (e.g. a missing user) is asked for
            raise ConfigError(
                f"dj.config['database.backend'] is {chosen!r} (from {self.source('database.backend')}), "
                f"but {chosen} is not available yet in djnb. Use 'mysql' (MariaDB or MySQL) or 'sqlite', "
                "or None to choose automatically."
            )
        if chosen:
            return chosen
        configured = any(self.source(key) != "default" for key in ("database.host", "database.user"))
        return "mysql" if host_given or configured else "sqlite"

    # -- display, never showing secrets
    def redacted(self) -> dict[str, Any]:
        """All settings as a plain dict, secrets masked (also inside stores and TLS options)."""
        return {key: redact(key, self[key]) for key in self}

    def __repr__(self) -> str:
        width = max(map(len, self), default=0)
        lines = (f"{key:<{width}} : {value!r}" for key, value in self.redacted().items())
        return "\n".join(lines)

    __str__ = __repr__

    # -- files
    def load(self, path: str | os.PathLike | None = None) -> None:
        """Read settings from a JSON file; they replace earlier file settings and assignments.

        ``path=None`` reads ``./dj_local_conf.json`` (as DataJoint 0.14's ``config.load``).
        Raises ConfigError naming the file when it cannot be read or holds a bad value.
        """
        path = Path(LOCAL_CONFIG if path is None else path).expanduser()
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
        self._file.update(values)  # like DataJoint, a second file adds to the first
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
        merged = {key: _plain(value) for key, value in {**self._defaults, **self._file, **self._set}.items()}
        for key, value in merged.items():
            try:
                json.dumps(value)
            except (TypeError, ValueError):
                raise ConfigError(
                    f"dj.config[{key!r}] = {redact(key, value)!r} cannot be saved as JSON; "
                    "use strings, numbers, booleans, None, lists and dicts."
                ) from None
        text = json.dumps(merged, indent=4) + "\n"
        # Write a private temporary file and rename it over the target: a failure never
        # leaves a truncated file, and the password is never readable by others.
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(text)
            temporary.chmod(0o600)
            temporary.replace(path)
        finally:
            if temporary.exists():
                temporary.unlink()
        if verbose:
            logger.info("Saved settings in %s", path)
        return path

    def save_local(self, verbose: bool = False) -> Path:
        """Save to ``./dj_local_conf.json``."""
        return self.save(LOCAL_CONFIG, verbose)

    def save_global(self, verbose: bool = False) -> Path:
        """Save to ``~/.datajoint_config.json``."""
        return self.save(Path.home() / GLOBAL_CONFIG, verbose)

    def get_store_spec(self, store: str) -> dict:
        """The checked settings of ``self["stores"][store]`` (a copy, with ``subfolding`` filled
        in and path-like locations as strings), as DataJoint 0.14's ``config.get_store_spec``.

        Raises ConfigError when the store is not configured or its settings are wrong.
        """
        stores = self.get("stores") or {}
        if store not in stores:
            raise ConfigError(
                f"Store {store!r} is not configured. Add dj.config['stores'][{store!r}] = "
                "{'protocol': 'file', 'location': '/data/store'} (or an s3 store)."
            )
        return check_store(store, stores[store])

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
                # Reported, not fatal: import must work so that `djnb info` can show the problem.
                self.problems.append(f"Environment variable {name} ignored: {err}")
                continue
            self._env_names[key] = name

    def _apply_side_effects(self, key: str) -> None:
        if key == "loglevel":
            logger.setLevel(self["loglevel"])


def _plain(value: Any) -> Any:
    """``value`` with path-like objects (at any depth in dicts and lists) as strings, for JSON."""
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def _load_config() -> Config:
    cfg = Config()
    try:
        cfg.load_default_file()
    except ConfigError as err:
        cfg.problems.append(f"Configuration file ignored: {err}")
    for problem in cfg.problems:
        logger.warning(problem)
    cfg._apply_side_effects("loglevel")
    return cfg


config = _load_config()
