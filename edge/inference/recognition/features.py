"""Classifier inputs for one symbol: a raster image and a vector of shape features.

The raster keeps the symbol's aspect ratio and, for symbols smaller than
``_MIN_FILL`` of the line height, its size, so a dot stays a dot. The vector
holds the pen path as 8 points scaled per axis to 0..1 (the representation of
the UCI pen-based digits data, so those samples and live ink look alike), the
symbol's size relative to the line height and its stroke count.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from edge.inference.recognition.ink import Ink, bounds, join, resample, resample_all

RASTER = 32
FEATURES = 24
PATH_POINTS = 8

_INNER = 26.0  # pixels the larger side of a full-size symbol spans
_MIN_FILL = 0.4  # symbols smaller than this share of the line height keep their size
_STEP = 0.4  # pixels between deposited points
_DENSITY = 1.6 * _STEP  # makes a line's centre about 1.0 bright


def _splat(points: NDArray[np.float64]) -> NDArray[np.float64]:
    """Bilinear deposit of points into a (RASTER + 2)^2 grid with a one-pixel border."""
    side = RASTER + 2
    pos = np.clip(points + 0.5, 0.0, side - 1.001)
    ix, iy = pos[:, 0].astype(np.int64), pos[:, 1].astype(np.int64)
    fx, fy = pos[:, 0] - ix, pos[:, 1] - iy
    index = np.concatenate(
        [
            iy * side + ix,
            iy * side + ix + 1,
            (iy + 1) * side + ix,
            (iy + 1) * side + ix + 1,
        ]
    )
    weight = np.concatenate(
        [(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy]
    )
    grid = np.bincount(index, weight, minlength=side * side)
    return np.asarray(grid, dtype=np.float64).reshape(side, side)


def rasterise(strokes: Sequence[Ink], ref: float) -> NDArray[np.float32]:
    """The symbol drawn into a RASTER x RASTER image, values 0..1."""
    x0, y0, x1, y1 = bounds(strokes)
    extent = max(x1 - x0, y1 - y0, _MIN_FILL * ref, 1e-6)
    scale = _INNER / extent
    centre = np.array([0.5 * (x0 + x1), 0.5 * (y0 + y1)])
    placed = [(s - centre) * scale + RASTER / 2.0 for s in strokes]
    ink = _splat(resample_all(placed, _STEP) + 0.5)
    # A 1-2-1 blur in both directions gives the pen its width.
    ink = 0.25 * ink[:-2] + 0.5 * ink[1:-1] + 0.25 * ink[2:]
    ink = 0.25 * ink[:, :-2] + 0.5 * ink[:, 1:-1] + 0.25 * ink[:, 2:]
    return np.asarray(np.clip(ink * _DENSITY, 0.0, 1.0), dtype=np.float32)


def path_vector(strokes: Sequence[Ink]) -> NDArray[np.float32]:
    """The joined pen path as 8 points, each axis scaled to 0..1 on its own."""
    path = resample(join(strokes), PATH_POINTS)
    low = path.min(axis=0)
    span = np.maximum(path.max(axis=0) - low, 1e-6)
    return np.asarray(((path - low) / span).reshape(-1), dtype=np.float32)


def shape_vector(strokes: Sequence[Ink], ref: float) -> NDArray[np.float32]:
    """Size, aspect, stroke count and path length relative to the line height."""
    x0, y0, x1, y1 = bounds(strokes)
    w, h = max(x1 - x0, 1e-3 * ref), max(y1 - y0, 1e-3 * ref)
    length = sum(
        float(np.hypot(*np.diff(s, axis=0).T).sum()) for s in strokes if len(s) > 1
    )
    count = min(len(strokes), 4)
    onehot = [1.0 if count == k else 0.0 for k in (1, 2, 3, 4)]
    return np.array(
        [
            math.log(h / ref),
            math.log(w / ref),
            float(np.clip(math.log(w / h), -4.0, 4.0)),
            *onehot,
            math.log(max(length, 1e-3 * ref) / ref),
        ],
        dtype=np.float32,
    )


def symbol_inputs(
    strokes: Sequence[Ink], ref: float
) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """Raster image and feature vector of one symbol's strokes."""
    vector = np.concatenate([path_vector(strokes), shape_vector(strokes, ref)])
    return rasterise(strokes, ref), vector
