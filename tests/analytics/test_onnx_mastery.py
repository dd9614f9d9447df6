"""The shipped ONNX mastery model agrees with the reference BKT update."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from edge.analytics.bkt import MAX_GUESS, MAX_SLIP
from edge.analytics.errors import MasteryModelError
from edge.analytics.mastery import MasteryTracker
from edge.analytics.onnx_mastery import (
    AGREEMENT_TOLERANCE,
    SHIPPED_MODEL,
    MasteryBatch,
    MasteryModel,
    reference,
)
from edge.store import Store

ROOT = Path(__file__).resolve().parents[2]


def _export_module():
    path = ROOT / "scripts" / "export_mastery_onnx.py"
    spec = importlib.util.spec_from_file_location("export_mastery_onnx", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def model() -> MasteryModel:
    return MasteryModel(SHIPPED_MODEL)


def _vec(n: int, low: float, high: float) -> st.SearchStrategy[np.ndarray]:
    return arrays(np.float64, n, elements=st.floats(low, high))


@st.composite
def batches(draw: st.DrawFn) -> MasteryBatch:
    n = draw(st.integers(1, 50))
    return MasteryBatch(
        p_known=draw(_vec(n, 0.001, 0.999)),
        credit=draw(_vec(n, 0.0, 1.0)),
        weight=draw(_vec(n, 0.0, 1.0)),
        guess=draw(_vec(n, 0.001, MAX_GUESS)),
        slip=draw(_vec(n, 0.001, MAX_SLIP)),
        learn=draw(_vec(n, 0.0, 0.999)),
        forget=draw(_vec(n, 0.0, 0.5)),
    )


@settings(max_examples=150, deadline=None)
@given(batches())
def test_onnx_agrees_with_reference(model: MasteryModel, batch: MasteryBatch) -> None:
    for got, want in zip(model.run(batch), reference(batch), strict=True):
        np.testing.assert_allclose(got, want, atol=AGREEMENT_TOLERANCE, rtol=0)


def test_empty_batch(model: MasteryModel) -> None:
    empty = np.zeros(0)
    outputs = model.run(MasteryBatch(*([empty] * 7)))
    assert all(len(o) == 0 for o in outputs)


def test_shipped_file_is_what_the_script_exports(tmp_path: Path) -> None:
    exporter = _export_module()
    out = tmp_path / "mastery.onnx"
    assert exporter.main([str(out)]) == 0
    fresh, shipped = onnx.load(str(out)), onnx.load(str(SHIPPED_MODEL))
    assert fresh.graph == shipped.graph
    MasteryModel(out)


def test_corrupted_model_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "mastery.onnx"
    data = bytearray(SHIPPED_MODEL.read_bytes())
    bad.write_bytes(bytes(data[: len(data) // 2]))
    with pytest.raises(MasteryModelError, match="cannot load"):
        MasteryModel(bad)


def test_missing_model_is_refused(tmp_path: Path) -> None:
    with pytest.raises(MasteryModelError):
        MasteryModel(tmp_path / "absent.onnx")


def test_model_computing_something_else_is_refused(tmp_path: Path) -> None:
    model = onnx.load(str(SHIPPED_MODEL))
    for node in model.graph.node:
        if node.name == "p_next":
            node.op_type = "Sub"  # kept - learned instead of kept + learned
    path = tmp_path / "wrong.onnx"
    onnx.save_model(model, str(path))
    with pytest.raises(MasteryModelError, match="disagrees"):
        MasteryModel(path)


def test_model_with_other_inputs_is_refused(tmp_path: Path) -> None:
    model = onnx.load(str(SHIPPED_MODEL))
    model.graph.input[0].name = "probability"
    for node in model.graph.node:
        node.input[:] = ["probability" if i == "p_known" else i for i in node.input]
    path = tmp_path / "renamed.onnx"
    onnx.save_model(model, str(path))
    with pytest.raises(MasteryModelError, match="inputs"):
        MasteryModel(path)


def test_tracker_falls_back_to_reference_on_a_broken_model(
    store: Store, tmp_path: Path
) -> None:
    bad = tmp_path / "mastery.onnx"
    bad.write_bytes(b"not a model")
    fallback = MasteryTracker(store, model_path=bad)
    assert fallback.engine == "reference" and fallback.model_failures == 1
    onnx_tracker = MasteryTracker(store)
    assert onnx_tracker.engine == "onnx"
    a = fallback.run(_observations(), {})
    b = onnx_tracker.run(_observations(), {})
    for x, y in zip(a, b, strict=True):
        assert x.p_mastered == pytest.approx(y.p_mastered, abs=1e-5)


def _observations():
    from edge.analytics.mastery import Observation

    return [
        Observation("s1", "K", c, w, i)
        for i, (c, w) in enumerate([(1, 1), (0, 0.4), (1, 0.9), (1, 1)])
    ]
