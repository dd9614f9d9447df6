"""Placement of pens on adapters, backoff, discovery and the [pens] section."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.drivers.pen.backoff import backoff_delay
from edge.drivers.pen.config import PenConfig
from edge.drivers.pen.discovery import LONG_SET, SHORT_SET, is_pen, pen_mac
from edge.drivers.pen.policy import PenView, live_slots, place
from edge.errors import ConfigError


def views(n: int, seen: tuple[str, ...] = ("hci0",)) -> list[PenView]:
    return [PenView(f"P{i:02}", i, frozenset(seen)) for i in range(n)]


def test_every_pen_is_live_when_the_adapter_holds_them_all() -> None:
    placed = place(views(7), ["hci0"], 7)
    assert all(p.live for p in placed.values())


def test_an_overloaded_adapter_keeps_one_link_for_the_round_robin() -> None:
    placed = place(views(9), ["hci0"], 7)
    live = sorted(a for a, p in placed.items() if p.live)
    assert live == [f"P{i:02}" for i in range(6)]


def test_a_class_is_spread_over_two_adapters() -> None:
    placed = place(views(44, ("hci0", "hci1")), ["hci0", "hci1"], 7)
    per = {a: [p for p in placed.values() if p.adapter == a] for a in ("hci0", "hci1")}
    assert [len(v) for v in per.values()] == [22, 22]
    assert [sum(p.live for p in v) for v in per.values()] == [6, 6]


def test_streaming_pens_keep_their_link_and_demoted_pens_yield() -> None:
    pens = views(9)
    pens[8] = PenView("P08", 8, frozenset({"hci0"}), "hci0", streaming=True)
    pens[0] = PenView("P00", 0, frozenset({"hci0"}), "hci0", demotions=1)
    placed = place(pens, ["hci0"], 7)
    assert placed["P08"].live
    assert not placed["P00"].live


def test_unseen_pens_are_not_placed_and_pens_go_where_they_were_heard() -> None:
    pens = [PenView("A", 0, frozenset()), PenView("B", 1, frozenset({"hci1"}))]
    placed = place(pens, ["hci0", "hci1"], 7)
    assert set(placed) == {"B"}
    assert placed["B"].adapter == "hci1"


@given(
    st.integers(0, 60),
    st.integers(1, 4),
    st.integers(1, 10),
    st.lists(st.booleans(), min_size=60, max_size=60),
)
def test_placement_never_exceeds_the_links(
    n: int, adapters: int, links: int, streaming: list[bool]
) -> None:
    names = [f"hci{i}" for i in range(adapters)]
    pens = [
        PenView(f"P{i}", i, frozenset(names), streaming=streaming[i]) for i in range(n)
    ]
    placed = place(pens, names, links)
    assert len(placed) == n
    for name in names:
        mine = [p for p in placed.values() if p.adapter == name]
        assert sum(p.live for p in mine) == live_slots(len(mine), links)
        assert sum(p.live for p in mine) <= links - (1 if len(mine) > links else 0)


@given(st.integers(0, 40), st.floats(0, 1))
def test_backoff_grows_then_stays_under_the_cap(attempt: int, rand: float) -> None:
    delay = backoff_delay(attempt, rand, base_s=0.5, cap_s=30.0, jitter=0.5)
    ceiling = min(30.0, 0.5 * 2**attempt)
    assert ceiling / 2 <= delay <= ceiling
    assert backoff_delay(attempt + 1, rand) >= backoff_delay(attempt, rand)


def test_backoff_refuses_negative_attempts() -> None:
    with pytest.raises(ValueError, match="attempt"):
        backoff_delay(-1, 0.5)


@pytest.mark.parametrize(
    ("name", "uuids", "maker", "expected"),
    [
        (None, [SHORT_SET.service], {}, True),
        (None, [LONG_SET.service.upper()], {}, True),
        ("Smart Pen", [], {}, True),  # name only, as some firmware advertises
        ("NWP-F121", [], {}, True),
        (None, [], {0x7B9C: bytes.fromhex("d2000001000000")}, True),
        (None, [], {0x7B9C: bytes.fromhex("d2010001000000")}, False),  # 9C:7B:D2:01
        ("Heart Rate", ["0000180d-0000-1000-8000-00805f9b34fb"], {76: b"x"}, False),
    ],
)
def test_pens_are_recognised_without_relying_on_the_service_uuid(
    name: str | None, uuids: list[str], maker: dict[int, bytes], expected: bool
) -> None:
    assert is_pen(name, uuids, maker) is expected


def test_pen_mac_comes_from_the_manufacturer_data() -> None:
    assert pen_mac({0x7B9C: bytes.fromhex("d2001234ff")}) == "9C:7B:D2:00:12:34"
    assert pen_mac({0x004C: b"\x02\x15"}) is None


def test_pens_section_defaults_and_values() -> None:
    assert PenConfig.from_mapping({}) == PenConfig()
    config = PenConfig.from_mapping(
        {
            "adapters": ["hci0", "hci1"],
            "links_per_adapter": 5,
            "password": "1234",
            "passwords": {"9c:7b:d2:00:00:01": "9999"},
            "scan_s": 1,
        }
    )
    assert config.adapters == ("hci0", "hci1")
    assert config.scan_s == 1.0
    assert config.password_for("9C:7B:D2:00:00:01") == "9999"
    assert config.password_for("9C:7B:D2:00:00:02") == "1234"


@pytest.mark.parametrize(
    ("mapping", "key"),
    [
        ({"adapter": "hci0"}, "pens.adapter"),
        ({"adapters": []}, "pens.adapters"),
        ({"adapters": ["hci0", "hci0"]}, "pens.adapters"),
        ({"links_per_adapter": 0}, "pens.links_per_adapter"),
        ({"links_per_adapter": True}, "pens.links_per_adapter"),
        ({"scan_s": -1}, "pens.scan_s"),
        ({"password": 1234}, "pens.password"),
        ({"passwords": {"A": 1}}, "pens.passwords.A"),
    ],
)
def test_pens_section_errors_name_the_key(mapping: dict[str, object], key: str) -> None:
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        PenConfig.from_mapping(mapping)
