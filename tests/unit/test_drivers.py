"""Each driver module implements the driver protocol (djnb/connection/driver.py)."""

from __future__ import annotations

import inspect

import pytest

from djnb.connection import driver, mysql_driver, sqlite_driver

MEMBERS = [name for name in vars(driver.Driver) if not name.startswith("_")]
CONSTANTS = list(driver.Driver.__annotations__)


@pytest.mark.parametrize("module", [mysql_driver, sqlite_driver], ids=lambda m: m.__name__.rsplit(".", 1)[1])
def test_driver_modules_have_every_member_with_the_protocols_parameters(module):
    for name in CONSTANTS:
        assert hasattr(module, name), f"{module.__name__} lacks {name}"
    assert all(issubclass(cls, BaseException) for cls in module.DRIVER_ERRORS)
    for name in MEMBERS:
        expected = list(inspect.signature(getattr(driver.Driver, name)).parameters)[1:]  # less self
        found = list(inspect.signature(getattr(module, name)).parameters)
        assert found == expected, (
            f"{module.__name__}.{name}{tuple(found)}: the protocol has {tuple(expected)}"
        )
    assert set(CONSTANTS) == {"DRIVER_ERRORS", "SESSION_CLOSED", "TLS_FAILED"}
