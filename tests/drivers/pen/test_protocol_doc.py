"""The test vectors in firmware_protocols/neosmartpen-v2.md decode as written."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from edge.drivers.pen.codec import (
    CommandDecoder,
    DecodeError,
    PenDecoder,
    encode_command,
    encode_message,
)
from edge.drivers.pen.eventjson import event_json, plain
from edge.drivers.pen.responses import UnknownFrame

DOC = Path(__file__).parents[3] / "firmware_protocols" / "neosmartpen-v2.md"
BLOCK = re.compile(r"```vectors\n(.*?)```", re.DOTALL)


def vectors() -> list[tuple[str, bytes, list[dict[str, Any]]]]:
    """(direction, frame bytes, decoded JSON objects) for every vector."""
    out: list[tuple[str, bytes, list[dict[str, Any]]]] = []
    for block in BLOCK.findall(DOC.read_text(encoding="utf-8")):
        for line in block.splitlines():
            if line.startswith(("pen ", "host ")):
                side, hexbytes = line.split(maxsplit=1)
                out.append((side, bytes.fromhex(hexbytes), []))
            elif line.strip().startswith("=>"):
                out[-1][2].append(json.loads(line.split("=>", 1)[1]))
    return out


VECTORS = vectors()


def test_the_document_has_vectors_for_both_directions() -> None:
    sides = {side for side, _, _ in VECTORS}
    assert sides == {"pen", "host"}
    assert len(VECTORS) >= 30


@pytest.mark.parametrize(("side", "frame", "expected"), VECTORS)
def test_vector(side: str, frame: bytes, expected: list[dict[str, Any]]) -> None:
    if side == "pen":
        decoder = PenDecoder()
        events = [*decoder.feed(frame), *decoder.flush()]
        assert [event_json(e) for e in events] == expected
        if not any(isinstance(e, DecodeError | UnknownFrame) for e in events):
            assert b"".join(encode_message(e) for e in events) == frame  # type: ignore[arg-type]
        return
    commands = CommandDecoder().feed(frame)
    assert [{"request": type(c).__name__, **plain(c)} for c in commands] == expected
    assert b"".join(encode_command(c) for c in commands) == frame  # type: ignore[arg-type]
