"""Connection behaviour that needs no server: addresses, unreachable servers, redaction."""

from __future__ import annotations

import socket

import pytest

import djnb as dj
from djnb.connection.info import RedactedDict, split_host


@pytest.mark.parametrize(
    ("host", "port", "expected"),
    [
        ("db.lab.org", None, ("db.lab.org", 3306)),
        ("db.lab.org", 3310, ("db.lab.org", 3310)),
        ("db.lab.org:3307", None, ("db.lab.org", 3307)),
        ("db.lab.org:3307", 3306, ("db.lab.org", 3307)),  # the host string wins, as in DataJoint
        ("[::1]:3308", None, ("::1", 3308)),
        ("::1", None, ("::1", 3306)),
    ],
)
def test_split_host(host, port, expected):
    assert split_host(host, port, 3306) == expected


def test_split_host_rejects_a_non_numeric_port():
    with pytest.raises(dj.errors.ConfigError, match="not a number"):
        split_host("db:abc", None, 3306)


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_unreachable_server_is_a_connect_error_naming_the_address():
    port = unused_port()
    with pytest.raises(dj.errors.ConnectError, match=f"127.0.0.1:{port}") as caught:
        dj.Connection("127.0.0.1", "someone", "pw-should-not-show", port=port, connect_timeout=2)
    assert "DJ_HOST" in str(caught.value)
    assert "pw-should-not-show" not in str(caught.value)


def test_redacted_dict_masks_passwords():
    info = RedactedDict(host="h", user="u", password="hunter2")
    assert "hunter2" not in repr(info) and "hunter2" not in str(info)
    assert info["password"] == "hunter2"
