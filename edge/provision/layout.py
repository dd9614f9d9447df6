"""Where a provisioned gateway keeps its files, under a chosen root.

On a real box the root is ``/``; tests pass a temporary folder. Paths written
into the configuration are the real paths under that root, so a gateway
provisioned into a folder runs from that folder as it is.
"""

from __future__ import annotations

import grp
import logging
import os
import pwd
import tempfile
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

SERVICE_USER = "edge-gateway"


@dataclass(frozen=True, slots=True)
class Layout:
    """The gateway's folders and files under one root."""

    root: Path = Path("/")

    @property
    def config_dir(self) -> Path:
        """The configuration folder (/etc/edge-gateway)."""
        return self.root / "etc" / "edge-gateway"

    @property
    def config_file(self) -> Path:
        """The gateway's TOML configuration."""
        return self.config_dir / "gateway.toml"

    @property
    def tls_dir(self) -> Path:
        """Key, certificate request, certificates and downlink keys."""
        return self.config_dir / "tls"

    @property
    def key_file(self) -> Path:
        """The gateway's private key (PEM, never leaves the box but in backups)."""
        return self.tls_dir / "gateway.key"

    @property
    def csr_file(self) -> Path:
        """The certificate request to send to the city."""
        return self.tls_dir / "gateway.csr"

    @property
    def cert_file(self) -> Path:
        """The certificate the city signed for this gateway."""
        return self.tls_dir / "gateway.crt"

    @property
    def ca_file(self) -> Path:
        """The city CA that signs broker and gateway certificates."""
        return self.tls_dir / "city-ca.crt"

    @property
    def state_dir(self) -> Path:
        """The service's writable folder (/var/lib/edge-gateway)."""
        return self.root / "var" / "lib" / "edge-gateway"

    @property
    def db_file(self) -> Path:
        """The SQLite store."""
        return self.state_dir / "gateway.db"

    @property
    def models_dir(self) -> Path:
        """Downloaded model versions (see edge.updates)."""
        return self.state_dir / "models"

    @property
    def backups_dir(self) -> Path:
        """Nightly backup archives."""
        return self.state_dir / "backups"

    @property
    def chart_svg(self) -> Path:
        """The seating chart as SVG."""
        return self.state_dir / "seating-chart.svg"

    @property
    def chart_html(self) -> Path:
        """The printable seating chart page."""
        return self.state_dir / "seating-chart.html"


def write_atomic(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Replace ``path`` with ``data`` so that a power cut leaves old or new."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def share_with_service(layout: Layout, path: Path, owner: bool = False) -> None:
    """Let the service account read (``owner``: own) a file root wrote.

    Only for the real root ``/``, run as root, once the account exists; under
    another root (tests, an image being prepared) files stay as written.
    """
    if layout.root != Path("/") or os.geteuid() != 0:
        return
    try:
        user = pwd.getpwnam(SERVICE_USER)
        group = grp.getgrnam(SERVICE_USER)
    except KeyError:
        log.warning("no %s account yet: %s stays root's", SERVICE_USER, path)
        return
    os.chown(path, user.pw_uid if owner else 0, group.gr_gid)
