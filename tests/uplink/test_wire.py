"""Joining paho's queued packets: the same bytes in the same order, and the
packets paho acts on once written stay apart."""

from __future__ import annotations

from collections import deque
from typing import Any

import paho.mqtt.client as mqtt
from hypothesis import given
from hypothesis import strategies as st
from paho.mqtt.client import DISCONNECT, PINGREQ, PUBACK, PUBLISH

from edge.uplink import wire


def entry(command: int, qos: int, body: bytes, mid: int = 1, pos: int = 0) -> Any:
    """A queue entry shaped as paho 2 writes them."""
    return {
        "command": command,
        "mid": mid,
        "qos": qos,
        "pos": pos,
        "to_process": len(body) - pos,
        "packet": body,
        "info": None,
    }


def unsent(entries: list[Any]) -> bytes:
    return b"".join(e["packet"][e["pos"] :] for e in entries)


PACKETS = st.lists(
    st.tuples(
        st.sampled_from([(PUBLISH | 2, 1), (PUBLISH, 0), (PUBACK, 0), (PINGREQ, 0)]),
        st.binary(min_size=1, max_size=3000),
    ),
    max_size=60,
)


@given(PACKETS)
def test_joining_keeps_every_byte_in_order(packets: list[Any]) -> None:
    entries = [entry(c, q, body, mid=i) for i, ((c, q), body) in enumerate(packets)]
    joined = wire.join(entries)
    assert unsent(joined) == unsent(entries)
    assert all(e["to_process"] == len(e["packet"]) - e["pos"] for e in joined)
    originals = {id(e) for e in entries}
    merged = [e for e in joined if id(e) not in originals]
    assert all(e["to_process"] <= wire.MAX_GATHERED_BYTES for e in merged)


def test_qos0_publish_and_disconnect_are_never_joined() -> None:
    qos1 = [entry(PUBLISH | 2, 1, b"a" * 10, mid=i) for i in range(3)]
    loud = entry(PUBLISH, 0, b"q0", mid=9)
    bye = entry(DISCONNECT, 0, b"\xe0\x00")
    joined = wire.join([*qos1, loud, *qos1, bye])
    assert [e["to_process"] for e in joined] == [30, 2, 30, 2]
    assert joined[1] is loud and joined[3] is bye


def test_a_partly_written_packet_contributes_only_its_rest() -> None:
    first = entry(PUBLISH | 2, 1, b"0123456789", pos=4)
    joined = wire.join([first, entry(PUBACK, 0, b"ab")])
    assert joined[0]["packet"] == b"456789ab" and joined[0]["pos"] == 0


def test_runs_are_cut_at_the_size_bound() -> None:
    big = wire.MAX_GATHERED_BYTES // 2 + 1
    entries = [entry(PUBLISH | 2, 1, bytes(big), mid=i) for i in range(3)]
    assert len(wire.join(entries)) == 3


def test_gather_works_on_a_real_paho_client_queue() -> None:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    queue = client._out_packet
    assert isinstance(queue, deque)
    queue.extend(entry(PUBLISH | 2, 1, bytes([i]) * 5, mid=i) for i in range(4))
    assert wire.gather(client) == 3
    assert len(queue) == 1 and queue[0]["packet"] == b"".join(
        bytes([i]) * 5 for i in range(4)
    )


def test_gather_leaves_a_queue_of_unknown_shape_alone() -> None:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client._out_packet.extend([{"packet": b"x"}, {"packet": b"y"}])
    assert wire.gather(client) == 0
    assert len(client._out_packet) == 2
