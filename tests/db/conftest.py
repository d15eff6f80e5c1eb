"""Fixtures for tests against the real databases: a MariaDB/MySQL server and SQLite.

The server comes from DJNB_TEST_HOST/PORT/USER/PASSWORD (default root@127.0.0.1:3306, no
password). Each test module gets its own random schema prefix; every schema under it is
dropped when the module ends. With no server reachable the server tests are skipped, unless
CI is set: then they fail.

A module runs against the backends named in its ``BACKENDS``; one that runs on MySQL only says
why in ``MYSQL_ONLY`` (single tests say it in a ``mysql_only(reason)`` marker). ``server`` gives
the arguments of a ``dj.Connection`` for each backend in turn; the SQLite database is a file
per test session.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import djnb as dj
from tests.conftest import SERVER, in_ci

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(item.fspath).parents:
            item.add_marker(pytest.mark.db)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        backends = getattr(metafunc.module, "BACKENDS", ("mysql",))
        if "sqlite" not in backends and not getattr(metafunc.module, "MYSQL_ONLY", ""):
            raise pytest.UsageError(
                f"{metafunc.module.__name__} runs on MySQL only: say why in MYSQL_ONLY, or add 'sqlite' to BACKENDS"
            )
        if metafunc.definition.get_closest_marker("mysql_only"):  # its reason is in the marker
            backends = ("mysql",)
        metafunc.parametrize("backend", backends, indirect=True, scope="session")


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="session")
def server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Connection arguments for ``backend``; skip (or fail under CI) when the server is down."""
    if backend == "sqlite":
        return {"backend": "sqlite", "path": str(tmp_path_factory.mktemp("sqlite") / "djnb.sqlite")}
    arguments = dict(host=SERVER.host, port=SERVER.port, user=SERVER.user, password=SERVER.password)
    try:
        dj.Connection(**arguments, connect_timeout=5).close()
    except dj.errors.ConnectError as err:
        message = f"no database server at {SERVER.host}:{SERVER.port} ({err})"
        if in_ci():
            pytest.fail(f"CI requires the test server: {message}", pytrace=False)
        pytest.skip(message)
    return arguments


@pytest.fixture
def connect(server: dict) -> Iterator[Callable[..., dj.Connection]]:
    """Open connections to the test server (closed after the test); keywords override."""
    opened: list[dj.Connection] = []

    def open_connection(**overrides: object) -> dj.Connection:
        connection = dj.Connection(**{**server, **overrides})
        opened.append(connection)
        return connection

    yield open_connection
    for connection in opened:
        connection.close()


@pytest.fixture
def connection(connect: Callable[..., dj.Connection]) -> dj.Connection:
    return connect()


@pytest.fixture(scope="module")
def prefix(server: dict) -> Iterator[str]:
    """A random schema prefix for this module; its schemas are dropped afterwards."""
    name = f"djtest_{secrets.token_hex(4)}"
    yield name
    admin = dj.Connection(**server)
    admin.query("SET FOREIGN_KEY_CHECKS = 0")  # schemas of one module may reference each other
    for (schema,) in admin.query(*admin.dialect.list_schemas()).fetchall():
        if schema.startswith(name):
            admin.query(*admin.dialect.drop_schema(schema))
    admin.query("SET FOREIGN_KEY_CHECKS = 1")
    admin.close()
