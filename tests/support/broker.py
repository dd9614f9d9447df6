"""A real mosquitto on loopback for tests: TLS with client certificates and ACLs.

``pki`` makes a certificate authority, a server certificate for 127.0.0.1 and
one client certificate per identity (CN = gateway id), all with the
``cryptography`` package. ``broker`` starts mosquitto on free ports with:

- a TLS listener that requires a client certificate and takes its CN as the
  user name, confined by an ACL: each gateway writes only under
  ``homework/v1/<gateway>/up/#`` and its status topic, reads only its own
  downlink and ``homework/v1/all/down/#``; ``city-ingest`` reads every
  uplink; ``city-control`` writes every downlink;
- a plain anonymous listener without ACL, as the demo uses.

Tests skip with a clear reason when mosquitto is not installed.
"""

from __future__ import annotations

import datetime as dt
import getpass
import ipaddress
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

GATEWAYS = ("gw-a", "gw-b", "gw-c")
CITY_INGEST = "city-ingest"
CITY_CONTROL = "city-control"

ACL = """\
# The city's ingest service reads every uplink and presence message,
# directly or through a shared subscription.
user city-ingest
topic read homework/v1/+/up/#
topic read homework/v1/+/status
topic read $share/+/homework/v1/+/up/#

# The city's control service publishes downlink.
user city-control
topic write homework/v1/+/down/#

# Every gateway (user name = certificate CN) is confined to its own topics.
pattern write homework/v1/%u/up/#
pattern readwrite homework/v1/%u/status
pattern read homework/v1/%u/down/#
pattern read homework/v1/all/down/#
"""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Pki:
    """Where the test certificates are: CA, server, and one pair per identity."""

    folder: Path
    ca_cert: Path
    server_cert: Path
    server_key: Path

    def cert(self, name: str) -> Path:
        return self.folder / f"{name}.crt"

    def key(self, name: str) -> Path:
        return self.folder / f"{name}.key"


def make_pki(folder: Path, names: tuple[str, ...]) -> Pki:
    """Create a CA, a server certificate and client certificates for ``names``."""
    folder.mkdir(parents=True, exist_ok=True)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "homework test CA")])
    ca = (
        _builder(ca_name, ca_name, ca_key.public_key())
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(cert_sign=True), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    _write(folder / "ca.crt", folder / "ca.key", ca, ca_key)
    _leaf(folder, "server", ca, ca_key, server=True)
    for name in names:
        _leaf(folder, name, ca, ca_key, server=False)
    return Pki(folder, folder / "ca.crt", folder / "server.crt", folder / "server.key")


def _builder(
    subject: x509.Name, issuer: x509.Name, public_key: ec.EllipticCurvePublicKey
) -> x509.CertificateBuilder:
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
    )


def _usage(cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=not cert_sign,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _leaf(
    folder: Path,
    name: str,
    ca: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    server: bool,
) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    builder = (
        _builder(subject, ca.subject, key.public_key())
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(cert_sign=False), critical=True)
    )
    if server:
        san = x509.SubjectAlternativeName(
            [
                x509.DNSName("localhost"),
                x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
            ]
        )
        builder = builder.add_extension(san, critical=False).add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
    else:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
        )
    cert = builder.sign(ca_key, hashes.SHA256())
    _write(folder / f"{name}.crt", folder / f"{name}.key", cert, key)


def _write(
    cert_path: Path,
    key_path: Path,
    cert: x509.Certificate,
    key: ec.EllipticCurvePrivateKey,
) -> None:
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


@dataclass
class Broker:
    """One mosquitto process; restartable on the same ports and persistence file."""

    folder: Path
    pki: Pki
    port: int = field(default_factory=free_port)
    plain_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"mqtts://127.0.0.1:{self.port}"

    @property
    def plain_url(self) -> str:
        return f"mqtt://127.0.0.1:{self.plain_port}"

    @property
    def log_file(self) -> Path:
        return self.folder / "mosquitto.log"

    def start(self) -> None:
        """Start mosquitto and wait until both listeners accept connections."""
        conf = self._write_config()
        log = self.log_file.open("ab")
        self.process = subprocess.Popen(
            ["mosquitto", "-c", str(conf)], stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        deadline = time.monotonic() + 10
        while not (_listening(self.port) and _listening(self.plain_port)):
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"mosquitto exited: {self.log_file.read_text()[-2000:]}"
                )
            if time.monotonic() > deadline:
                raise RuntimeError("mosquitto did not start listening within 10 s")
            time.sleep(0.02)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stop it; SIGTERM lets it save its persistence file first."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None

    def restart(self, down_s: float = 0.0) -> None:
        """Stop gracefully, stay down ``down_s`` seconds, start again."""
        self.stop()
        time.sleep(down_s)
        self.start()

    def _write_config(self) -> Path:
        acl = self.folder / "acl"
        acl.write_text(ACL)
        conf = self.folder / "mosquitto.conf"
        user = getpass.getuser()
        p = self.pki
        conf.write_text(
            f"""\
per_listener_settings true
user {user}
persistence true
persistence_location {self.folder}/
autosave_interval 1
set_tcp_nodelay true
max_queued_messages 200000
max_inflight_messages 100
log_dest stdout
log_type error
log_type warning
log_type notice
connection_messages true

listener {self.port} 127.0.0.1
cafile {p.ca_cert}
certfile {p.server_cert}
keyfile {p.server_key}
require_certificate true
use_identity_as_username true
allow_anonymous false
acl_file {acl}

listener {self.plain_port} 127.0.0.1
allow_anonymous true
"""
        )
        return conf


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def mosquitto_or_skip() -> None:
    """Skip the calling test when mosquitto is not installed."""
    if shutil.which("mosquitto") is None:
        pytest.skip("mosquitto is not installed (apt-get install mosquitto)")


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """Test certificates: CA, server, the gateways and the city's two services."""
    return make_pki(
        tmp_path_factory.mktemp("pki"), (*GATEWAYS, CITY_INGEST, CITY_CONTROL)
    )


@pytest.fixture
def broker(tmp_path: Path, pki: Pki) -> Iterator[Broker]:
    """A fresh mosquitto for one test, stopped afterwards."""
    mosquitto_or_skip()
    folder = tmp_path / "broker"
    folder.mkdir()
    b = Broker(folder, pki)
    b.start()
    try:
        yield b
    finally:
        b.stop()
