"""Changes to the configuration document, as pure functions on plain dicts.

The document is the parsed ``gateway.toml``. Sections other parts own
(``[answers]``, ``[pens]``, ``[clicker]`` ...) pass through untouched; only
the keys provisioning is asked to set are written.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from copy import deepcopy
from pathlib import Path
from typing import Any

from edge.provision import fields
from edge.provision.errors import ProvisionError
from edge.provision.layout import Layout
from edge.provision.request import Request

Document = dict[str, Any]
LAN_HOST = "0.0.0.0"  # noqa: S104 (deliberate: see with_web)


def read_document(path: Path) -> Document:
    """The current configuration as a dict (empty when there is none yet)."""
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ProvisionError(
            f"the existing configuration cannot be read ({exc}); fix or move it away",
            str(path),
        ) from exc


def _section(doc: Document, name: str) -> dict[str, Any]:
    value = doc.setdefault(name, {})
    if not isinstance(value, dict):
        raise ProvisionError("must be a table in the existing configuration", name)
    return value


def with_identity(doc: Document, request: Request) -> Document:
    """The document with the classroom identity and gateway id settled."""
    new = deepcopy(doc)
    room = _section(new, "classroom")
    before = dict(room)
    for key, value in (
        ("city", request.city),
        ("school", request.school),
        ("grade", request.grade),
        ("class", request.klass),
    ):
        if value is not None:
            room[key] = value
    for key in ("city", "school", "grade", "class"):
        if key not in room:
            raise ProvisionError(
                "is required the first time a gateway is provisioned",
                f"classroom.{key}",
            )

    gateway = _section(new, "gateway")
    if request.gateway_id is not None:
        gateway["id"] = request.gateway_id
    elif gateway.get("id") in (None, _derived(before)):
        # An id the city chose stays; one made from the identity follows it.
        gateway["id"] = fields.derived_gateway_id(
            room["city"], room["school"], room["grade"], room["class"]
        )
    gateway["classroom"] = f"{room['grade']}-{room['class']}"
    return new


def _derived(room: Mapping[str, Any]) -> str | None:
    try:
        return fields.derived_gateway_id(
            room["city"], room["school"], room["grade"], room["class"]
        )
    except (KeyError, ProvisionError):
        return None


def with_paths(doc: Document, layout: Layout) -> Document:
    """The document with the store path under this layout's root."""
    new = deepcopy(doc)
    _section(new, "gateway").setdefault("db", str(layout.db_file))
    return new


def with_web(
    doc: Document,
    request: Request,
    password_hash: str | None,
    token_hash: str | None,
    new_secret: str,
) -> Document:
    """The document with the teacher page's address and credentials."""
    new = deepcopy(doc)
    first = "web" not in new
    web = _section(new, "web")
    if request.web_host is not None:
        web["host"] = request.web_host
    elif first:
        # Teachers open the page from their own laptops, so a new gateway
        # listens on the classroom network, not on itself only.
        web["host"] = LAN_HOST
    if request.web_port is not None:
        web["port"] = request.web_port
    if password_hash is not None:
        web["teacher_password_hash"] = password_hash
    if token_hash is not None:
        web["api_token_hash"] = token_hash
    # A stable session key keeps teachers logged in across restarts.
    if not web.get("secret_key"):
        web["secret_key"] = new_secret
    return new


def with_uplink(doc: Document, request: Request, layout: Layout) -> Document:
    """The document with the broker address and the TLS files to use.

    A TLS broker goes into ``[uplink]`` only once the gateway holds its
    certificate: the uplink refuses to start without one, and the teacher
    page must not wait for the city. Until then the address waits under
    ``[provision] pending_broker``.
    """
    new = deepcopy(doc)
    pending = new.get("provision", {}).get("pending_broker")
    current = new.get("uplink", {}).get("broker")
    url = request.broker.url if request.broker else (current or pending)
    if url is None:
        return new
    if url.startswith("mqtts://") and not (
        layout.cert_file.exists() and layout.key_file.exists()
    ):
        _section(new, "provision")["pending_broker"] = url
        new.pop("uplink", None)
        return new
    new.get("provision", {}).pop("pending_broker", None)
    if new.get("provision") == {}:
        del new["provision"]
    uplink = _section(new, "uplink")
    uplink["broker"] = url
    uplink["client_id"] = new["gateway"]["id"]
    if url.startswith("mqtts://"):
        if layout.ca_file.exists():
            uplink["ca_file"] = str(layout.ca_file)
        uplink["cert_file"] = str(layout.cert_file)
        uplink["key_file"] = str(layout.key_file)
    keys = list(uplink.get("downlink_keys", []))
    # Installed keys are named downlink-<key id>.pem beside the certificate.
    installed = sorted(layout.tls_dir.glob("downlink-*.pem"))
    keys.extend(str(p) for p in installed if str(p) not in keys)
    if keys:
        uplink["downlink_keys"] = keys
    return new


def gateway_id_of(doc: Mapping[str, Any]) -> str | None:
    """The gateway id a document holds, if any."""
    gateway = doc.get("gateway")
    value = gateway.get("id") if isinstance(gateway, Mapping) else None
    return value if isinstance(value, str) else None
