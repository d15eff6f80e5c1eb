"""TLS modes against a server without TLS (the test server) and a private one with TLS.

The TLS server is a throwaway MariaDB started by this module in a temporary directory with a
self-signed certificate, so both halves of "use_tls=None works whether or not the server
offers TLS" run on every machine that has mariadbd.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import djnb as dj
from tests.conftest import in_ci

BACKENDS = ("mysql",)
MYSQL_ONLY = "TLS is a server connection feature; SQLite is a local file"


MARIADBD = shutil.which("mariadbd") or shutil.which("mariadbd", path="/usr/sbin:/usr/local/sbin")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run(*command: str | Path) -> None:
    subprocess.run(list(map(str, command)), check=True, capture_output=True, timeout=120)


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    if MARIADBD is None or shutil.which("mariadb-install-db") is None or shutil.which("openssl") is None:
        message = "needs mariadbd, mariadb-install-db and openssl to start a TLS server"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    home = tmp_path_factory.mktemp("tls-server")
    cert, key, data = home / "cert.pem", home / "key.pem", home / "data"
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-subj", "/CN=localhost", "-keyout", key, "-out", cert)  # fmt: skip
    run("mariadb-install-db", "--no-defaults", f"--datadir={data}", "--user=root",
        "--auth-root-authentication-method=normal", "--skip-test-db")  # fmt: skip
    port = free_port()
    process = subprocess.Popen(
        [MARIADBD, "--no-defaults", f"--datadir={data}", f"--socket={home / 'sock'}",
         f"--port={port}", "--bind-address=127.0.0.1", "--user=root", "--skip-log-bin",
         f"--ssl-cert={cert}", f"--ssl-key={key}", "--innodb-buffer-pool-size=16M",
         f"--log-error={home / 'error.log'}", f"--pid-file={home / 'pid'}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    arguments = dict(host="127.0.0.1", port=port, user="root", password="")
    deadline = time.monotonic() + 60
    while True:
        try:
            dj.Connection(**arguments, use_tls=False, connect_timeout=2).close()
            break
        except dj.errors.ConnectError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail(f"TLS test server did not start; see {home / 'error.log'}")
            time.sleep(0.2)
    yield {**arguments, "ca": str(cert)}
    process.terminate()
    process.wait(timeout=60)


def open_tls(server: dict, **overrides: object) -> dj.Connection:
    arguments = {k: v for k, v in server.items() if k != "ca"}
    return dj.Connection(**{**arguments, **overrides})


def test_plain_server_offers_no_tls(connection):
    assert connection.tls_cipher is None


def test_tls_preferred_connects_to_a_server_without_tls(connect):
    assert connect(use_tls=None).tls_cipher is None


def test_tls_preferred_encrypts_when_the_server_offers_it(tls_server):
    session = open_tls(tls_server, use_tls=None)
    assert session.tls_cipher  # e.g. TLS_AES_256_GCM_SHA384
    session.close()


def test_tls_disabled_stays_unencrypted_even_when_offered(tls_server, connect):
    session = open_tls(tls_server, use_tls=False)
    status = session.query("SHOW STATUS LIKE 'Ssl_cipher'").fetchone()
    assert status[1] == ""
    assert connect(use_tls=False).tls_cipher is None
    session.close()


def test_tls_required_is_refused_by_a_server_without_tls(server):
    with pytest.raises(dj.errors.TLSError, match="use_tls"):
        dj.Connection(**server, use_tls=True)


def test_tls_required_with_a_tls_server(tls_server):
    session = open_tls(tls_server, use_tls=True)
    assert session.tls_cipher
    session.close()


def test_tls_options_verify_the_certificate(tls_server, tmp_path):
    verified = open_tls(tls_server, use_tls={"ca": tls_server["ca"], "check_hostname": False})
    assert verified.tls_cipher
    verified.close()
    other = tmp_path / "other.pem"
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        "-subj", "/CN=other", "-keyout", tmp_path / "other.key", "-out", other)  # fmt: skip
    with pytest.raises(dj.errors.TLSError, match="certificate"):
        open_tls(tls_server, use_tls={"ca": str(other), "check_hostname": False})
