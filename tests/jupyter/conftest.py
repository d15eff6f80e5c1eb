"""Jupyter-layer tests use the same databases as tests/db (MariaDB and SQLite)."""

from tests.db.conftest import backend, connect, connection, prefix, pytest_generate_tests, server  # noqa: F401
