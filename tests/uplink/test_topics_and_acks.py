"""Topic names and PUBACK reason codes: pure decisions, no broker."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.uplink import topics
from edge.uplink.drain import AckOutcome, classify_ack


@pytest.mark.parametrize(
    ("reason", "outcome"),
    [
        (0x00, AckOutcome.DELIVERED),
        (0x10, AckOutcome.RETRY),  # no matching subscribers: the broker dropped it
        (0x80, AckOutcome.RETRY),
        (0x83, AckOutcome.RETRY),
        (0x87, AckOutcome.PARK),  # not authorized
        (0x90, AckOutcome.PARK),  # topic name invalid
        (0x91, AckOutcome.RETRY),
        (0x97, AckOutcome.RETRY),  # quota exceeded
        (0x99, AckOutcome.PARK),  # payload format invalid
    ],
)
def test_puback_reason_codes(reason: int, outcome: AckOutcome) -> None:
    assert classify_ack(reason) is outcome


def test_topics_carry_the_gateway_at_a_fixed_level() -> None:
    assert topics.uplink("gw-a", "result") == "homework/v1/gw-a/up/result"
    assert topics.status("gw-a") == "homework/v1/gw-a/status"
    assert topics.downlink_filters("gw-a") == (
        "homework/v1/gw-a/down/+",
        "homework/v1/all/down/+",
    )
    assert topics.parse_downlink("homework/v1/all/down/model") == ("all", "model")
    assert topics.parse_uplink("homework/v1/gw-a/up/vote") == ("gw-a", "vote")


@pytest.mark.parametrize(
    "topic",
    [
        "homework/v1/gw-a/up/vote",
        "homework/v2/gw-a/down/x",
        "a/b",
        "",
        "homework/v1//down/",
    ],
)
def test_other_topics_are_not_downlink(topic: str) -> None:
    parsed = topics.parse_downlink(topic)
    assert parsed is None or parsed[0] == ""  # an empty level is refused later


@pytest.mark.parametrize("name", ["gw-a", "school12.room3", "A_1"])
def test_valid_gateway_ids(name: str) -> None:
    assert topics.is_gateway_id(name)


@pytest.mark.parametrize("name", ["", "all", "a/b", "a+b", "a#", "a b", "-a", "x" * 65])
def test_invalid_gateway_ids(name: str) -> None:
    assert not topics.is_gateway_id(name)


@given(st.text(max_size=80))
def test_a_valid_gateway_id_round_trips_through_its_topics(name: str) -> None:
    if topics.is_gateway_id(name):
        assert topics.parse_uplink(topics.uplink(name, "result")) == (name, "result")
        assert topics.parse_downlink(topics.downlink(name, "config")) == (
            name,
            "config",
        )
