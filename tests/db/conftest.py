"""Fixtures for tests against a real MariaDB/MySQL server.

The server comes from DJNB_TEST_HOST/PORT/USER/PASSWORD (default root@127.0.0.1:3306, no
password). Each test module gets its own random schema prefix; every schema under it is
dropped when the module ends. With no server reachable the tests are skipped, unless CI is
set: then they fail.
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


@pytest.fixture(scope="session")
def server() -> dict:
    """Connection arguments of the test server; skip (or fail under CI) when it is down."""
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
    rows = admin.query("SHOW DATABASES LIKE %s", (name + "%",)).fetchall()
    for (schema,) in rows:
        admin.query(*admin.dialect.drop_schema(schema))
    admin.close()
