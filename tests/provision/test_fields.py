"""Every provisioning field: good values are cleaned, bad ones are named."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.provision import ProvisionError, fields, request_from_file
from edge.provision.request import request_from_mapping


@pytest.mark.parametrize(
    ("check", "value", "expected"),
    [
        (lambda v: fields.code("city", v), " ShenZhen ", "shenzhen"),
        (lambda v: fields.code("school", v), "nanshan-03", "nanshan-03"),
        (fields.grade, "8", 8),
        (fields.grade, 12, 12),
        (fields.class_name, "3B", "3B"),
        (fields.gateway_id, "SZ_0042-a", "SZ_0042-a"),
        (fields.teacher_password, "blackboard-42", "blackboard-42"),
        (fields.seat, "40", 40),
        (fields.pen_address, "9c-7b-d2-00-00-01", "9C:7B:D2:00:00:01"),
        (fields.clicker_id, "0x10002a", "0010002A"),
        (fields.clicker_id, "2A", "0000002A"),
        (fields.web_port, "8080", 8080),
        (fields.web_host, "0.0.0.0", "0.0.0.0"),
        (fields.web_host, "::", "::"),
    ],
)
def test_good_values_are_cleaned(check: Any, value: object, expected: object) -> None:
    assert check(value) == expected


@pytest.mark.parametrize(
    ("check", "value", "field"),
    [
        (lambda v: fields.code("city", v), "", "city"),
        (lambda v: fields.code("city", v), "深圳", "city"),
        (lambda v: fields.code("city", v), "-shenzhen", "city"),
        (lambda v: fields.code("city", v), "a" * 33, "city"),
        (lambda v: fields.code("school", v), "nan shan", "school"),
        (lambda v: fields.code("school", v), True, "school"),
        (fields.grade, "0", "grade"),
        (fields.grade, "13", "grade"),
        (fields.grade, "²", "grade"),
        (fields.grade, "9" * 5000, "grade"),
        (fields.grade, "eight", "grade"),
        (fields.grade, 8.5, "grade"),
        (fields.class_name, "", "class"),
        (fields.class_name, "3-B", "class"),
        (fields.class_name, "123456789", "class"),
        (fields.gateway_id, "_gw", "gateway_id"),
        (fields.gateway_id, "g w", "gateway_id"),
        (fields.gateway_id, "g" * 65, "gateway_id"),
        (fields.teacher_password, "short", "teacher_password"),
        (fields.teacher_password, "aaaaaaaaaa", "teacher_password"),
        (fields.teacher_password, " padded-pass ", "teacher_password"),
        (fields.teacher_password, "x" * 129, "teacher_password"),
        (fields.teacher_password, 12345678, "teacher_password"),
        (fields.seat, "0", "seat"),
        (fields.seat, "201", "seat"),
        (fields.seat, "-1", "seat"),
        (fields.pen_address, "9C:7B:D2:00:00", "pen"),
        (fields.pen_address, "9C:7B:D2:00:00:0G", "pen"),
        (fields.pen_address, "9C7BD2000001", "pen"),
        (fields.clicker_id, "0", "clicker"),
        (fields.clicker_id, "123456789", "clicker"),
        (fields.clicker_id, "xyz", "clicker"),
        (fields.web_port, "0", "web_port"),
        (fields.web_port, "65536", "web_port"),
        (fields.web_host, "teacher.local", "web_host"),
        (fields.broker, "https://city.example", "broker"),
        (fields.broker, "mqtts://", "broker"),
        (fields.broker, "mqtts://city.example:99999", "broker"),
        (fields.broker, "mqtts://user@city.example", "broker"),
        (fields.broker, "mqtts://city.example/path", "broker"),
        (fields.broker, "mqtts://bad_host!:8883", "broker"),
        (fields.broker, "mqtt://city.example:1883", "broker"),
    ],
)
def test_bad_values_name_their_field(check: Any, value: object, field: str) -> None:
    with pytest.raises(ProvisionError) as caught:
        check(value)
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")


def test_broker_defaults_and_loopback_plain() -> None:
    assert fields.broker("mqtts://city.example").url == "mqtts://city.example:8883"
    assert fields.broker("mqtt://127.0.0.1:1884").url == "mqtt://127.0.0.1:1884"
    assert fields.broker("mqtts://[::1]:8883").url == "mqtts://[::1]:8883"


def test_binding_pairs() -> None:
    assert fields.binding("3=9c:7b:d2:00:00:03", "pen", "pen") == (
        3,
        "9C:7B:D2:00:00:03",
    )
    with pytest.raises(ProvisionError, match="SEAT=DEVICE"):
        fields.binding("9c:7b:d2:00:00:03", "pen", "pen")
    with pytest.raises(ProvisionError, match="seat number"):
        fields.binding("x=10002A", "clicker", "clicker")


@given(st.text(max_size=40))
def test_any_text_gives_a_value_or_a_provision_error(text: str) -> None:
    checks = [
        lambda v: fields.code("city", v),
        fields.grade,
        fields.class_name,
        fields.gateway_id,
        fields.broker,
        fields.teacher_password,
        fields.seat,
        fields.pen_address,
        fields.clicker_id,
        fields.web_port,
        fields.web_host,
    ]
    for check in checks:
        with contextlib.suppress(ProvisionError):
            check(text)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"room": {}}, "room: unknown section"),
        ({"classroom": {"town": "x"}}, "classroom.town: unknown setting"),
        ({"classroom": "x"}, "classroom: must be a table"),
        ({"classroom": {"grade": 13}}, "grade: "),
        ({"broker": {"url": "http://x"}}, "broker: "),
        ({"broker": {"ca": ""}}, "broker.ca: must be a file path"),
        (
            {"broker": {"downlink_keys": "k.pem"}},
            "broker.downlink_keys: must be a list",
        ),
        ({"broker": {"new_key": "yes"}}, "broker.new_key: must be true or false"),
        ({"teacher": {"password": "123"}}, "teacher_password: "),
        ({"web": {"port": 0}}, "web_port: "),
        ({"roster": {"csv": 3}}, "roster.csv: must be a file path"),
        ({"pens": {"0": "9C:7B:D2:00:00:01"}}, "pens.0: "),
        ({"pens": {"1": "not-a-mac"}}, "pens.1: "),
        ({"clickers": {"1": "zz"}}, "clickers.1: "),
    ],
)
def test_bad_answers_name_the_setting(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(ProvisionError) as caught:
        request_from_mapping(raw, Path("/install"))
    assert str(caught.value).startswith(message)


def test_yaml_answers_equal_toml_answers(tmp_path: Path) -> None:
    toml = tmp_path / "a.toml"
    toml.write_text(
        '[classroom]\ncity = "shenzhen"\ngrade = 8\nclass = "2"\n'
        '[pens]\n1 = "9C:7B:D2:00:00:01"\n[roster]\ncsv = "r.csv"\n'
    )
    yaml = tmp_path / "a.yaml"
    yaml.write_text(
        "classroom: {city: shenzhen, grade: 8, class: '2'}\n"
        "pens: {1: '9C:7B:D2:00:00:01'}\nroster: {csv: r.csv}\n"
    )
    assert request_from_file(toml) == request_from_file(yaml)
    assert request_from_file(toml).roster_csv == tmp_path / "r.csv"


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("a.toml", "[classroom\n", "not a valid answers file"),
        ("a.yaml", "classroom: [1, 2\n", "not a valid answers file"),
        ("a.yaml", "- just\n- a list\n", "must hold tables"),
        ("a.toml", "\udcff", "cannot read"),
    ],
)
def test_unreadable_answers_files(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    with pytest.raises(ProvisionError, match=message):
        request_from_file(path)


def test_missing_answers_file(tmp_path: Path) -> None:
    with pytest.raises(ProvisionError, match="cannot read"):
        request_from_file(tmp_path / "nope.toml")
