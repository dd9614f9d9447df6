"""Configuration loading: good files load, bad ones name the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.config import load_config
from edge.errors import ConfigError

GOOD = """
[gateway]
id = "sz-nanshan-03-8-2"
db = "/var/lib/edge/gateway.db"
classroom = "8-2"

[web]
port = 8090

[answers]
idle_ms = 3000
review_threshold = 0.8

[uplink]
broker = "mqtts://city.example:8883"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "gateway.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_good_file_loads(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD))
    assert config.gateway_id == "sz-nanshan-03-8-2"
    assert config.web.port == 8090
    assert config.answers.idle_ms == 3000
    assert config.answers.review_threshold == 0.8
    assert config.section("uplink")["broker"] == "mqtts://city.example:8883"
    assert config.section("pens") == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "missing section \\[gateway\\]"),
        ("[gateway]\ndb='x'", "id is required"),
        ("[gateway]\nid='a b'\ndb='x'", "must be 1-64"),
        ("[gateway]\nid='a\\n'\ndb='x'", "must be 1-64"),
        ("[gateway]\nid='a'\ndb=3", "db must be str"),
        ("[gateway]\nid='a'\ndb='x'\n[web]\nport=70000", "port must be 0..65535"),
        ("[gateway]\nid='a'\ndb='x'\n[web]\nport='80'", "port must be int"),
        ("[gateway]\nid='a'\ndb='x'\n[answers]\nidle_ms=5", "idle_ms must be"),
        (
            "[gateway]\nid='a'\ndb='x'\n[answers]\nreview_threshold=2",
            "review_threshold",
        ),
        ("[gateway\nid='a'", "not valid TOML"),
        ("gateway = 3", "must be a table"),
    ],
)
def test_bad_files_name_the_problem(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(write(tmp_path, text))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml")


def test_binary_garbage_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "gateway.toml"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ConfigError):
        load_config(path)
