"""Classifier inputs: resampling, rasterisation, shape features."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from edge.inference.recognition.features import (
    FEATURES,
    RASTER,
    batch_inputs,
    path_vector,
    rasterise,
    shape_vector,
    symbol_inputs,
)
from edge.inference.recognition.ink import (
    clean,
    is_dense,
    normalise,
    resample,
    resample_all,
    resample_step,
    smooth,
)

stroke = arrays(
    np.float64, st.tuples(st.integers(1, 40), st.just(2)), elements=st.floats(-100, 100)
).map(clean)


@settings(max_examples=80, deadline=None)
@given(st.lists(stroke, min_size=1, max_size=5), st.floats(0.05, 5.0))
def test_resampling_all_strokes_at_once_matches_one_by_one(
    strokes: list, step: float
) -> None:
    one_by_one = np.concatenate(
        [resample_step(s, step) if len(s) > 1 else s for s in strokes]
    )
    assert np.allclose(resample_all(strokes, step), one_by_one, atol=1e-6)


def test_resample_keeps_the_ends_and_spacing() -> None:
    line = np.array([[0.0, 0.0], [3.0, 0.0], [3.0, 4.0]])
    out = resample(line, 8)
    assert np.allclose(out[0], line[0])
    assert np.allclose(out[-1], line[-1])
    steps = np.hypot(*np.diff(out, axis=0).T)
    assert np.allclose(steps, 1.0)


@settings(max_examples=40, deadline=None)
@given(st.lists(stroke, min_size=1, max_size=4), st.floats(0.1, 50.0))
def test_inputs_are_bounded_and_finite(strokes: list, ref: float) -> None:
    image, vector = symbol_inputs(strokes, ref)
    assert image.shape == (RASTER, RASTER)
    assert vector.shape == (FEATURES,)
    assert np.isfinite(vector).all()
    assert image.min() >= 0.0
    assert image.max() <= 1.0


def test_a_dot_stays_small_and_a_digit_fills_the_raster() -> None:
    dot = [np.array([[0.0, 0.0], [0.02, 0.03]])]
    one = [np.array([[0.0, 0.0], [0.0, 1.0]])]
    dot_image, _ = symbol_inputs(dot, 1.0)
    one_image, _ = symbol_inputs(one, 1.0)
    rows = lambda img: np.nonzero(img.max(axis=1) > 0.3)[0]  # noqa: E731
    assert len(rows(dot_image)) <= 4
    assert len(rows(one_image)) >= 24


@settings(max_examples=60, deadline=None)
@given(st.lists(stroke, min_size=1, max_size=5), st.floats(0.1, 50.0))
def test_fused_inputs_equal_the_reference_functions(strokes: list, ref: float) -> None:
    image, vector = symbol_inputs(strokes, ref)
    assert np.allclose(image, rasterise(strokes, ref), atol=1e-6)
    reference = np.concatenate([path_vector(strokes), shape_vector(strokes, ref)])
    assert np.allclose(vector, reference, atol=1e-5)


def _normalise_one_by_one(strokes: list, per_height: float) -> list:
    cleaned = [clean(s) for s in strokes if len(s)]
    if not cleaned:
        return []
    ys = np.concatenate(cleaned)[:, 1]
    step = float(ys.max() - ys.min()) / per_height
    return [
        resample_step(smooth(s), step) if is_dense(s) and step > 0 else s
        for s in cleaned
    ]


dense_stroke = st.integers(8, 120).flatmap(
    lambda n: arrays(np.float64, (n, 2), elements=st.floats(-3, 3)).map(
        lambda a: np.cumsum(a * 0.01, axis=0)
    )
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(stroke, dense_stroke), min_size=1, max_size=6))
def test_packed_normalisation_equals_stroke_by_stroke(strokes: list) -> None:
    packed = normalise(strokes, 48.0)
    reference = _normalise_one_by_one(strokes, 48.0)
    assert len(packed) == len(reference)
    for a, b in zip(packed, reference, strict=True):
        assert a.shape == b.shape
        assert np.allclose(a, b, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(stroke, min_size=1, max_size=3), min_size=1, max_size=6))
def test_batched_inputs_equal_one_symbol_at_a_time(groups: list) -> None:
    images, vectors = batch_inputs(groups, 3.0)
    assert images.shape == (len(groups), 1, RASTER, RASTER)
    for k, group in enumerate(groups):
        image, vector = symbol_inputs(group, 3.0)
        assert np.allclose(images[k, 0], image, atol=1e-6)
        assert np.allclose(vectors[k], vector, atol=1e-5)
