"""The assembled service: start-up, library loading and the disk cap."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.config import Config, WebConfig
from edge.errors import ConfigError
from edge.homework import library_paths
from edge.inference.recognition import Recognizer
from edge.service import Credentials, GatewayService


@pytest.fixture(scope="module")
def reader() -> Recognizer:
    return Recognizer.load()


def service(tmp_path: Path, sections: dict[str, dict[str, object]]) -> GatewayService:
    config = Config("gw", tmp_path / "g.db", web=WebConfig(port=0), sections=sections)
    return GatewayService(config, Credentials("", "", "k"))


def test_library_loads_once_and_the_cap_holds_without_a_broker(
    tmp_path: Path, reader: Recognizer
) -> None:
    svc = service(tmp_path, {"uplink": {"disk_cap_mb": 8}})
    svc.start(reader=reader)
    try:
        assert len(svc.services.assignments) == len(library_paths())
        page_limit = svc.store.conn.execute("PRAGMA max_page_count").fetchone()[0]
        page_size = svc.store.conn.execute("PRAGMA page_size").fetchone()[0]
        assert page_limit * page_size == 8 * 1024 * 1024
        marks = [svc.store.meta(f"library:{p.name}") for p in library_paths()]
        assert all(marks)
    finally:
        svc.stop()


def test_a_bad_cap_is_a_config_error(tmp_path: Path, reader: Recognizer) -> None:
    svc = service(tmp_path, {"uplink": {"disk_cap_mb": "lots"}})
    with pytest.raises(ConfigError, match="disk_cap_mb"):
        svc.start(reader=reader)
    svc.stop()
