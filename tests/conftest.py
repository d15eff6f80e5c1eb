"""Shared test settings: which server the database tests use, and CI strictness."""

from __future__ import annotations

import os
from dataclasses import dataclass, field


def in_ci() -> bool:
    """CI sets CI=true; there a missing server is a failure, not a skip."""
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


@dataclass(frozen=True)
class ServerSettings:
    host: str = os.environ.get("DJNB_TEST_HOST", "127.0.0.1")
    port: int = int(os.environ.get("DJNB_TEST_PORT", "3306"))
    user: str = os.environ.get("DJNB_TEST_USER", "root")
    password: str = field(default=os.environ.get("DJNB_TEST_PASSWORD", ""), repr=False)


SERVER = ServerSettings()
