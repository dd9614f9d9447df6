"""Handing paho's queued packets to the socket in one write instead of many.

paho sends every queued packet with its own ``send`` call. With TLS each
call is one record, one system call and, on loopback, the broker's wake-up
too: a fifth of the uplink thread's time when a backlog drains. Before each
write pass, :func:`gather` joins neighbouring packets whose completion paho
does not act on into one queue entry, so a window of publishes leaves in
one call. Nothing about delivery changes: paho tracks QoS 1 and 2 messages
by their PUBACK, never by the write, and the packets keep their order.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from paho.mqtt.client import DISCONNECT, PUBLISH

# Largest joined entry. TLS cuts records at 16 KiB anyway; the bound keeps
# paho's copy of the unsent rest after a partial write small.
MAX_GATHERED_BYTES = 64 * 1024

_KEYS = frozenset({"command", "mid", "qos", "pos", "to_process", "packet", "info"})


def gather(client: Any) -> int:
    """Join the queued packets of ``client`` into fewer entries; returns how many
    entries were saved (0 when paho's queue has an unknown shape)."""
    queue = getattr(client, "_out_packet", None)
    if not isinstance(queue, deque) or len(queue) < 2:
        return 0
    entries = list(queue)
    if not all(isinstance(e, dict) and e.keys() >= _KEYS for e in entries):
        return 0  # a paho whose queue we do not know: leave it alone
    joined = join(entries)
    queue.clear()
    queue.extend(joined)
    return len(entries) - len(joined)


def join(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The same bytes in the same order, neighbouring silent packets joined."""
    out: list[dict[str, Any]] = []
    run: list[dict[str, Any]] = []
    size = 0
    for entry in entries:
        if not is_silent(entry):
            out += _merged(run)
            out.append(entry)
            run, size = [], 0
            continue
        if size and size + entry["to_process"] > MAX_GATHERED_BYTES:
            out += _merged(run)
            run, size = [], 0
        run.append(entry)
        size += entry["to_process"]
    return out + _merged(run)


def is_silent(entry: dict[str, Any]) -> bool:
    """True if paho does nothing once this packet is written.

    paho acts on the write of a QoS 0 PUBLISH (its ``on_publish``) and of a
    DISCONNECT (it closes the socket); every other packet just leaves.
    """
    kind = entry["command"] & 0xF0
    if kind == DISCONNECT:
        return False
    return not (kind == PUBLISH and entry["qos"] == 0)


def _merged(run: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if len(run) < 2:
        return run
    data = b"".join(e["packet"][e["pos"] :] if e["pos"] else e["packet"] for e in run)
    first = run[0]
    # The first entry's command and QoS: silent, so the joined one is too.
    return [
        {
            "command": first["command"],
            "mid": first["mid"],
            "qos": first["qos"],
            "pos": 0,
            "to_process": len(data),
            "packet": data,
            "info": first["info"],
        }
    ]
