"""What an installer asks for: from an answers file, flags, or prompts.

Every field is optional; a field left out keeps what the gateway already
has, which is what makes provisioning safe to run again.

An answers file (TOML, or YAML with the same shape)::

    [classroom]
    city = "shenzhen"
    school = "nanshan-03"
    grade = 8
    class = "2"
    # gateway_id = "..."  (only if the city issued one)

    [broker]
    url = "mqtts://mqtt.city.example:8883"
    ca = "city-ca.pem"
    certificate = "gateway.crt"   # a certificate the city signed
    downlink_keys = ["city-downlink.pem"]  # Ed25519 keys that sign downlink

    [teacher]
    password = "..."

    [web]
    host = "0.0.0.0"
    port = 8080

    [roster]
    csv = "class-8-2.csv"

    [pens]       # seat = address
    1 = "9C:7B:D2:00:00:01"

    [clickers]   # seat = id on the label
    1 = "100001"

Relative paths are taken from the answers file's folder.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from dataclasses import fields as fields_of
from pathlib import Path
from typing import Any

import yaml

from edge.provision import fields
from edge.provision.errors import ProvisionError


@dataclass(frozen=True, slots=True)
class Request:
    """The changes asked of one provisioning run; None means keep."""

    city: str | None = None
    school: str | None = None
    grade: int | None = None
    klass: str | None = None
    gateway_id: str | None = None
    broker: fields.Broker | None = None
    ca_file: Path | None = None
    certificate: Path | None = None
    downlink_keys: tuple[Path, ...] = ()
    new_key: bool = False
    teacher_password: str | None = None
    web_host: str | None = None
    web_port: int | None = None
    roster_csv: Path | None = None
    pens: tuple[tuple[int, str], ...] = ()
    clickers: tuple[tuple[int, str], ...] = ()
    unbind: tuple[str, ...] = ()
    new_api_token: bool = False

    def merged(self, other: Request) -> Request:
        """This request with every field ``other`` sets taken from ``other``."""
        changes: dict[str, Any] = {}
        for name in (f.name for f in fields_of(other)):
            value = getattr(other, name)
            if value not in (None, (), False):
                changes[name] = value
        return replace(self, **changes)


_SECTIONS: dict[str, set[str]] = {
    "classroom": {"city", "school", "grade", "class", "gateway_id"},
    "broker": {"url", "ca", "certificate", "downlink_keys", "new_key"},
    "teacher": {"password"},
    "web": {"host", "port", "new_api_token"},
    "roster": {"csv"},
    "pens": set(),
    "clickers": set(),
}


def request_from_file(path: Path | str) -> Request:
    """Read and validate an answers file (.toml, .yaml or .yml)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProvisionError(f"cannot read answers file: {exc}", str(path)) from exc
    try:
        if path.suffix in (".yaml", ".yml"):
            raw = yaml.safe_load(text) or {}
        else:
            raw = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise ProvisionError(f"not a valid answers file: {exc}", str(path)) from exc
    if not isinstance(raw, Mapping):
        raise ProvisionError("must hold tables such as [classroom]", str(path))
    return request_from_mapping(raw, path.parent)


def request_from_mapping(raw: Mapping[str, Any], base: Path) -> Request:
    """Validate parsed answers; relative paths are resolved against ``base``."""
    for name, table in raw.items():
        if name not in _SECTIONS:
            raise ProvisionError(
                f"unknown section; expected one of {', '.join(_SECTIONS)}", str(name)
            )
        if not isinstance(table, Mapping):
            raise ProvisionError("must be a table", str(name))
        allowed = _SECTIONS[name]
        for key in table:
            if allowed and key not in allowed:
                raise ProvisionError("unknown setting", f"{name}.{key}")

    room = raw.get("classroom", {})
    link = raw.get("broker", {})
    web = raw.get("web", {})
    return Request(
        city=_opt(room, "city", lambda v: fields.code("city", v)),
        school=_opt(room, "school", lambda v: fields.code("school", v)),
        grade=_opt(room, "grade", fields.grade),
        klass=_opt(room, "class", fields.class_name),
        gateway_id=_opt(room, "gateway_id", fields.gateway_id),
        broker=_opt(link, "url", fields.broker),
        ca_file=_opt(link, "ca", lambda v: _path(base, v, "broker.ca")),
        certificate=_opt(
            link, "certificate", lambda v: _path(base, v, "broker.certificate")
        ),
        downlink_keys=_paths(
            base, link.get("downlink_keys", []), "broker.downlink_keys"
        ),
        new_key=_flag(link, "new_key", "broker.new_key"),
        teacher_password=_opt(
            raw.get("teacher", {}), "password", fields.teacher_password
        ),
        web_host=_opt(web, "host", fields.web_host),
        web_port=_opt(web, "port", fields.web_port),
        new_api_token=_flag(web, "new_api_token", "web.new_api_token"),
        roster_csv=_opt(
            raw.get("roster", {}), "csv", lambda v: _path(base, v, "roster.csv")
        ),
        pens=_bindings(raw.get("pens", {}), "pen"),
        clickers=_bindings(raw.get("clickers", {}), "clicker"),
    )


def _opt(table: Mapping[str, Any], key: str, check: Any) -> Any:
    return check(table[key]) if key in table else None


def _flag(table: Mapping[str, Any], key: str, field: str) -> bool:
    value = table.get(key, False)
    if not isinstance(value, bool):
        raise ProvisionError(f"must be true or false, got {value!r}", field)
    return value


def _path(base: Path, value: object, field: str) -> Path:
    if not isinstance(value, str) or not value.strip():
        raise ProvisionError(f"must be a file path, got {value!r}", field)
    return base / Path(value).expanduser()


def _paths(base: Path, value: object, field: str) -> tuple[Path, ...]:
    if not isinstance(value, list):
        raise ProvisionError(f"must be a list of file paths, got {value!r}", field)
    return tuple(_path(base, v, field) for v in value)


def _bindings(table: Mapping[Any, Any], kind: str) -> tuple[tuple[int, str], ...]:
    section = f"{kind}s"
    pairs: dict[int, str] = {}
    for key, value in table.items():
        field = f"{section}.{key}"
        number = fields.seat(key, field)
        if number in pairs:
            raise ProvisionError("seat given twice", field)
        check = fields.pen_address if kind == "pen" else fields.clicker_id
        pairs[number] = check(value, field)
    return tuple(sorted(pairs.items()))
