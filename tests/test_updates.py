"""Model updates: staged, verified, switched atomically, rolled back on failure."""

from __future__ import annotations

import base64
import hashlib
import threading
from pathlib import Path

import onnx
import pytest
from onnx import TensorProto, helper

from edge.store import Store
from edge.updates import (
    ModelUpdate,
    UpdateError,
    current_dir,
    current_version,
    install_assignment,
    install_model,
    model_update_from_downlink,
    onnx_self_test,
    recover,
    recover_all,
    verify_version_dir,
)


def model_bytes(scale: float) -> bytes:
    """A tiny model: y = x * scale / scale (NaN for scale 0 on zero input)."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 4])
    s = helper.make_tensor("s", TensorProto.FLOAT, [1], [scale])
    graph = helper.make_graph(
        [
            helper.make_node("Mul", ["x", "s"], ["t"]),
            helper.make_node("Div", ["t", "s"], ["y"]),
        ],
        "tiny",
        [x],
        [y],
        [s],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model.SerializeToString()


def update(version: str, data: bytes, name: str = "recognizer") -> ModelUpdate:
    files = {"symbols.onnx": data, "labels.txt": b"0123456789\n"}
    sums = {k: hashlib.sha256(v).hexdigest() for k, v in files.items()}
    return ModelUpdate(name, version, files, sums)


GOOD = model_bytes(2.0)
NAN = model_bytes(0.0)


def test_install_then_upgrade(tmp_path: Path) -> None:
    first = install_model(tmp_path, update("v1", GOOD), onnx_self_test)
    assert (first.outcome, first.active) == ("installed", "v1")
    second = install_model(tmp_path, update("v2", model_bytes(3.0)), onnx_self_test)
    assert (second.outcome, second.active) == ("installed", "v2")

    home = tmp_path / "recognizer"
    assert current_version(tmp_path, "recognizer") == "v2"
    assert (home / "previous").resolve().name == "v1"
    assert not (home / "trial").exists()
    verify_version_dir(home / "versions/v2")
    again = install_model(tmp_path, update("v2", model_bytes(3.0)), onnx_self_test)
    assert again.outcome == "unchanged"


def test_bad_model_is_refused_before_the_switch(tmp_path: Path) -> None:
    install_model(tmp_path, update("v1", GOOD), onnx_self_test)
    result = install_model(tmp_path, update("v2", NAN), onnx_self_test)
    assert (result.outcome, result.active) == ("refused", "v1")
    assert "NaN" in result.reason
    assert not (tmp_path / "recognizer/versions/v2").exists()
    assert list((tmp_path / "recognizer").glob(".staging-*")) == []

    corrupt = install_model(tmp_path, update("v3", GOOD[:-40]), onnx_self_test)
    assert corrupt.outcome == "refused" and "does not load" in corrupt.reason


def test_checksum_mismatch_is_refused(tmp_path: Path) -> None:
    bad = update("v1", GOOD)
    bad = ModelUpdate(
        bad.name, bad.version, {**bad.files, "labels.txt": b"x"}, bad.sha256
    )
    result = install_model(tmp_path, bad, onnx_self_test)
    assert result.outcome == "refused" and "SHA-256" in result.reason
    assert current_dir(tmp_path, "recognizer") is None


def test_model_failing_on_trial_is_rolled_back(tmp_path: Path) -> None:
    install_model(tmp_path, update("v1", GOOD), onnx_self_test)
    loaded: list[str] = []

    def reload(folder: Path) -> None:
        loaded.append(folder.name)
        if folder.name == "v2":
            raise RuntimeError("recognizer accuracy on the check set fell to 12%")

    result = install_model(tmp_path, update("v2", GOOD), onnx_self_test, reload)

    assert (result.outcome, result.active) == ("rolled_back", "v1")
    assert loaded == ["v2", "v1"]
    assert current_version(tmp_path, "recognizer") == "v1"
    assert not (tmp_path / "recognizer/trial").exists()


def test_first_model_failing_on_trial_falls_back_to_the_packaged_one(
    tmp_path: Path,
) -> None:
    def reload(folder: Path) -> None:
        raise RuntimeError("refused")

    result = install_model(tmp_path, update("v1", GOOD), onnx_self_test, reload)
    assert result.outcome == "rolled_back" and result.active is None
    assert current_dir(tmp_path, "recognizer") is None


def test_power_cut_during_trial_is_rolled_back_at_start(tmp_path: Path) -> None:
    install_model(tmp_path, update("v1", GOOD), onnx_self_test)
    calls = []

    def dies_on_trial(folder: Path) -> None:
        calls.append(folder)
        if len(calls) == 2:  # the staged test passed; the trial "loses power"
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        install_model(tmp_path, update("v2", GOOD), dies_on_trial)
    assert current_version(tmp_path, "recognizer") == "v2"
    assert (tmp_path / "recognizer/trial").exists()

    assert recover_all(tmp_path) == ["recognizer"]
    assert current_version(tmp_path, "recognizer") == "v1"
    assert not recover(tmp_path, "recognizer")


def test_old_versions_are_pruned(tmp_path: Path) -> None:
    for n in range(1, 8):
        install_model(tmp_path, update(f"v{n}", model_bytes(n)), onnx_self_test)
    kept = sorted(p.name for p in (tmp_path / "recognizer/versions").iterdir())
    assert "v7" in kept and "v6" in kept
    assert len(kept) == 5  # current, previous and three more


def test_readers_always_see_a_whole_version(tmp_path: Path) -> None:
    install_model(tmp_path, update("v0", GOOD), onnx_self_test)
    stop = threading.Event()
    seen: list[str] = []
    errors: list[Exception] = []

    def reader() -> None:
        while not stop.is_set():
            folder = current_dir(tmp_path, "recognizer")
            try:
                assert folder is not None
                verify_version_dir(folder)
                seen.append(folder.name)
            except Exception as exc:  # a torn read would land here
                errors.append(exc)

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for n in range(1, 6):
            install_model(tmp_path, update(f"v{n}", model_bytes(n)), lambda _: None)
    finally:
        stop.set()
        thread.join()
    assert errors == []
    assert len(set(seen)) >= 2


def downlink(files: dict[str, bytes], **extra: object) -> dict[str, object]:
    return {
        "name": "recognizer",
        "version": "2026.09.1",
        "files": {
            k: {
                "sha256": hashlib.sha256(v).hexdigest(),
                "data": base64.b64encode(v).decode(),
            }
            for k, v in files.items()
        },
        **extra,
    }


def test_downlink_body_decodes() -> None:
    result = model_update_from_downlink(downlink({"symbols.onnx": GOOD}))
    assert result.version == "2026.09.1"
    assert result.files["symbols.onnx"] == GOOD


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (downlink({"../evil.onnx": GOOD}), "file name"),
        (downlink({"MANIFEST.json": b"{}"}), "file name"),
        (downlink({"a.onnx": GOOD}, name="Recognizer!"), "model name"),
        (downlink({"a.onnx": GOOD}, version="../v1"), "model version"),
        (downlink({}), "non-empty"),
        (downlink({f"m{i}.onnx": b"x" for i in range(17)}), "1-16 files"),
        (
            {"name": "r", "version": "1", "files": {"a": {"data": "!!", "sha256": ""}}},
            "files.a.data",
        ),
        ({"name": "r", "version": "1", "files": {"a": "text"}}, "must be an object"),
        ({"name": "r", "version": "1", "files": {"a": {"data": "AA=="}}}, "SHA-256"),
    ],
)
def test_bad_downlink_bodies(data: dict[str, object], message: str) -> None:
    with pytest.raises(UpdateError, match=message):
        model_update_from_downlink(data)


def test_self_test_runs_every_model_on_zeros(tmp_path: Path) -> None:
    (tmp_path / "a.onnx").write_bytes(GOOD)
    onnx_self_test(tmp_path)
    with pytest.raises(UpdateError, match=r"no \.onnx"):
        onnx_self_test(tmp_path / "a.onnx.d")
    (tmp_path / "b.onnx").write_bytes(NAN)
    with pytest.raises(UpdateError, match=r"b\.onnx: gives NaN"):
        onnx_self_test(tmp_path)


def test_assignment_update_is_all_or_nothing(store: Store) -> None:
    from edge.homework import library_paths, load_assignment

    assignment, document = load_assignment(library_paths()[0])
    assert install_assignment(store, document) == assignment.id
    assert {b["id"] for b in store.assignment_bodies()} == {assignment.id}

    broken = dict(document, id="broken-1", questions=[{"id": "q1"}])
    with pytest.raises(UpdateError, match="assignment refused"):
        install_assignment(store, broken)
    assert {b["id"] for b in store.assignment_bodies()} == {assignment.id}
