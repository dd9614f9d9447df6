"""Validation of every provisioning field, one pure function each.

Each takes what an installer typed (or a file held) and returns the clean
value, or raises :class:`ProvisionError` naming the field and the rule.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from edge.drivers.clicker.events import clicker_address
from edge.provision.errors import ProvisionError

_CODE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$")
_CLASS = re.compile(r"^[A-Za-z0-9]{1,8}$")
_GATEWAY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$"
)
_MAC = re.compile(r"^[0-9A-F]{2}(?::[0-9A-F]{2}){5}$")
_HEX_ID = re.compile(r"^(?:0X)?([0-9A-F]{1,8})$")

MAX_GRADE = 12
MAX_SEAT = 200
MIN_PASSWORD = 8
MAX_PASSWORD = 128
MQTTS_PORT = 8883
LOOPBACK_NAMES = ("localhost",)


def _text(field: str, value: object) -> str:
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise ProvisionError(f"expected text, got {value!r}", field)
    return str(value).strip()


def _in_range(text: str, low: int, high: int) -> bool:
    # ASCII digits only ('²' is a digit to str.isdigit), and short enough
    # that int() never meets Python's limit on digit strings.
    ok = text.isascii() and text.isdigit() and len(text) <= 6
    return ok and low <= int(text) <= high


def code(field: str, value: object) -> str:
    """A city or school code: lower-case letters, digits and inner dashes."""
    text = _text(field, value).lower()
    if not _CODE.fullmatch(text):
        raise ProvisionError(
            f"{text!r} must be 1-32 letters a-z, digits or inner '-' "
            "(for example 'shenzhen' or 'nanshan-03')",
            field,
        )
    return text


def grade(value: object) -> int:
    """A school grade, 1 to 12."""
    text = _text("grade", value)
    if not _in_range(text, 1, MAX_GRADE):
        raise ProvisionError(f"{text!r} must be a whole number 1-{MAX_GRADE}", "grade")
    return int(text)


def class_name(value: object) -> str:
    """A class within its grade, as the school writes it: '2', '12', '3B'."""
    text = _text("class", value)
    if not _CLASS.fullmatch(text):
        raise ProvisionError(f"{text!r} must be 1-8 letters or digits", "class")
    return text


def gateway_id(value: object) -> str:
    """A gateway id: the MQTT client id and the certificate's common name."""
    text = _text("gateway_id", value)
    if not _GATEWAY_ID.fullmatch(text):
        raise ProvisionError(
            f"{text!r} must be 1-64 letters, digits, '-' or '_', "
            "starting with a letter or digit",
            "gateway_id",
        )
    return text


def derived_gateway_id(city: str, school: str, grade_: int, klass: str) -> str:
    """The default gateway id of a classroom: city-school-grade-class."""
    return gateway_id(f"{city}-{school}-{grade_}-{klass.lower()}")


@dataclass(frozen=True, slots=True)
class Broker:
    """Where the city broker listens."""

    host: str
    port: int
    tls: bool

    @property
    def url(self) -> str:
        """The broker as a URL, the form written to the configuration."""
        scheme = "mqtts" if self.tls else "mqtt"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}"


def broker(value: object) -> Broker:
    """A broker URL: mqtts://host[:port]; plain mqtt:// only on this machine."""
    text = _text("broker", value)
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise ProvisionError(f"{text!r} is not a URL: {exc}", "broker") from None
    if parts.scheme not in ("mqtts", "mqtt") or not parts.hostname:
        raise ProvisionError(
            f"{text!r} must look like mqtts://broker.example.org:8883", "broker"
        )
    if parts.path not in ("", "/") or parts.query or parts.username:
        raise ProvisionError(f"{text!r} must hold only host and port", "broker")
    host = parts.hostname
    if not _valid_host(host):
        raise ProvisionError(f"{host!r} is not a valid host name", "broker")
    tls = parts.scheme == "mqtts"
    if not tls and not _is_loopback(host):
        # Results carry pseudonymous student data: never send them in clear.
        raise ProvisionError(
            "plain mqtt:// is allowed only to this machine; use mqtts://", "broker"
        )
    return Broker(host, port or (MQTTS_PORT if tls else 1883), tls)


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return bool(_HOSTNAME.fullmatch(host))
    return True


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def teacher_password(value: object) -> str:
    """A teacher password long enough to resist guessing at the login limit."""
    if not isinstance(value, str):
        raise ProvisionError("expected text", "teacher_password")
    if not MIN_PASSWORD <= len(value) <= MAX_PASSWORD:
        raise ProvisionError(
            f"must be {MIN_PASSWORD}-{MAX_PASSWORD} characters, got {len(value)}",
            "teacher_password",
        )
    if value != value.strip() or len(set(value)) < 3:
        raise ProvisionError(
            "must not start or end with a space and needs at least 3 different "
            "characters",
            "teacher_password",
        )
    return value


def seat(value: object, field: str = "seat") -> int:
    """A seat number, 1 to 200."""
    text = _text(field, value)
    if not _in_range(text, 1, MAX_SEAT):
        raise ProvisionError(f"{text!r} must be a seat number 1-{MAX_SEAT}", field)
    return int(text)


def pen_address(value: object, field: str = "pen") -> str:
    """A pen's Bluetooth address, upper case: 9C:7B:D2:00:00:01."""
    text = _text(field, value).upper().replace("-", ":")
    if not _MAC.fullmatch(text):
        raise ProvisionError(
            f"{text!r} must be a Bluetooth address like 9C:7B:D2:01:02:03", field
        )
    return text


def clicker_id(value: object, field: str = "clicker") -> str:
    """A clicker id as printed on its label (hex), in the driver's form."""
    text = _text(field, value).upper()
    match = _HEX_ID.fullmatch(text)
    if not match or int(match.group(1), 16) == 0:
        raise ProvisionError(
            f"{text!r} must be the clicker's hex id from its label, like 10002A", field
        )
    return clicker_address(int(match.group(1), 16))


def web_port(value: object) -> int:
    """The teacher page's TCP port."""
    text = _text("web_port", value)
    if not _in_range(text, 1, 65535):
        raise ProvisionError(f"{text!r} must be a port 1-65535", "web_port")
    return int(text)


def web_host(value: object) -> str:
    """The address the teacher page listens on (0.0.0.0 for the whole LAN)."""
    text = _text("web_host", value)
    try:
        ipaddress.ip_address(text)
    except ValueError:
        raise ProvisionError(
            f"{text!r} must be an IP address such as 0.0.0.0", "web_host"
        ) from None
    return text


def binding(value: object, check: str, field: str) -> tuple[int, str]:
    """A 'SEAT=DEVICE' pair from the command line."""
    text = _text(field, value)
    seat_text, sep, device = text.partition("=")
    if not sep:
        raise ProvisionError(f"{text!r} must be SEAT=DEVICE, like 3=…", field)
    number = seat(seat_text, field)
    if check == "pen":
        return number, pen_address(device, field)
    return number, clicker_id(device, field)
