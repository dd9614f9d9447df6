"""Verified downlink content applied to a running gateway, or refused whole."""

from __future__ import annotations

import base64
import copy
import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from edge.config import AnswerConfig, Config, WebConfig
from edge.downlink_handlers import DownlinkContentError, DownlinkHandlers
from edge.errors import EdgeError
from edge.homework import library_paths
from edge.inference.recognition import Recognizer
from edge.service import Credentials, GatewayService
from edge.updates import current_dir
from edge.uplink import DownlinkMessage

MODELS = Path(__file__).parents[1] / "edge" / "inference" / "models"


def message(kind: str, data: Any) -> DownlinkMessage:
    return DownlinkMessage(kind, "gw", f"m-{kind}", datetime.now(UTC), None, data, "k1")


@pytest.fixture(scope="module")
def reader() -> Recognizer:
    return Recognizer.load()


@pytest.fixture
def service(tmp_path: Path, reader: Recognizer) -> Iterator[GatewayService]:
    config = Config(
        "gw",
        tmp_path / "g.db",
        web=WebConfig(port=0),
        answers=AnswerConfig(idle_ms=1000),
    )
    svc = GatewayService(config, Credentials("", "", "k"))
    svc.start(reader=reader)
    yield svc
    svc.stop()


@pytest.fixture
def handlers(service: GatewayService, tmp_path: Path) -> DownlinkHandlers:
    return DownlinkHandlers(service, tmp_path / "models")


def library_document() -> dict[str, Any]:
    document = yaml.safe_load(library_paths()[0].read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def test_a_new_assignment_is_installed_and_placed(
    service: GatewayService, handlers: DownlinkHandlers
) -> None:
    document = copy.deepcopy(library_document())
    document["id"] = "city-extra-1"
    document["title"] = "城市下发作业"
    handlers.assignment(message("assignment", document))
    assert "city-extra-1" in service.services.assignments
    assert any(b["id"] == "city-extra-1" for b in service.store.assignment_bodies())


def test_a_bad_assignment_is_refused_and_nothing_changes(
    service: GatewayService, handlers: DownlinkHandlers
) -> None:
    before = dict(service.services.assignments)
    document = copy.deepcopy(library_document())
    document["id"] = "city-bad"
    document["questions"][0]["type"] = "essay"
    with pytest.raises(EdgeError):
        handlers.assignment(message("assignment", document))
    assert service.services.assignments == before


def test_roster_is_installed(
    service: GatewayService, handlers: DownlinkHandlers
) -> None:
    students = [{"id": "c1", "name": "张三", "pseudonym": "p-c1", "seat": 1}]
    handlers.roster(message("roster", {"students": students}))
    assert [s.name for s in service.store.students()] == ["张三"]


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"students": []},
        {"students": [{"id": "x"}]},
        {"students": ["x"]},
        {"students": [{"id": "", "name": "n", "pseudonym": ""}]},
    ],
)
def test_bad_rosters_are_refused(
    service: GatewayService, handlers: DownlinkHandlers, data: Any
) -> None:
    with pytest.raises(DownlinkContentError):
        handlers.roster(message("roster", data))
    assert service.store.students() == []


def test_live_settings_apply_and_bad_ones_are_refused(
    service: GatewayService, handlers: DownlinkHandlers
) -> None:
    handlers.config(message("config", {"answers": {"review_threshold": 0.9}}))
    assert service.gateway.review_threshold == 0.9
    for bad in [{"answers": {"idle_ms": 5}}, {"answers": {"colour": 1}}, {"web": {}}]:
        with pytest.raises(DownlinkContentError):
            handlers.config(message("config", bad))
    assert service.gateway.review_threshold == 0.9


def model_data(version: str, corrupt: bool = False) -> dict[str, Any]:
    files = {}
    for path in MODELS.iterdir():
        if path.suffix not in (".onnx", ".json"):
            continue
        blob = path.read_bytes()
        if corrupt and path.suffix == ".onnx":
            blob = blob[: len(blob) // 3]
        files[path.name] = {
            "sha256": hashlib.sha256(blob).hexdigest(),
            "data": base64.b64encode(blob).decode(),
        }
    return {"name": "recognizer", "version": version, "files": files}


def test_a_good_model_is_switched_in_and_a_broken_one_rolled_back(
    service: GatewayService, handlers: DownlinkHandlers, tmp_path: Path
) -> None:
    handlers.model(message("model", model_data("2026.12.1")))
    installed = current_dir(tmp_path / "models", "recognizer")
    assert installed is not None and installed.name.endswith("2026.12.1")
    live = service.gateway.reader

    handlers.model(message("model", model_data("2026.12.2", corrupt=True)))
    assert current_dir(tmp_path / "models", "recognizer") == installed
    assert service.gateway.reader is live
