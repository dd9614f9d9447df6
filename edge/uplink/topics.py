"""Topic names of the homework tree, in one place.

Every topic carries the gateway id at a fixed level so that the broker can
confine each gateway with one ACL pattern.
"""

from __future__ import annotations

import re

ROOT = "homework/v1"
ALL = "all"
DOWNLINK_KINDS = ("assignment", "answer_key", "roster", "model", "config")

# A gateway id is a topic level and a certificate CN: no '/', '+', '#', no
# spaces, and short enough for logs.
_GATEWAY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def is_gateway_id(text: str) -> bool:
    """Whether ``text`` can serve as a gateway id (and is not the word ``all``)."""
    return bool(_GATEWAY_ID.fullmatch(text)) and text != ALL


def uplink(gateway: str, kind: str) -> str:
    """Where a gateway publishes messages of one kind."""
    return f"{ROOT}/{gateway}/up/{kind}"


def status(gateway: str) -> str:
    """The gateway's retained presence topic (also its last will)."""
    return f"{ROOT}/{gateway}/status"


def downlink_filters(gateway: str) -> tuple[str, str]:
    """The two filters a gateway subscribes to: its own and the city-wide one."""
    return f"{ROOT}/{gateway}/down/+", f"{ROOT}/{ALL}/down/+"


def downlink(target: str, kind: str) -> str:
    """Where the city publishes one kind for one gateway (or ``all``)."""
    return f"{ROOT}/{target}/down/{kind}"


def parse_downlink(topic: str) -> tuple[str, str] | None:
    """(target, kind) of a downlink topic, or None for any other topic."""
    parts = topic.split("/")
    if len(parts) != 5 or "/".join(parts[:2]) != ROOT or parts[3] != "down":
        return None
    return parts[2], parts[4]


def parse_uplink(topic: str) -> tuple[str, str] | None:
    """(gateway, kind) of an uplink topic, or None for any other topic."""
    parts = topic.split("/")
    if len(parts) != 5 or "/".join(parts[:2]) != ROOT or parts[3] != "up":
        return None
    return parts[2], parts[4]
