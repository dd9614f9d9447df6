"""The test vectors of firmware_protocols/clicker-receiver.md hold for the codec."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from edge.drivers.clicker.capture import message_json
from edge.drivers.clicker.codec import Decoder, Frame, encode
from edge.drivers.clicker.errors import DropReason
from edge.drivers.clicker.framing import Drop

DOC = Path(__file__).parents[3] / "firmware_protocols" / "clicker-receiver.md"


def vectors() -> list[tuple[bytes, dict[str, Any]]]:
    text = DOC.read_text(encoding="utf-8")
    pairs = re.findall(r"^wire (.+)\njson (.+)$", text, flags=re.MULTILINE)
    return [(bytes.fromhex(wire), json.loads(obj)) for wire, obj in pairs]


def test_the_document_has_a_vector_for_every_message_type() -> None:
    types = {obj["type"] for _, obj in vectors()}
    assert types == {
        "hello",
        "heartbeat",
        "vote",
        "battery",
        "ack",
        "error",
        "hello_request",
        "start_question",
        "stop_question",
        "host_heartbeat",
        "vote_ack",
    }


@pytest.mark.parametrize(("wire", "expected"), vectors())
def test_vector_decodes_to_its_json_and_encodes_back(
    wire: bytes, expected: dict[str, Any]
) -> None:
    (frame,) = Decoder().feed(wire)
    assert isinstance(frame, Frame)
    assert message_json(frame) == expected
    assert encode(frame.message, frame.seq) == wire


def test_resynchronisation_examples() -> None:
    text = DOC.read_text(encoding="utf-8")
    lone = re.findall(r"^wire (.+)$\n```", text, flags=re.MULTILINE)
    noisy, flipped = (bytes.fromhex(w) for w in lone)
    out = Decoder().feed(noisy)
    assert isinstance(out[0], Drop)
    assert (out[0].reason, out[0].size) == (DropReason.COBS, 2)
    assert isinstance(out[1], Frame)
    assert out[1].message.TYPE.name == "HEARTBEAT"

    out = Decoder().feed(flipped + noisy[2:])
    assert isinstance(out[0], Drop)
    assert out[0].reason is DropReason.CRC
    assert isinstance(out[1], Frame)
