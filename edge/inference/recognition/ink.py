"""Ink normalisation on numpy arrays: clean, smooth, resample.

A stroke here is a float array of shape (n, 2) with x to the right and y
downward, as on paper. Every function is pure and keeps the stroke order.
Scale is normalised later, per symbol, against the line height. Slant is
not corrected: the classifier is trained on slanted writing, and an
answer-wide shear measured worse (95.9% against 96.5% exact readings on the
held-out writers) because a slash or a 1 in a short answer passes for slant.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

Ink = NDArray[np.float64]

# Lengths that are whole multiples of the step, give or take rounding, get the
# same number of points however they were summed.
_SNAP = 1e-9

# Pens report positions to 1/100 Ncode unit; closer dots are the same dot.
_SAME_DOT = 1e-3


def clean(points: Ink) -> Ink:
    """The stroke without consecutive duplicate dots."""
    if len(points) < 2:
        return points
    steps = np.abs(np.diff(points, axis=0)).max(axis=1)
    keep = np.concatenate(([True], steps > _SAME_DOT))
    return points[keep]


def smooth(points: Ink) -> Ink:
    """The stroke low-passed with a 1-2-1 kernel; end points stay where they are."""
    if len(points) < 3:
        return points
    out = points.copy()
    out[1:-1] = 0.25 * points[:-2] + 0.5 * points[1:-1] + 0.25 * points[2:]
    return out


def arc_length(points: Ink) -> float:
    """Length of the stroke's path."""
    if len(points) < 2:
        return 0.0
    return float(np.hypot(*np.diff(points, axis=0).T).sum())


def resample(points: Ink, count: int) -> Ink:
    """``count`` points at equal arc length along the path, ends included."""
    if len(points) == 1 or count == 1:
        return np.repeat(points[:1], count, axis=0)
    seg = np.hypot(*np.diff(points, axis=0).T)
    cum = np.concatenate(([0.0], np.cumsum(seg)))
    if cum[-1] <= 0.0:
        return np.repeat(points[:1], count, axis=0)
    target = np.linspace(0.0, cum[-1], count)
    x = np.interp(target, cum, points[:, 0])
    y = np.interp(target, cum, points[:, 1])
    return np.stack([x, y], axis=1)


def resample_step(points: Ink, step: float) -> Ink:
    """Points along the path about ``step`` apart, ends included."""
    count = max(2, min(400, int(arc_length(points) / max(step, 1e-9) + _SNAP) + 1))
    return resample(points, count)


def resample_all(strokes: Sequence[Ink], step: float) -> Ink:
    """What :func:`resample_step` gives for each stroke, concatenated, in one pass."""
    sizes = np.array([len(s) for s in strokes])
    return resample_packed(np.concatenate(list(strokes)), sizes, step)


def resample_packed(points: Ink, sizes: NDArray[np.int64], step: float) -> Ink:
    """:func:`resample_all` for strokes packed into one array with their sizes."""
    return _resample_packed(points, sizes, step)[0]


def _resample_packed(
    points: Ink, sizes: NDArray[np.int64], step: float
) -> tuple[Ink, NDArray[np.int64]]:
    first = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    seg = np.hypot(*np.diff(points, axis=0).T)
    seg = np.concatenate(([0.0], seg))
    seg[first] = 0.0  # no pen travel counted across a pen-up
    within = np.cumsum(seg)
    lengths = np.add.reduceat(seg, first)
    counts = np.where(
        sizes > 1,
        np.clip((lengths / max(step, 1e-9) + _SNAP).astype(np.int64) + 1, 2, 400),
        1,
    )
    # Lay the strokes end to end with a gap, so one interpolation serves all.
    gap = float(lengths.max(initial=0.0)) + 1.0
    offsets = np.concatenate(([0.0], np.cumsum(lengths + gap)[:-1]))
    cum = within - np.repeat(within[first] - offsets, sizes)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    k = np.arange(counts.sum()) - np.repeat(starts, counts)
    spacing = np.where(counts > 1, lengths / np.maximum(counts - 1, 1), 0.0)
    target = k * np.repeat(spacing, counts) + np.repeat(offsets, counts)
    out = np.stack(
        [np.interp(target, cum, points[:, 0]), np.interp(target, cum, points[:, 1])], 1
    )
    return out, counts


def normalise(strokes: Sequence[Ink], per_height: float) -> list[Ink]:
    """Strokes cleaned; densely sampled ones low-passed and resampled.

    Dense strokes (a real pen's, with steps under 5% of the stroke's extent)
    are smoothed and resampled at 1/``per_height`` of the ink's height; sparse
    polylines keep their corners. Same result as :func:`clean`, :func:`smooth`
    and :func:`resample_step` stroke by stroke, in a few array operations.
    """
    raw = [s for s in strokes if len(s)]
    if not raw:
        return []
    points = np.concatenate(raw)
    sizes = np.array([len(s) for s in raw])
    first = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    keep = np.ones(len(points), dtype=bool)
    keep[1:] = np.abs(np.diff(points, axis=0)).max(axis=1) > _SAME_DOT
    keep[first] = True
    points = points[keep]
    sizes = np.add.reduceat(keep.astype(np.int64), first)
    strokes_clean = np.split(points, np.cumsum(sizes)[:-1])
    dense = np.array([is_dense(s) for s in strokes_clean])
    step = float(points[:, 1].max() - points[:, 1].min()) / per_height
    if not dense.any() or step <= 0.0:
        return strokes_clean
    picked = [smooth(s) for s, d in zip(strokes_clean, dense, strict=True) if d]
    out, counts = _resample_packed(np.concatenate(picked), sizes[dense], step)
    resampled = iter(np.split(out, np.cumsum(counts)[:-1]))
    return [
        next(resampled) if d else s for s, d in zip(strokes_clean, dense, strict=True)
    ]


def is_dense(points: Ink) -> bool:
    """Whether a stroke is sampled finely enough (a real pen) to be low-passed."""
    if len(points) < 8:
        return False
    extent = float((points.max(axis=0) - points.min(axis=0)).max())
    steps = np.abs(np.diff(points, axis=0)).max(axis=1)
    middle = len(steps) // 2
    return float(np.partition(steps, middle)[middle]) < 0.05 * extent


def join(strokes: Sequence[Ink]) -> Ink:
    """The strokes as one path with straight jumps over the pen-ups."""
    return np.concatenate([s for s in strokes if len(s)], axis=0)


def bounds(strokes: Sequence[Ink]) -> tuple[float, float, float, float]:
    """Bounding box (x0, y0, x1, y1) of all strokes."""
    allp = join(strokes)
    x0, y0 = allp.min(axis=0)
    x1, y1 = allp.max(axis=0)
    return float(x0), float(y0), float(x1), float(y1)
