"""Provisioning steps for the TLS files: key, request, certificate, city CA.

Each step writes only when something differs, and says what it did.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from edge.provision import certs
from edge.provision.errors import CertificateError
from edge.provision.layout import Layout, share_with_service, write_atomic
from edge.provision.request import Request

log = logging.getLogger(__name__)


def ensure_key(layout: Layout, renew: bool) -> tuple[certs.PrivateKey, str | None]:
    """The gateway key, made when missing or asked; the change made, if any."""
    if layout.key_file.exists() and not renew:
        return certs.load_key(layout.key_file), None
    key = certs.new_key()
    # Group-readable only so the service account can use it (see layout).
    write_atomic(layout.key_file, certs.key_pem(key), mode=0o640)
    share_with_service(layout, layout.key_file)
    if not renew:
        return key, "new key pair"
    if layout.cert_file.exists():
        # The old certificate names the old key: it can no longer be used.
        aside = layout.cert_file.with_name(f"{layout.cert_file.name}.old-key")
        layout.cert_file.replace(aside)
        return key, f"key pair replaced; the old certificate moved to {aside}"
    return key, "key pair replaced"


def ensure_csr(
    layout: Layout, key: certs.PrivateKey, gateway_id: str, city: str, school: str
) -> str | None:
    """A request for the city CA matching the key and id; the change, if any."""
    if certs.csr_matches(layout.csr_file, key, gateway_id):
        return None
    write_atomic(layout.csr_file, certs.csr_pem(key, gateway_id, city, school))
    return f"certificate request for {gateway_id} written to {layout.csr_file}"


def install_ca(layout: Layout, request: Request) -> str | None:
    """Copy the city CA bundle in place after checking it parses."""
    if request.ca_file is None:
        return None
    data = _read(request.ca_file)
    certs.load_certificates(request.ca_file)
    return _install(layout.ca_file, data, "city CA")


def install_certificate(
    layout: Layout,
    request: Request,
    key: certs.PrivateKey,
    gateway_id: str,
    now: dt.datetime,
) -> str | None:
    """Check a certificate the city signed against key, id, clock and CA; install it."""
    if request.certificate is None:
        return None
    data = _read(request.certificate)
    chain = certs.load_certificates(request.certificate)
    ca = certs.load_certificates(layout.ca_file) if layout.ca_file.exists() else None
    problems = certs.certificate_problems(chain[0], key, gateway_id, now, ca)
    if problems:
        raise CertificateError(
            f"{request.certificate} cannot be used: {'; '.join(problems)}",
            "broker.certificate",
        )
    return _install(layout.cert_file, data, "gateway certificate")


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CertificateError(f"cannot read {path}: {exc}") from exc


def _install(target: Path, data: bytes, what: str) -> str | None:
    if target.exists() and target.read_bytes() == data:
        return None
    write_atomic(target, data, mode=0o644)
    return f"{what} installed at {target}"


def install_downlink_keys(
    layout: Layout, request: Request
) -> tuple[list[Path], list[str]]:
    """Copy the city's downlink signing keys in place: paths and changes made."""
    installed, changes = [], []
    for source in request.downlink_keys:
        data = _read(source)
        try:
            key = serialization.load_pem_public_key(data)
        except ValueError as exc:
            raise CertificateError(f"{source}: not a PEM public key: {exc}") from exc
        if not isinstance(key, Ed25519PublicKey):
            raise CertificateError(f"{source}: downlink keys are Ed25519 public keys")
        target = layout.tls_dir / f"downlink-{_key_id(key)}.pem"
        change = _install(target, data, "downlink key")
        if change:
            changes.append(change)
        installed.append(target)
    return installed, changes


def _key_id(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]
