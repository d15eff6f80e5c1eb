"""Connection behaviour that needs no server: addresses, unreachable servers, redaction."""

from __future__ import annotations

import socket

import pytest

import djnb as dj
from djnb.connection.info import RedactedDict
from djnb.settings import split_host


@pytest.mark.parametrize(
    ("host", "port", "expected"),
    [
        ("db.lab.org", None, ("db.lab.org", None)),
        ("db.lab.org", 3310, ("db.lab.org", 3310)),
        ("db.lab.org:3307", None, ("db.lab.org", 3307)),
        ("db.lab.org:3307", 3306, ("db.lab.org", 3307)),  # the host string wins, as in DataJoint
        ("[::1]:3308", None, ("::1", 3308)),
        ("[::1]", None, ("::1", None)),
        ("::1", None, ("::1", None)),
    ],
)
def test_split_host(host, port, expected):
    assert split_host(host, port) == expected


@pytest.mark.parametrize("host", ["db:abc", "db:0", "db:99999", "db:²", "[::1]:abc", "[::1", ":3306"])
def test_split_host_rejects_bad_ports_and_hosts(host):
    with pytest.raises(dj.errors.ConfigError):
        split_host(host)
    with pytest.raises(dj.errors.ConfigError, match="database.host"):
        dj.settings.Config(environ={})["database.host"] = host


@pytest.mark.parametrize(("argument", "value"), [("port", "abc"), ("use_tls", "yes"), ("backend", "oracle")])
def test_bad_connection_arguments_are_config_errors(argument, value):
    with pytest.raises(
        dj.errors.ConfigError, match=argument if argument != "backend" else "database.backend"
    ):
        dj.Connection("127.0.0.1", "someone", "pw", **{argument: value})


def test_configured_port_is_used_when_none_is_given():
    port = unused_port()
    with dj.config(database__port=port), pytest.raises(dj.errors.ConnectError, match=f":{port}"):
        dj.Connection("127.0.0.1", "someone", "pw", connect_timeout=2)


def test_ipv6_addresses_are_bracketed_in_messages():
    with pytest.raises(dj.errors.ConnectError, match=r"\[::1\]:"):
        dj.Connection("[::1]", "someone", "pw", port=unused_port(), connect_timeout=2)


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
    info = RedactedDict(host="h", user="u", passwd="hunter2", ssl_input={"key_password": "k3y"})
    for text in (repr(info), str(info)):
        assert "hunter2" not in text and "k3y" not in text
    assert info["passwd"] == "hunter2"
