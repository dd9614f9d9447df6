"""The gateway's TLS identity: key pair, certificate request, certificate.

The key is EC P-256 (every MQTT broker's TLS stack takes it), made on the box
and never leaving it except inside a backup. The city signs the request and
sends back a certificate whose common name is the gateway id: brokers use
that name as the MQTT user that ACLs confine.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from edge.provision.errors import CertificateError

PrivateKey = ec.EllipticCurvePrivateKey

# Warn this long before the gateway certificate runs out: a city needs time
# to sign a renewal, and schools close for weeks at a time.
RENEW_BEFORE = dt.timedelta(days=30)


def new_key() -> PrivateKey:
    """A fresh P-256 private key."""
    return ec.generate_private_key(ec.SECP256R1())


def key_pem(key: PrivateKey) -> bytes:
    """The key as unencrypted PKCS#8 PEM (the file is readable by root only)."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def load_key(path: Path) -> PrivateKey:
    """The gateway's private key from its PEM file."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise CertificateError(f"cannot read private key {path}: {exc}") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise CertificateError(f"{path}: expected an EC private key")
    return key


def csr_pem(key: PrivateKey, gateway_id: str, city: str, school: str) -> bytes:
    """A certificate signing request naming the gateway, for the city's CA."""
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, gateway_id),
            x509.NameAttribute(NameOID.LOCALITY_NAME, city),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, school),
        ]
    )
    usage = x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH])
    request = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(subject)
        .add_extension(usage, critical=False)
        .sign(key, hashes.SHA256())
    )
    return request.public_bytes(serialization.Encoding.PEM)


def csr_matches(path: Path, key: PrivateKey, gateway_id: str) -> bool:
    """True if the request on disk is for this key and this gateway id."""
    try:
        request = x509.load_pem_x509_csr(path.read_bytes())
    except (OSError, ValueError):
        return False
    return _same_key(request.public_key(), key) and _common_name(request.subject) == (
        gateway_id
    )


def load_certificates(path: Path) -> list[x509.Certificate]:
    """Every certificate in a PEM file (a chain or a CA bundle)."""
    try:
        certs = x509.load_pem_x509_certificates(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise CertificateError(f"cannot read certificate {path}: {exc}") from exc
    return certs


@dataclass(frozen=True, slots=True)
class CertInfo:
    """The facts about a certificate an installer needs."""

    common_name: str
    issuer: str
    not_before: dt.datetime
    not_after: dt.datetime

    def days_left(self, now: dt.datetime) -> float:
        """Days until expiry (negative once expired)."""
        return (self.not_after - now).total_seconds() / 86400


def cert_info(cert: x509.Certificate) -> CertInfo:
    """Subject, issuer and validity of a certificate."""
    return CertInfo(
        _common_name(cert.subject),
        cert.issuer.rfc4514_string(),
        cert.not_valid_before_utc,
        cert.not_valid_after_utc,
    )


def certificate_problems(
    cert: x509.Certificate,
    key: PrivateKey | None,
    gateway_id: str | None,
    now: dt.datetime,
    ca: list[x509.Certificate] | None = None,
) -> list[str]:
    """Why this certificate cannot serve this gateway (empty when it can)."""
    info = cert_info(cert)
    problems = []
    if key is not None and not _same_key(cert.public_key(), key):
        problems.append("it was issued for a different private key")
    if gateway_id is not None and info.common_name != gateway_id:
        problems.append(
            f"its common name is {info.common_name!r}, not the gateway id "
            f"{gateway_id!r}"
        )
    if now < info.not_before:
        problems.append(f"it is not valid before {info.not_before:%Y-%m-%d %H:%M} UTC")
    if now > info.not_after:
        problems.append(f"it expired on {info.not_after:%Y-%m-%d}")
    if ca is not None and not _issued_by_any(cert, ca):
        problems.append("it was not signed by the city CA given")
    return problems


def _issued_by_any(cert: x509.Certificate, cas: list[x509.Certificate]) -> bool:
    for ca in cas:
        try:
            cert.verify_directly_issued_by(ca)
        except (ValueError, TypeError, InvalidSignature):
            continue
        return True
    return False


def _same_key(public: object, key: PrivateKey) -> bool:
    fmt = serialization.PublicFormat.SubjectPublicKeyInfo
    enc = serialization.Encoding.DER
    mine = key.public_key().public_bytes(enc, fmt)
    try:
        return bool(public.public_bytes(enc, fmt) == mine)  # type: ignore[attr-defined]
    except AttributeError:
        return False


def _common_name(name: x509.Name) -> str:
    values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(values[0].value) if values else ""
