"""The reference city receiver's storage: idempotent, duplicates counted, gaps found."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.uplink.helpers import receiver_module, result_data


def envelope(gateway: str, seq: int, msg_id: str | None = None) -> dict[str, Any]:
    return {
        "v": 1,
        "gateway": gateway,
        "seq": seq,
        "id": msg_id or str(uuid.uuid4()),
        "kind": "result",
        "sent_at": "2026-09-01T08:00:00+00:00",
        "data": result_data(seq),
    }


@pytest.fixture
def sink(tmp_path: Path) -> Any:
    s = receiver_module().open_sink(str(tmp_path / "city.sqlite"))
    yield s
    s.close()


def test_duplicates_are_stored_once_and_counted(sink: Any) -> None:
    first = envelope("gw-a", 1)
    assert sink.add(first, "r1", 1) is True
    assert sink.add(first, "r2", 2) is False
    assert sink.add(first, "r1", 3) is False
    sink.commit()
    gw = sink.report()["gw-a"]
    assert gw["stored"] == 1 and gw["duplicates"] == 2 and gw["missing"] == 0


def test_gaps_in_each_gateways_sequence_are_reported(sink: Any) -> None:
    for seq in (1, 2, 5, 6, 9):
        sink.add(envelope("gw-a", seq), "r1", seq)
    for seq in (3, 4):
        sink.add(envelope("gw-b", seq), "r1", seq)
    sink.commit()
    report = sink.report()
    assert report["gw-a"]["gaps"] == [[3, 4], [7, 8]]
    assert report["gw-a"]["missing"] == 4
    assert report["gw-b"]["gaps"] == [[1, 2]]  # the first two never came


def test_two_messages_claiming_one_seq_are_flagged(sink: Any) -> None:
    sink.add(envelope("gw-a", 1), "r1", 1)
    sink.add(envelope("gw-a", 1), "r1", 2)  # a restored backup reusing seqs
    sink.commit()
    assert sink.report()["gw-a"]["seq_conflicts"] == [1]


def test_storage_is_idempotent_across_reopening(tmp_path: Path) -> None:
    mod = receiver_module()
    path = str(tmp_path / "city.sqlite")
    message = envelope("gw-a", 1)
    for _ in range(2):
        sink = mod.open_sink(path)
        sink.add(message, "r1", 1)
        sink.commit()
        sink.close()
    sink = mod.open_sink(path)
    assert sink.report()["gw-a"]["stored"] == 1
    sink.close()


def test_payload_must_match_its_topic(sink: Any) -> None:
    mod = receiver_module()
    receiver = mod.Receiver("mqtt://127.0.0.1:1", sink)
    good = json.dumps(envelope("gw-a", 1)).encode()
    assert receiver._handle("homework/v1/gw-a/up/result", good) is True
    # gw-b's ACL let it publish only under gw-b: the payload may not say gw-a.
    assert receiver._handle("homework/v1/gw-b/up/result", good) is False
    assert receiver._handle("homework/v1/gw-a/up/vote", good) is False
    assert receiver._handle("homework/v1/gw-a/up/result", b"\xff{") is False
    assert receiver._handle("homework/v1/gw-a/up/result", b'{"v": 1}') is False
    assert receiver.counts.stored == 1 and receiver.counts.rejected == 4


def test_report_command_prints_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mod = receiver_module()
    path = str(tmp_path / "city.sqlite")
    sink = mod.open_sink(path)
    sink.add(envelope("gw-a", 2), "r1", 1)
    sink.commit()
    sink.close()
    assert mod.main(["--db", path, "--report"]) == 0
    assert json.loads(capsys.readouterr().out)["gw-a"]["gaps"] == [[1, 1]]
